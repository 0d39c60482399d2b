"""The Sphinx documentation in docs/: it builds without a warning, and its picture shows what it says."""

import csv
import pathlib
import pickle
import re
import runpy
import textwrap

import dask
import numpy as np
import pytest
from dask.utils import key_split

DOCS = pathlib.Path(__file__).resolve().parent.parent / "docs"


def test_docs_build_without_warnings(tmp_path, capsys):
    pytest.importorskip("sphinx", reason="building the docs needs sphinx (pip install -e '.[docs]')")
    pytest.importorskip("numpydoc", reason="building the docs needs numpydoc (pip install -e '.[docs]')")
    from sphinx.cmd.build import build_main

    # -W: any warning (a broken docstring, a bad reference, a page outside the
    # toctree) fails the build; -E: read every page, never a stale cache.
    status = build_main(["-b", "html", "-q", "-W", "--keep-going", "-E", str(DOCS), str(tmp_path)])
    output = capsys.readouterr()
    assert status == 0, f"sphinx build failed:\n{output.out}\n{output.err}"
    assert "ERROR" not in output.err

    pages = ("index", "quickstart", "pipelines", "usage", "orders", "memory", "graph", "design", "api", "facade")
    for page in (*pages, "distributed", "many", "internals"):
        assert (tmp_path / f"{page}.html").exists(), f"{page}.html was not built"
    api = (tmp_path / "api.html").read_text(encoding="utf-8")
    for name in ("fit_blocks", "plan_fit", "FitPlan", "Incremental", "build_chain", "block_order",
                 "row_seeds", "row_permutation", "partial_fit_step", "make_classification",
                 "make_regression", "draw_chain", "pipeline_partial_fit_step",
                 "fit_blocks_many", "SuccessiveHalvingSearchCV", "FitOptions", "fold"):
        assert name in api, f"api.html does not document {name}"
    # The internals are documented for developers, on their own page, not as public API.
    internals = (tmp_path / "internals.html").read_text(encoding="utf-8")
    anchors = set(re.findall(r'<dt class="sig[^"]*" id="([^"]+)"', api))
    assert "dask_incr.fit_blocks" in anchors, "the anchors of documented objects are read"
    for name in ("fit.runner.run_fit", "fit.runner.run_fits", "fit.runner.read_ahead", "fit.checks.check_estimators",
                 "fit.request.FitRequest", "fit.local.LocalExecutor", "fit.distributed.DistributedExecutor",
                 "fit.windows.run_windows", "graph.orders.resolve_seed", "graph.sizeof.estimator_sizeof"):
        assert f'id="dask_incr.{name}"' in internals, f"internals.html does not document {name}"
        assert f"dask_incr.{name}" not in anchors, f"api.html documents {name}"
    # numpydoc rendered the parameter sections of the docstrings
    assert "Parameters" in api and "shuffle_blocks" in api
    # The chain picture is shown on the graph page (html_static_path copies
    # _static/ whether or not a page uses it, so its presence there proves nothing).
    graph_page = (tmp_path / "graph.html").read_text(encoding="utf-8")
    shown = re.findall(r'<img[^>]*src="([^"]*chain\.png)"', graph_page)
    assert shown, "graph.html does not show chain.png"
    assert all((tmp_path / src).exists() for src in shown), shown


def test_the_chain_picture_is_what_its_caption_says(monkeypatch):
    """docs/graph.rst's caption of _static/chain.png, checked against the graph docs/chain_png.py draws."""
    import dask_incr

    drawn = []
    monkeypatch.setattr(dask_incr, "draw_chain", lambda lazy, **kwargs: drawn.append((lazy, kwargs)))
    runpy.run_path(str(DOCS / "chain_png.py"))
    ((lazy, kwargs),) = drawn
    assert pathlib.Path(kwargs["filename"]) == DOCS / "_static" / "chain.png"
    caption = (DOCS / "graph.rst").read_text(encoding="utf-8")
    assert ".. image:: _static/chain.png" in caption and "``docs/chain_png.py``" in caption

    graph = dict(lazy.dask)
    name = lazy.key[0]
    steps = [(name, i) for i in range(4)]
    assert lazy.key == steps[-1] and key_split(name) == "fit"
    loads = {key for key in graph if key_split(key) == "load"}
    # Nothing else is drawn: 4 fit steps, one load each (X's and y's blocks together), no signal task.
    assert set(graph) == set(steps) | loads and len(loads) == 4
    for i, step in enumerate(steps):
        deps = graph[step].dependencies
        # "they form the chain block 0 → 1 → 2 → 3"
        assert deps & set(steps) == ({steps[i - 1]} if i else set())
        assert graph[step].kwargs["block"] == i
        # "Green boxes load a block of X and y together"
        (load,) = deps - set(steps)
        assert load in loads and load[1] == i
        tasks, _ = graph[load].args[0].value  # what the one load task runs (dask_incr.graph.steps.load_inputs)
        generated = sorted(task.key[1:] for task in tasks if key_split(task.key) == "normal")
        assert generated == [(i, i), (i, i, 0)]
        # "The blocks of steps 0 and 1 load at once; those of steps 2 and 3 wait on steps 0 and 1"
        assert graph[load].dependencies == (set() if i < 2 else {steps[i - 2]})


def code_blocks(path):
    """The Python code of a page: ```python blocks of Markdown, ``.. code-block:: python`` blocks of RST."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".md":
        return re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)
    blocks = re.findall(r"^\.\. code-block:: python\n\n((?:(?:   .*)?\n)+)", text, flags=re.M)
    return [textwrap.dedent(block) for block in blocks]


@pytest.mark.parametrize(
    "page, n_blocks",
    [("README.md", 1), ("docs/quickstart.rst", 2), ("docs/pipelines.rst", 3)],
)
def test_the_examples_run_as_written(page, n_blocks, capsys, monkeypatch, tmp_path):
    """Every Python block of the README, the quick start and the pipelines page runs on its own, and prints."""
    monkeypatch.chdir(tmp_path)  # a block that writes a file writes it here
    blocks = code_blocks(DOCS.parent / page)
    assert len(blocks) == n_blocks, f"{page}: {len(blocks)} Python blocks"
    for block in blocks:
        exec(compile(block, page, "exec"), {"__name__": "__doc_example__"})  # a fresh namespace: self-contained
    printed = capsys.readouterr().out
    assert "accuracy" in printed, printed


def test_the_quickstart_prints_what_it_says_it_prints(capsys):
    page = (DOCS / "quickstart.rst").read_text(encoding="utf-8")
    said = re.search(r"It prints:\n\n\.\. code-block:: text\n\n((?:   .*\n)+)", page).group(1)
    exec(compile(code_blocks(DOCS / "quickstart.rst")[0], "quickstart", "exec"), {})
    assert capsys.readouterr().out == textwrap.dedent(said)


def test_the_readme_keeps_its_two_commands():
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    assert 'python -m pip install -e ".[picture]" && python -m dask_incr' in readme
    assert 'python -m pip install -e ".[test]" && python -m pytest' in readme


def test_the_doctests_of_the_orders_page_pass():
    import doctest

    results = doctest.testfile(
        str(DOCS / "orders.rst"), module_relative=False, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    )
    assert results.attempted > 20 and results.failed == 0


def test_the_doctests_of_the_search_page_pass():
    import doctest

    results = doctest.testfile(
        str(DOCS / "search.rst"), module_relative=False, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    )
    assert results.attempted > 20 and results.failed == 0


def test_the_learning_curve_is_what_the_stopping_page_says():
    """docs/stopping.rst's account of the run docs/learning_curve_png.py draws, checked against that run."""
    clf = runpy.run_path(str(DOCS / "learning_curve_png.py"))["clf"]  # not __main__: nothing is written
    page = (DOCS / "stopping.rst").read_text(encoding="utf-8")
    assert ".. image:: _static/learning_curve.png" in page and "``docs/learning_curve_png.py``" in page
    scores = [entry["score"] for entry in clf.history_]
    assert len(scores) == 40 and scores[0] == 0.6875  # "stops, ten passes short of epochs=50"; history_[0]
    assert scores[34] == 0.909 and max(scores[35:]) == scores[39] == 0.91  # "after epoch 35 it is 0.909 ..."
    assert max(scores[:35]) == 0.909 and scores[38] == 0.9095
    assert all(scores[e] < max(scores[:e]) + 1e-3 for e in range(35, 40)), "each less than tol above the best before it"
    best = 1 + max(range(40), key=lambda e: (scores[e], -e))
    assert best == 40 and clf.estimator_.t_ == 40 * 18_000, "the model returned is epoch 40's"


# -- docs/usage.rst's bad-input table: every row is run ------------------------------------


def _bad_input_section():
    text = (DOCS / "usage.rst").read_text(encoding="utf-8")
    return text[text.index("\nErrors\n------\n") :]


def _indented_block(lines):
    """The indented body of a directive: its lines up to the first unindented one, options dropped."""
    body = []
    for line in lines:
        if line.strip() and not line.startswith(" "):
            break
        if not line.strip().startswith(":"):
            body.append(line[3:])
    return body


def bad_input_setup():
    """The code block the table's calls use, as written in the docs."""
    section = _bad_input_section()
    after = section[section.index(".. code-block:: python") :].splitlines()[1:]
    return "\n".join(_indented_block(after))


def bad_input_rows():
    """``(call, exception name, message)`` per row of the csv-table, backquotes stripped."""
    section = _bad_input_section()
    after = section[section.index(".. csv-table:: Bad input") :].splitlines()[1:]
    body = [line for line in _indented_block(after) if line.strip()]
    return [tuple(cell.strip().strip("`") for cell in row) for row in csv.reader(body, skipinitialspace=True)]


def _exception_class(name):
    import builtins

    import sklearn.exceptions

    import dask_incr

    for namespace in (builtins, dask_incr, sklearn.exceptions):
        if hasattr(namespace, name):
            return getattr(namespace, name)
    raise AssertionError(f"the table names an unknown exception {name}")


def refuse_to_compute(*args, **kwargs):
    raise AssertionError("something was computed before the bad input was refused")


def test_the_bad_input_table_covers_every_entry_point():
    calls = [call for call, _, _ in bad_input_rows()]
    assert len(calls) >= 40
    for entry in ("fit_blocks(", "plan_fit(", ".fit(", ".partial_fit(", ".lazy_fit(", ".predict(", ".score(", "build_chain("):
        assert any(entry in call for call in calls), f"no row calls {entry}"
    assert len(set(calls)) == len(calls), "a call is listed twice"


@pytest.mark.parametrize("call, exception, message", bad_input_rows(), ids=[row[0] for row in bad_input_rows()])
def test_every_row_of_the_bad_input_table_raises_as_documented(call, exception, message):
    namespace = {}
    exec(bad_input_setup(), namespace)
    in_memory = {name: value for name, value in namespace.items() if isinstance(value, np.ndarray) or hasattr(value, "get_params")}
    before = {name: pickle.dumps(value) for name, value in in_memory.items()}
    with dask.config.set(scheduler=refuse_to_compute), pytest.raises(Exception) as raised:
        eval(call, namespace)
    assert type(raised.value) is _exception_class(exception), f"{call} raised {type(raised.value).__name__}: {raised.value}"
    assert message in str(raised.value), f"{call}: {raised.value}"
    assert {name: pickle.dumps(value) for name, value in in_memory.items()} == before, "the caller's objects changed"


def test_the_doctests_of_the_stopping_page_pass():
    import doctest

    results = doctest.testfile(
        str(DOCS / "stopping.rst"), module_relative=False, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    )
    assert results.attempted >= 10 and results.failed == 0
