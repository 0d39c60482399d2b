"""``score(X, y, compute=False)``: a lazy score equal to the computed one, built without computing."""

import dask.array as da
import numpy as np
import pytest
from dask.delayed import Delayed
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import make_scorer, mean_squared_error

from dask_incr import Incremental
from dask_incr._lazy_score import PREDICTION_METHODS, lazy_score


@pytest.fixture
def fitted():
    rng = np.random.default_rng(0)
    X = da.from_array(rng.normal(size=(60, 3)), chunks=20)
    y = (X[:, 0] > 0).astype(int)
    return Incremental(SGDClassifier(random_state=0), scoring="accuracy").fit(X, y, classes=[0, 1]), X, y


def test_the_lazy_score_equals_the_computed_one_and_runs_nothing_when_built(fitted):
    model, X, y = fitted
    calls = []
    predict = model.estimator_.predict
    model.estimator_.predict = lambda block: calls.append(len(block)) or predict(block)
    lazy = model.score(X, y, compute=False)
    # Building it only probes the output kind (on no rows, or one row): no block of X is computed.
    assert isinstance(lazy, Delayed) and set(calls) <= {0, 1}
    calls.clear()
    assert lazy.compute() == model.score(X, y)
    assert [n for n in calls if n > 1] == [20] * 6  # block by block, once for each of the two scores


def test_the_scorer_is_asked_which_method_it_needs():
    """A scorer that asks decision_function gets the block-wise decision_function, computed in the last task."""
    asked = []

    class Wrapper:
        def decision_function(self, X):
            asked.append("decision_function")
            return X.sum(axis=1)

    def scorer(estimator, X, y):
        return float(np.mean(estimator.decision_function(X) == y))

    X = da.from_array(np.arange(12.0).reshape(6, 2), chunks=2)
    y = X.sum(axis=1)
    score = lazy_score(Wrapper(), None, scorer, X, y, {})
    assert asked == ["decision_function"]  # mapped once, lazily (a dask array, not computed)
    assert score.compute() == 1.0


def test_a_scorer_that_calls_no_prediction_method_is_refused_by_name():
    def scorer(estimator, X, y):
        return 0.0

    X = da.ones((4, 2), chunks=2)
    with pytest.raises(TypeError, match=r"calls one of .*predict.*called none"):
        lazy_score(object(), None, scorer, X, da.ones(4, chunks=2), {})


def test_a_regression_metric_goes_through_predict(fitted):
    model, X, y = fitted
    model = model.set_params(scoring=make_scorer(mean_squared_error))
    assert model.score(X, y, compute=False).compute() == pytest.approx(model.score(X, y))
    assert "predict" in PREDICTION_METHODS
