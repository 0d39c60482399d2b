"""IncrementalSearchCV and InverseDecaySearchCV: survivors replayed from their rules, predictions, bad input.

The replays are written here from dask-ml's documented rules, over the
scores a scripted estimator gives (a fixed function of its parameter and
its number of calls).
"""


import dask
import dask.array as da
import numpy as np
import pytest
from sklearn.linear_model import SGDClassifier
from test_successive_halving import Scripted, numbered_blocks, scripted_score

from dask_incr import IncrementalSearchCV, InverseDecaySearchCV

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


def records(search):
    return sorted((h["model_id"], h["partial_fit_calls"]) for h in search.history_)


def replay_incremental(n, fits_per_score, max_iter, patience, tol, score):
    """Every model: 1 call, then chunks of min(fits_per_score, patience) calls to max_iter; a model stops
    when its scores over its last ``patience`` calls rose at most tol above the first of them."""
    out = []
    for m in range(n):
        history = [(1, score(m, 1))]
        while history[-1][0] < max_iter:
            now = history[-1][0]
            if patience and now >= patience:
                window = [s for c, s in history if now - c <= patience]
                if len(window) > 1 and max(w - window[0] for w in window[1:]) <= tol:
                    break
            step = min(fits_per_score, patience) if patience else fits_per_score
            calls = min(now + step, max_iter)
            history.append((calls, score(m, calls)))
        out += [(m, c) for c, _ in history]
    return sorted(out)


class Plateau(Scripted):
    """Improves by 0.1 per call until ``plateau_after`` (its code) calls, then flat."""

    def score(self, X, y=None):
        return 0.1 * min(len(self.seen_), self.code)


@pytest.mark.parametrize(
    "fits_per_score, max_iter, patience, tol",
    [(1, 5, False, 0.001), (2, 7, False, 0.001), (3, 12, 4, 0.01), (1, 10, 3, 0.05)],
)
def test_incremental_search_trains_and_stops_every_model_by_its_rule(fits_per_score, max_iter, patience, tol):
    X, y = numbered_blocks(5)
    codes = [2, 5, 100]
    search = IncrementalSearchCV(
        Plateau(), {"code": codes}, n_initial_parameters="grid", fits_per_score=fits_per_score,
        max_iter=max_iter, patience=patience, tol=tol, random_state=0,
    )
    with dask.config.set(scheduler="sync"):
        search.fit(X, y)
    expected = replay_incremental(3, fits_per_score, max_iter, patience, tol, lambda m, c: 0.1 * min(c, codes[m]))
    assert records(search) == expected
    latest = {m: search.model_history_[m][-1]["score"] for m in range(3)}
    assert search.best_index_ == max(range(3), key=lambda m: (latest[m], -m))
    assert search.best_estimator_.seen_ == search.train_order_[: len(search.best_estimator_.seen_)]


def replay_inverse_decay(n, decay_rate, fits_per_score, max_iter, score):
    """dask-ml's inverse decay: at call t keep int(n / (1 + t) ** decay_rate), until one model is left."""
    calls = dict.fromkeys(range(n), 1)
    latest = {m: score(m, 1) for m in range(n)}
    out = [(m, 1) for m in range(n)]
    alive = list(range(n))

    def kept(t):
        return int(n / (1 + t) ** decay_rate)

    while True:
        now = calls[alive[0]] + 1
        later = 1 if kept(now) == 0 else now
        while kept(now) == kept(later) and (decay_rate or later - now < fits_per_score):
            later += 1
        alive = sorted(sorted(alive, key=lambda m: (-latest[m], m))[: max(1, kept(later))])
        if len(alive) == 1 or calls[alive[0]] >= max_iter:
            return sorted(out), alive
        for m in alive:
            calls[m] = min(calls[m] + later - now, max_iter)
            latest[m] = score(m, calls[m])
            out.append((m, calls[m]))


@pytest.mark.parametrize("n, decay_rate, max_iter", [(10, 1.0, 100), (30, 0.5, 100), (20, 1.0, 3), (12, 2.0, 50)])
def test_inverse_decay_keeps_the_models_its_rule_keeps(n, decay_rate, max_iter):
    X, y = numbered_blocks(5)
    codes = list(range(300, 300 + n))
    search = InverseDecaySearchCV(
        Scripted(), {"code": codes}, n_initial_parameters="grid", decay_rate=decay_rate, max_iter=max_iter,
        random_state=0,
    )
    with dask.config.set(scheduler="sync"):
        search.fit(X, y)
    expected, finalists = replay_inverse_decay(n, decay_rate, 1, max_iter, lambda m, c: scripted_score(codes[m], c))
    assert records(search) == expected
    latest = {m: search.model_history_[m][-1]["score"] for m in finalists}
    assert search.best_index_ == max(finalists, key=lambda m: (latest[m], -m))


def test_predictions_of_numpy_input_are_lazy_as_dask_mls_searches():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = (X[:, 0] > 0).astype(int)
    search = IncrementalSearchCV(
        SGDClassifier(random_state=0), {"alpha": [1e-4, 1e-2]}, n_initial_parameters="grid", max_iter=3,
        random_state=0,
    ).fit(X, y, classes=[0, 1])
    for method in ("predict", "decision_function"):
        lazy = getattr(search, method)(X)
        assert isinstance(lazy, da.Array)
        np.testing.assert_array_equal(lazy.compute(), getattr(search.best_estimator_, method)(X))
    assert not hasattr(search, "predict_proba"), "SGDClassifier(loss='hinge') has no predict_proba"


def test_deprecated_parameters_warn_as_dask_mls():
    X, y = numbered_blocks(5)
    with pytest.warns(FutureWarning, match="decay_rate is ignored by IncrementalSearchCV"):
        IncrementalSearchCV(Scripted(), {"code": [1]}, n_initial_parameters="grid", decay_rate=1.0, max_iter=2).fit(
            X, y
        )
    with pytest.warns(FutureWarning, match="specify fits_per_score=2"):
        search = IncrementalSearchCV(
            Scripted(), {"code": [1]}, n_initial_parameters="grid", scores_per_fit=2, max_iter=5
        ).fit(X, y)
    assert [h["partial_fit_calls"] for h in search.history_] == [1, 3, 5]
    with pytest.raises(ValueError, match="Specify fits_per_score, not scores_per_fit"):
        IncrementalSearchCV(Scripted(), {"code": [1]}, scores_per_fit=2, fits_per_score=3).fit(X, y)


@pytest.mark.parametrize(
    "cls, changes, error, message",
    [
        (IncrementalSearchCV, {"patience": True}, ValueError, "patience=True is one call"),
        (IncrementalSearchCV, {"fits_per_score": 0}, ValueError, "fits_per_score must be >= 1"),
        (IncrementalSearchCV, {"max_iter": None}, ValueError, "max_iter must be given"),
        (InverseDecaySearchCV, {"decay_rate": "fast"}, TypeError, "decay_rate"),
        (InverseDecaySearchCV, {"n_initial_parameters": 1.5}, TypeError, "n_initial_parameters"),
    ],
)
def test_bad_parameters_are_refused_before_any_work(cls, changes, error, message):
    X, y = numbered_blocks(5)

    def refuse(*args, **kwargs):
        raise AssertionError("something was computed")

    search = cls(Scripted(), {"code": [1, 2]}, **changes)
    with dask.config.set(scheduler=refuse), pytest.raises(error, match=message):
        search.fit(X, y)
    assert not hasattr(search, "best_estimator_")
