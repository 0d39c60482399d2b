"""Pipelines that learn block by block: equal to the loop by hand, refused before any work, lazy predictions."""

import pickle

import dask
import dask.array as da
import dask.bag as db
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import assert_same_model, manual_pipeline_fit
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.decomposition import PCA, IncrementalPCA
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import SGDClassifier, SGDRegressor
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.utils import get_tags

from dask_incr import Incremental, NotIncrementalError, fit_blocks, plan_fit


def refuse_to_compute(*args, **kwargs):
    raise AssertionError("something was computed")


@pytest.fixture
def data():
    X = da.random.default_rng(0).normal(loc=3.0, scale=2.0, size=(70, 4), chunks=((20, 10, 25, 15), 4))
    return X, (X[:, 0] + X[:, 1] > 6).astype(int)


def assert_same_pipeline(actual, expected):
    """The same steps, each learned the same, bit for bit (stateless and skipped steps equal as given)."""
    assert type(actual) is Pipeline
    assert [name for name, _ in actual.steps] == [name for name, _ in expected.steps]
    for (name, a), (_, e) in zip(actual.steps, expected.steps):
        if e is None or isinstance(e, str) or not get_tags(e).requires_fit:
            assert pickle.dumps(a) == pickle.dumps(e), name
        else:
            assert_same_model(a, e)


def test_scaler_and_sgd_equal_the_loop_and_the_callers_pipeline_is_untouched(data, scheduler):
    X, y = data
    pipe = make_pipeline(StandardScaler(), SGDClassifier(random_state=0))
    before = pickle.dumps(pipe)
    fitted = fit_blocks(pipe, X, y, classes=[0, 1])
    assert_same_pipeline(fitted, manual_pipeline_fit(pipe, X, y, step_kwargs={"sgdclassifier": {"classes": [0, 1]}}))
    assert pickle.dumps(pipe) == before and fitted is not pipe
    assert fitted[0].n_samples_seen_ == 70  # the scaler learned from every block, block by block


def test_shuffled_blocks_rows_and_epochs_equal_the_loop_in_the_same_order(data):
    X, y = data
    pipe = make_pipeline(StandardScaler(), SGDClassifier(random_state=0))
    options = dict(shuffle_blocks=True, shuffle_rows=True, epochs=2, random_state=3, classes=[0, 1])
    plan = plan_fit(pipe, X, y, **options)
    order = plan.order
    assert sorted(order) == [0, 0, 1, 1, 2, 2, 3, 3] and order[:4] != [0, 1, 2, 3]
    expected = manual_pipeline_fit(
        pipe, X, y, order=order, seeds=plan.row_seeds, step_kwargs={"sgdclassifier": {"classes": [0, 1]}}
    )
    assert_same_pipeline(fit_blocks(pipe, X, y, **options), expected)


def test_incremental_pca_and_sgd_equal_the_loop(data):
    X, y = data
    pipe = Pipeline([("pca", IncrementalPCA(n_components=2)), ("sgd", SGDRegressor(random_state=0))])
    target = X[:, 0] * 2.0
    fitted = fit_blocks(pipe, X, target)
    assert_same_pipeline(fitted, manual_pipeline_fit(pipe, X, target))
    assert fitted[0].n_samples_seen_ == 70


TEXTS = ["a good film", "bad acting", "great plot twist", "awful and boring", "good fun", "boring film"] * 6
LABELS = [1, 0, 1, 0, 1, 0] * 6


@pytest.mark.parametrize("kind", ["bag", "array of strings"])
def test_hashing_vectorizer_and_sgd_over_text_equal_the_loop(kind):
    if kind == "bag":
        X, y = db.from_sequence(TEXTS, npartitions=4), db.from_sequence(LABELS, npartitions=4)
    else:
        X, y = da.from_array(np.array(TEXTS), chunks=9), da.from_array(np.array(LABELS), chunks=9)
    pipe = make_pipeline(HashingVectorizer(n_features=2**8), SGDClassifier(random_state=0))
    fitted = fit_blocks(pipe, X, y, classes=[0, 1])
    expected = manual_pipeline_fit(pipe, X, y, step_kwargs={"sgdclassifier": {"classes": [0, 1]}})
    assert_same_pipeline(fitted, expected)
    assert fitted.predict(["good film", "boring acting"]).tolist() == [1, 0]


def test_stateless_and_skipped_steps_are_applied_and_sample_weight_goes_to_the_last_step(data):
    X, _ = data
    target, weight = X[:, 0] - X[:, 2], da.arange(70, chunks=7) % 3 + 1.0
    pipe = Pipeline(
        [("log", FunctionTransformer(np.log1p)), ("skip", "passthrough"), ("scale", StandardScaler()),
         ("none", None), ("sgd", SGDRegressor(random_state=0))]
    )
    X = abs(X)
    fitted = fit_blocks(pipe, X, target, sample_weight=weight)
    assert_same_pipeline(fitted, manual_pipeline_fit(pipe, X, target, weight))
    unweighted = fit_blocks(pipe, X, target)
    assert not np.array_equal(unweighted[-1].coef_, fitted[-1].coef_), "the weights reached the last step"
    assert fitted[2].n_samples_seen_ == 70, "the scaler is not weighted"


@given(st.lists(st.integers(1, 12), min_size=1, max_size=6), st.integers(0, 2**16))
@settings(max_examples=20)
def test_any_chunking_equals_the_loop(chunks, seed):
    X = da.random.default_rng(seed).normal(size=(sum(chunks), 3), chunks=(tuple(chunks), 3))
    y = X[:, 0] - X[:, 1]
    pipe = make_pipeline(StandardScaler(), SGDRegressor(random_state=seed))
    assert_same_pipeline(fit_blocks(pipe, X, y, prefetch=0), manual_pipeline_fit(pipe, X, y))


# -- refused before any work ------------------------------------------------------------


class Recorder(BaseEstimator, TransformerMixin):
    """A transformer that records the keywords of its partial_fit calls."""

    def partial_fit(self, X, y=None, factor=1.0):
        self.factors_ = [*getattr(self, "factors_", []), factor]
        return self

    def transform(self, X):
        return X


REFUSED = [
    ("a step that must be fitted", Pipeline([("pca", PCA()), ("sgd", SGDClassifier())]), {"classes": [0, 1]},
     NotIncrementalError, r"pipeline step 'pca' \(PCA\) has no partial_fit"),
    ("a final step that must be fitted", make_pipeline(StandardScaler(), PCA()), {},
     NotIncrementalError, r"pipeline step 'pca' \(PCA\) has no partial_fit"),
    ("a middle step without transform", Pipeline([("sgd", SGDClassifier()), ("last", SGDClassifier())]),
     {"classes": [0, 1]}, NotIncrementalError, r"pipeline step 'sgd' \(SGDClassifier\) has no transform"),
    ("an unprefixed keyword", make_pipeline(StandardScaler(), SGDClassifier()), {"classes": [0, 1], "alpha": 1},
     TypeError, "Pipeline fit keyword 'alpha' names no step: write it as <step>__alpha"),
    ("a prefix naming no step", make_pipeline(StandardScaler(), SGDClassifier()),
     {"classes": [0, 1], "scaler__sample_weight": None}, TypeError, "'scaler__sample_weight' names no step"),
    ("a keyword the step does not take", make_pipeline(StandardScaler(), SGDClassifier()),
     {"classes": [0, 1], "standardscaler__clases": 1}, TypeError,
     "StandardScaler.partial_fit\\(\\) got an unexpected keyword argument 'clases'"),
    ("a keyword for a stateless step", make_pipeline(FunctionTransformer(), SGDClassifier()),
     {"classes": [0, 1], "functiontransformer__x": 1}, TypeError,
     r"pipeline step 'functiontransformer' \(FunctionTransformer\) is not fitted, so it takes no fit keywords"),
    ("a classifier without classes", make_pipeline(StandardScaler(), SGDClassifier()), {}, ValueError,
     "SGDClassifier.partial_fit needs classes="),
]


@pytest.mark.parametrize("pipe, kwargs, error, message", [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_a_pipeline_that_cannot_learn_is_refused_before_any_work(data, pipe, kwargs, error, message):
    X, y = data
    before = pickle.dumps(pipe)
    with dask.config.set(scheduler=refuse_to_compute), pytest.raises(error, match=message):
        fit_blocks(pipe, X, y, **kwargs)
    if "needs classes" not in message:  # Incremental finds the classes in y itself
        with dask.config.set(scheduler=refuse_to_compute), pytest.raises(error, match=message):
            Incremental(pipe).fit(X, y, **kwargs)
    assert pickle.dumps(pipe) == before


def test_incremental_finds_the_classes_of_a_pipeline_in_y(data):
    X, y = data
    pipe = make_pipeline(StandardScaler(), SGDClassifier(random_state=0))
    wrapper = Incremental(pipe, shuffle_blocks=False).fit(X, y)
    assert wrapper.classes_.tolist() == [0, 1]
    assert_same_pipeline(wrapper.estimator_, fit_blocks(pipe, X, y, classes=[0, 1]))


def test_fit_keywords_route_to_their_step(data):
    X, y = data
    pipe = Pipeline([("rec", Recorder()), ("sgd", SGDClassifier(random_state=0))])
    fitted = fit_blocks(pipe, X, y, rec__factor=2.5, sgd__classes=[0, 1])
    assert fitted[0].factors_ == [2.5] * 4
    # classes without a prefix goes to the last step, as sgd__classes does
    assert_same_pipeline(fit_blocks(pipe, X, y, rec__factor=2.5, classes=[0, 1]), fitted)


def test_a_failing_step_keeps_its_exception_and_says_where(data):
    X, y = data

    class Failing(Recorder):
        def transform(self, X):
            raise KeyError("column 7")

    pipe = Pipeline([("bad", Failing()), ("sgd", SGDClassifier())])
    with pytest.raises(KeyError) as caught:
        fit_blocks(pipe, X, y, classes=[0, 1], shuffle_blocks=True, random_state=0)
    assert caught.value.args == ("column 7",)
    (note,) = caught.value.__notes__
    assert "in Failing.transform of pipeline step 'bad' at step 0 (block " in note


# -- lazy predictions of a fitted pipeline ---------------------------------------------


def test_a_fitted_pipeline_predicts_transforms_and_scores_block_by_block(data):
    X, y = data
    clf = Incremental(make_pipeline(StandardScaler(), SGDClassifier(random_state=0)), random_state=0).fit(X, y)
    with dask.config.set(scheduler=refuse_to_compute):
        lazy = clf.predict(X)  # nothing computed yet
    assert isinstance(lazy, da.Array) and lazy.chunks == ((20, 10, 25, 15),)
    np.testing.assert_array_equal(lazy.compute(), clf.estimator_.predict(X.compute()))
    accuracy = (clf.estimator_.predict(X.compute()) == y.compute()).mean()

    def load_everything(*args, **kwargs):
        raise AssertionError("Pipeline.score was given X in memory")

    clf.estimator_.score = load_everything  # a pipeline scores from its lazy predictions, as its last step would
    assert clf.score(X, y) == pytest.approx(accuracy)

    reducer = Incremental(make_pipeline(StandardScaler(), IncrementalPCA(n_components=2))).fit(X)
    with dask.config.set(scheduler=refuse_to_compute):
        projected = reducer.transform(X)
    assert projected.shape == (70, 2) and projected.chunks[0] == (20, 10, 25, 15)
    np.testing.assert_allclose(projected.compute(), reducer.estimator_.transform(X.compute()))


def test_a_text_pipeline_predicts_a_bag_lazily():
    X, y = db.from_sequence(TEXTS, npartitions=3), db.from_sequence(LABELS, npartitions=3)
    clf = Incremental(make_pipeline(HashingVectorizer(n_features=2**8), SGDClassifier(random_state=0))).fit(X, y)
    with dask.config.set(scheduler=refuse_to_compute):
        lazy = clf.predict(X)
    assert isinstance(lazy, db.Bag) and lazy.npartitions == 3
    assert lazy.compute() == clf.estimator_.predict(TEXTS).tolist()
    assert clf.score(X, y) == pytest.approx(np.mean(clf.estimator_.predict(TEXTS) == np.array(LABELS)))


def test_a_long_pipeline_fit_run_in_windows_equals_the_loop(data):
    from dask_incr.fit.options import FitOptions
    from dask_incr.fit.runner import run_fit

    X, y = data
    pipe = make_pipeline(StandardScaler(), SGDClassifier(random_state=0))
    windowed = run_fit(pipe, X, y, options=FitOptions(window=3, epochs=2), fit_kwargs={"classes": [0, 1]}).result
    expected = manual_pipeline_fit(pipe, X, y, order=[0, 1, 2, 3] * 2, step_kwargs={"sgdclassifier": {"classes": [0, 1]}})
    assert_same_pipeline(windowed, expected)


def test_partial_fit_of_a_wrapped_pipeline_continues_from_the_fitted_one(data):
    X, y = data
    clf = Incremental(make_pipeline(StandardScaler(), SGDClassifier(random_state=0)), shuffle_blocks=False)
    clf.partial_fit(X, y, classes=[0, 1]).partial_fit(X, y)  # as scikit-learn, classes on the first call
    pipe = make_pipeline(StandardScaler(), SGDClassifier(random_state=0))
    expected = manual_pipeline_fit(pipe, X, y, order=[0, 1, 2, 3] * 2, step_kwargs={"sgdclassifier": {"classes": [0, 1]}})
    assert_same_pipeline(clf.estimator_, expected)
    assert clf.estimator_[0].n_samples_seen_ == 140
