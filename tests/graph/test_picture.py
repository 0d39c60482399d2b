"""The picture of a fit: labels and edges read from the DOT text of real graphs."""

import re
import shutil

import dask
import dask.array as da
import pytest
from dask.delayed import Delayed
from sklearn.linear_model import SGDClassifier, SGDRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from dask_incr import Incremental, build_chain, draw_chain, fit_blocks
from dask_incr.graph import picture as picture_module

pytest.importorskip("graphviz", reason="drawing needs the graphviz Python package")


def nodes_and_edges(source):
    """Node id -> label, and the (label, label) edges of a DOT text."""
    found = re.findall(r'^\t(-?\d+) \[label=(?:"([^"]*)"|([^\s\]]+))', source, flags=re.M)
    labels = {node: quoted or bare for node, quoted, bare in found}
    edges = {(labels[a], labels[b]) for a, b in re.findall(r"^\t(-?\d+) -> (-?\d+)", source, flags=re.M)}
    return labels, edges


@pytest.fixture
def data():
    rng = da.random.default_rng(0)
    return rng.normal(size=(40, 3), chunks=10), rng.normal(size=40, chunks=10)


@pytest.mark.parametrize("signals", [False, True])
def test_every_task_of_a_fit_is_labelled_by_what_it_does_and_its_block(data, signals):
    X, y = data
    (Xo, yo) = dask.optimize(X, y)
    inputs = [((Xo.name, i, 0), (yo.name, i), None) for i in range(4)]
    graph, key = build_chain(SGDRegressor(random_state=0), inputs, dependencies=[Xo, yo], prefetch=1, signals=signals)
    source = draw_chain(Delayed(key, graph, layer=key[0])).source
    labels, edges = nodes_and_edges(source)
    steps = [f"partial_fit · block {i}" for i in range(4)]
    loads = [f"load X, y · block {i}" for i in range(4)]  # one load task per step gives X and y
    gates = [f"prefetch gate\nafter step {i}" for i in range(2)] if signals else []
    assert sorted(labels.values()) == sorted([*steps, *loads, *gates]), "one node per task, nothing unlabelled"
    assert "rankdir=LR" in source
    chain = {(steps[i], steps[i + 1]) for i in range(3)}
    feeds = {(loads[i], steps[i]) for i in range(4)}
    if signals:  # the load of block i + 2 waits on the gate after step i
        waits = {(gates[i], loads[i + 2]) for i in range(2)} | {(steps[i], gates[i]) for i in range(2)}
    else:  # on the model step itself
        waits = {(steps[i], loads[i + 2]) for i in range(2)}
    assert edges == chain | feeds | waits


def test_a_lazy_fit_on_a_local_scheduler_gates_its_loads_on_the_model_steps(data):
    X, y = data
    with dask.config.set(scheduler="threads"):
        lazy = fit_blocks(SGDRegressor(random_state=0), X, y, compute=False)  # prefetch=1
    labels, edges = nodes_and_edges(draw_chain(lazy).source)
    assert not any(label.startswith("prefetch gate") for label in labels.values())
    assert ("partial_fit · block 0", "load X, y · block 2") in edges


def test_a_shuffled_chain_says_which_block_each_step_visits(data):
    X, y = data
    lazy = fit_blocks(SGDRegressor(), X, y, shuffle_blocks=True, epochs=2, random_state=0, compute=False)
    order = [task.kwargs["block"] for task in picture_module.chain_steps(dict(lazy.dask))]
    labels, _ = nodes_and_edges(draw_chain(lazy, max_steps=8).source)
    for step, block in enumerate(order):
        expected = f"partial_fit · block {block}" + ("" if step == block else f"\nstep {step}")
        assert expected in labels.values()


@pytest.mark.parametrize("n_steps, max_steps, note", [(20, 3, "… 17 more steps"), (4, 3, "… 1 more step"), (4, 4, None)])
def test_a_long_chain_draws_a_readable_prefix(n_steps, max_steps, note):
    X = da.ones((2 * n_steps, 2), chunks=2)
    labels, edges = nodes_and_edges(draw_chain(fit_blocks(StandardScaler(), X, compute=False), max_steps=max_steps).source)
    drawn = sorted(label for label in labels.values() if label.startswith("partial_fit"))
    assert drawn == [f"partial_fit · block {i}" for i in range(min(n_steps, max_steps))]
    if note is None:
        assert not any(label.startswith("…") for label in labels.values())
    else:
        assert (f"partial_fit · block {max_steps - 1}", note) in edges


def test_a_pipeline_fit_and_a_lazy_incremental_are_drawn(data):
    X, y = data
    lazy = fit_blocks(make_pipeline(StandardScaler(), SGDRegressor()), X, y, compute=False)
    labels, _ = nodes_and_edges(draw_chain(lazy).source)
    assert "pipeline partial_fit · block 3" in labels.values()
    wrapped = Incremental(SGDClassifier(), shuffle_blocks=False).lazy_fit(X, (y > 0).astype(int))
    labels, edges = nodes_and_edges(draw_chain(wrapped).source)
    assert ("partial_fit · block 3", "incremental") in edges


def test_bad_arguments_are_named(data):
    X, y = data
    with pytest.raises(ValueError, match="max_steps must be an integer >= 1, got 0"):
        draw_chain(fit_blocks(SGDRegressor(), X, y, compute=False), max_steps=0)
    with pytest.raises(ValueError, match="holds no fit steps"):
        draw_chain(X.sum())
    with pytest.raises(TypeError, match="draw_chain needs a lazy fit, e.g. fit_blocks\\(..., compute=False\\); got .*SGDRegressor$"):
        draw_chain(SGDRegressor())


def test_without_dot_a_file_is_refused_with_the_command_that_installs_it(data, monkeypatch, tmp_path):
    X, y = data
    lazy = fit_blocks(SGDRegressor(), X, y, compute=False)
    monkeypatch.setattr(picture_module.shutil, "which", lambda name: None)
    assert draw_chain(lazy).source  # no file: nothing to render, nothing needed
    with pytest.raises(RuntimeError, match="apt-get install graphviz"):
        draw_chain(lazy, filename=str(tmp_path / "chain.png"))
    assert not (tmp_path / "chain.png").exists()


def test_without_the_graphviz_package_the_error_says_pip_install(data, monkeypatch):
    X, y = data
    monkeypatch.setattr(picture_module.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ImportError, match="pip install graphviz"):
        draw_chain(fit_blocks(SGDRegressor(), X, y, compute=False))


@pytest.mark.skipif(shutil.which("dot") is None, reason="rendering needs graphviz's dot")
@pytest.mark.parametrize("name, magic", [("chain.png", b"\x89PNG"), ("chain.svg", b"<?xml")])
def test_a_file_is_rendered_in_the_format_of_its_extension(data, tmp_path, name, magic):
    X, y = data
    draw_chain(fit_blocks(SGDRegressor(), X, y, compute=False), filename=str(tmp_path / name))
    assert (tmp_path / name).read_bytes().startswith(magic)


def test_dask_visualize_reads_the_same_labels(data):
    """chain_attributes as dask.visualize's arguments (dask.visualize passes them to dask.dot.to_graphviz)."""
    from dask.dot import to_graphviz

    X, y = data
    lazy = fit_blocks(SGDRegressor(random_state=0), X, y, compute=False)
    attrs = picture_module.chain_attributes(dict(lazy.dask))
    drawn = to_graphviz(dict(lazy.dask), function_attributes=attrs, data_attributes=attrs, collapse_outputs=True)
    assert nodes_and_edges(drawn.source) == nodes_and_edges(draw_chain(lazy).source)
