"""The demo, ``python -m dask_incr``: what it prints, what it draws, how it refuses bad options."""

import re
import subprocess
import sys
import time

import pytest

from dask_incr import __main__ as demo


def test_demo_fits_reports_and_draws(tmp_path, capsys, monkeypatch):
    picture = tmp_path / "chain.png"
    draws = []
    monkeypatch.setattr(demo, "draw_chain", lambda lazy, filename, max_steps: draws.append((lazy.key, filename, max_steps)))
    monkeypatch.setattr(demo, "missing_tools", lambda: None)
    demo.main(["--blocks", "8", "--rows", "500", "--features", "5", "--picture", str(picture)])
    out = capsys.readouterr().out
    assert "4,000 rows x 5 features in 8 blocks" in out
    accuracy = float(re.search(r"accuracy on 1,000 held-out rows: ([\d.]+)", out).group(1))
    assert accuracy > 0.7
    assert re.search(r"fitted 8 blocks in [\d.]+ s", out)
    # the whole fit's chain, of which the picture shows a prefix
    assert draws == [(draws[0][0], str(picture), demo.PICTURE_STEPS)] and draws[0][0][1] == 7
    assert f"(its first {demo.PICTURE_STEPS} of 8 steps)" in out


def test_one_block_is_one_block(capsys, monkeypatch):
    monkeypatch.setattr(demo, "missing_tools", lambda: "the graphviz Python package is missing: pip install graphviz")
    demo.main(["--blocks", "1", "--rows", "200", "--features", "2"])
    out = capsys.readouterr().out
    assert "in 1 block of" in out and "fitted 1 block in" in out and "1 blocks" not in out
    # what is missing is said first, before any work
    assert out.startswith("note: the chain will not be drawn: the graphviz Python package is missing: pip install graphviz")


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--blocks", "0"], "argument --blocks: 0 is too few: at least 1 block is needed"),
        (["--blocks", "-2"], "argument --blocks: -2 is too few: at least 1 block is needed"),
        (["--features", "1"], "argument --features: 1 is too few: at least 2 features are needed"),
        (["--rows", "ten"], "argument --rows: 'ten' is not a whole number"),
        # the file it names is the file it writes: no extension added, no hidden file, no other format
        (["--picture", "noext"], "argument --picture: 'noext' does not end in .png or .svg"),
        (["--picture", "chain.pdf"], "argument --picture: 'chain.pdf' does not end in .png or .svg"),
        (["--picture", ""], "argument --picture: '' is no file name: give one such as chain.png"),
        (["--picture", ".png"], "argument --picture: '.png' is no file name: give one such as chain.png"),
        (["--picture", "no-such-folder/chain.png"],
         "argument --picture: 'no-such-folder/chain.png': the folder 'no-such-folder' does not exist"),
    ],
)
def test_bad_options_are_refused_by_argparse_in_one_line(argv, message, capsys):
    with pytest.raises(SystemExit) as exited:
        demo.make_parser().parse_args(argv)
    assert exited.value.code == 2
    error_lines = [line for line in capsys.readouterr().err.splitlines() if "error:" in line]
    assert error_lines == [f"python -m dask_incr: error: {message}"]


def test_help_has_every_default_and_no_rst():
    done = subprocess.run([sys.executable, "-m", "dask_incr", "--help"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0
    text = " ".join(done.stdout.split())  # argparse wraps lines
    for option, default in [("--blocks", 200), ("--rows", 10000), ("--features", 20), ("--picture", "fit-chain.png")]:
        assert re.search(rf"{option} \w+ [^-]*\(default: {default}\)", text), option
    assert "``" not in done.stdout


def test_a_bad_option_from_the_command_line_exits_2_without_a_traceback():
    done = subprocess.run([sys.executable, "-m", "dask_incr", "--features", "1"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        "python -m dask_incr: error: argument --features: 1 is too few: at least 2 features are needed"
    )


@pytest.mark.parametrize("absent", ["graphviz", "dot"])
def test_the_missing_picture_tools_are_named_with_their_install_command(absent, monkeypatch):
    picture = sys.modules["dask_incr.graph.picture"]
    if absent == "graphviz":
        monkeypatch.setattr(picture.importlib.util, "find_spec", lambda name: None)
        assert "pip install graphviz" in demo.missing_tools()
    else:
        monkeypatch.setattr(picture.importlib.util, "find_spec", lambda name: object())
        monkeypatch.setattr(picture.shutil, "which", lambda name: None)
        assert "apt-get install graphviz" in demo.missing_tools()


def test_a_bad_picture_is_refused_before_any_work():
    done = subprocess.run([sys.executable, "-m", "dask_incr", "--picture", "missing/chain.png"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stdout == "" and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].endswith("the folder 'missing' does not exist")


@pytest.mark.parametrize("name", ["chain.svg", "CHAIN.PNG"])
def test_good_pictures_are_accepted_as_named(name, tmp_path):
    path = str(tmp_path / name)
    assert demo.make_parser().parse_args(["--picture", path]).picture == path


def test_time_per_block_leaves_out_the_progress_bar(capsys, monkeypatch):
    """A bar that lingers a whole second after the fit (its polling) does not count in the time per block."""
    from dask.diagnostics import ProgressBar

    finish = ProgressBar._finish

    def slow_finish(self, *args, **kwargs):
        time.sleep(1.0)
        return finish(self, *args, **kwargs)

    monkeypatch.setattr(ProgressBar, "_finish", slow_finish)
    monkeypatch.setattr(demo, "missing_tools", lambda: "not drawn in this test")
    demo.main(["--blocks", "1", "--rows", "200", "--features", "2"])
    per_block = float(re.search(r"\(([\d.]+) ms per block\)", capsys.readouterr().out).group(1))
    assert per_block < 500
