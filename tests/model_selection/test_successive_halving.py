"""SuccessiveHalvingSearchCV: survivors, budgets, results, reproducibility, errors, schedulers.

The survivors are checked against a successive-halving loop written here,
from the algorithm's definition, over scores the test knows in advance (a
scripted estimator whose score is a fixed function of its parameter and its
number of ``partial_fit`` calls). Real models are checked against the
oracle's loop over the blocks the search says it fed them.
"""

import math

import dask
import dask.array as da
import numpy as np
import pytest
from distributed import Client
from hypothesis import given, settings
from hypothesis import strategies as st
from live import LiveCounter
from oracle import assert_same_model, blocks_of, manual_fit
from sklearn.base import BaseEstimator, clone
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import accuracy_score

from dask_incr import NotIncrementalError, SuccessiveHalvingSearchCV
from dask_incr.model_selection._successive_halving import rung_sizes

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


def refuse_to_compute(*args, **kwargs):
    raise AssertionError("something was computed")


def scripted_score(code, calls):
    """The score a Scripted estimator with parameter ``code`` has after ``calls`` calls."""
    return float(np.random.default_rng([code, calls]).random())


class Scripted(BaseEstimator):
    """Scores ``scripted_score(code, calls)``; records the first value of each block it was fed."""

    def __init__(self, code=0, plateau_after=None):
        self.code = code
        self.plateau_after = plateau_after

    def partial_fit(self, X, y=None):
        self.seen_ = [*getattr(self, "seen_", []), int(np.asarray(X)[0, 0])]
        return self

    def score(self, X, y=None):
        calls = len(self.seen_)
        if self.plateau_after is not None:
            # improves by 0.1 a call up to plateau_after calls, flat afterwards
            return 0.1 * min(calls, self.plateau_after)
        return scripted_score(self.code, calls)


def numbered_blocks(n_blocks, rows=4):
    """X whose every value in block b is b (so a model can tell which blocks it saw), y zeros."""
    X = da.concatenate([da.full((rows, 2), float(b), chunks=rows) for b in range(n_blocks)])
    return X, da.zeros(n_blocks * rows, chunks=rows)


def manual_halving(n, r, eta, max_iter, score):
    """Successive halving from its definition: the (model, calls) of every scoring, and the finalists.

    Every model is trained for one call and scored (rung -1). Rung k keeps
    the floor(n / eta**k) best by latest score (ties: lower model) and trains
    those below the target round(r * eta**k) (at most max_iter) to it; it
    stops when a rung keeps none or none kept can still train.
    """
    calls = [1] * n
    latest = [score(m, 1) for m in range(n)]
    records = [(m, 1) for m in range(n)]
    kept = list(range(n))
    k = 0
    while True:
        keep = int(math.floor(n / eta**k))
        if keep == 0:
            break
        ranked = sorted(kept, key=lambda m: (-latest[m], m))
        kept = sorted(ranked[:keep])
        if max_iter is not None and all(calls[m] >= max_iter for m in kept):
            break
        target = int(np.round(r * eta**k))
        target = target if max_iter is None else min(target, max_iter)
        for m in kept:
            if calls[m] < target:
                calls[m] = target
                latest[m] = score(m, target)
                records.append((m, target))
        k += 1
    return records, kept


def search_seed(search):
    """The seed the search drew from (its int random_state)."""
    return search.random_state


def search_records(search):
    return [(h["model_id"], h["partial_fit_calls"]) for h in search.history_]


# -- survivors at each rung equal the manual loop --------------------------------------------


@settings(max_examples=12)
@given(
    n=st.integers(1, 12),
    r=st.integers(1, 3),
    eta=st.sampled_from([2, 3, 2.5, 4]),
    max_iter=st.one_of(st.none(), st.integers(1, 12)),
    seed=st.integers(0, 1000),
)
def test_survivors_at_each_rung_equal_a_manual_halving_loop(n, r, eta, max_iter, seed):
    X, y = numbered_blocks(6)
    codes = list(range(100, 100 + n))
    search = SuccessiveHalvingSearchCV(
        Scripted(),
        {"code": codes},
        n_initial_parameters="grid",
        n_initial_iter=r,
        aggressiveness=eta,
        max_iter=max_iter,
        random_state=seed,
    )
    with dask.config.set(scheduler="sync"):
        search.fit(X, y)
    expected, finalists = manual_halving(n, r, eta, max_iter, lambda m, c: scripted_score(codes[m], c))
    assert sorted(search_records(search)) == sorted(expected)
    scores = [h["score"] for h in search.history_]
    assert scores == [scripted_score(codes[h["model_id"]], h["partial_fit_calls"]) for h in search.history_]
    best = max(finalists, key=lambda m: (search.cv_results_["test_score"][m], -m))
    assert search.best_index_ == best and search.best_params_ == {"code": codes[best]}
    # Each candidate was fed call c's block train_order_[c], never a held-out block.
    for m in range(n):
        model = search.best_estimator_ if m == best else None
        calls = search.cv_results_["partial_fit_calls"][m]
        if model is not None:
            assert model.seen_ == search.train_order_[:calls]
    assert not set(search.train_order_) & set(search.test_blocks_)


def test_the_first_cut_and_budgets_of_a_known_case():
    """10 candidates, r=1, eta=3: 10 at 1 call, the best 3 to 3 calls, the best 1 to 9 (dask-ml's budget)."""
    X, y = numbered_blocks(5)
    search = SuccessiveHalvingSearchCV(
        Scripted(), {"code": list(range(10))}, n_initial_parameters="grid", n_initial_iter=1, random_state=0
    )
    with dask.config.set(scheduler="sync"):
        search.fit(X, y)
    calls = sorted(search.cv_results_["partial_fit_calls"].tolist())
    assert calls == [1] * 7 + [3, 3, 9]
    assert search.metadata == search.metadata_ == {"n_models": 10, "max_iter": 9, "partial_fit_calls": 22}
    assert rung_sizes(10, 1, 3) == [(10, 1), (3, 3), (1, 9)]
    # 4 training blocks, 9 calls: passes are permutations of the training blocks.
    order = search.train_order_
    train = sorted(set(range(5)) - set(search.test_blocks_))
    assert sorted(order[:4]) == sorted(order[4:8]) == train and order[8] in train


def test_patience_stops_a_candidate_on_a_plateau():
    X, y = numbered_blocks(4)
    search = SuccessiveHalvingSearchCV(
        Scripted(),
        {"plateau_after": [2, 100]},
        n_initial_parameters="grid",
        n_initial_iter=8,
        aggressiveness=2,
        patience=2,
        tol=0.01,
        random_state=0,
    )
    with dask.config.set(scheduler="sync"):
        search.fit(X, y)
    flat, improving = (search.model_history_[k] for k in (0, 1))
    # Scored every 2 calls. Flat: 0.1 at 1, 0.2 at 3 (up 0.1 in 2 calls), 0.2 at 5 (up 0 in 2 calls): stopped.
    assert [h["partial_fit_calls"] for h in flat] == [1, 3, 5]
    assert [h["score"] for h in flat] == pytest.approx([0.1, 0.2, 0.2])
    # Improving: to 8 calls at rung 0, then alone to 16 at rung 1 (eta=2), still every 2 calls.
    assert [h["partial_fit_calls"] for h in improving] == [1, 3, 5, 7, 8, 10, 12, 14, 16]
    assert search.best_index_ == 1


# -- real models: the oracle's loop and an independent score ---------------------------------------


@pytest.fixture(scope="module")
def classification():
    rng = np.random.default_rng(0)
    X = da.from_array(rng.normal(size=(400, 4)), chunks=(40, 4))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    return X, y


def sgd_search(**changes):
    params = dict(
        estimator=SGDClassifier(random_state=0),
        parameters={"alpha": [1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0], "penalty": ["l2", "l1"]},
        n_initial_parameters=6,
        n_initial_iter=2,
        aggressiveness=2,
        test_size=0.2,
        random_state=3,
    )
    params.update(changes)
    return SuccessiveHalvingSearchCV(**params)


def test_best_estimator_equals_the_loop_and_its_score_an_independent_one(classification):
    X, y = classification
    estimator = SGDClassifier(random_state=0)
    search = sgd_search(estimator=estimator).fit(X, y, classes=[0, 1])
    assert estimator.__dict__ == SGDClassifier(random_state=0).__dict__, "the caller's estimator was changed"
    calls = int(search.cv_results_["partial_fit_calls"][search.best_index_])
    expected = manual_fit(
        clone(estimator).set_params(**search.best_params_), X, y, order=search.train_order_[:calls], classes=[0, 1]
    )
    assert_same_model(search.best_estimator_, expected)
    assert len(search.test_blocks_) == 2  # test_size=0.2 of 10 blocks
    X_blocks, y_blocks = blocks_of(X), blocks_of(y)
    X_test = np.concatenate([X_blocks[b] for b in search.test_blocks_])
    y_test = np.concatenate([y_blocks[b] for b in search.test_blocks_])
    assert search.best_score_ == accuracy_score(y_test, expected.predict(X_test))


def test_cv_results_and_best_are_consistent(classification):
    X, y = classification
    search = sgd_search().fit(X, y, classes=[0, 1])
    results = search.cv_results_
    n = len(results["params"])
    assert n == 6 and results["model_id"].tolist() == list(range(n))
    for k in range(n):
        history = search.model_history_[k]
        assert results["test_score"][k] == history[-1]["score"]
        assert results["partial_fit_calls"][k] == history[-1]["partial_fit_calls"]
        assert results["params"][k] == history[0]["params"]
        assert results["param_alpha"][k] == results["params"][k]["alpha"]
        assert results["mean_score_time"][k] == pytest.approx(np.mean([h["score_time"] for h in history]))
    scores = results["test_score"]
    assert all(
        results["rank_test_score"][i] == 1 + sum(s > scores[i] for s in scores) for i in range(n)
    ), "rank 1 is the best, ties share the lower rank"
    assert search.best_score_ == scores[search.best_index_]
    assert search.best_params_ == results["params"][search.best_index_]
    most = results["partial_fit_calls"].max()
    assert results["partial_fit_calls"][search.best_index_] == most, "the best is a finalist here"
    assert sorted(h["model_id"] for h in search.history_) == sorted(
        m for m, hist in search.model_history_.items() for _ in hist
    )
    assert search.score(X[:80], y[:80]) == pytest.approx(accuracy_score(y[:80].compute(), search.predict(X[:80]).compute()))


def test_reproducible_from_random_state(classification):
    X, y = classification

    def outcome(search):
        return (
            [(h["model_id"], h["partial_fit_calls"], h["score"], str(h["params"])) for h in search.history_],
            search.test_blocks_,
            search.train_order_,
            search.best_index_,
        )

    first = outcome(sgd_search(random_state=11).fit(X, y, classes=[0, 1]))
    with dask.config.set(scheduler="sync"):
        again = outcome(sgd_search(random_state=11).fit(X, y, classes=[0, 1]))
    other = outcome(sgd_search(random_state=12).fit(X, y, classes=[0, 1]))
    assert first == again
    assert first[1:3] != other[1:3]


def test_validation_data_instead_of_held_out_blocks(classification):
    X, y = classification
    search = sgd_search(n_initial_iter=3).fit(X, y, validation=(X[:40], y[:40]), classes=[0, 1])
    assert search.test_blocks_ == []
    assert sorted(search.train_order_[:10]) == list(range(10))
    best = search.best_estimator_
    assert search.best_score_ == accuracy_score(y[:40].compute(), best.predict(X[:40].compute()))


# -- each training block read once per pass, for all the candidates ----------------------------------


class CountingLoader(LiveCounter):
    """Makes 4 × 2 blocks filled with their index, recording which were loaded."""

    def load(self, block):
        return self.track(np.full((4, 2), float(block)), block)


def test_each_call_position_reads_its_block_once_for_all_candidates_within_the_bound():
    loader = CountingLoader()
    parts = [da.from_delayed(dask.delayed(loader.load, pure=False)(b), shape=(4, 2), dtype=float) for b in range(8)]
    X, y = da.concatenate(parts), da.zeros(32, chunks=4)
    search = SuccessiveHalvingSearchCV(
        Scripted(), {"code": list(range(9))}, n_initial_parameters="grid", n_initial_iter=1, random_state=1
    )
    with dask.config.set(scheduler="threads", num_workers=4):
        search.fit(X, y)
    (test_block,) = search.test_blocks_
    train_loads = [b for b in loader.loaded if b != test_block]
    # 9 candidates, then 3, then 1: 9 calls in all, 9 + 3*2 + 6 model steps; each call's block read once.
    assert sorted(train_loads) == sorted(search.train_order_) and len(train_loads) == 9
    assert loader.peak <= 2, f"{loader.peak} blocks alive at once"


# -- bad input: refused before any work ---------------------------------------------------------------


BAD = [
    ("unknown parameter", {"parameters": {"alpah": [1.0]}}, {}, ValueError, r"candidate 0 \{'alpah': 1.0\}: Invalid parameter 'alpah'"),
    ("no n_initial_iter", {"n_initial_iter": None}, {}, ValueError, "n_initial_iter must be given"),
    ("aggressiveness 1", {"aggressiveness": 1}, {}, ValueError, "aggressiveness must be > 1"),
    ("aggressiveness str", {"aggressiveness": "3"}, {}, TypeError, r"aggressiveness must be a number > 1, got '3' \(str\)"),
    ("patience 1", {"patience": 1}, {}, ValueError, "patience=1 always sees a plateau"),
    ("test_size 1.5", {"test_size": 1.5}, {}, ValueError, "test_size must be between 0 and 1"),
    ("max_iter 0", {"max_iter": 0}, {}, ValueError, "max_iter must be >= 1"),
    ("n_initial_parameters 0", {"n_initial_parameters": 0}, {}, ValueError, "n_initial_parameters must be >= 1"),
    ("metric as scoring", {"scoring": accuracy_score}, {}, ValueError, "looks like a metric function"),
    ("seed str", {"random_state": "x"}, {}, ValueError, "str cannot be used to seed"),
    ("no partial_fit", {"estimator": np.zeros(2)}, {}, NotIncrementalError, "numpy.ndarray has no partial_fit"),
    ("empty grid", {"parameters": [], "n_initial_parameters": "grid"}, {}, ValueError, "give no candidate"),
    ("no classes", {}, {"classes": None}, ValueError, r"estimators\[0\]: SGDClassifier.partial_fit needs classes="),
    ("validation not a pair", {}, {"validation": [1, 2, 3]}, TypeError, r"validation must be a tuple \(X_val, y_val\), got list"),
    ("all blocks held out", {"test_size": 0.99}, {}, ValueError, "leaves none to train on"),
    ("bad prefetch", {"prefetch": -1}, {}, ValueError, "prefetch must be >= 0"),
]


@pytest.mark.parametrize("changes, fit_changes, error, message", [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_input_is_refused_before_any_work(classification, changes, fit_changes, error, message):
    X, y = classification
    fit_kwargs = {"classes": [0, 1], **fit_changes}
    if fit_kwargs["classes"] is None:
        del fit_kwargs["classes"]
    search = sgd_search(**changes)
    with dask.config.set(scheduler=refuse_to_compute), pytest.raises(error, match=message):
        search.fit(X, y, **fit_kwargs)
    assert not hasattr(search, "best_estimator_")


def test_numpy_input_holds_out_rows_as_dask_ml_sizes_them():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 3))
    y = (X[:, 0] > 0).astype(int)
    search = sgd_search(test_size=None).fit(X, y, classes=[0, 1])
    assert search.test_blocks_ == []
    # one block: 0.2 of its rows held out (dask-ml's min(0.2, 1 / n_blocks)), the rest trained on
    calls = int(search.cv_results_["partial_fit_calls"][search.best_index_])
    held = np.sort(np.random.default_rng([search_seed(search), 0]).choice(100, 20, replace=False))
    train = np.setdiff1d(np.arange(100), held)
    expected = manual_fit(
        clone(SGDClassifier(random_state=0)).set_params(**search.best_params_),
        X[train], y[train], order=[0] * calls, classes=[0, 1],
    )
    assert_same_model(search.best_estimator_, expected)
    assert search.best_score_ == accuracy_score(y[held], expected.predict(X[held]))
    assert hasattr(search.predict(X), "compute"), "predict on numpy is lazy, as dask-ml's searches"


# -- distributed: the same search as on the local schedulers ----------------------------------------------


def test_same_results_on_an_in_process_distributed_client(classification):
    X, y = classification

    def outcome(search):
        return [(h["model_id"], h["partial_fit_calls"], h["score"]) for h in search.history_], search.best_index_

    local = sgd_search().fit(X, y, classes=[0, 1])
    with Client(processes=False, n_workers=2, threads_per_worker=1, dashboard_address=":0"):
        on_cluster = sgd_search().fit(X, y, classes=[0, 1])
    assert outcome(on_cluster) == outcome(local)
    assert_same_model(on_cluster.best_estimator_, local.best_estimator_)


def test_a_dataframe_holds_out_whole_partitions():
    import dask.dataframe as dd
    import pandas as pd

    rng = np.random.default_rng(1)
    frame = pd.DataFrame(rng.normal(size=(200, 3)), columns=["a", "b", "c"])
    frame["y"] = (frame["a"] > 0).astype(int)
    ddf = dd.from_pandas(frame, npartitions=8)
    X, y = ddf[["a", "b", "c"]], ddf["y"]
    search = sgd_search(test_size=0.25).fit(X, y, classes=[0, 1])
    assert len(search.test_blocks_) == 2 and not set(search.train_order_) & set(search.test_blocks_)
    best = search.best_estimator_
    calls = int(search.cv_results_["partial_fit_calls"][search.best_index_])
    expected = manual_fit(
        clone(SGDClassifier(random_state=0)).set_params(**search.best_params_),
        X, y, order=search.train_order_[:calls], classes=[0, 1],
    )
    assert_same_model(best, expected)
    parts = [X.partitions[b].compute() for b in search.test_blocks_]
    labels = np.concatenate([y.partitions[b].compute().to_numpy() for b in search.test_blocks_])
    assert search.best_score_ == accuracy_score(labels, best.predict(pd.concat(parts)))


class Diverging(Scripted):
    """Scores NaN for code 0 (a diverged model), the scripted score otherwise."""

    def score(self, X, y=None):
        return float("nan") if self.code == 0 else super().score(X, y)


def test_a_nan_score_ranks_below_every_number():
    X, y = numbered_blocks(4)
    search = SuccessiveHalvingSearchCV(
        Diverging(), {"code": [0, 1, 2]}, n_initial_parameters="grid", n_initial_iter=2, aggressiveness=3, random_state=0
    )
    with dask.config.set(scheduler="sync"):
        search.fit(X, y)
    assert search.cv_results_["partial_fit_calls"].tolist()[0] == 2, "the NaN candidate was cut first"
    assert search.best_index_ != 0 and not math.isnan(search.best_score_)
    assert search.cv_results_["rank_test_score"][0] == 3, "NaN ranks last"
