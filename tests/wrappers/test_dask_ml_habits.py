"""What a dask-ml user types, and gets: dask-ml's keyword arguments, and messages that name the way out."""

import inspect
import traceback

import dask
import dask_ml.wrappers
import numpy as np
import pytest
from dask.delayed import Delayed
from sklearn.cluster import MiniBatchKMeans
from sklearn.linear_model import SGDClassifier, SGDRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from dask_incr import Incremental
from dask_incr.datasets import make_classification

METHODS = ["predict", "predict_proba", "predict_log_proba", "transform", "score"]


@pytest.fixture(scope="module")
def data():
    return make_classification(n_samples=400, n_features=5, n_redundant=0, chunks=100, random_state=0)


def refuse_to_compute(*args, **kwargs):
    raise AssertionError("something was computed")


@pytest.mark.parametrize("method", METHODS)
def test_every_argument_of_dask_ml_s_methods_is_accepted_with_its_default(method):
    theirs = inspect.signature(getattr(dask_ml.wrappers.Incremental, method)).parameters
    ours = inspect.signature(getattr(Incremental, method)).parameters
    for name, parameter in theirs.items():
        assert name in ours, f"Incremental.{method} has no argument {name}"
        if parameter.default is not inspect.Parameter.empty:
            assert ours[name].default == parameter.default, name


@pytest.mark.parametrize(
    "estimator, scoring",
    [(SGDClassifier(random_state=0), None), (SGDClassifier(loss="log_loss", random_state=0), "roc_auc"),
     (SGDClassifier(loss="log_loss", random_state=0), "neg_log_loss"), (MiniBatchKMeans(2, random_state=0, n_init=1), None)],
)
def test_score_with_compute_false_is_a_lazy_score(data, estimator, scoring):
    X, y = data
    clf = Incremental(estimator, scoring=scoring, random_state=0).fit(X, y)
    with dask.config.set(scheduler=refuse_to_compute):
        lazy = clf.score(X, y, compute=False)
    assert isinstance(lazy, Delayed)
    assert lazy.compute() == clf.score(X, y)
    both = dask.compute(lazy, clf.score(X[:200], y[:200], compute=False))
    assert both[0] == clf.score(X, y) and both[1] == clf.score(X[:200], y[:200])


def test_score_with_compute_false_on_data_in_memory_is_the_score(data):
    X, y = dask.compute(*data)
    clf = Incremental(SGDClassifier(random_state=0)).fit(X, y)
    assert clf.score(X, y, compute=False) == clf.score(X, y)


def test_dask_ml_s_positional_compute_is_refused_with_the_way_out(data):
    X, y = data
    clf = Incremental(SGDClassifier(random_state=0)).fit(X, y)
    with pytest.raises(TypeError, match=r"third argument is sample_weight.*score\(X, y, compute=False\)"):
        clf.score(X, y, False)


@pytest.mark.filterwarnings("ignore:The `numpy.may_share_memory` function:FutureWarning")  # the scaler's
def test_a_pipeline_that_loads_x_before_incremental_names_the_cause_and_the_fix(data):
    X, y = data
    pipeline = make_pipeline(StandardScaler(), Incremental(SGDClassifier(random_state=0)))
    with pytest.raises(TypeError) as raised:
        pipeline.fit(X, y)
    message = str(raised.value)
    assert "X is in memory (a numpy.ndarray) but y is a dask.array.core.Array" in message
    assert "earlier step such as StandardScaler loads all of a dask X" in message
    assert "Incremental(make_pipeline(StandardScaler(), SGDClassifier()))" in message
    # the way out works
    Incremental(make_pipeline(StandardScaler(), SGDClassifier(random_state=0))).fit(X, y)


@pytest.mark.parametrize("fitted", [False, True])
def test_a_method_the_estimator_lacks_says_why_in_scikit_learn_s_words(data, fitted):
    X, y = data
    clf = Incremental(SGDClassifier(random_state=0))
    if fitted:
        clf.fit(X, y)
    with pytest.raises(AttributeError) as raised:
        clf.predict_proba(X)
    assert str(raised.value) == (
        "Incremental.predict_proba is not available: the wrapped SGDClassifier has no predict_proba "
        "(probability estimates are not available for loss='hinge')"
    )
    # scikit-learn's own error is the cause; no misleading "Did you mean: 'predict_meta'?"
    assert str(raised.value.__cause__) == "This 'SGDClassifier' has no attribute 'predict_proba'"
    printed = "".join(traceback.format_exception(raised.value))
    assert "Did you mean" not in printed and "probability estimates are not available" in printed
    assert not hasattr(clf, "predict_proba")


def test_the_reason_comes_through_a_pipeline_and_a_missing_method_is_named():
    pipeline = Incremental(make_pipeline(StandardScaler(), SGDClassifier()))
    with pytest.raises(AttributeError, match=r"wrapped Pipeline has no predict_proba \(probability estimates"):
        pipeline.predict_proba
    with pytest.raises(AttributeError) as raised:
        Incremental(SGDRegressor()).predict_proba
    assert str(raised.value) == "Incremental.predict_proba is not available: the wrapped SGDRegressor has no predict_proba"
    with pytest.raises(AttributeError, match="the wrapped StandardScaler has no score"):
        Incremental(StandardScaler()).score
    assert np.isfinite(Incremental(StandardScaler(), scoring="r2").fit(np.ones((4, 2))).n_features_in_)


def test_cross_validation_folds_are_stratified_here_and_plain_in_dask_ml():
    """docs/facade.rst's migration table: scikit-learn sees a classifier in our wrapper, not in dask-ml's."""
    from sklearn.base import is_classifier
    from sklearn.model_selection import KFold, StratifiedKFold, check_cv

    y = np.array([0, 1] * 10)
    ours, theirs = Incremental(SGDClassifier()), dask_ml.wrappers.Incremental(SGDClassifier())
    assert isinstance(check_cv(5, y, classifier=is_classifier(ours)), StratifiedKFold)
    assert isinstance(check_cv(5, y, classifier=is_classifier(theirs)), KFold)
