"""The demo, ``python -m dask_incr``."""

import re

import pytest

from dask_incr import __main__ as demo


def test_demo_fits_reports_and_draws(tmp_path, capsys, monkeypatch):
    picture = tmp_path / "chain.png"
    draws = []
    monkeypatch.setattr(demo.dask, "visualize", lambda lazy, filename: draws.append((lazy.key, filename)))
    monkeypatch.setattr(demo, "picture_tools_missing", lambda: None)
    demo.main(["--blocks", "6", "--rows", "500", "--features", "5", "--picture", str(picture)])
    out = capsys.readouterr().out
    assert "3,000 rows x 5 features in 6 blocks" in out
    accuracy = float(re.search(r"accuracy on held-out data: ([\d.]+)", out).group(1))
    assert accuracy > 0.7
    assert re.search(r"fitted 6 blocks in [\d.]+ s", out)
    assert draws and draws[0][0][1] == 3 and draws[0][1] == str(picture), "a 4-step chain is drawn"


@pytest.mark.parametrize("absent", ["graphviz", "dot"])
def test_demo_says_how_to_get_the_picture_tools(absent, monkeypatch):
    if absent == "graphviz":
        monkeypatch.setattr(demo.importlib.util, "find_spec", lambda name: None)
        assert "pip install graphviz" in demo.picture_tools_missing()
    else:
        monkeypatch.setattr(demo.importlib.util, "find_spec", lambda name: object())
        monkeypatch.setattr(demo.shutil, "which", lambda name: None)
        assert "apt-get install graphviz" in demo.picture_tools_missing()
