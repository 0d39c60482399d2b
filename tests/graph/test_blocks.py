"""Blocks: row blocks of every layout, aligned across X, y and sample_weight."""

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from dask.task_spec import Task
from oracle import assert_same_model, manual_fit
from sklearn.linear_model import SGDRegressor

from dask_incr import fit_blocks
from dask_incr.graph.blocks import align_blocks, row_blocks


def _value(block):
    return block


def _evaluate(blocks, i):
    """Block ``i`` as its task-spec node computes it."""
    graph = {} if blocks.collection is None else dict(blocks.collection.__dask_graph__())
    graph["out"] = Task("out", _value, blocks.nodes[i])
    return dask.get(graph, "out")


@pytest.mark.parametrize("shape, chunks", [((7,), 3), ((7, 5), (3, 2)), ((7, 4, 3), (2, 3, 2)), ((5, 2, 2, 3), (2, 1, 2, 2))])
def test_row_blocks_hold_whole_rows_of_any_ndim(shape, chunks):
    data = np.arange(np.prod(shape), dtype=float).reshape(shape)
    blocks = row_blocks(da.from_array(data, chunks=chunks))
    stops = np.cumsum(blocks.sizes)
    for i, (start, stop) in enumerate(zip([0, *stops[:-1]], stops)):
        np.testing.assert_array_equal(_evaluate(blocks, i), data[start:stop])


def test_y_chunked_differently_is_realigned_to_x():
    X = da.ones((10, 2), chunks=4)
    Xb, yb, wb = align_blocks(X, da.arange(10, chunks=3), da.ones(10, chunks=7))
    assert yb.sizes == wb.sizes == Xb.sizes == (4, 4, 2)
    np.testing.assert_array_equal(_evaluate(yb, 1), np.arange(4, 8))


def test_in_memory_y_is_sliced_along_x():
    X = da.ones((10, 2), chunks=4)
    y = pd.Series(np.arange(10.0), index=np.arange(10) * 2)
    _, yb, _ = align_blocks(X, y)
    assert yb.collection is None and yb.sizes == (4, 4, 2)
    pd.testing.assert_series_equal(_evaluate(yb, 2), y.iloc[8:10])


def test_unknown_chunk_sizes_work_when_block_counts_match(scheduler):
    X = da.random.default_rng(0).normal(size=(60, 3), chunks=15)
    keep = X[:, 0] > -0.5
    Xf, yf = X[keep], X[keep][:, 1]  # row chunks now unknown (nan)
    assert np.isnan(Xf.chunks[0][0])
    model = fit_blocks(SGDRegressor(random_state=0), Xf, yf)
    assert_same_model(model, manual_fit(SGDRegressor(random_state=0), Xf, yf))


@pytest.mark.parametrize("reshape", ["sort_values", "set_index", "repartition"])
def test_dataframe_keys_come_from_the_optimised_collection(reshape, scheduler):
    """After sort_values / set_index / repartition, ``ddf._name`` is not the key prefix."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=40), "b": rng.normal(size=40), "t": rng.normal(size=40)})
    ddf = dd.from_pandas(frame, npartitions=4)
    ddf = {
        "sort_values": lambda d: d.sort_values("a"),
        "set_index": lambda d: d.set_index("a"),
        "repartition": lambda d: d.repartition(npartitions=3),
    }[reshape](ddf)
    X, y = ddf[["b"]], ddf["t"]
    model = fit_blocks(SGDRegressor(random_state=0), X, y)
    assert_same_model(model, manual_fit(SGDRegressor(random_state=0), X, y))


def test_dataframe_x_with_dask_array_y(scheduler):
    frame = pd.DataFrame({"a": np.arange(12.0), "b": np.arange(12.0) ** 0.5})
    X = dd.from_pandas(frame, npartitions=3)
    y = da.from_array(np.arange(12.0) / 12, chunks=4)
    model = fit_blocks(SGDRegressor(random_state=0), X, y)
    assert_same_model(model, manual_fit(SGDRegressor(random_state=0), X, y))


def test_x_and_y_from_one_generator_load_it_once_per_step():
    calls = []

    def load(i):
        calls.append(i)
        return np.full((5, 3), float(i))

    X = da.concatenate([da.from_delayed(dask.delayed(load, pure=True)(i), (5, 3), float) for i in range(4)])
    y = X[:, 0] * 2
    with dask.config.set(scheduler="sync"):
        fit_blocks(SGDRegressor(random_state=0), X, y)
    assert sorted(calls) == [0, 1, 2, 3], "X and y share their generator task"


def test_optimising_frames_together_relies_on_collections_to_expr():
    """Pins dask.base.collections_to_expr: a list of frames gives one expression per frame, optimised together."""
    from dask.base import collections_to_expr

    df = dd.from_pandas(pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [4.0, 5.0, 6.0], "t": [0.0, 1.0, 0.0]}), npartitions=3)
    X, y = df[["a"]], df["t"]
    together = collections_to_expr([X, y]).optimize(fuse=True)
    assert [op.npartitions for op in together.operands] == [3, 3]
    (alone,) = collections_to_expr([X]).operands
    assert alone._name == X.expr._name
