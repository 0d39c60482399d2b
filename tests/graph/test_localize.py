"""Localize: bounded memory and linear ordering on the input graphs users build.

Each source chunk is made by a loader that counts the chunks alive at once
(``weakref.finalize``: a view or slice keeps its source alive, so the count is
the memory held). A learner slower than the loader lets idle threads run ahead
if anything lets them.
"""

import time

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from live import LiveCounter
from oracle import assert_same_model, manual_fit
from sklearn.base import BaseEstimator
from sklearn.linear_model import SGDRegressor

from dask_incr import FitOptions, fit_blocks, plan_fit
from dask_incr.fit.runner import run_fit
from dask_incr.graph.fold import input_graph
from dask_incr.graph.localize import analyse

ROWS = 10  # rows per source chunk
N_SOURCES = 60


class LiveChunks(LiveCounter):
    """Makes the source chunks, counting those alive and how many were loaded."""

    def load(self, i):
        return self.track(np.arange(i * ROWS * 2, (i + 1) * ROWS * 2, dtype=float).reshape(ROWS, 2), i)

    def frame(self, i):
        return pd.DataFrame(self.load(i), columns=["a", "b"], index=range(i * ROWS, (i + 1) * ROWS), copy=False)


def source_array(counter):
    parts = [
        da.from_delayed(dask.delayed(counter.load, pure=False)(i), shape=(ROWS, 2), dtype=float)
        for i in range(N_SOURCES)
    ]
    return da.concatenate(parts)


def source_frame(counter):
    meta = pd.DataFrame({"a": pd.Series([], dtype=float), "b": pd.Series([], dtype=float)})
    divisions = [i * ROWS for i in range(N_SOURCES)] + [N_SOURCES * ROWS - 1]
    parts = [dask.delayed(counter.frame, pure=False)(i) for i in range(N_SOURCES)]
    return dd.from_delayed(parts, meta=meta, divisions=divisions)


class BlockRecorder(BaseEstimator):
    """Slower than the loader; records what each call saw, to compare with the loop."""

    def partial_fit(self, X, y=None):
        time.sleep(0.004)
        X = np.asarray(X)
        seen = (X.shape[0], float(X.sum()), None if y is None else float(np.sum(y)))
        self.seen_ = [*getattr(self, "seen_", []), seen]
        return self


def loop(X, y, order):
    """What the oracle's manual loop shows a BlockRecorder over the blocks of ``X`` (and ``y``) in ``order``."""
    return manual_fit(BlockRecorder(), X, y, order=order).seen_


SHAPES = {
    # name: (build X from the sources, source chunks one block needs)
    "rechunk 10 -> 15 rows": (lambda c: source_array(c).rechunk((15, 2)), 2),
    "rechunk to fewer larger blocks": (lambda c: source_array(c).rechunk((40, 2)), 4),
    "rechunk to smaller blocks": (lambda c: source_array(c).rechunk((5, 2)), 1),
    "map_overlap depth 1": (
        lambda c: source_array(c).map_overlap(lambda b: b * 2.0, depth={0: 1, 1: 0}, boundary="none"),
        3,
    ),
    "slicing across chunks": (lambda c: source_array(c)[5:-5], 2),
    "repartition 60 -> 90": (lambda c: source_frame(c).repartition(npartitions=90), 2),
    "repartition 60 -> 40": (lambda c: source_frame(c).repartition(npartitions=40), 2),
}


@pytest.mark.parametrize("shape", list(SHAPES))
@pytest.mark.parametrize("shuffle, epochs", [(False, 1), (True, 1), (False, 3)])
def test_shared_input_tasks_stay_within_the_prefetch_bound(shape, shuffle, epochs):
    make, need = SHAPES[shape]
    prefetch = 1
    counter = LiveChunks()
    X = make(counter)
    plan = plan_fit(BlockRecorder(), X, shuffle_blocks=shuffle, epochs=epochs, random_state=0, prefetch=prefetch)
    with dask.config.set(scheduler="threads", num_workers=4):
        model = plan.result.compute()
    assert counter.peak <= (prefetch + 1) * need, f"{counter.peak} source chunks alive at once"
    if not shuffle:
        # In order, neighbours sharing a chunk are consecutive steps: each chunk read once per epoch.
        assert counter.loads == N_SOURCES * epochs
    assert model.seen_ == loop(make(LiveChunks()), None, plan.order)


def test_a_reduction_inside_y_runs_once_before_the_chain():
    prefetch = 1
    counter = LiveChunks()
    X = source_array(counter).rechunk((20, 2))
    y = X[:, 0] - X[:, 0].mean()  # every block of y needs all of X
    plan = plan_fit(BlockRecorder(), X, y, prefetch=prefetch)
    with dask.config.set(scheduler="threads", num_workers=4):
        model = plan.result.compute()
    # One pass for the mean, one for the chain: never a pass per block.
    assert counter.loads == 2 * N_SOURCES
    X_again = source_array(LiveChunks()).rechunk((20, 2))
    assert model.seen_ == loop(X_again, X_again[:, 0] - X_again[:, 0].mean(), plan.order)


def test_reduction_is_wide_and_its_inputs_stay_narrow():
    X = da.ones((60, 2), chunks=(10, 2))
    y = X[:, 0] - X[:, 0].mean()
    graph = input_graph([X, y])
    inputs = [(dask.task_spec.TaskRef((X.name, i, 0)), dask.task_spec.TaskRef((y.name, i))) for i in range(6)]
    analysis = analyse(graph, inputs, list(range(6)))
    assert analysis.shared, "the mean is computed once"
    assert all(len(owners) == 1 for owners in analysis.consumers.values()), "each chunk of X belongs to its block"


def _order_seconds(n_blocks):
    X = da.from_array(np.zeros((n_blocks, 2)), chunks=(1, 2))
    lazy = fit_blocks(BlockRecorder(), X, compute=False)
    graph = dict(lazy.__dask_graph__())
    start = time.perf_counter()
    dask.order.order(graph)
    return time.perf_counter() - start


def test_in_memory_chunks_order_in_linear_time():
    """da.from_array gives one data node per block: it must ride inside the steps."""
    small = min(_order_seconds(2_000) for _ in range(3))
    large = min(_order_seconds(20_000) for _ in range(2))
    # Linear would be 10x, and dask.order on a bare chain is itself ~12-35x
    # here; a data leaf per step made it ~200x.
    assert large < 50 * small, f"ordering 20k steps took {large / small:.0f}x 2k steps"


def test_in_memory_chunks_ride_inside_the_step_tasks():
    X = da.from_array(np.arange(12.0).reshape(6, 2), chunks=(2, 2))
    lazy = fit_blocks(BlockRecorder(), X, compute=False)
    graph = dict(lazy.__dask_graph__())
    assert all(not isinstance(node, dask.task_spec.DataNode) for node in graph.values())
    assert lazy.compute().seen_ == loop(X, None, [0, 1, 2])


@pytest.mark.parametrize("window", [1, 3, 7])
@pytest.mark.parametrize("reduction", [False, True])
def test_long_fits_run_in_windows_equal_one_graph(window, reduction):
    counter = LiveChunks()
    X = source_array(counter)[: 12 * ROWS]
    y = X[:, 0] - X[:, 0].mean() if reduction else None
    options = FitOptions(epochs=2, shuffle_blocks=True, random_state=3, window=window)
    with dask.config.set(scheduler="threads", num_workers=4):
        windowed = run_fit(BlockRecorder(), X, y, options=options)
        loads, peak = counter.loads, counter.peak
        whole = run_fit(BlockRecorder(), X, y, options=options.replace(window=None))
    assert windowed.order == whole.order
    assert windowed.result.seen_ == whole.result.seen_
    if reduction:
        # The mean is computed once for all windows, not once per window.
        assert loads == 12 + 24
    else:
        assert loads == 24 and peak <= 2  # prefetch 1, one source chunk per block


def test_windows_on_distributed_equal_one_graph():
    """The next window starts from the previous one's future; the mean is held on the cluster."""
    from distributed import Client

    X = da.random.default_rng(0).normal(size=(120, 3), chunks=10)
    y = X[:, 0] - X[:, 0].mean()
    options = FitOptions(epochs=2, shuffle_blocks=True, random_state=1, window=7)
    with Client(processes=False, n_workers=2, threads_per_worker=1, dashboard_address=":0"):
        windowed = run_fit(SGDRegressor(random_state=0), X, y, options=options)
        whole = run_fit(SGDRegressor(random_state=0), X, y, options=options.replace(window=None))
    assert windowed.order == whole.order
    assert_same_model(windowed.result, whole.result)
