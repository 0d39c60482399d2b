"""Holding: tasks every block needs are held only when cheap; otherwise each step reads them again, and says so.

A global row permutation ``X[perm], y[perm]`` of lazily loaded data makes
every source chunk needed by every block. Held, the whole dataset stays in
memory for the whole fit; the rule reads them again per step, as a plain loop
over the blocks does, within the blocks' own bound, and warns once before any
work.
"""

import warnings

import dask
import dask.array as da
import numpy as np
import pytest
from live import LiveCounter, SlowLearner
from oracle import assert_same_model, manual_fit
from sklearn.linear_model import SGDRegressor

from dask_incr import RereadWarning, fit_blocks, plan_fit
from dask_incr.graph import holding, localize
from dask_incr.graph.blocks import align_blocks
from dask_incr.graph.fold import input_graph

N_CHUNKS = 12
ROWS = 40_000  # rows of 3 float64 per source chunk: 0.9 MiB, 11 MiB in all (above holding.MIN_HELD)


class LiveChunks(LiveCounter):
    """Makes the source chunks, counting those alive."""

    def load(self, i):
        return self.track(np.random.default_rng(i).normal(size=(ROWS, 3)), i)


def source(counter):
    parts = [
        da.from_delayed(dask.delayed(counter.load, pure=False)(i), shape=(ROWS, 3), dtype=float)
        for i in range(N_CHUNKS)
    ]
    return da.concatenate(parts)


def permuted(counter_X, counter_y):
    """X and y loaded chunk by chunk, each counting its chunks, then globally permuted.

    y is a copy of a column (as loading a 1-D array makes): a view would keep
    its whole source chunk alive.
    """
    X = source(counter_X)
    y = source(counter_y)[:, 0] + 0.0
    perm = np.random.default_rng(0).permutation(X.shape[0])
    return X[perm], y[perm]


def test_a_global_permutation_is_read_again_per_step_not_held():
    loaded_X, loaded_y = LiveChunks(), LiveChunks()
    X, y = permuted(loaded_X, loaded_y)
    with dask.config.set(scheduler="sync"), pytest.warns(RereadWarning, match="shuffle_blocks=True, shuffle_rows=True"):
        fit_blocks(SlowLearner(), X, y)
    # Held, all 12 chunks would stay alive the whole fit. On sync (nothing read
    # ahead) the bound is one block of X and y: what is held fits in it (the
    # smallest first: a few of y's column copies, which hold no source chunk),
    # and one source chunk is being sliced at a time.
    assert loaded_X.peak == 1, f"{loaded_X.peak} source chunks of X alive at once"
    assert loaded_y.peak == 1, f"{loaded_y.peak} source chunks of y alive at once"
    for counter in (loaded_X, loaded_y):
        # Each step reads again what is not held (one pass reads what is held): read per step, not once.
        assert 4 * N_CHUNKS < counter.loads <= N_CHUNKS * (N_CHUNKS + 1)


def test_a_global_permutation_fit_equals_the_loop(scheduler):
    X, y = permuted(LiveChunks(), LiveChunks())
    with pytest.warns(RereadWarning):
        model = fit_blocks(SGDRegressor(random_state=0), X, y, epochs=2, shuffle_blocks=True, random_state=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RereadWarning)
        order = plan_fit(SGDRegressor(), X, y, epochs=2, shuffle_blocks=True, random_state=1).order
    assert_same_model(model, manual_fit(SGDRegressor(random_state=0), X, y, order=order))


def test_the_warning_comes_once_before_any_work():
    loaded_X, loaded_y = LiveChunks(), LiveChunks()
    X, y = permuted(loaded_X, loaded_y)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit_blocks(SlowLearner(), X, y, epochs=3, compute=False)
    rereads = [w for w in caught if issubclass(w.category, RereadWarning)]
    assert len(rereads) == 1 and loaded_X.loads == loaded_y.loads == 0
    assert rereads[0].filename == __file__, "the warning points at the caller's line"
    assert "each of the 36 steps reads them again" in str(rereads[0].message)


def test_a_small_reduction_is_still_held_without_a_word():
    counter = LiveChunks()
    X = source(counter)
    y = X[:, 0] - X[:, 0].mean()  # every block needs the mean: 8 bytes, held
    with warnings.catch_warnings():
        warnings.simplefilter("error", RereadWarning)
        with dask.config.set(scheduler="sync"):
            fit_blocks(SlowLearner(), X, y)
    assert counter.loads == 2 * N_CHUNKS, "one pass for the mean, one for the chain"


def test_a_small_shared_chunk_is_held_without_a_word(scheduler):
    """y in one chunk that every block of X slices: re-reading it would save nothing (below MIN_HELD)."""
    X = da.random.default_rng(0).normal(size=(60, 2), chunks=(10, 2))
    y = da.from_array(np.arange(60.0), chunks=60)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RereadWarning)
        model = fit_blocks(SGDRegressor(random_state=0), X, y)
    assert_same_model(model, manual_fit(SGDRegressor(random_state=0), X, y))


def test_held_shared_keeps_the_smallest_within_the_budget():
    sizes = {"a": 10, "b": 20, "c": 30, "d": None}
    assert holding.held_shared(sizes, sizes.get, budget=35) == {"a", "b", "d"}
    assert holding.held_shared(sizes, sizes.get, budget=0) == {"d"}, "unknown sizes are held, as before"
    assert holding.held_shared(sizes, sizes.get, budget=None) == set(sizes)


def test_chunk_sizes_come_from_the_array_layers():
    X = da.ones((10, 4), chunks=(3, 2), dtype="float32")
    layers = holding.layer_chunks([X])
    assert holding.chunk_nbytes((X.name, 3, 1), layers) == 1 * 2 * 4
    assert holding.block_nbytes([X, da.ones(10, chunks=5), None]) == 3 * (4 * 4 + 8)
    assert holding.block_nbytes([X[X[:, 0] > 0], None, None]) is None, "unknown row sizes"


def test_chunks_read_by_a_shared_task_and_by_the_blocks_are_shared_too():
    """y = X[:, 0]: X's chunks are read by y's (shared) chunks and by X[perm]'s blocks: shared, not left unclassified."""
    X = da.random.default_rng(0).normal(size=(600, 3), chunks=(50, 3))
    perm = np.random.default_rng(0).permutation(600)
    Xb, yb, _ = align_blocks(X[perm], X[:, 0][perm])
    graph = input_graph([Xb.collection, yb.collection])
    steps = [(Xb.nodes[i], yb.nodes[i]) for i in range(Xb.n_blocks)]
    analysis = localize.analyse(graph, steps, range(Xb.n_blocks))
    sources = {key for key in graph if isinstance(key, tuple) and key[0] == X.name}
    assert sources and sources <= analysis.shared
    rereading = localize.analyse(graph, steps, range(Xb.n_blocks), hold=lambda shared: frozenset())
    assert sources <= rereading.reread and not rereading.shared
