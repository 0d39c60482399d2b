"""The chain graph: keys, dependencies, tokens, prefetch gating, epochs re-reading."""


import dask
import dask.array as da
import numpy as np
import pytest
from dask.delayed import Delayed
from dask.task_spec import DataNode, GraphNode, Task
from gates import gated_steps, gates, inner_tasks, is_signal
from live import LiveBlocks, SlowLearner, tracked_array
from oracle import assert_same_model, manual_fit
from sklearn.linear_model import SGDClassifier, SGDRegressor

from dask_incr import Incremental, build_chain, fit_blocks, plan_fit
from dask_incr.graph.localize import MAX_NESTING


def test_private_dask_api():
    """graph.py's one private import: fails loudly if dask changes it."""
    from dask._task_spec import convert_legacy_graph

    graph = convert_legacy_graph({"a": 1, "b": (sum, ["a", 2])})
    assert isinstance(graph["a"], DataNode)
    assert isinstance(graph["b"], Task) and graph["b"].dependencies == {"a"}
    assert dask.get(graph, "b") == 3


def _chain(X, y, **kwargs):
    return fit_blocks(SGDRegressor(random_state=0), X, y, compute=False, **kwargs)


def test_keys_and_dependencies_of_the_plain_chain():
    X = da.random.default_rng(0).normal(size=(50, 3), chunks=(10, 2))
    y = da.arange(50.0, chunks=10)
    plan = plan_fit(SGDRegressor(random_state=0), X, y, shuffle_blocks=True, random_state=1, prefetch=None)
    lazy = plan.result
    name = lazy.key[0]
    assert name.startswith("fit-") and lazy.key == (name, 4)
    layer = lazy.dask.layers[name]
    steps = {k for k in layer if k[0] == name}
    assert steps == {(name, i) for i in range(5)}
    (Xo, yo) = dask.optimize(X, y)
    loads = set()
    for i, block in enumerate(plan.order):
        deps = layer[(name, i)].dependencies
        assert ((name, i - 1) in deps) == (i > 0), "step i reads the model of step i - 1"
        assert not deps & (steps - {(name, i - 1)}), "and no other model step"
        # Each block's own input tasks are copied for its step, even unprefetched, and fused
        # into one load task of that step: (f"{input name}-{token}", step, *the input key's indices).
        (load,) = deps - steps
        assert load in layer and load[1] == i and load[0].startswith("load-"), load
        assert not layer[load].dependencies, "without prefetch, nothing gates a load"
        originals = set()
        for key in inner_tasks(layer[load]):
            assert key[1] == i, key
            (source,) = [n for n in (Xo.name, yo.name) if key[0].startswith(f"{n}-")]
            originals.add((source, *key[2:]))
        assert originals == {(Xo.name, block, 0), (Xo.name, block, 1), (yo.name, block)}
        loads.add(load)
    assert set(dict(lazy.dask)) == steps | loads, "the originals are not in the graph: nothing runs twice"
    assert_same_model(lazy.compute(), manual_fit(SGDRegressor(random_state=0), X, y, order=plan.order))


def test_token_is_deterministic_and_changes_with_every_input():
    X = da.ones((40, 2), chunks=10)
    y = da.zeros(40, chunks=10)
    base = _chain(X, y).key
    assert _chain(X, y).key == base
    variants = [
        fit_blocks(SGDRegressor(random_state=1), X, y, compute=False),  # estimator params
        _chain(X + 1, y),  # data
        _chain(X, y + 1),
        _chain(X, y, shuffle_blocks=True, random_state=0),  # order
        _chain(X, y, epochs=2),
        _chain(X, y, shuffle_rows=True, random_state=0),
        _chain(X, y, sample_weight=da.ones(40, chunks=10)),
        _chain(X, y, prefetch=2),
        _chain(X, y, prefetch=None),
        _chain(X.compute(), y.compute()),  # in memory
        _chain(X.compute() + 1, y.compute()),
    ]
    names = [v.key[0] for v in variants]
    assert base[0] not in names and len(set(names)) == len(names)
    assert _chain(X.compute(), y.compute()).key == variants[-2].key
    # fit kwargs (coef_init is refused: SGDRegressor.partial_fit does not take it)
    labels = (X[:, 0] > 0).astype(int)
    keys = {
        str(classes): fit_blocks(SGDClassifier(random_state=0), X, labels, classes=classes, compute=False).key
        for classes in ([0, 1], [0, 1, 2], [1, 0])
    }
    assert len(set(keys.values())) == 3
    assert keys["[0, 1]"] == fit_blocks(SGDClassifier(random_state=0), X, labels, classes=[0, 1], compute=False).key


@pytest.mark.parametrize("signals", [False, True])
def test_prefetch_gates_the_loads_on_an_earlier_model_step(signals):
    """Block i's load waits on model step i - 2: directly on the local schedulers, through a signal on a cluster."""
    X = da.random.default_rng(0).normal(size=(60, 2), chunks=10)
    y = X[:, 0]
    (Xo, yo) = dask.optimize(X, y)
    inputs = [((Xo.name, i, 0), (yo.name, i), None) for i in range(6)]
    graph, key = build_chain(
        SGDRegressor(random_state=0), inputs, name="fit-gated", dependencies=[Xo, yo], prefetch=1, signals=signals
    )
    layer = graph.layers["fit-gated"]
    signal_keys = sorted(k for k in layer if is_signal(k))
    assert [k[1] for k in signal_keys] == (list(range(4)) if signals else []), "a signal per gating step, on a cluster"
    for k in signal_keys:
        assert layer[k].dependencies == {("fit-gated", k[1])}
    loads = gates(dict(graph))
    assert {k[1]: [dep[1] for dep in waits] for k, waits in loads.items()} == {i: [i - 2] for i in range(2, 6)}
    for i in range(6):  # one load per step, that the step reads; the loads of steps 0 and 1 wait on nothing
        (load,) = layer[("fit-gated", i)].dependencies - {("fit-gated", i - 1)}
        assert load[1] == i and (load in loads) == (i >= 2)
    lazy = Delayed(key, graph, layer="fit-gated")
    assert_same_model(lazy.compute(), manual_fit(SGDRegressor(random_state=0), X, y))


def _carried(node):
    """The in-memory values a task carries inside itself (data nodes nested in its arguments)."""
    if isinstance(node, DataNode):
        return [node.value]
    if isinstance(node, Task):
        parts = (*node.args, *node.kwargs.values())
        return [value for part in parts if isinstance(part, GraphNode) for value in _carried(part)]
    return []


def test_in_memory_and_persisted_chunks_ride_in_the_steps_uncopied():
    """Chunks in memory are no keys of their own, and the tasks that read one carry the chunk object itself."""
    X = da.from_array(np.arange(40.0).reshape(20, 2), chunks=5)
    chunk_key = {id(value): key for key, value in dict(X.dask).items()}
    lazy = fit_blocks(SGDRegressor(random_state=0), X, X[:, 0], prefetch=1, epochs=2, compute=False)
    graph = dict(lazy.dask)
    assert not any(isinstance(node, DataNode) for node in graph.values())
    readers = {key: node for key, node in graph.items() if not key[0].startswith("prefetch-")}
    assert len(readers) == 16  # 8 steps, and 8 copies of y's slice of the step's X chunk
    for key, node in readers.items():  # key[1] is the step, and step i reads block i % 4
        assert [chunk_key.get(id(value), "a copy") for value in _carried(node)] == [(X.name, key[1] % 4, 0)], key
    assert_same_model(lazy.compute(), manual_fit(SGDRegressor(random_state=0), X, X[:, 0], order=[0, 1, 2, 3] * 2))

    persisted_X, persisted_y = X.persist(), X[:, 0].persist()
    chunk_key = {id(value): key for key, value in [*dict(persisted_X.dask).items(), *dict(persisted_y.dask).items()]}
    lazy = fit_blocks(SGDRegressor(random_state=0), persisted_X, persisted_y, prefetch=1, compute=False)
    name = lazy.key[0]
    assert set(dict(lazy.dask)) == {(name, i) for i in range(4)}, "persisted blocks are read where they are"
    for i in range(4):
        carried = [chunk_key.get(id(value), "a copy") for value in _carried(lazy.dask[(name, i)])]
        assert sorted(carried, key=len) == [(persisted_y.name, i), (persisted_X.name, i, 0)]
    assert_same_model(lazy.compute(), manual_fit(SGDRegressor(random_state=0), persisted_X, persisted_y))


def test_model_can_be_a_delayed_or_a_key_and_is_never_changed():
    X, y = da.ones((20, 2), chunks=5), da.arange(20.0, chunks=5)
    (Xo, yo) = dask.optimize(X, y)
    start = SGDRegressor(random_state=0)
    inputs = [((Xo.name, i, 0), (yo.name, i), None) for i in range(4)]
    graph, key = build_chain(dask.delayed(start), inputs, dependencies=[Xo, yo])
    model = Delayed(key, graph, layer=key[0]).compute()
    assert not hasattr(start, "coef_")
    assert_same_model(model, manual_fit(SGDRegressor(random_state=0), X, y))
    with pytest.raises(ValueError, match="at least one step"):
        build_chain(start, [])
    with pytest.raises(ValueError, match="one entry per step"):
        build_chain(start, inputs, blocks=[0])


def test_visualize_draws_the_chain(tmp_path):
    pytest.importorskip("graphviz")
    from dask.dot import to_graphviz

    X = da.random.default_rng(0).normal(size=(40, 2), chunks=10)
    lazy = _chain(X, X[:, 0])
    source = to_graphviz(dict(lazy.dask)).source
    assert source.count('label=fit') == 4 and source.count("label=load") == 4
    import shutil

    if shutil.which("dot") is None:
        pytest.skip("graphviz's dot program is absent: the picture is built but not rendered")
    dask.visualize(lazy, filename=str(tmp_path / "chain.png"))
    assert (tmp_path / "chain.png").stat().st_size > 1000


# --- bounded memory: count the blocks alive at once ------------------------------------


@pytest.mark.parametrize("prefetch", [0, 1, 2])
def test_prefetch_bounds_blocks_in_memory_on_threads(prefetch):
    counter = LiveBlocks()
    X = tracked_array(counter, 30)
    with dask.config.set(scheduler="threads", num_workers=4):
        model = fit_blocks(SlowLearner(), X, prefetch=prefetch)
    assert counter.loads == 30
    assert counter.peak <= prefetch + 1, f"{counter.peak} blocks alive at once"
    assert model.total_ == pytest.approx(sum(np.random.default_rng(i).normal(size=(50, 3)).sum() for i in range(30)))


@pytest.mark.parametrize("prefetch", [1, 3])
def test_synchronous_fits_read_nothing_ahead(prefetch):
    """On sync nothing overlaps, so the fit is built with prefetch=0: one block alive."""
    counter = LiveBlocks()
    X = tracked_array(counter, 12)
    with dask.config.set(scheduler="sync"):
        model = fit_blocks(SlowLearner(), X, prefetch=prefetch)
        wrapped = Incremental(SlowLearner(), shuffle_blocks=False, prefetch=prefetch).fit(X)
        lazy = fit_blocks(SlowLearner(), X, prefetch=prefetch, compute=False)
    assert counter.loads == 24 and counter.peak == 1
    assert model.total_ == wrapped.total_ == lazy.compute(scheduler="threads").total_
    assert gated_steps(dict(lazy.dask)) == list(range(12 - 1 - prefetch)), "a lazy fit keeps the prefetch it was given"


def _signal_steps(lazy):
    return gated_steps(dict(lazy.dask))


def test_default_read_ahead_is_one_block_on_local_schedulers():
    counter = LiveBlocks()
    X = tracked_array(counter, 12)
    with dask.config.set(scheduler="threads", num_workers=4):
        fit_blocks(SlowLearner(), X)
        lazy = fit_blocks(SlowLearner(), X, compute=False)
    assert counter.peak <= 2, f"{counter.peak} blocks alive at once"
    assert _signal_steps(lazy) == list(range(12 - 2)), "block i waits on model step i - 2"
    with dask.config.set(scheduler="sync"):
        lazy_sync = fit_blocks(SlowLearner(), X, compute=False)
    assert _signal_steps(lazy_sync) == list(range(12 - 2)), "a lazy fit may run anywhere: never below 1"


def test_scheduler_detection_api():
    """read_ahead relies on dask.base.get_scheduler returning dask.local.get_sync on sync."""
    from dask.base import get_scheduler
    from dask.local import get_sync

    X = da.ones(4, chunks=2)
    with dask.config.set(scheduler="sync"):
        assert get_scheduler(collections=[X]) is get_sync
    with dask.config.set(scheduler="threads"):
        assert get_scheduler(collections=[X]) is not get_sync


def test_unbounded_prefetch_loads_far_ahead():
    """The counter can fail: without gating, idle threads run ahead of the chain."""
    counter = LiveBlocks()
    X = tracked_array(counter, 30)
    with dask.config.set(scheduler="threads", num_workers=4):
        fit_blocks(SlowLearner(), X, prefetch=None)
    assert counter.peak > 3


@pytest.mark.parametrize("epochs", [1, 3])
def test_epochs_reload_blocks_instead_of_keeping_them(epochs):
    counter = LiveBlocks()
    X = tracked_array(counter, 10)
    with dask.config.set(scheduler="threads", num_workers=4):
        fit_blocks(SlowLearner(), X, epochs=epochs, shuffle_blocks=True, random_state=0, prefetch=1)
    assert counter.loads == 10 * epochs, "each epoch reads its blocks again"
    assert counter.peak <= 2, "blocks held at once do not grow with epochs"


@pytest.mark.parametrize("shape", ["chain", "diamond", "read twice"])
def test_private_chains_are_fused_without_computing_anything_twice(shape):
    """A block's one-reader tasks are inlined into their reader; nothing is computed twice."""
    counter = LiveBlocks()
    raw = tracked_array(counter, 6)
    if shape == "read twice":  # one task reads the loaded block twice: it must stay on its own
        X, y = raw + raw, da.ones(300, chunks=50)
    else:  # loader -> mul -> add: one reader each
        X = raw * 2.0 + 1.0
        y = raw[:, 0] if shape == "diamond" else da.ones(300, chunks=50)  # diamond: the block has two readers
    lazy = fit_blocks(SGDRegressor(random_state=0), X, y, prefetch=1, compute=False)
    name = lazy.key[0]
    layer = lazy.dask.layers[name]
    (load,) = [k for k in layer if k[0] != name and not is_signal(k) and k[1] == 3]
    per_step = inner_tasks(layer[load])
    # chain: X's inlined task and y's; diamond: the load, y's slice, X's inlined arithmetic;
    # read twice: the load, X's sum, y; all in the one load task of the step
    assert len(per_step) == {"chain": 2, "diamond": 3, "read twice": 3}[shape], per_step
    with dask.config.set(scheduler="threads", num_workers=4):
        model = lazy.compute()
    assert counter.loads == 6, "every block is loaded exactly once"
    assert_same_model(model, manual_fit(SGDRegressor(random_state=0), X, y))


def test_long_private_chains_are_nested_to_a_bounded_depth():
    """Inlining 400 elementwise steps into one task would overflow Python's stack at run time."""
    X = da.random.default_rng(0).normal(size=(40, 2), chunks=10)
    deep = X
    for _ in range(400):
        deep = deep + 1.0
    y = da.ones(40, chunks=10)
    lazy = fit_blocks(SGDRegressor(random_state=0), deep, y, compute=False)
    layer = lazy.dask.layers[lazy.key[0]]
    (load,) = [k for k in layer if k[0] != lazy.key[0] and not is_signal(k) and k[1] == 2]
    per_step = inner_tasks(layer[load])
    assert 400 // MAX_NESTING <= len(per_step) <= 400 // MAX_NESTING + 3, len(per_step)
    for scheduler in ("sync", "threads"):
        assert_same_model(lazy.compute(scheduler=scheduler), manual_fit(SGDRegressor(random_state=0), deep, y))


def test_epochs_equal_the_loop_over_the_planned_order(scheduler):
    X = da.random.default_rng(3).normal(size=(80, 4), chunks=(20, 2))
    y = (X[:, 0] > 0).astype(int)
    plan = plan_fit(SGDClassifier(random_state=0), X, y, epochs=3, shuffle_blocks=True, random_state=7, classes=[0, 1])
    assert len(plan.order) == 12 and all(sorted(plan.order[e * 4 : e * 4 + 4]) == [0, 1, 2, 3] for e in range(3))
    assert len({tuple(plan.order[e * 4 : e * 4 + 4]) for e in range(3)}) > 1, "epochs draw their own permutation"
    expected = manual_fit(SGDClassifier(random_state=0), X, y, order=plan.order, classes=[0, 1])
    assert_same_model(plan.result.compute(), expected)


def test_chains_with_similar_custom_names_do_not_share_keys():
    X = da.random.default_rng(0).normal(size=(30, 2), chunks=10)
    (Xo,) = dask.optimize(X)
    inputs = [((Xo.name, i, 0), None, None) for i in range(3)]
    from sklearn.preprocessing import StandardScaler

    ga, _ = build_chain(StandardScaler(), inputs, name="sgd-fit", dependencies=[Xo], prefetch=0)
    gb, _ = build_chain(StandardScaler(), inputs, name="nb-fit", dependencies=[Xo], prefetch=0)
    shared = set(dict(ga)) & set(dict(gb))
    assert all(not str(k[0]).startswith(("prefetch", "sgd", "nb")) for k in shared), shared
