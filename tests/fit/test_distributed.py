"""dask_incr on dask.distributed: same model, locality, faults, errors, progress.

Most tests share one module-scoped LocalCluster of two single-threaded worker
processes; the fault test starts its own, since it kills a worker.

The helpers below (estimators, loaders, the live-block tracker) are
module-level so workers unpickle them by reference: worker processes are
spawned with this process's ``sys.path`` and import this module.
"""

import os
import pickle
import signal
import threading
import time
import weakref

import dask
import dask.array as da
import dask.dataframe as dd
import dask.diagnostics
import distributed
import numpy as np
import pandas as pd
import pytest
from dask.delayed import Delayed
from distributed import Client, LocalCluster, wait
from oracle import assert_same_model, manual_fit
from sklearn.base import BaseEstimator
from sklearn.cluster import MiniBatchKMeans
from sklearn.linear_model import SGDClassifier, SGDRegressor
from sklearn.naive_bayes import GaussianNB
from sklearn.neural_network import MLPRegressor
from sklearn.preprocessing import StandardScaler

import dask_incr
import dask_incr.graph.sizeof
from dask_incr import Incremental, build_chain, fit_blocks
from dask_incr.fit.options import FitOptions
from dask_incr.fit.runner import run_fit
from dask_incr.graph.orders import plan_order

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

N_FEATURES = 6


# -- helpers that run on the workers ------------------------------------------


class SlowScaler(StandardScaler):
    """A StandardScaler whose ``partial_fit`` takes ``delay`` seconds longer."""

    def __init__(self, delay=0.05, *, copy=True, with_mean=True, with_std=True):
        super().__init__(copy=copy, with_mean=with_mean, with_std=with_std)
        self.delay = delay

    def partial_fit(self, X, y=None, sample_weight=None):
        time.sleep(self.delay)
        return super().partial_fit(X, y, sample_weight)


_LIVE_EVENTS = []  # per worker process: (time, +1 | -1) as blocks appear and die
_LIVE_LOCK = threading.Lock()


def _live_event(change):
    with _LIVE_LOCK:
        _LIVE_EVENTS.append((time.monotonic(), change))


def tracked_block(block):
    """A copy of ``block`` whose life (creation to garbage) is recorded."""
    out = np.array(block, copy=True)
    _live_event(+1)
    weakref.finalize(out, _live_event, -1)
    return out


def drain_live_events():
    with _LIVE_LOCK:
        events = list(_LIVE_EVENTS)
        _LIVE_EVENTS.clear()
    return events


def slow_block(block, delay=0.0, log_dir=None, block_info=None):
    """Load ``block`` slowly; append its index to a per-process log when asked."""
    time.sleep(delay)
    if log_dir is not None:
        index = block_info[0]["chunk-location"][0]
        with open(os.path.join(log_dir, f"{os.getpid()}.log"), "a") as log:
            log.write(f"{index}\n")
    return block


def transfers(dask_worker):
    """What this worker received, as (key, sender) pairs."""
    return [(key, t["who"]) for t in dask_worker.transfer_incoming_log for key in t["keys"]]


def clear_transfers(dask_worker):
    dask_worker.transfer_incoming_log.clear()
    dask_worker.transfer_outgoing_log.clear()


def forget_estimator_sizeof():
    """Back to dask's default sizeof for estimators, in this process."""
    from dask.sizeof import sizeof

    for cls in list(sizeof._lookup):
        if isinstance(cls, type) and issubclass(cls, BaseEstimator):
            del sizeof._lookup[cls]


def estimator_sizeof_name():
    from dask.sizeof import sizeof

    return sizeof.dispatch(SGDRegressor).__qualname__


# -- fixtures, data and the expected model -------------------------------------


@pytest.fixture(scope="module")
def client():
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster, Client(cluster) as client:
        yield client


def linear_score(block):
    return block @ np.linspace(-1.0, 1.0, block.shape[1])


def make_data(seed=0, n_blocks=6, rows=40, kind="array"):
    """Lazy X (n_blocks * rows, N_FEATURES) and class / float targets."""
    X = da.random.default_rng(seed).normal(size=(n_blocks * rows, N_FEATURES), chunks=(rows, N_FEATURES))
    # Blockwise, so block i of y depends on block i of X alone (and is
    # persisted where it is): X @ w would also depend on a key holding w.
    score = X.map_blocks(linear_score, drop_axis=1, dtype=float)
    y_class, y_float = (score > 0).astype(int), score
    if kind == "frame":
        frame = dd.from_dask_array(X, columns=[f"f{i}" for i in range(N_FEATURES)])
        frame["y"] = dd.from_dask_array(y_class, index=frame.index)
        return frame[frame.columns[:-1]], frame["y"], None
    return X, y_class, y_float


def expected_model(
    estimator, X, y=None, *, epochs=1, shuffle_blocks=False, shuffle_rows=False, random_state=None, **kw
):
    """The oracle's loop over the order these options plan.

    Nanny-started workers run BLAS and OpenMP on one thread; so does the loop
    (reductions over more threads differ in the last bits).
    """
    n_blocks = X.numblocks[0] if isinstance(X, da.Array) else X.npartitions
    order, seeds, _ = plan_order(
        n_blocks, shuffle_blocks=shuffle_blocks, shuffle_rows=shuffle_rows, epochs=epochs, random_state=random_state
    )
    return manual_fit(estimator, X, y, order=order, seeds=seeds, blas_threads=1, **kw)


# -- same model as the loop ---------------------------------------------------

CASES = {
    "SGDClassifier-shuffled-2-epochs": (
        lambda: SGDClassifier(random_state=0),
        "class",
        dict(epochs=2, shuffle_blocks=True, random_state=3, classes=[0, 1]),
    ),
    "SGDRegressor-shuffled-rows": (lambda: SGDRegressor(random_state=0), "float", dict(shuffle_rows=True, random_state=4)),
    "MiniBatchKMeans": (lambda: MiniBatchKMeans(n_clusters=3, n_init=1, random_state=0), None, {}),
    "GaussianNB": (GaussianNB, "class", dict(classes=[0, 1])),
    "StandardScaler-2-epochs": (StandardScaler, None, dict(epochs=2)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_same_model_as_the_loop(client, case):
    make, target, options = CASES[case]
    X, y_class, y_float = make_data(seed=len(case))
    y = {"class": y_class, "float": y_float, None: None}[target]
    estimator = make()
    before = pickle.dumps(estimator)
    model = fit_blocks(estimator, X, y, **options)
    assert_same_model(model, expected_model(estimator, X, y, **options))
    assert pickle.dumps(estimator) == before, "the caller's estimator was changed"


def test_same_model_on_persisted_dataframe(client):
    X, y, _ = make_data(seed=11, kind="frame")
    X, y = client.persist([X, y])
    options = dict(shuffle_blocks=True, shuffle_rows=True, random_state=7, classes=[0, 1])
    model = fit_blocks(SGDClassifier(random_state=0), X, y, **options)
    assert_same_model(model, expected_model(SGDClassifier(random_state=0), X, y, **options))
    assert list(model.feature_names_in_) == list(X.columns)


def test_incremental_wrapper_on_the_cluster(client):
    X, y, _ = make_data(seed=12)
    wrapper = Incremental(SGDClassifier(random_state=0), random_state=5).fit(X, y, classes=[0, 1])
    expected = expected_model(SGDClassifier(random_state=0), X, y, classes=[0, 1], **_replay(wrapper))
    assert_same_model(wrapper.estimator_, expected)
    predicted = wrapper.predict(X).compute()
    np.testing.assert_array_equal(predicted, expected.predict(X.compute()))


def _replay(wrapper):
    """The fit_blocks options that replay a fitted Incremental's order."""
    return dict(shuffle_blocks=wrapper.shuffle_blocks, epochs=wrapper.epochs, random_state=wrapper.seed_)


# -- in-memory data stays in this process ------------------------------------


class PidRecorder(BaseEstimator):
    """Records the process each ``partial_fit`` ran in."""

    def partial_fit(self, X, y=None):
        self.pids_ = [*getattr(self, "pids_", []), os.getpid()]
        self.rows_ = getattr(self, "rows_", 0) + len(X)
        return self


@pytest.mark.parametrize("kind", ["numpy", "pandas"])
def test_in_memory_data_is_fitted_in_this_process_from_every_entry_point(client, kind):
    # Nothing to load: shipping the data and the model to a worker would only
    # add two transfers, so the default client is not used, from either entry point.
    X = np.random.default_rng(0).normal(size=(30, N_FEATURES))
    if kind == "pandas":
        X = pd.DataFrame(X, columns=[f"f{i}" for i in range(N_FEATURES)])
    assert len({pid for pid in client.run(os.getpid).values()} - {os.getpid()}) == 2, "the workers are other processes"
    model = fit_blocks(PidRecorder(), X, epochs=2)
    wrapper = Incremental(PidRecorder(), epochs=2).fit(X)
    assert model.pids_ == wrapper.estimator_.pids_ == [os.getpid()] * 2
    assert model.rows_ == wrapper.estimator_.rows_ == 60
    # The contrast: the same data as a dask collection is fitted on the cluster.
    lazy_X = da.from_array(np.asarray(X), chunks=15)
    on_cluster = fit_blocks(PidRecorder(), lazy_X).pids_ + Incremental(PidRecorder()).fit(lazy_X).estimator_.pids_
    assert os.getpid() not in on_cluster and len(on_cluster) == 4


# -- lazy results on the cluster ----------------------------------------------


def test_lazy_result_with_client_compute_persist_and_dask_compute(client):
    X, y, _ = make_data(seed=2)
    expected = expected_model(SGDClassifier(random_state=0), X, y, classes=[0, 1])
    lazy = fit_blocks(SGDClassifier(random_state=0), X, y, classes=[0, 1], compute=False)
    assert isinstance(lazy, Delayed)
    assert_same_model(client.compute(lazy).result(timeout=60), expected)
    persisted = client.persist(lazy)
    assert dict(persisted.dask) and all(isinstance(v, distributed.Future) for v in persisted.dask.values())
    assert_same_model(persisted.compute(), expected)
    (computed,) = dask.compute(lazy)
    assert_same_model(computed, expected)
    # Deterministic keys: the persisted result is the one the others found.
    assert persisted.key == lazy.key


def test_model_given_as_a_future(client):
    X, _, y = make_data(seed=3)
    start = client.scatter(SGDRegressor(random_state=0))
    Xp, yp = client.persist([X, y])
    inputs = [((Xp.name, i, 0), (yp.name, i), None) for i in range(Xp.numblocks[0])]
    graph, key = build_chain(start, inputs, name="fit-from-future", dependencies=[Xp, yp])
    model = client.compute(Delayed(key, graph, layer="fit-from-future")).result(timeout=60)
    assert_same_model(model, expected_model(SGDRegressor(random_state=0), X, y))
    unchanged = pickle.dumps(start.result()) == pickle.dumps(SGDRegressor(random_state=0))
    assert unchanged, "the model behind the future was changed"


# -- locality -----------------------------------------------------------------


def _fit_and_record(client, estimator, X, y=None):
    client.run(clear_transfers)
    lazy = fit_blocks(estimator, X, y, compute=False)
    model = client.compute(lazy).result(timeout=60)
    return model, lazy.key[0], client.run(transfers)


def _classify(records, name, X, y):
    data_names = {X.name, None if y is None else y.name}
    kinds = {"model": [], "data": [], "other": []}
    for worker, received in records.items():
        for key, sender in received:
            prefix = key[0] if isinstance(key, tuple) else key
            kind = "model" if prefix == name else "data" if prefix in data_names else "other"
            kinds[kind].append((key, sender, worker))
    return kinds


def test_small_model_moves_to_the_data(client):
    X, _, y = make_data(seed=4, n_blocks=10)
    X, y = client.persist([X, y])
    wait([X, y])
    holders = {k[1:]: ws for k, ws in client.who_has(X).items()}
    assert holders == {k[1:] + (0,): ws for k, ws in client.who_has(y).items()}, "y_i should live with X_i"
    assert len({ws for ws in holders.values()}) == 2, "X should be spread over both workers"
    model, name, records = _fit_and_record(client, SGDRegressor(random_state=0), X, y)
    moved = _classify(records, name, X, y)
    assert moved["data"] == [] and moved["other"] == []
    model_keys = [key for key, _, _ in moved["model"]]
    assert len(model_keys) == len(set(model_keys)), "a model step was shipped twice"
    assert len(model_keys) <= X.numblocks[0] - 1
    # The model hopped between the workers holding the blocks.
    assert model_keys, "all blocks on one worker: nothing to measure"
    assert_same_model(model, expected_model(SGDRegressor(random_state=0), X, y))


def test_many_models_go_to_the_blocks_and_a_block_moves_at_most_once(client):
    """fit_blocks_many over persisted blocks: models travel; a block is never sent to K places.

    The scheduler may copy a block once to the other worker, to run the K
    steps of that block in parallel rather than one after another.
    """
    X, _, y = make_data(seed=6, n_blocks=10, rows=400)
    X, y = client.persist([X, y])
    wait([X, y])
    assert len({ws for ws in client.who_has(X).values()}) == 2, "X should be spread over both workers"
    estimators = [SGDRegressor(alpha=alpha, random_state=0) for alpha in (1e-4, 1e-2, 1.0, 10.0)]
    client.run(clear_transfers)
    lazy = dask_incr.fit_blocks_many(estimators, X, y, compute=False)
    models = client.gather(client.compute(lazy))
    names = {d.key[0] for d in lazy}
    moved = [key for received in client.run(transfers).values() for key, _ in received]
    prefixes = [key[0] if isinstance(key, tuple) else key for key in moved]
    blocks_moved = [key for key, prefix in zip(moved, prefixes) if prefix in (X.name, y.name)]
    assert len(blocks_moved) == len(set(blocks_moved)), "a block was sent twice (to K places)"
    assert {prefix for prefix in prefixes} <= names | {X.name, y.name}, "only models and blocks move"
    assert any(prefix in names for prefix in prefixes), "no model moved: all blocks on one worker?"
    for estimator, model in zip(estimators, models):
        assert_same_model(model, expected_model(estimator, X, y))


def test_large_model_stays_and_blocks_move(client):
    # With an honest sizeof (dask_incr.graph.sizeof), a model far larger than a
    # block stays put and the blocks come to it.
    X, _, y = make_data(seed=5, n_blocks=8, rows=50)
    X, y = client.persist([X, y])
    wait([X, y])
    mlp = MLPRegressor(hidden_layer_sizes=(400, 400), random_state=0)
    model, name, records = _fit_and_record(client, mlp, X, y)
    moved = _classify(records, name, X, y)
    assert moved["model"] == [] and moved["other"] == []
    block_bytes = X.blocks[0].nbytes + y.blocks[0].nbytes
    assert len(moved["data"]) <= 2 * X.numblocks[0]
    assert sum(a.nbytes for a in model.coefs_) > 100 * block_bytes
    assert set(client.run(estimator_sizeof_name).values()) == {"estimator_sizeof"}


def test_dask_default_sizeof_ships_a_large_model_every_step(client):
    # Why dask_incr.graph.sizeof exists: with dask's own sizeof an estimator is a
    # few dozen bytes, so the scheduler ships the large model to each block.
    X, _, y = make_data(seed=14, n_blocks=8, rows=50)
    X, y = client.persist([X, y])
    wait([X, y])
    assert len({ws for ws in client.who_has(X).values()}) == 2
    try:
        client.run(forget_estimator_sizeof)
        mlp = MLPRegressor(hidden_layer_sizes=(400, 400), random_state=0)
        _, name, records = _fit_and_record(client, mlp, X, y)
    finally:
        client.run(dask_incr.graph.sizeof._register)
    moved = _classify(records, name, X, y)
    assert moved["data"] == [] and moved["other"] == []
    assert len(moved["model"]) >= 1
    assert set(client.run(estimator_sizeof_name).values()) == {"estimator_sizeof"}


def test_lazy_blocks_load_near_the_model(client):
    # Gated (prefetched) loading: the gate task reads the model key, yet no
    # model step is shipped twice and no block more than once.
    n_blocks = 10
    X, _, y = make_data(seed=13, n_blocks=n_blocks, rows=100)
    mlp = MLPRegressor(hidden_layer_sizes=(200, 200), random_state=0)
    model, name, records = _fit_and_record(client, mlp, X, y)
    moved = _classify(records, name, X, y)
    model_keys = [key for key, _, _ in moved["model"]]
    block_keys = [key for key, _, _ in moved["other"]]
    assert len(model_keys) == len(set(model_keys)) <= n_blocks - 1
    assert len(block_keys) == len(set(block_keys)) <= 2 * n_blocks
    assert_same_model(model, expected_model(mlp, X, y))


# Evaluated on a worker with builtin ``eval``: a helper from this module would
# import this module, and with it dask_incr, on the worker.
WORKER_HAS_DASK_INCR = "'dask_incr' in __import__('sys').modules"
WORKER_ESTIMATOR_SIZEOF = (
    "__import__('dask.sizeof').sizeof.sizeof.dispatch("
    "__import__('sklearn.linear_model').linear_model.SGDRegressor).__qualname__"
)


def test_workers_register_sizeof_when_they_run_a_step():
    # A fresh worker knows nothing of dask_incr until it unpickles a fit step;
    # importing dask_incr then registers the estimator sizeof there.
    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster, Client(cluster, set_as_default=False) as fresh:
        assert list(fresh.run(eval, WORKER_HAS_DASK_INCR).values()) == [False]
        X = da.random.default_rng(15).normal(size=(40, N_FEATURES), chunks=10)
        lazy = fit_blocks(SGDRegressor(random_state=0), X, X[:, 0], compute=False)
        model = fresh.compute(lazy).result(timeout=60)
        assert list(fresh.run(eval, WORKER_HAS_DASK_INCR).values()) == [True]
        assert list(fresh.run(eval, WORKER_ESTIMATOR_SIZEOF).values()) == ["estimator_sizeof"]
    assert model.coef_.shape == (N_FEATURES,)


def test_workers_report_honest_model_sizes(client):
    X, _, y = make_data(seed=6)
    lazy = fit_blocks(MLPRegressor(hidden_layer_sizes=(300,), random_state=0), X, y, compute=False)
    future = client.compute(lazy)
    model = future.result(timeout=60)

    def nbytes(dask_scheduler, key=future.key):
        return dask_scheduler.tasks[key].nbytes

    reported = client.run_on_scheduler(nbytes)
    weights = sum(a.nbytes for a in model.coefs_ + model.intercepts_)
    assert reported >= 3 * weights  # weights and Adam's two moment estimates
    del future


# -- errors -------------------------------------------------------------------


def test_failing_step_raises_original_type_naming_step_and_block(client):
    X, y, _ = make_data(seed=7, n_blocks=5)
    bad_block = 3
    y = y.map_blocks(_label_two_in_block, bad_block, dtype=y.dtype)
    estimator = SGDClassifier(random_state=0).partial_fit(np.zeros((2, N_FEATURES)), [0, 1], classes=[0, 1])
    coef_before = estimator.coef_.copy()
    lazy = fit_blocks(estimator, X, y, compute=False)
    future = client.compute(lazy)
    where = [f"[in partial_fit at step {bad_block} (block {bad_block})]"]
    with pytest.raises(ValueError, match="^classes should include all valid labels") as raised:
        future.result(timeout=60)  # no hang: the error arrives well within the timeout
    assert raised.value.__notes__ == where, "the note travels back from the worker"
    with pytest.raises(ValueError, match="^classes should include all valid labels") as raised:
        fit_blocks(estimator, X, y)
    assert raised.value.__notes__ == where
    np.testing.assert_array_equal(estimator.coef_, coef_before)
    # The cluster is still usable.
    good = fit_blocks(SGDClassifier(random_state=0), X, y.map_blocks(np.minimum, 1), classes=[0, 1])
    assert good.coef_.shape == (1, N_FEATURES)
    assert len(client.scheduler_info()["workers"]) == 2


def _label_two_in_block(y, bad_block, block_info=None):
    if block_info[0]["chunk-location"][0] == bad_block:
        y = y.copy()
        y[0] = 2
    return y


# -- progress -----------------------------------------------------------------


def test_progress_uses_distributed_progress_on_a_cluster(client, capsys, monkeypatch):
    calls = []
    real = distributed.progress
    monkeypatch.setattr(distributed, "progress", lambda *a, **k: calls.append("distributed") or real(*a, **k))
    monkeypatch.setattr(dask.diagnostics, "ProgressBar", _refuse_local_bar)
    X, y, _ = make_data(seed=8)
    model = fit_blocks(SGDClassifier(random_state=0), X, y, classes=[0, 1], progress=True)
    out = capsys.readouterr().out
    assert calls == ["distributed"]
    assert "100% Completed" in out
    assert_same_model(model, expected_model(SGDClassifier(random_state=0), X, y, classes=[0, 1]))


def _refuse_local_bar(*args, **kwargs):
    raise AssertionError("dask.diagnostics.ProgressBar used with a distributed client")


def test_progress_uses_local_bar_on_local_scheduler(client, capsys, monkeypatch):
    monkeypatch.setattr(distributed, "progress", _refuse_distributed_bar)
    X, y, _ = make_data(seed=9)
    with dask.config.set(scheduler="threads"):
        model = fit_blocks(SGDClassifier(random_state=0), X, y, classes=[0, 1], progress=True)
    out = capsys.readouterr().out
    assert "100% Completed" in out
    assert_same_model(model, expected_model(SGDClassifier(random_state=0), X, y, classes=[0, 1]))


def _refuse_distributed_bar(*args, **kwargs):
    raise AssertionError("distributed.progress used on a local scheduler")


# -- bounded memory -----------------------------------------------------------


def _peak(events):
    live = peak = 0
    for _, change in sorted(events):
        live += change
        peak = max(peak, live)
    return peak, live


@pytest.mark.parametrize("prefetch", [0, 1, 2])
def test_prefetch_bounds_blocks_held_on_the_cluster(client, prefetch):
    n_blocks = 12
    X = da.zeros((n_blocks * 10, N_FEATURES), chunks=(10, N_FEATURES)).map_blocks(tracked_block, dtype=float)
    client.run(drain_live_events)
    model = fit_blocks(SlowScaler(delay=0.05), X, prefetch=prefetch)
    peak, live_after = _peak([e for events in client.run(drain_live_events).values() for e in events])
    assert model.n_samples_seen_ == n_blocks * 10
    # No slack needed: block i + 1 + prefetch waits on a gate task that the
    # scheduler dispatches only after step i has finished, and it releases
    # block i (its one dependent done) in that same transition.
    assert peak <= prefetch + 1, peak
    assert live_after == 0


def test_default_read_ahead_on_the_cluster_is_two_blocks(client):
    # Two blocks ahead keep the chain fed on a cluster (the gate path is three
    # scheduler round trips against one per step); the bound is then three.
    n_blocks = 12
    X = da.zeros((n_blocks * 10, N_FEATURES), chunks=(10, N_FEATURES)).map_blocks(tracked_block, dtype=float)
    lazy = fit_blocks(SlowScaler(delay=0.05), X, compute=False)
    layer = lazy.dask.layers[lazy.key[0]]
    assert sorted(k[1] for k in layer if k[0].startswith("prefetch-")) == list(range(n_blocks - 3))
    client.run(drain_live_events)
    model = fit_blocks(SlowScaler(delay=0.05), X)
    peak, live_after = _peak([e for events in client.run(drain_live_events).values() for e in events])
    assert model.n_samples_seen_ == n_blocks * 10
    assert 2 <= peak <= 3, peak
    assert live_after == 0


def test_without_prefetch_blocks_pile_up_on_the_cluster(client):
    # The contrast that shows the tracker measures something.
    n_blocks = 12
    X = da.zeros((n_blocks * 10, N_FEATURES), chunks=(10, N_FEATURES)).map_blocks(tracked_block, dtype=float)
    client.run(drain_live_events)
    fit_blocks(SlowScaler(delay=0.05), X, prefetch=None)
    peak, _ = _peak([e for events in client.run(drain_live_events).values() for e in events])
    assert peak > 4, peak


# -- faults -------------------------------------------------------------------


def _fit_steps(dask_scheduler, name):
    """(step, state, worker) of every task of fit layer ``name`` the scheduler knows."""
    return [
        (ts.key[1], ts.state, ts.processing_on.address if ts.processing_on else None)
        for key, ts in dask_scheduler.tasks.items()
        if isinstance(key, tuple) and key[0] == name
    ]


def test_worker_killed_mid_fit(tmp_path):
    n_blocks, delay = 14, 0.12
    X = da.random.default_rng(10).normal(size=(n_blocks * 30, N_FEATURES), chunks=(30, N_FEATURES))
    y = X.map_blocks(linear_score, drop_axis=1, dtype=float)
    slow_X = X.map_blocks(slow_block, delay=delay, log_dir=str(tmp_path), dtype=float)
    expected = expected_model(SGDRegressor(random_state=0), X, y)
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster, Client(cluster) as client:
        pids = client.run(os.getpid)
        lazy = fit_blocks(SGDRegressor(random_state=0), slow_X, y, compute=False)
        name = lazy.key[0]
        future = client.compute(lazy)
        deadline = time.monotonic() + 60
        victim = None
        while victim is None and time.monotonic() < deadline:
            running = [(i, w) for i, state, w in client.run_on_scheduler(_fit_steps, name=name) if state == "processing"]
            if running and running[0][0] >= 4:
                victim = running[0][1]
            time.sleep(0.02)
        assert victim is not None, "the fit never reached step 4"
        assert not future.done()
        os.kill(pids[victim], signal.SIGKILL)
        model = future.result(timeout=90)
        assert_same_model(model, expected)
        workers = client.scheduler_info()["workers"]
        assert victim not in workers
        client.wait_for_workers(2, timeout=30)  # the nanny restarted it
    loads = [int(line) for log in tmp_path.iterdir() for line in log.read_text().split()]
    assert sorted(set(loads)) == list(range(n_blocks))
    # How much is loaded again depends on what the dead worker held: the whole
    # prefix when it held the only copy of the model, nothing when the model
    # and the next block also lived on the other worker.
    assert len(loads) >= n_blocks


def test_early_stopping_across_worker_processes(client, tmp_path):
    """Epochs scored beside the next one on two worker processes: the predicted stop, best model and checkpoint."""
    from test_stopping import BEST_EPOCH, RULE, SCORES, STOP_EPOCH, Scripted

    from dask_incr.fit.checkpoint import load_checkpoint

    X = da.random.default_rng(0).normal(size=(80, 3), chunks=20).persist()
    X_val = da.random.default_rng(1).normal(size=(30, 3), chunks=10).persist()
    model, history = fit_blocks(
        Scripted(4), X, validation=(X_val, None), epochs=10, early_stopping=True, return_history=True,
        checkpoint_dir=str(tmp_path), **RULE,
    )
    assert [entry["score"] for entry in history] == SCORES[:STOP_EPOCH]
    assert model.calls_ == 4 * BEST_EPOCH
    assert_same_model(model, manual_fit(Scripted(4), X, order=list(range(4)) * BEST_EPOCH))
    saved = load_checkpoint(str(tmp_path))
    assert saved.stopped and saved.epoch == STOP_EPOCH and saved.model.calls_ == 4 * STOP_EPOCH


def test_a_fit_that_fed_no_row_raises_on_the_cluster(client):
    # issue 21: a filter that matches nothing, partition sizes unknown
    df = dd.from_pandas(pd.DataFrame({"a": np.arange(40.0), "t": np.arange(40.0)}), npartitions=4)
    kept = df[df.a > 1000]
    estimator = SGDRegressor()
    for options in ({}, {"epochs": 2}):
        with pytest.raises(ValueError, match="no rows were fed: every block of X"):
            fit_blocks(estimator, kept[["a"]], kept["t"], **options)
    with pytest.raises(ValueError, match="no rows were fed: every block of X"):
        run_fit(SGDRegressor(), kept[["a"]], kept["t"], options=FitOptions(window=2))
    assert not hasattr(estimator, "coef_")
