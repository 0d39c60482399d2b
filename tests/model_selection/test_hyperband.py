"""HyperbandSearchCV: budgets and metadata as dask-ml's, survivors replayed, one read per step, schedulers.

The budgets are checked three ways: against dask-ml's own pure functions
(``_get_hyperband_params``, ``_hyperband_paper_alg``, the ``metadata``
property), and against Algorithm 1 of Li et al. (2018) written here from the
paper. The survivors are checked by replaying each bracket's successive
halving on the scores the search recorded.
"""

import math

import dask
import dask.array as da
import numpy as np
import pytest
from dask_ml.model_selection import HyperbandSearchCV as DaskMLHyperband
from dask_ml.model_selection._hyperband import _get_hyperband_params, _hyperband_paper_alg
from distributed import Client
from live import LiveCounter
from oracle import assert_same_model, blocks_of, manual_fit
from scipy.stats import loguniform
from sklearn.base import clone
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import accuracy_score
from test_successive_halving import Scripted, scripted_score

from dask_incr import HyperbandSearchCV, Incremental
from dask_incr.fit.options import FitOptions
from dask_incr.fit.runner import run_fit
from dask_incr.model_selection._hyperband import bracket_budgets, hyperband_brackets

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

CASES = [(81, 3), (9, 3), (27, 3), (100, 3), (243, 3), (16, 2), (90, 2), (50, 4), (5, 3), (1, 3), (200, 5)]


def paper_brackets(R, eta):
    """Algorithm 1 of Li et al. (2018), from the paper: per bracket s, (n, r, calls of each model, the r_i).

    s_max = floor(log_eta(R)) (as a float log: dask-ml's choice, which the
    search keeps); bracket s: n = ceil((s_max + 1) / (s + 1) * eta^s) models,
    r = R * eta^-s; rung i keeps n_i = floor(n * eta^-i) models and trains
    them to r_i = round(r * eta^i) calls.
    """
    s_max = math.floor(math.log(R, eta))
    brackets = {}
    for s in range(s_max, -1, -1):
        n = math.ceil((s_max + 1) / (s + 1) * eta**s)
        r = int(R * eta ** (-s))
        calls = [0] * n
        rungs = []
        for i in range(s + 1):
            n_i, r_i = math.floor(n * eta ** (-i)), int(round(r * eta**i))
            for model in range(n_i):
                calls[model] = r_i
            rungs.append(r_i)
        brackets[s] = (n, r, calls, rungs)
    return brackets


@pytest.mark.parametrize("R, eta", CASES)
def test_brackets_and_budgets_equal_the_paper_and_dask_ml(R, eta):
    paper = paper_brackets(R, eta)
    assert hyperband_brackets(R, eta) == {s: (n, r) for s, (n, r, _, _) in paper.items()}
    assert hyperband_brackets(R, eta) == _get_hyperband_params(R, eta=eta)
    ours = {b["bracket"]: b for b in bracket_budgets(R, eta)}
    for s, (n, _, calls, rungs) in paper.items():
        assert ours[s]["n_models"] == n
        assert ours[s]["partial_fit_calls"] == sum(calls)
        assert ours[s]["decisions"] == sorted(set(rungs))
        assert max(calls) <= R
    theirs = {b["bracket"]: b for b in _hyperband_paper_alg(R, eta=eta)}
    assert {s: (b["n_models"], b["partial_fit_calls"], sorted(b["decisions"])) for s, b in theirs.items()} == {
        s: (b["n_models"], b["partial_fit_calls"], b["decisions"]) for s, b in ours.items()
    }


@pytest.mark.parametrize(
    "params",
    [
        dict(max_iter=81),
        dict(max_iter=27, aggressiveness=3, patience=True, tol=0.01, random_state=7, prefix="x"),
        dict(max_iter=100, aggressiveness=4, test_size=0.1, scoring="accuracy", random_state=0, patience=40),
        dict(max_iter=16, aggressiveness=2, random_state=123, verbose=True),
    ],
)
def test_metadata_before_fit_equals_dask_mls(params):
    ours = HyperbandSearchCV(SGDClassifier(), {"alpha": [0.1]}, **params).metadata
    theirs = DaskMLHyperband(SGDClassifier(), {"alpha": [0.1]}, **params).metadata
    if "random_state" not in params:  # dask-ml draws its brackets' seeds afresh at every read: not comparable
        for meta in (ours, theirs):
            for bracket in meta["brackets"]:
                bracket["SuccessiveHalvingSearchCV params"].pop("random_state")
    assert ours == theirs


def replay_bracket(ids, n, r, eta, s, score):
    """One bracket's successive halving from its definition: its (model, calls) scorings and its finalists.

    Every model: one call, scored. Rung i = 0..s keeps the floor(n * eta^-i)
    best by latest score (ties: first) and trains them to round(r * eta^i),
    scoring them; a rung whose target is the one call made is skipped.
    """
    calls = dict.fromkeys(ids, 1)
    latest = {m: score(m, 1) for m in ids}
    records = [(m, 1) for m in ids]
    kept = list(ids)
    for i in range(s + 1):
        target = int(round(r * eta**i))
        keep = math.floor(n * eta ** (-i))
        if target <= 1 and keep > 0:
            continue
        if keep == 0:
            break
        kept = [m for m in ids if m in sorted(kept, key=lambda m: (-latest[m], ids.index(m)))[:keep]]
        for m in kept:
            if calls[m] < target:
                calls[m] = target
                latest[m] = score(m, target)
                records.append((m, target))
    return records, kept


def numbered(n_blocks, rows=4):
    X = da.concatenate([da.full((rows, 2), float(b), chunks=rows) for b in range(n_blocks)])
    return X, da.zeros(n_blocks * rows, chunks=rows)


@pytest.mark.parametrize("max_iter, eta, seed", [(9, 3, 0), (27, 3, 1), (16, 2, 2)])
def test_survivors_of_every_bracket_equal_a_replay_of_its_rule(max_iter, eta, seed):
    X, y = numbered(10)
    search = HyperbandSearchCV(
        Scripted(), {"code": list(range(1000))}, max_iter=max_iter, aggressiveness=eta, random_state=seed
    )
    with dask.config.set(scheduler="sync"):
        search.fit(X, y)
    code = {m: p["code"] for m, p in zip(search.cv_results_["model_id"], search.cv_results_["params"])}
    # the recorded scores are the scripted ones
    assert all(h["score"] == scripted_score(code[h["model_id"]], h["partial_fit_calls"]) for h in search.history_)
    best_per_bracket = {}
    for s, (n, r) in _get_hyperband_params(max_iter, eta=eta).items():
        ids = [f"bracket={s}-{i}" for i in range(n)]
        expected, finalists = replay_bracket(ids, n, r, eta, s, lambda m, c: scripted_score(code[m], c))
        recorded = [(h["model_id"], h["partial_fit_calls"]) for h in search.history_ if h["bracket"] == s]
        assert sorted(recorded) == sorted(expected)
        latest = {m: scripted_score(code[m], max(c for k, c in expected if k == m)) for m in finalists}
        best_per_bracket[s] = max(finalists, key=lambda m: (latest[m], -ids.index(m)))
    scores = {s: search.model_history_[m][-1]["score"] for s, m in best_per_bracket.items()}
    best_bracket = max(sorted(scores, reverse=True), key=lambda s: scores[s])
    assert search.cv_results_["model_id"][search.best_index_] == best_per_bracket[best_bracket]
    # every model read the blocks of the first steps, in order; the best one shows it
    calls = search.cv_results_["partial_fit_calls"][search.best_index_]
    assert search.best_estimator_.seen_ == search.train_order_[:calls]
    assert search.metadata_["partial_fit_calls"] == search.metadata["partial_fit_calls"]
    assert search.metadata_ == {**search.metadata_, "n_models": search.metadata["n_models"]}
    assert [b["decisions"] for b in search.metadata_["brackets"]] == [
        b["decisions"] for b in search.metadata["brackets"]
    ]


class CountingLoader(LiveCounter):
    def load(self, block):
        return self.track(np.full((4, 2), float(block)), block)


def counted(n_blocks, loader):
    parts = [da.from_delayed(dask.delayed(loader.load, pure=False)(b), shape=(4, 2), dtype=float) for b in range(n_blocks)]
    return da.concatenate(parts), da.zeros(4 * n_blocks, chunks=4)


@pytest.mark.parametrize("scheduler", ["sync", "threads"])
def test_all_brackets_share_each_read_and_scoring_reads_the_held_out_block_once_per_round(scheduler):
    loader = CountingLoader()
    X, y = counted(12, loader)
    search = HyperbandSearchCV(Scripted(), {"code": list(range(1000))}, max_iter=27, random_state=0)
    with dask.config.set(scheduler=scheduler, num_workers=4):
        search.fit(X, y)
    (test_block,) = search.test_blocks_  # min(0.2, 1/12) of 12 blocks
    train_loads = [b for b in loader.loaded if b != test_block]
    # 4 brackets, 40 models, 27 steps: each step's block read once for every model training then
    assert sorted(train_loads) == sorted(search.train_order_) and len(train_loads) == 27
    rounds = len({h["partial_fit_calls"] for h in search.history_})  # every bracket decides at the same calls
    assert loader.loaded.count(test_block) == rounds == 4  # scored after 1, 3, 9 and 27 calls
    assert loader.peak <= 2, f"{loader.peak} blocks alive at once"


@pytest.fixture(scope="module")
def classification():
    rng = np.random.default_rng(0)
    X = da.from_array(rng.normal(size=(600, 4)), chunks=(50, 4))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    return X, y


def sgd_hyperband(**changes):
    params = dict(
        estimator=SGDClassifier(random_state=0),
        parameters={"alpha": loguniform(1e-5, 1e0), "penalty": ["l2", "l1"]},
        max_iter=9,
        random_state=5,
    )
    params.update(changes)
    return HyperbandSearchCV(**params)


def test_best_model_equals_its_own_fit_over_the_same_blocks_and_its_score_an_independent_one(classification):
    X, y = classification
    estimator = SGDClassifier(random_state=0)
    search = sgd_hyperband(estimator=estimator).fit(X, y, classes=[0, 1])
    assert estimator.__dict__ == SGDClassifier(random_state=0).__dict__, "the caller's estimator was changed"
    calls = int(search.cv_results_["partial_fit_calls"][search.best_index_])
    order = search.train_order_[:calls]
    model = clone(estimator).set_params(**search.best_params_)
    own = run_fit(model, X, y, options=FitOptions(order=order), fit_kwargs={"classes": [0, 1]}).result
    assert_same_model(search.best_estimator_, own)
    assert_same_model(search.best_estimator_, manual_fit(model, X, y, order=order, classes=[0, 1]))
    X_blocks, y_blocks = blocks_of(X), blocks_of(y)
    (test,) = search.test_blocks_
    assert search.best_score_ == accuracy_score(y_blocks[test], own.predict(X_blocks[test]))
    assert search.cv_results_["bracket"].tolist() == sorted(search.cv_results_["bracket"].tolist(), reverse=True)
    assert search.predict(X).chunks == X.chunks[:1]
    np.testing.assert_array_equal(search.decision_function(X).compute(), own.decision_function(X.compute()))


def outcome(search):
    return (
        [(h["model_id"], h["partial_fit_calls"], h["score"]) for h in search.history_],
        search.best_index_,
        search.train_order_,
    )


def test_same_results_on_threads_and_on_a_local_cluster(classification):
    X, y = classification
    local = sgd_hyperband().fit(X, y, classes=[0, 1])
    with Client(processes=False, n_workers=2, threads_per_worker=1, dashboard_address=":0"):
        on_cluster = sgd_hyperband().fit(X, y, classes=[0, 1])
    assert outcome(on_cluster) == outcome(local)
    assert_same_model(on_cluster.best_estimator_, local.best_estimator_)


def test_an_incremental_wrapper_and_a_pipeline_are_searched_as_dask_ml_does(classification):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = classification
    plain = sgd_hyperband().fit(X, y, classes=[0, 1])
    wrapped = sgd_hyperband(
        estimator=Incremental(SGDClassifier(random_state=0)),
        parameters={"estimator__alpha": loguniform(1e-5, 1e0), "estimator__penalty": ["l2", "l1"]},
    ).fit(X, y, classes=[0, 1])
    assert [h["score"] for h in wrapped.history_] == [h["score"] for h in plain.history_]
    assert isinstance(wrapped.best_estimator_, Incremental)
    assert_same_model(wrapped.best_estimator_.estimator_, plain.best_estimator_)
    piped = sgd_hyperband(
        estimator=make_pipeline(StandardScaler(), SGDClassifier(random_state=0)),
        parameters={"sgdclassifier__alpha": loguniform(1e-5, 1e0)},
    ).fit(X, y, sgdclassifier__classes=[0, 1])
    assert piped.predict(X).compute().shape == (600,)


BAD = [
    ("max_iter 0", {"max_iter": 0}, ValueError, "max_iter must be >= 1"),
    ("max_iter None", {"max_iter": None}, ValueError, "max_iter must be given"),
    ("aggressiveness 1", {"aggressiveness": 1}, ValueError, "aggressiveness must be > 1"),
    ("patience 1", {"patience": 1}, ValueError, "patience=1 always sees a plateau"),
    ("test_size 0", {"test_size": 0.0}, ValueError, "test_size must be between 0 and 1"),
    ("verbose 2", {"verbose": 2}, ValueError, "verbose must be a bool or a fraction"),
]


@pytest.mark.parametrize("changes, error, message", [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_parameters_are_refused_before_any_work(classification, changes, error, message):
    X, y = classification
    search = sgd_hyperband(**changes)

    def refuse(*args, **kwargs):
        raise AssertionError("something was computed")

    with dask.config.set(scheduler=refuse), pytest.raises(error, match=message):
        search.fit(X, y, classes=[0, 1])
    assert not hasattr(search, "best_estimator_")


def test_patience_true_is_max_iter_over_aggressiveness_and_a_short_one_warns():
    assert HyperbandSearchCV(SGDClassifier(), {}, max_iter=81, patience=True).metadata["brackets"][0][
        "SuccessiveHalvingSearchCV params"
    ]["patience"] == 27
    with pytest.warns(UserWarning, match="patience=3 is shorter than max_iter // aggressiveness = 27"):
        HyperbandSearchCV(SGDClassifier(), {}, max_iter=81, patience=3).metadata
