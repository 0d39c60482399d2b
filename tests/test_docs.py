"""The Sphinx documentation in docs/: it builds without a warning, and its picture shows what it says."""

import csv
import doctest
import io
import pathlib
import pickle
import re
import runpy

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
    for page in (*pages, "distributed", "many", "internals", "datasets", "search"):
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


#: Every page whose examples the suite runs: all of docs/ and the README.
PAGES = sorted(f"docs/{path.name}" for path in DOCS.glob("*.rst")) + ["README.md"]


def page_doctest(page):
    """The examples of a page as one doctest (the page's ``>>>`` lines share one namespace)."""
    text = (DOCS.parent / page).read_text(encoding="utf-8")
    return doctest.DocTestParser().get_doctest(text, {"__name__": "__doc_example__"}, page, page, 0)


@pytest.mark.parametrize("page", PAGES)
def test_every_example_of_the_page_prints_what_it_shows(page, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # an example that writes a file writes it here
    report = io.StringIO()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    try:
        result = runner.run(page_doctest(page), out=report.write)
    finally:
        namespace_cleanup(page)
    assert result.failed == 0, report.getvalue()


def namespace_cleanup(page):
    """Close what a page's examples may leave open (a distributed Client)."""
    try:
        from distributed import default_client
    except ImportError:
        return
    try:
        default_client().close()
    except ValueError:  # no client: the page closed its own
        pass


@pytest.mark.parametrize("page", PAGES)
def test_every_code_example_is_a_checked_doctest(page):
    text = (DOCS.parent / page).read_text(encoding="utf-8")
    assert ".. code-block:: python" not in text and "```python" not in text, f"{page} has an example that is not run"
    assert not re.search(r"e\.g\. \[\d+, \d+, \d+, \.\.\.\]", text), f"{page} shows an order it does not check"
    if "code-block:: pycon" in text or "```pycon" in text:
        assert page_doctest(page).examples, page


def test_the_readme_keeps_its_two_commands():
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    assert 'python -m pip install -e ".[picture]" && python -m dask_incr' in readme
    assert 'python -m pip install -e ".[test]" && python -m pytest' in readme


def test_the_learning_curve_is_what_the_stopping_page_says():
    """docs/stopping.rst's account of the run docs/learning_curve_png.py draws, checked against that run."""
    clf = runpy.run_path(str(DOCS / "learning_curve_png.py"))["clf"]  # not __main__: nothing is written
    page = (DOCS / "stopping.rst").read_text(encoding="utf-8")
    assert ".. image:: _static/learning_curve.png" in page and "``docs/learning_curve_png.py``" in page
    scores = [entry["score"] for entry in clf.history_]
    assert len(scores) == 32 and scores[0] == 0.5965  # "stops, eighteen passes short of epochs=50"; history_[0]
    assert scores[3] == 0.9085 and scores[27] == 0.968  # "0.9085 after epoch 4, 0.968 after epoch 28"
    assert max(scores) == scores[31] == 0.9695  # "epochs 28 to 32 creep up to 0.9695"
    assert all(scores[e] < max(scores[:e]) + 1e-3 for e in range(27, 32)), "each less than tol above the best before it"
    best = 1 + max(range(32), key=lambda e: (scores[e], -e))
    assert best == 32 and clf.estimator_.t_ == 32 * 18_000, "the model returned is epoch 32's"


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
    after = section[section.index(".. code-block:: pycon") :].splitlines()[1:]
    examples = doctest.DocTestParser().get_examples("\n".join(_indented_block(after)))
    return "".join(example.source for example in examples)


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


def test_the_readme_example_runs_without_the_picture_extra(monkeypatch, tmp_path):
    """The README's example needs only the base install: no graphviz, no matplotlib."""
    import sys

    monkeypatch.chdir(tmp_path)
    for optional in ("graphviz", "matplotlib"):
        monkeypatch.setitem(sys.modules, optional, None)  # importing it raises ImportError
    report = io.StringIO()
    result = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE).run(
        page_doctest("README.md"), out=report.write
    )
    assert result.attempted > 10 and result.failed == 0, report.getvalue()


def test_the_readme_defines_its_words_and_names_the_built_docs():
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    assert "**the chain** is" in readme and "The **held-out blocks** of early stopping are" in readme
    assert "docs/_build/html/index.html" in readme
    assert "python -m sphinx -W -b html docs docs/_build/html" in readme


def test_the_test_extra_installs_what_the_dask_ml_comparisons_import():
    """The README's test command installs dask-ml, so the comparisons with it run instead of being skipped."""
    import configparser

    setup = configparser.ConfigParser()
    setup.read(DOCS.parent / "setup.cfg")
    test_extra = setup["options.extras_require"]["test"].split()
    assert any(requirement.startswith("dask-ml") for requirement in test_extra)
