"""fit_blocks_many: K chains over the same blocks, each block read once for all of them.

Each chain must equal its own ``fit_blocks`` run and the oracle's loop; block
loads are counted with a loader that also counts the blocks alive at once.
"""

import pickle
import threading
import time

import dask
import dask.array as da
import numpy as np
import pytest
from gates import gates
from hypothesis import given, settings
from hypothesis import strategies as st
from live import LiveCounter
from oracle import assert_same_model, manual_fit
from sklearn.base import BaseEstimator
from sklearn.cluster import MiniBatchKMeans
from sklearn.linear_model import SGDClassifier, SGDRegressor
from sklearn.preprocessing import StandardScaler

from dask_incr import FitOptions, NotIncrementalError, fit_blocks, fit_blocks_many, plan_fit, row_seeds
from dask_incr.fit.runner import run_fit, run_fits


def refuse_to_compute(*args, **kwargs):
    raise AssertionError("something was computed")


class CountingLoader(LiveCounter):
    """Makes 20 × 3 blocks, counting how many were loaded and how many are alive at once."""

    def load(self, block):
        return self.track(np.random.default_rng(block).normal(size=(20, 3)), block)


def counted_array(loader, n_blocks):
    parts = [
        da.from_delayed(dask.delayed(loader.load, pure=False)(i), shape=(20, 3), dtype=float) for i in range(n_blocks)
    ]
    return da.concatenate(parts)


class Sleeper(BaseEstimator):
    """Sums what it sees, ``delay`` seconds per block; records how many Sleepers run at once."""

    running = 0
    most_at_once = 0
    lock = threading.Lock()

    def __init__(self, delay=0.01):
        self.delay = delay

    def partial_fit(self, X, y=None):
        cls = type(self)
        with cls.lock:
            cls.running += 1
            cls.most_at_once = max(cls.most_at_once, cls.running)
        time.sleep(self.delay)
        with cls.lock:
            cls.running -= 1
        self.total_ = getattr(self, "total_", 0.0) + float(np.sum(X))
        self.calls_ = getattr(self, "calls_", 0) + 1
        return self


def expected_total(blocks):
    return sum(float(np.random.default_rng(i).normal(size=(20, 3)).sum()) for i in blocks)


# -- each chain equals its own fit and the loop ------------------------------------------------

ESTIMATORS = [
    lambda: SGDRegressor(random_state=0),
    lambda: SGDRegressor(alpha=0.1, learning_rate="constant", eta0=0.01, random_state=1),
    lambda: StandardScaler(),
    lambda: MiniBatchKMeans(n_clusters=2, n_init=1, random_state=0),
]


@settings(max_examples=25)
@given(
    chunks=st.lists(st.integers(1, 9), min_size=1, max_size=6),
    picks=st.lists(st.integers(0, len(ESTIMATORS) - 1), min_size=1, max_size=4),
    shuffle_blocks=st.booleans(),
    shuffle_rows=st.booleans(),
    epochs=st.integers(1, 3),
    seed=st.integers(0, 2**32 - 1),
)
def test_each_chain_equals_its_own_fit_and_the_loop(chunks, picks, shuffle_blocks, shuffle_rows, epochs, seed):
    n = sum(chunks)
    X = da.from_array(np.random.default_rng(seed).normal(size=(n, 3)), chunks=(tuple(chunks), 3))
    y = X[:, 0] * 2.0 - X[:, 1]
    estimators = [ESTIMATORS[k]() for k in picks]
    before = [pickle.dumps(e) for e in estimators]
    options = dict(shuffle_blocks=shuffle_blocks, shuffle_rows=shuffle_rows, epochs=epochs, random_state=seed)
    with dask.config.set(scheduler="threads"):
        models = fit_blocks_many(estimators, X, y, **options)
    plan = plan_fit(estimators[0], X, y, **options)
    assert len(models) == len(estimators)
    for estimator, model in zip(estimators, models):
        assert model is not estimator
        assert_same_model(model, fit_blocks(estimator, X, y, **options))
        assert_same_model(model, manual_fit(estimator, X, y, order=plan.order, seeds=plan.row_seeds))
    assert [pickle.dumps(e) for e in estimators] == before, "a caller's estimator was changed"


def test_equal_estimators_get_chains_and_models_of_their_own():
    X = da.random.default_rng(1).normal(size=(60, 3), chunks=20)
    y = (X[:, 0] > 0).astype(int)
    estimator = SGDClassifier(random_state=0)
    lazy = fit_blocks_many([estimator, estimator], X, y, classes=[0, 1], compute=False)
    single = fit_blocks(estimator, X, y, classes=[0, 1], compute=False)
    names = {d.key[0] for d in lazy}
    assert len(names) == 2 and single.key[0] not in names
    assert [d.key for d in lazy] == [d.key for d in fit_blocks_many([estimator, estimator], X, y, classes=[0, 1], compute=False)]
    first, second, alone = dask.compute(*lazy, single)
    assert first is not second and second is not alone
    assert_same_model(first, alone)
    assert_same_model(second, alone)


def test_keys_change_with_each_estimator_and_with_the_data():
    X = da.ones((40, 2), chunks=10)
    keys = [d.key for d in fit_blocks_many([SGDRegressor(alpha=1.0), SGDRegressor(alpha=2.0)], X, X[:, 0], compute=False)]
    swapped = [d.key for d in fit_blocks_many([SGDRegressor(alpha=2.0), SGDRegressor(alpha=2.0)], X, X[:, 0], compute=False)]
    other_data = [d.key for d in fit_blocks_many([SGDRegressor(alpha=1.0), SGDRegressor(alpha=2.0)], X, X[:, 1], compute=False)]
    assert keys[0] != swapped[0] and keys[1] == swapped[1]
    assert not set(keys) & set(other_data)


# -- each block read once, for all the chains, within the memory bound -------------------


@pytest.mark.parametrize("n_models", [1, 4])
@pytest.mark.parametrize("prefetch", [0, 1, 2])
def test_each_block_is_loaded_once_for_all_models_within_the_bound(n_models, prefetch):
    loader = CountingLoader()
    X = counted_array(loader, 24)
    # The last chain much slower than the others: loading ahead must wait on it.
    estimators = [Sleeper(delay=0.0) for _ in range(n_models - 1)] + [Sleeper(delay=0.02)]
    with dask.config.set(scheduler="threads", num_workers=4):
        models = fit_blocks_many(estimators, X, prefetch=prefetch)
    assert loader.loads == 24, f"{loader.loads} loads for 24 blocks and {n_models} models"
    assert loader.peak <= prefetch + 1, f"{loader.peak} blocks alive at once"
    for model in models:
        assert model.calls_ == 24 and model.total_ == pytest.approx(expected_total(range(24)))


def test_epochs_load_each_block_once_per_epoch_for_all_models():
    loader = CountingLoader()
    X = counted_array(loader, 10)
    with dask.config.set(scheduler="threads", num_workers=4):
        fit_blocks_many([Sleeper(0.005) for _ in range(3)], X, epochs=3, shuffle_blocks=True, random_state=0)
    assert loader.loads == 30 and loader.peak <= 2


def test_lazy_models_computed_together_load_each_block_once():
    loader = CountingLoader()
    X = counted_array(loader, 12)
    lazy = fit_blocks_many([Sleeper(0.005) for _ in range(3)], X, compute=False)
    with dask.config.set(scheduler="threads", num_workers=4):
        models = dask.compute(*lazy)
    assert loader.loads == 12 and loader.peak <= 2
    assert {m.calls_ for m in models} == {12}


def test_unbounded_prefetch_lets_the_counter_see_blocks_pile_up():
    """The live counter can fail: without gating, idle threads load far ahead of K slow chains."""
    loader = CountingLoader()
    X = counted_array(loader, 24)
    with dask.config.set(scheduler="threads", num_workers=4):
        fit_blocks_many([Sleeper(0.02), Sleeper(0.02)], X, prefetch=None)
    assert loader.peak > 3


def test_a_load_waits_on_the_step_of_every_chain():
    X = da.ones((60, 2), chunks=10)
    lazy = fit_blocks_many([StandardScaler(), StandardScaler(), StandardScaler()], X, prefetch=1, compute=False)
    names = sorted(d.key[0] for d in lazy)
    loads = gates(dict(lazy[0].dask))
    assert sorted(key[1] for key in loads) == list(range(2, 6))
    for key, waits in loads.items():
        assert waits == [(name, key[1] - 2) for name in names]


def test_the_steps_of_one_block_run_in_parallel_on_threads():
    Sleeper.most_at_once = 0
    X = da.ones((40, 2), chunks=10)
    with dask.config.set(scheduler="threads", num_workers=4):
        fit_blocks_many([Sleeper(0.05) for _ in range(4)], X)
    assert Sleeper.most_at_once > 1


# -- long fits in windows, and one runner ------------------------------------------------------


@pytest.mark.parametrize("window", [1, 3, 7])
def test_windows_give_the_same_models(window):
    X = da.random.default_rng(3).normal(size=(70, 3), chunks=10)
    y = X[:, 0] - X[:, 2]
    estimators = [SGDRegressor(random_state=0), SGDRegressor(alpha=0.01, random_state=0)]
    options = FitOptions(epochs=2, shuffle_blocks=True, random_state=5)
    with dask.config.set(scheduler="threads"):
        whole = run_fits(estimators, X, y, options=options).result
        windowed = run_fits(estimators, X, y, options=options.replace(window=window)).result
    for a, b in zip(whole, windowed):
        assert_same_model(b, a)


def test_run_fit_is_run_fits_of_one_estimator():
    X = da.random.default_rng(3).normal(size=(30, 3), chunks=10)
    options = FitOptions(order=[2, 0, 2])
    one = run_fit(StandardScaler(), X, options=options)
    many = run_fits([StandardScaler()], X, options=options)
    assert one.order == many.order == [2, 0, 2]
    assert_same_model(one.result, many.result[0])
    assert_same_model(one.result, manual_fit(StandardScaler(), X, order=[2, 0, 2]))


def test_an_explicit_order_with_row_shuffles_equals_the_loop():
    X = da.random.default_rng(5).normal(size=(30, 3), chunks=10)
    y = X[:, 1] * 3.0
    options = FitOptions(order=[2, 0, 2, 1], shuffle_rows=True, random_state=1)
    plan = run_fits([SGDRegressor(random_state=0), SGDRegressor(alpha=1.0, random_state=0)], X, y, options=options)
    assert plan.order == [2, 0, 2, 1] and plan.row_seeds == row_seeds(4, random_state=1)
    for estimator, model in zip([SGDRegressor(random_state=0), SGDRegressor(alpha=1.0, random_state=0)], plan.result):
        assert_same_model(model, manual_fit(estimator, X, y, order=[2, 0, 2, 1], seeds=plan.row_seeds))
    with pytest.raises(ValueError, match=r"order\[1\] is block 3, but X has 3 blocks"):
        run_fits([SGDRegressor()], X, y, options=FitOptions(order=[0, 3]))


# -- bad input: refused before any work, naming the estimator -------------------------------------


@pytest.mark.parametrize(
    "estimators, kwargs, error, message",
    [
        ([], {}, ValueError, "estimators is empty"),
        (SGDRegressor(), {}, TypeError, "estimators must be a list or tuple of estimators, got .*SGDRegressor"),
        ([SGDRegressor(), SGDRegressor(), np.zeros(2)], {}, NotIncrementalError, r"estimators\[2\]: numpy.ndarray has no partial_fit"),
        ([SGDRegressor(), SGDRegressor], {}, NotIncrementalError, r"estimators\[1\]: pass an estimator instance"),
        ([SGDClassifier(), SGDClassifier()], {}, ValueError, r"estimators\[0\]: SGDClassifier.partial_fit needs classes="),
        ([SGDRegressor()], {"epochs": 0}, ValueError, "epochs must be >= 1"),
        ([SGDRegressor()], {"clases": [0, 1]}, TypeError, r"estimators\[0\]: .*unexpected keyword argument 'clases'"),
        ([SGDRegressor()], {"early_stopping": True}, TypeError, "fit_blocks_many does not take 'early_stopping'"),
        ([SGDRegressor()], {"validation": (np.ones((4, 2)), np.ones(4))}, TypeError, "does not take 'validation'"),
    ],
    ids=["empty", "not a list", "no partial_fit", "a class", "no classes", "bad option", "bad keyword",
         "early stopping", "validation"],
)
def test_bad_input_is_refused_before_any_work(estimators, kwargs, error, message):
    X = da.ones((20, 2), chunks=5)
    y = da.zeros(20, chunks=5).astype(int)
    with dask.config.set(scheduler=refuse_to_compute), pytest.raises(error, match=message):
        fit_blocks_many(estimators, X, y, **kwargs)


# -- distributed: the same models as on threads ------------------------------------------------------


def test_same_models_on_an_in_process_distributed_client_whole_and_in_windows():
    from distributed import Client

    X = da.random.default_rng(4).normal(size=(80, 3), chunks=10)
    y = (X[:, 0] > 0).astype(int)
    estimators = [SGDClassifier(random_state=0), SGDClassifier(alpha=0.01, random_state=0)]
    options = FitOptions(epochs=2, shuffle_blocks=True, shuffle_rows=True, random_state=2)
    plan = plan_fit(estimators[0], X, y, epochs=2, shuffle_blocks=True, shuffle_rows=True, random_state=2, classes=[0, 1])
    expected = [manual_fit(e, X, y, order=plan.order, seeds=plan.row_seeds, classes=[0, 1]) for e in estimators]
    with Client(processes=False, n_workers=2, threads_per_worker=1, dashboard_address=":0"):
        whole = run_fits(estimators, X, y, options=options, fit_kwargs={"classes": [0, 1]}).result
        windowed = run_fits(estimators, X, y, options=options.replace(window=3), fit_kwargs={"classes": [0, 1]}).result
    for model, a, b in zip(expected, whole, windowed):
        assert_same_model(a, model)
        assert_same_model(b, model)


def test_pipelines_and_plain_estimators_in_one_pass_equal_their_own_fits():
    """Each chain runs its own step function with its own routed fit keywords."""
    from sklearn.pipeline import make_pipeline

    X = da.random.default_rng(0).normal(size=(100, 3), chunks=25)
    y = (X[:, 0] > 0).astype(int)
    estimators = [make_pipeline(StandardScaler(), SGDClassifier(random_state=0)), SGDClassifier(random_state=1)]
    options = dict(classes=[0, 1], epochs=2, shuffle_blocks=True, random_state=3)
    models = fit_blocks_many(estimators, X, y, **options)
    alone = [fit_blocks(estimator, X, y, **options) for estimator in estimators]
    assert_same_model(models[0][0], alone[0][0])
    assert_same_model(models[0][-1], alone[0][-1])
    assert_same_model(models[1], alone[1])


def test_every_option_of_a_single_fit_is_refused_by_name():
    """Keywords only fit_blocks takes are refused, never passed on to partial_fit as fit kwargs."""
    from dask_incr.fit.many import single_fit_options

    X = da.ones((8, 2), chunks=4)
    names = {
        "early_stopping", "validation_fraction", "n_iter_no_change", "tol", "scoring", "restore_best",
        "validation", "checkpoint_dir", "resume", "return_history",
    }
    assert single_fit_options() == names
    for name in sorted(names):
        with pytest.raises(TypeError, match=f"fit_blocks_many does not take {name!r}"):
            fit_blocks_many([SGDRegressor()], X, X[:, 0], **{name: None})
