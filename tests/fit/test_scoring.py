"""Validation scoring block by block: equal to scoring the data whole."""

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from sklearn.decomposition import IncrementalPCA
from sklearn.linear_model import SGDClassifier, SGDRegressor
from sklearn.metrics import get_scorer, make_scorer, mean_absolute_error
from sklearn.metrics._scorer import _Scorer
from sklearn.mixture import GaussianMixture

from dask_incr.fit.score_chain import given_validation, score_graph
from dask_incr.fit.scoring import Replayed, scorer_of


def test_private_sklearn_api():
    """scoring.response_method_of reads _Scorer._response_method: fails loudly if scikit-learn changes it."""
    assert isinstance(get_scorer("roc_auc"), _Scorer)
    assert get_scorer("roc_auc")._response_method == ("decision_function", "predict_proba")
    assert make_scorer(mean_absolute_error)._response_method == "predict"


def _score(validation, model):
    from dask.delayed import Delayed

    graph, key = score_graph(validation, model, "test")
    return Delayed(key, graph, layer=key[0]).compute()


@pytest.fixture
def classifier_data():
    X = da.random.default_rng(0).normal(size=(70, 3), chunks=(20, 2))  # 4 blocks, 2 column chunks
    y = (X[:, 0] + 0.3 * X[:, 2] > 0).astype(int)
    w = da.random.default_rng(1).uniform(0.5, 2.0, size=70, chunks=20)
    model = SGDClassifier(loss="log_loss", random_state=0).fit(*dask.compute(X, y))
    return X, y, w, model


@pytest.mark.parametrize("scoring", [None, "accuracy", "roc_auc", "neg_log_loss", "f1", "balanced_accuracy"])
def test_scores_equal_the_scorer_on_the_whole_data(scheduler, classifier_data, scoring):
    X, y, w, model = classifier_data
    X_, y_, w_ = dask.compute(X, y, w)
    scorer = get_scorer(scoring or "accuracy")
    assert _score(given_validation((X, y), model, scoring), model) == pytest.approx(scorer(model, X_, y_), rel=1e-12)
    weighted = _score(given_validation((X, y, w), model, scoring), model)
    assert weighted == pytest.approx(scorer(model, X_, y_, sample_weight=w_), rel=1e-12)


def test_a_plain_callable_scorer_gets_every_response_method(classifier_data):
    X, y, _, model = classifier_data
    X_, y_ = dask.compute(X, y)

    def margin(estimator, X, y):
        return float(np.mean(estimator.decision_function(X) * (2 * y - 1)) + estimator.predict_proba(X)[:, 1].sum())

    validation = given_validation((X, y), model, margin)
    assert validation.methods == ("predict", "predict_proba", "decision_function")
    assert _score(validation, model) == pytest.approx(margin(model, X_, y_), rel=1e-12)


def test_a_regressors_own_score_is_r2_on_frames():
    frame = pd.DataFrame(np.random.default_rng(0).normal(size=(60, 3)), columns=list("abc"))
    target = frame["a"] * 2 - frame["b"]
    model = SGDRegressor(random_state=0).fit(frame, target)
    X, y = dd.from_pandas(frame, npartitions=3), dd.from_pandas(target, npartitions=3)
    assert _score(given_validation((X, y), model, None), model) == pytest.approx(model.score(frame, target), rel=1e-12)


def test_another_estimators_own_score_is_averaged_by_rows():
    """GaussianMixture's score is a mean log-likelihood per sample: the row-weighted mean is exact."""
    X = da.random.default_rng(0).normal(size=(90, 4), chunks=(20, 4))  # blocks of 20, 20, 20, 20, 10
    model = GaussianMixture(n_components=2, random_state=0).fit(X.compute())
    validation = given_validation((X, None), model, None)
    assert validation.scorer is None
    assert _score(validation, model) == pytest.approx(model.score(X.compute()), rel=1e-12)


def test_replayed_refuses_what_was_not_computed():
    replayed = Replayed(SGDClassifier(), {"predict": np.array([1])})
    with pytest.raises(AttributeError, match="asked for decision_function, which was not computed"):
        replayed.decision_function(None)
    assert scorer_of("neg_mean_squared_error", SGDRegressor())[1] == ("predict",)


def test_errors_in_scoring_keep_the_exception_and_name_the_block(classifier_data):
    X, y, _, model = classifier_data

    class Broken(SGDClassifier):
        def predict(self, X):
            raise KeyError("mine")

    broken = Broken()
    broken.__dict__.update(model.__dict__)
    with pytest.raises(KeyError, match="mine") as info:
        _score(given_validation((X, y), broken, None), broken)
    assert any("validation block 0" in note for note in info.value.__notes__)


def test_an_estimator_without_score_needs_scoring():
    with pytest.raises(TypeError, match="IncrementalPCA has no score method to validate with: pass scoring="):
        given_validation((np.ones((4, 2)), None), IncrementalPCA(), None)
