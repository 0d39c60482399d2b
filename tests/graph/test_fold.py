"""One fold: the graph a fit builds is the graph the public builder builds from the same inputs.

The step inputs are what :func:`dask_incr.graph.blocks.align_blocks` makes of
X, y and sample_weight (each block's nodes and the collections they read):
what a library author hands the builder for the blocks a fit reads.
"""

import dask
import dask.array as da
import pytest
from dask.delayed import Delayed
from oracle import assert_same_model, manual_fit
from sklearn.linear_model import SGDClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from dask_incr import build_chain, fit_blocks, pipeline_partial_fit_step, plan_fit
from dask_incr.graph.blocks import align_blocks

CASES = {
    "in order": dict(),
    "shuffled blocks and rows, 2 epochs": dict(shuffle_blocks=True, shuffle_rows=True, epochs=2, random_state=3),
    "no read-ahead": dict(prefetch=0),
    "two blocks ahead": dict(prefetch=2, epochs=2),
    "unbounded": dict(prefetch=None),
    "sample_weight": dict(weighted=True),
}


def _data():
    X = da.random.default_rng(0).normal(size=(60, 3), chunks=(10, 3))
    y = (X[:, 0] > 0).astype(int)
    return X, y, da.random.default_rng(1).uniform(size=60, chunks=10)


def _step_inputs(order, X, y, sample_weight=None):
    blocks = [b for b in align_blocks(X, y, sample_weight)]
    per_block = [tuple(b.nodes[i] if b is not None else None for b in blocks) for i in range(blocks[0].n_blocks)]
    return [per_block[i] for i in order], [b.collection for b in blocks if b is not None]


@pytest.mark.parametrize("case", list(CASES))
def test_fit_blocks_builds_what_build_chain_builds(case):
    options = dict(CASES[case])
    X, y, w = _data()
    weight = w if options.pop("weighted", False) else None
    with dask.config.set(scheduler="threads"):
        plan = plan_fit(SGDClassifier(random_state=0), X, y, sample_weight=weight, classes=[0, 1], **options)
    lazy = plan.result
    inputs, collections = _step_inputs(plan.order, X, y, weight)
    graph, key = build_chain(
        SGDClassifier(random_state=0),
        inputs,
        name=lazy.key[0],
        fit_kwargs={"classes": [0, 1]},
        dependencies=collections,
        blocks=plan.order,
        row_seeds=plan.row_seeds,
        prefetch=options.get("prefetch", 1),  # "auto" is one block ahead on threads
        signals=False,  # a fit for the local schedulers gates loads on the model steps
    )
    assert key == lazy.key
    built, fitted = dict(graph), dict(lazy.dask)
    assert built.keys() == fitted.keys(), "same keys"
    different = [k for k in built if built[k] != fitted[k]]  # task-spec nodes compare by token
    assert not different, f"different tasks: {different[:3]}"
    expected = manual_fit(
        SGDClassifier(random_state=0), X, y, sample_weight=weight, order=plan.order, seeds=plan.row_seeds,
        classes=[0, 1],
    )
    assert_same_model(Delayed(key, graph, layer=key[0]).compute(), expected)


def test_a_pipeline_fit_builds_what_build_chain_builds():
    X, y, _ = _data()
    pipeline = make_pipeline(StandardScaler(), SGDClassifier(random_state=0))
    with dask.config.set(scheduler="threads"):
        lazy = fit_blocks(pipeline, X, y, classes=[0, 1], compute=False)
    inputs, collections = _step_inputs(range(6), X, y)
    graph, key = build_chain(
        pipeline,
        inputs,
        name=lazy.key[0],
        step=pipeline_partial_fit_step,
        fit_kwargs={"sgdclassifier": {"classes": [0, 1]}},  # routed as scikit-learn routes them
        dependencies=collections,
        prefetch=1,
        signals=False,
    )
    assert dict(graph) == dict(lazy.dask)


def test_the_comparison_can_fail():
    """Built with signal tasks (the distributed gating), the same chain is another graph."""
    X, y, _ = _data()
    with dask.config.set(scheduler="threads"):
        lazy = fit_blocks(SGDClassifier(random_state=0), X, y, classes=[0, 1], compute=False)
    inputs, collections = _step_inputs(range(6), X, y)
    graph, _ = build_chain(
        SGDClassifier(random_state=0), inputs, name=lazy.key[0], fit_kwargs={"classes": [0, 1]},
        dependencies=collections, prefetch=1, signals=True,
    )
    assert dict(graph).keys() != dict(lazy.dask).keys()
