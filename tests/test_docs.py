"""The Sphinx documentation in docs/ builds without a warning, API pages included."""

import pathlib

import pytest

pytest.importorskip("sphinx", reason="building the docs needs sphinx (pip install -e '.[docs]')")
pytest.importorskip("numpydoc", reason="building the docs needs numpydoc (pip install -e '.[docs]')")

from sphinx.cmd.build import build_main  # noqa: E402

DOCS = pathlib.Path(__file__).resolve().parent.parent / "docs"


def test_docs_build_without_warnings(tmp_path, capsys):
    # -W: any warning (a broken docstring, a bad reference, a page outside the
    # toctree) fails the build; -E: read every page, never a stale cache.
    status = build_main(["-b", "html", "-q", "-W", "--keep-going", "-E", str(DOCS), str(tmp_path)])
    output = capsys.readouterr()
    assert status == 0, f"sphinx build failed:\n{output.out}\n{output.err}"
    assert "ERROR" not in output.err

    for page in ("index", "usage", "orders", "memory", "graph", "design", "api", "facade", "distributed"):
        assert (tmp_path / f"{page}.html").exists(), f"{page}.html was not built"
    api = (tmp_path / "api.html").read_text(encoding="utf-8")
    for name in ("fit_blocks", "plan_fit", "FitPlan", "Incremental", "build_chain", "block_order",
                 "row_seeds", "row_permutation", "resolve_seed", "partial_fit_step", "make_classification",
                 "make_regression", "estimator_sizeof"):
        assert name in api, f"api.html does not document {name}"
    # numpydoc rendered the parameter sections of the docstrings
    assert "Parameters" in api and "shuffle_blocks" in api
    assert (tmp_path / "_images" / "chain.png").exists() or (tmp_path / "_static" / "chain.png").exists()
