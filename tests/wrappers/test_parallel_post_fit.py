"""ParallelPostFit: dask-ml's parameters; fits in memory; predicts, transforms and scores block by block, lazily."""

import inspect

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pytest
from dask_ml.wrappers import ParallelPostFit as DaskMLParallelPostFit
from oracle import assert_same_model
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score

from dask_incr import ParallelPostFit
from dask_incr.datasets import make_classification


def test_parameters_are_dask_mls():
    ours = inspect.signature(ParallelPostFit).parameters
    theirs = inspect.signature(DaskMLParallelPostFit).parameters
    assert [(p.name, p.default) for p in ours.values()] == [(p.name, p.default) for p in theirs.values()]


@pytest.fixture(scope="module")
def data():
    return make_classification(n_samples=400, n_features=4, chunks=100, random_state=0)


def refuse_to_compute(*args, **kwargs):
    raise AssertionError("something was computed")


def test_fits_in_memory_and_predicts_block_by_block_lazily(data):
    X, y = data
    X_small, y_small = X[:100].compute(), y[:100].compute()
    estimator = LogisticRegression()
    clf = ParallelPostFit(estimator, scoring="accuracy").fit(X_small, y_small)
    assert not hasattr(estimator, "coef_"), "the caller's estimator was fitted"
    expected = clone(estimator).fit(X_small, y_small)
    assert_same_model(clf.estimator_, expected)
    np.testing.assert_array_equal(clf.coef_, expected.coef_)
    with dask.config.set(scheduler=refuse_to_compute):  # lazy: nothing computed until asked
        predicted, proba, log_proba, decision = (
            clf.predict(X), clf.predict_proba(X), clf.predict_log_proba(X), clf.decision_function(X),
        )
    X_all = X.compute()
    assert predicted.chunks == ((100,) * 4,)
    np.testing.assert_array_equal(predicted.compute(), expected.predict(X_all))
    np.testing.assert_array_equal(proba.compute(), expected.predict_proba(X_all))
    np.testing.assert_array_equal(log_proba.compute(), expected.predict_log_proba(X_all))
    np.testing.assert_array_equal(decision.compute(), expected.decision_function(X_all))
    assert clf.score(X, y) == accuracy_score(y.compute(), expected.predict(X_all))
    np.testing.assert_array_equal(clf.predict(X_all), expected.predict(X_all))  # in memory in, in memory out


def test_transforms_a_dask_dataframe_partition_by_partition(data):
    X, _ = data
    frame = dd.from_dask_array(X, columns=list("abcd"))
    pca = ParallelPostFit(PCA(n_components=2)).fit(frame.partitions[0].compute())
    out = pca.transform(frame)
    assert out.numblocks[0] == frame.npartitions if isinstance(out, da.Array) else out.npartitions == frame.npartitions
    expected = PCA(n_components=2).fit(frame.partitions[0].compute()).transform(frame.compute())
    np.testing.assert_allclose(np.asarray(out.compute()), expected)


def test_fit_computes_dask_input_and_methods_follow_the_estimator(data):
    X, y = data
    clf = ParallelPostFit(LogisticRegression()).fit(X, y)
    assert_same_model(clf.estimator_, LogisticRegression().fit(X.compute(), y.compute()))
    assert not hasattr(ParallelPostFit(PCA()), "predict")
    assert hasattr(ParallelPostFit(PCA()), "transform")
    with pytest.raises(TypeError, match="ParallelPostFit.fit needs an estimator instance with fit, got type"):
        ParallelPostFit(LogisticRegression).fit(X, y)
    with pytest.raises(ValueError, match="looks like a metric function"):
        ParallelPostFit(LogisticRegression(), scoring=accuracy_score).fit(X, y)


def test_wraps_an_estimator_fitted_elsewhere_without_fit(data):
    # As dask-ml's: ParallelPostFit(model trained elsewhere).predict(X) needs no fit.
    X, y = data
    X_all, y_all = X.compute(), y.compute()
    trained = LogisticRegression().fit(X_all[:100], y_all[:100])
    clf = ParallelPostFit(trained, scoring="accuracy")
    np.testing.assert_array_equal(clf.predict(X).compute(), trained.predict(X_all))
    np.testing.assert_array_equal(clf.predict_proba(X).compute(), trained.predict_proba(X_all))
    assert clf.score(X, y) == accuracy_score(y_all, trained.predict(X_all))
    assert not hasattr(clf, "estimator_")  # nothing copied, nothing refitted
    with pytest.raises(NotFittedError, match="ParallelPostFit instance is not fitted"):
        ParallelPostFit(LogisticRegression()).predict(X)


def test_a_delayed_estimator_is_refused_by_name(data):
    X, y = data
    lazy = dask.delayed(LogisticRegression())
    with pytest.raises(TypeError, match="needs an estimator instance with fit, got dask.delayed.Delayed"):
        ParallelPostFit(lazy).fit(X[:100].compute(), y[:100].compute())
    with pytest.raises(NotFittedError, match="ParallelPostFit instance is not fitted"):
        ParallelPostFit(lazy).predict(X)
