"""fit_blocks: equal to the manual loop for every layout, and clear on bad input."""

import os
import pickle
import threading

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from dask.delayed import Delayed
from estimators import CASES, CASES_BY_NAME
from hypothesis import given
from hypothesis import strategies as st
from oracle import assert_same_model, blocks_of, manual_fit
from sklearn.base import BaseEstimator
from sklearn.linear_model import LinearRegression, SGDClassifier, SGDRegressor
from sklearn.preprocessing import StandardScaler

from dask_incr import fit_blocks
from dask_incr.graph.orders import plan_order

pytestmark = pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning", "ignore::RuntimeWarning", "ignore::FutureWarning"
)


# --- strategies ------------------------------------------------------------------------


@st.composite
def splits(draw, total, *, min_parts=1, max_parts=6, allow_empty=True):
    """Chunk sizes that add up to ``total``."""
    n = draw(st.integers(min_parts, max(min_parts, min(max_parts, total))))
    low = 0 if allow_empty else 1
    cuts = sorted(draw(st.lists(st.integers(low, total), min_size=n - 1, max_size=n - 1)))
    sizes = np.diff([0, *cuts, total]).tolist()
    return tuple(sizes)


@st.composite
def layouts(draw):
    """Data of a case laid out as a chunked dask array (X, y, sample_weight)."""
    case = draw(st.sampled_from(CASES))
    n_rows = draw(st.integers(1, 40))
    n_features = draw(st.integers(1, 4))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    X = rng.normal(size=(n_rows, n_features))
    if case.nonnegative:
        X = np.abs(X)
    y = case.target(X, rng)
    weights = rng.uniform(0.5, 2.0, size=n_rows) if case.weighted and draw(st.booleans()) else None
    row_chunks = draw(splits(n_rows))
    col_chunks = draw(splits(n_features, max_parts=3, allow_empty=False))
    dX = da.from_array(X, chunks=(row_chunks, col_chunks))
    # y and sample_weight may be chunked differently: fit_blocks realigns them to X.
    dy = None if y is None else da.from_array(y, chunks=(draw(splits(n_rows)),) + y.shape[1:])
    dw = None if weights is None else da.from_array(weights, chunks=draw(splits(n_rows)))
    return case, dX, dy, dw


options = st.fixed_dictionaries(
    {
        "epochs": st.integers(1, 3),
        "shuffle_blocks": st.booleans(),
        "shuffle_rows": st.booleans(),
        "random_state": st.integers(0, 2**32),
        "prefetch": st.sampled_from([None, 0, 1, 2]),
    }
)


def expected_fit(case, X, y, w, opts):
    """The manual loop over the order fit_blocks plans, or the exception it raises."""
    n_blocks = len(blocks_of(X)) if dask.is_dask_collection(X) else 1
    order, seeds, _ = plan_order(
        n_blocks,
        shuffle_blocks=opts["shuffle_blocks"],
        shuffle_rows=opts["shuffle_rows"],
        epochs=opts["epochs"],
        random_state=opts["random_state"],
    )
    try:
        return manual_fit(case.make(), X, y, w, order=order, seeds=seeds, **case.fit_kwargs), None
    except Exception as error:  # the loop itself fails (e.g. too few rows in a first block)
        return None, error


def check_equal_to_loop(case, X, y, w, opts, scheduler, *, allow_unfitted=False):
    expected, error = expected_fit(case, X, y, w, opts)
    estimator = case.make()
    before = pickle.dumps(estimator)
    with dask.config.set(scheduler=scheduler):
        if error is not None:
            with pytest.raises(type(error)):
                fit_blocks(estimator, X, y, sample_weight=w, **opts, **case.fit_kwargs)
        else:
            actual = fit_blocks(estimator, X, y, sample_weight=w, **opts, **case.fit_kwargs)
            assert_same_model(actual, expected, allow_unfitted=allow_unfitted)
    assert pickle.dumps(estimator) == before, "the caller's estimator was changed"


# --- the heart of the suite: equal to the loop ---------------------------------------


@given(layout=layouts(), opts=options, scheduler=st.sampled_from(["sync", "threads"]))
def test_dask_array_equals_manual_loop(layout, opts, scheduler):
    case, X, y, w = layout
    check_equal_to_loop(case, X, y, w, opts, scheduler)


@given(
    layout=layouts(),
    opts=options,
    y_in_memory=st.booleans(),
    scheduler=st.sampled_from(["sync", "threads"]),
)
def test_mixed_and_in_memory_inputs_equal_manual_loop(layout, opts, y_in_memory, scheduler):
    """numpy y / sample_weight with dask X are split like X; numpy X is one block."""
    case, X, y, w = layout
    y_np = None if y is None else y.compute()
    w_np = None if w is None else w.compute()
    if y_in_memory:
        check_equal_to_loop(case, X, y_np, w_np, opts, scheduler)
    else:
        check_equal_to_loop(case, X.compute(), y_np, w_np, opts, scheduler)


@given(
    case=st.sampled_from([CASES_BY_NAME[n] for n in ("SGDClassifier", "GaussianNB", "StandardScaler", "SGDRegressor")]),
    sizes=st.lists(st.integers(0, 8), min_size=1, max_size=5),
    opts=options,
    scheduler=st.sampled_from(["sync", "threads"]),
    seed=st.integers(0, 1000),
)
def test_dask_dataframe_equals_manual_loop(case, sizes, opts, scheduler, seed):
    """DataFrame X with a Series y of the same frame, partitions of unknown size."""
    rng = np.random.default_rng(seed)
    n = sum(sizes)
    frame = pd.DataFrame(rng.normal(size=(n, 3)), columns=["a", "b", "c"])
    target = case.target(frame.to_numpy(), rng)
    if target is not None:
        frame["t"] = target
    frame["w"] = rng.uniform(0.5, 2, size=n)
    # from_pandas cannot make empty partitions: build them from explicit pieces.
    stops = np.cumsum(sizes).tolist()
    pieces = [frame.iloc[a:b] for a, b in zip([0, *stops[:-1]], stops)]
    ddf = dd.from_delayed([dask.delayed(p) for p in pieces], meta=frame.iloc[:0], verify_meta=False)
    ddf = ddf[ddf.a > -10]  # an operation, so keys differ from the input's name
    X = ddf[["a", "b", "c"]]
    y = ddf["t"] if target is not None else None
    w = ddf["w"] if case.weighted else None
    if n == 0:
        # All partitions empty: sizes are unknown until run time, every step is
        # skipped, and the fit says so after the pass (issue 21).
        with pytest.raises(ValueError, match="no rows were fed"):
            fit_blocks(case.make(), X, y, sample_weight=w, **case.fit_kwargs)
        return
    check_equal_to_loop(case, X, y, w, opts, scheduler)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_every_estimator_on_column_chunked_blocks(case, scheduler):
    """A fixed, roomy layout for each estimator: 5 blocks, 3 column chunks."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(100, 6))
    if case.nonnegative:
        X = np.abs(X)
    y = case.target(X, rng)
    dX = da.from_array(X, chunks=(20, 2))
    dy = None if y is None else da.from_array(y, chunks=(25,) + y.shape[1:])
    opts = dict(epochs=2, shuffle_blocks=True, shuffle_rows=True, random_state=3, prefetch=1)
    check_equal_to_loop(case, dX, dy, None, opts, scheduler)


# --- options and behaviour -----------------------------------------------------------


def test_the_processes_scheduler_gives_the_loop_s_model():
    # dask's third local scheduler: every block and model crosses a process boundary.
    X = da.random.default_rng(0).normal(size=(120, 3), chunks=(30, 2))
    y = (X[:, 0] > 0).astype(int)
    options = dict(epochs=2, shuffle_blocks=True, shuffle_rows=True, random_state=1, classes=[0, 1])
    with dask.config.set(scheduler="processes", num_workers=2):
        model = fit_blocks(SGDClassifier(random_state=0), X, y, **options)
    order, seeds, _ = plan_order(4, shuffle_blocks=True, shuffle_rows=True, epochs=2, random_state=1)
    assert_same_model(model, manual_fit(SGDClassifier(random_state=0), X, y, order=order, seeds=seeds, classes=[0, 1]))


class ThreadRecorder(BaseEstimator):
    """Records the (process, thread) its partial_fit ran in."""

    def partial_fit(self, X, y=None):
        self.threads_ = {*getattr(self, "threads_", ()), (os.getpid(), threading.current_thread().name)}
        return self


@pytest.mark.parametrize("configured", ["threads", "processes"])
def test_blocks_already_in_memory_are_fitted_in_the_calling_thread(configured):
    """No load to overlap: a pool's hand-offs would only slow the serial chain (bench/long_fits.py)."""
    here = (os.getpid(), threading.current_thread().name)
    X = da.from_array(np.arange(80.0).reshape(40, 2), chunks=10)
    with dask.config.set(scheduler=configured, num_workers=2):
        in_memory = fit_blocks(ThreadRecorder(), X)
        persisted = fit_blocks(ThreadRecorder(), (X + 1).persist())
    with dask.config.set(scheduler="threads"):
        loaded = fit_blocks(ThreadRecorder(), X + 1)  # each block is a task to run: loads overlap fits
    assert in_memory.threads_ == persisted.threads_ == {here}
    assert here not in loaded.threads_


def test_compute_false_returns_delayed_of_the_same_model(scheduler):
    X = da.random.default_rng(0).normal(size=(60, 3), chunks=20)
    y = X.sum(axis=1)
    lazy = fit_blocks(SGDRegressor(random_state=0), X, y, compute=False)
    assert isinstance(lazy, Delayed)
    assert lazy.key[0].startswith("fit-") and lazy.key[1] == 2
    (via_compute,) = dask.compute(lazy)
    via_persist = dask.persist(lazy)[0].compute()
    eager = fit_blocks(SGDRegressor(random_state=0), X, y)
    for model in (lazy.compute(), via_compute, via_persist):
        assert_same_model(model, eager)


def test_dask_collection_in_fit_kwargs_is_computed_once(scheduler):
    calls = []

    def make_classes():
        calls.append(1)
        return np.array([0, 1])

    X = da.random.default_rng(0).normal(size=(60, 3), chunks=10)
    y = (X[:, 0] > 0).astype(int)
    classes = da.from_delayed(dask.delayed(make_classes, pure=True)(), shape=(2,), dtype=int)
    model = fit_blocks(SGDClassifier(random_state=0), X, y, classes=classes)
    assert len(calls) == 1, "classes must be computed once, not once per step"
    assert_same_model(model, manual_fit(SGDClassifier(random_state=0), X, y, classes=[0, 1]))


def test_progress_bar_on_local_scheduler(capsys):
    X = da.ones((20, 2), chunks=5)
    fit_blocks(SGDRegressor(), X, X[:, 0], progress=True)
    assert "100% Completed" in capsys.readouterr().out


def test_runtime_row_mismatch_names_the_block():
    """Sizes unknown until run time: the step checks them and names the block."""
    frame = pd.DataFrame({"a": np.arange(10.0)})
    X = dd.from_pandas(frame, npartitions=2)
    y = dd.from_pandas(pd.Series(np.arange(10.0)), npartitions=2)
    y = y[y > 2]  # block 0 of y loses 3 rows
    with pytest.raises(ValueError, match=r"step 0 \(block 0\): X has 5 rows but y has 2"):
        fit_blocks(SGDRegressor(), X, y)


class FailsOnBlock:
    """An incremental learner that fails on a block holding the row value 42."""

    def partial_fit(self, X, y=None):
        if np.any(np.asarray(X) == 42):
            raise FloatingPointError("bad value in block")
        self.seen_ = getattr(self, "seen_", 0) + len(X)
        return self


def test_failing_step_keeps_exception_type_and_names_step_and_block(scheduler):
    X = da.arange(60.0, chunks=10).reshape(60, 1)  # 42 lives in block 4
    estimator = FailsOnBlock()
    step = plan_order(6, shuffle_blocks=True, random_state=0)[0].index(4)
    with pytest.raises(FloatingPointError, match="bad value in block") as raised:
        fit_blocks(estimator, X, shuffle_blocks=True, random_state=0)
    assert str(raised.value) == "bad value in block", "the message is the user's own"
    assert raised.value.__notes__ == [f"[in partial_fit at step {step} (block 4)]"]
    assert not hasattr(estimator, "seen_")


def test_empty_blocks_are_skipped():
    X = da.from_array(np.arange(12.0).reshape(6, 2), chunks=((0, 3, 0, 3, 0), 2))
    model = fit_blocks(FailsOnBlock(), X)
    assert model.seen_ == 6


# --- bad input: a clear error, before any compute, nothing changed ---------------------


def _frame(n, parts):
    return dd.from_pandas(pd.DataFrame({"a": np.arange(float(n))}), npartitions=parts)


X_OK = np.arange(20.0).reshape(10, 2)

BAD_INPUTS = [
    # id, estimator, X, y, kwargs, exception, message
    ("no partial_fit", LinearRegression(), da.from_array(X_OK, chunks=5), None, {}, TypeError, "LinearRegression has no partial_fit"),
    ("class, not instance", SGDRegressor, da.from_array(X_OK, chunks=5), None, {}, TypeError, "not the class SGDRegressor"),
    # X's own faults, with an estimator that needs no y (so the missing y is not the first fault)
    ("0-d X", StandardScaler(), da.from_array(np.float64(1.0)), None, {}, ValueError, "X must have at least one dimension"),
    ("0-d X in memory", StandardScaler(), np.float64(1.0), None, {}, ValueError, "X must have at least one dimension"),
    ("scalar X in memory", SGDRegressor(), 3.0, None, {}, TypeError, "X must be array-like .* got float"),
    ("unsupported collection", StandardScaler(), dask.delayed(X_OK), None, {}, TypeError, "X must be a dask Array, DataFrame, Series or Bag"),
    ("no y", SGDRegressor(), da.from_array(X_OK, chunks=5), None, {}, ValueError, "SGDRegressor requires y to be passed, but the target y is None"),
    ("y too short", SGDRegressor(), da.from_array(X_OK, chunks=5), da.ones(9, chunks=3), {}, ValueError, "X has 10 rows but y has 9"),
    ("numpy y too long", SGDRegressor(), da.from_array(X_OK, chunks=5), np.ones(11), {}, ValueError, "X has 10 rows but y has 11"),
    ("y partitions", SGDRegressor(), _frame(10, 2), _frame(10, 3)["a"], {}, ValueError, "X has 2 row blocks but y has 3"),
    ("numpy y, unknown sizes", SGDRegressor(), _frame(10, 2), np.ones(10), {}, ValueError, "y is in memory but the sizes of X's row blocks are unknown"),
    ("2-D sample_weight", SGDRegressor(), da.from_array(X_OK, chunks=5), da.ones(10, chunks=5), {"sample_weight": da.ones((10, 2), chunks=5)}, ValueError, "sample_weight must be 1-D"),
    ("sample_weight too short", SGDRegressor(), da.from_array(X_OK, chunks=5), da.ones(10, chunks=5), {"sample_weight": np.ones(4)}, ValueError, "X has 10 rows but sample_weight has 4"),
    ("3-D y", SGDRegressor(), da.from_array(X_OK, chunks=5), da.ones((10, 2, 2), chunks=5), {}, ValueError, "y must be 1-D or 2-D, got a 3-D (dask.array.core.Array|numpy.ndarray)"),
    ("3-D numpy y", SGDRegressor(), da.from_array(X_OK, chunks=5), np.ones((10, 2, 2)), {}, ValueError, "y must be 1-D or 2-D, got a 3-D (dask.array.core.Array|numpy.ndarray)"),
    ("no rows", SGDRegressor(), da.ones((0, 2), chunks=5), da.ones(0, chunks=5), {}, ValueError, "X has no rows"),
    ("epochs 0", SGDRegressor(), da.from_array(X_OK, chunks=5), da.ones(10, chunks=5), {"epochs": 0}, ValueError, "epochs must be >= 1"),
    ("epochs float", SGDRegressor(), da.from_array(X_OK, chunks=5), da.ones(10, chunks=5), {"epochs": 1.5}, TypeError, "epochs must be an integer"),
    ("prefetch negative", SGDRegressor(), da.from_array(X_OK, chunks=5), da.ones(10, chunks=5), {"prefetch": -1}, ValueError, "prefetch must be >= 0, got -1"),
    ("prefetch float", SGDRegressor(), da.from_array(X_OK, chunks=5), da.ones(10, chunks=5), {"prefetch": 1.0}, TypeError, "prefetch must be an integer"),
    ("bad random_state", SGDRegressor(), da.from_array(X_OK, chunks=5), da.ones(10, chunks=5), {"shuffle_blocks": True, "random_state": "seed"}, ValueError, "^str cannot be used to seed: random_state must be None, an int >= 0, a numpy RandomState or a numpy Generator$"),
    ("dask RandomState", SGDRegressor(), da.from_array(X_OK, chunks=5), da.ones(10, chunks=5), {"shuffle_blocks": True, "random_state": da.random.RandomState(42)}, ValueError, "^dask.array.random.RandomState cannot be used to seed"),
]


@pytest.mark.parametrize("estimator, X, y, kwargs, error, message", [case[1:] for case in BAD_INPUTS], ids=[case[0] for case in BAD_INPUTS])
def test_bad_input_is_refused_before_compute(estimator, X, y, kwargs, error, message):
    before_estimator = pickle.dumps(estimator)
    inputs = [v for v in (X, y, *kwargs.values()) if isinstance(v, np.ndarray)]
    before_data = [v.copy() for v in inputs]

    def no_compute(*args, **kw):
        raise AssertionError("fit_blocks computed something before refusing its input")

    with dask.config.set(scheduler=no_compute):
        with pytest.raises(error, match=message):
            fit_blocks(estimator, X, y, **kwargs)
    assert pickle.dumps(estimator) == before_estimator
    for old, new in zip(before_data, inputs):
        np.testing.assert_array_equal(old, new)


def test_small_remainder_block_landing_first_names_the_block():
    """MiniBatchKMeans needs n_clusters rows on its first call: the error says where."""
    from sklearn.cluster import MiniBatchKMeans

    X = da.random.default_rng(0).normal(size=(31, 2), chunks=10)  # blocks of 10, 10, 10, 1
    seed = next(s for s in range(100) if plan_order(4, shuffle_blocks=True, random_state=s)[0][0] == 3)
    with pytest.raises(ValueError, match=r"n_samples=1 should be >= n_clusters=2") as raised:
        fit_blocks(MiniBatchKMeans(n_clusters=2, n_init=1, random_state=0), X, shuffle_blocks=True, random_state=seed)
    assert raised.value.__notes__ == ["[in partial_fit at step 0 (block 3)]"]
    # The documented remedy: fold the remainder into the previous block.
    X_fixed = X.rechunk({0: (10, 10, 11)})
    model = fit_blocks(MiniBatchKMeans(n_clusters=2, n_init=1, random_state=0), X_fixed, shuffle_blocks=True, random_state=seed)
    assert model.cluster_centers_.shape == (2, 2)


def test_garbage_collector_is_restored_after_building():
    import gc

    X = da.ones((20, 2), chunks=5)
    fit_blocks(SGDRegressor(), X, X[:, 0], compute=False)
    assert gc.isenabled()
    with pytest.raises(TypeError):
        fit_blocks(SGDRegressor(), X, X[:, 0], epochs=1.5, compute=False)
    assert gc.isenabled(), "a refused input must not leave the collector off"


LABEL_CALLS = []


def counted_label(label):
    LABEL_CALLS.append(label)
    return label


def test_nested_dask_collections_in_fit_kwargs_are_computed_once(scheduler):
    X = da.random.default_rng(0).normal(size=(60, 3), chunks=10)
    y = (X[:, 0] > 0).astype(int)
    classes = [da.from_delayed(dask.delayed(counted_label, pure=True)(label), shape=(), dtype=int) for label in (0, 1)]
    LABEL_CALLS.clear()
    model = fit_blocks(SGDClassifier(random_state=0), X, y, classes=classes)
    assert sorted(LABEL_CALLS) == [0, 1], "each label is computed once, not once per step"
    assert_same_model(model, manual_fit(SGDClassifier(random_state=0), X, y, classes=[0, 1]))


def test_python_lists_work_with_row_shuffles():
    X = da.from_array(np.arange(20.0).reshape(10, 2), chunks=5)
    y, w = list(range(10)), [1.0] * 10
    opts = dict(shuffle_rows=True, random_state=0)
    model = fit_blocks(SGDRegressor(random_state=0), X, y, sample_weight=w, **opts)
    plan = plan_order(2, shuffle_rows=True, random_state=0)
    expected = manual_fit(SGDRegressor(random_state=0), X, np.array(y), np.array(w), order=plan[0], seeds=plan[1])
    assert_same_model(model, expected)
    in_memory = fit_blocks(SGDRegressor(random_state=0), X.compute().tolist(), y, **opts)
    assert in_memory.coef_.shape == (2,)


PARTITION_CALLS = []


def doubled_partition(part):
    """An upstream step of X and y that records each run."""
    PARTITION_CALLS.append(len(part))
    return part * 2.0


def test_work_shared_by_x_and_y_frames_runs_once_per_partition():
    frame = pd.DataFrame(np.random.default_rng(0).normal(size=(100, 4)), columns=list("abct"))
    df = dd.from_pandas(frame, npartitions=5).map_partitions(doubled_partition)
    X, y = df[list("abc")], df["t"]
    PARTITION_CALLS.clear()
    with dask.config.set(scheduler="sync"):
        model = fit_blocks(SGDRegressor(random_state=0), X, y)
    assert len(PARTITION_CALLS) == 5, "X and y read the one upstream task of each partition"
    assert_same_model(model, manual_fit(SGDRegressor(random_state=0), X, y))


def test_x_and_y_from_one_parquet_dataset(tmp_path, scheduler):
    """Optimising X and y apart regroups parquet partitions differently: keep them paired."""
    frame = pd.DataFrame(np.random.default_rng(0).normal(size=(2000, 13)), columns=[*(f"f{i}" for i in range(12)), "t"])
    dd.from_pandas(frame, npartitions=10).to_parquet(tmp_path / "data")
    df = dd.read_parquet(tmp_path / "data")
    X, y = df[[f"f{i}" for i in range(12)]], df["t"]
    model = fit_blocks(SGDRegressor(random_state=0), X, y)
    assert_same_model(model, manual_fit(SGDRegressor(random_state=0), X, y))
