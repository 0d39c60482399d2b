"""Tests of the facade: ``dask_incr.Incremental``."""

import copy
import inspect
import pickle

import dask
import dask.array as da
import dask.bag as db
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from dask.delayed import Delayed
from dask.dot import to_graphviz
from numpy.testing import assert_array_equal
from oracle import assert_same_model, manual_fit
from sklearn.base import clone
from sklearn.cluster import Birch, MiniBatchKMeans
from sklearn.decomposition import IncrementalPCA
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LinearRegression, SGDClassifier, SGDRegressor
from sklearn.metrics import accuracy_score, make_scorer
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from dask_incr import Incremental, fit_blocks
from dask_incr.datasets import make_classification, make_regression
from dask_incr.wrappers._incremental import call_seed


@pytest.fixture(scope="module")
def classification():
    return make_classification(n_samples=200, n_features=6, chunks=25, random_state=0)


# -- the seed example and the loop invariant ----------------------------------------


def test_seed_example_runs_with_only_imports_changed():
    X, y = make_classification(chunks=25)
    est = SGDClassifier(random_state=10, max_iter=100)
    clf = Incremental(est)
    clf.fit(X, y, classes=[0, 1])
    assert 0 <= clf.score(X, y) <= 1
    assert clf.coef_.shape == (1, 20)
    assert isinstance(clf.estimator_, SGDClassifier)
    assert clf.estimator_ is not est and not hasattr(est, "coef_")


@pytest.mark.parametrize("shuffle_blocks", [True, False])
@pytest.mark.parametrize("random_state", [None, 3])
@pytest.mark.parametrize("epochs", [1, 2])
def test_fit_equals_manual_loop_in_recorded_order(classification, shuffle_blocks, random_state, epochs):
    X, y = classification
    est = SGDClassifier(random_state=0)
    clf = Incremental(est, shuffle_blocks=shuffle_blocks, random_state=random_state, epochs=epochs)
    clf.fit(X, y, classes=[0, 1])
    assert sorted(clf.order_) == sorted(list(range(X.numblocks[0])) * epochs)
    if not shuffle_blocks:
        assert clf.order_ == list(range(X.numblocks[0])) * epochs and clf.seed_ is None
    assert_same_model(clf.estimator_, manual_fit(est, X, y, order=clf.order_, classes=[0, 1]))


def test_seed_replays_with_fit_blocks(classification):
    X, y = classification
    clf = Incremental(SGDClassifier(random_state=0)).fit(X, y, classes=[0, 1])
    assert isinstance(clf.seed_, int)
    replay = fit_blocks(SGDClassifier(random_state=0), X, y, shuffle_blocks=True, random_state=clf.seed_, classes=[0, 1])
    assert_same_model(clf.estimator_, replay)


def test_int_random_state_fit_is_fit_blocks_with_that_seed(classification):
    X, y = classification
    clf = Incremental(SGDClassifier(random_state=0), random_state=7).fit(X, y, classes=[0, 1])
    same = fit_blocks(SGDClassifier(random_state=0), X, y, shuffle_blocks=True, random_state=7, classes=[0, 1])
    assert clf.seed_ == 7
    assert_same_model(clf.estimator_, same)


def test_partial_fit_reproducible_with_a_new_order_each_call(classification):
    X, y = classification

    def three_calls():
        clf = Incremental(SGDClassifier(random_state=0), random_state=5)
        orders = []
        for _ in range(3):
            clf.partial_fit(X, y, classes=[0, 1])
            orders.append(clf.order_)
        return clf, orders

    first, orders = three_calls()
    second, orders_again = three_calls()
    assert orders == orders_again
    assert len({tuple(o) for o in orders}) == 3  # 8 blocks: a repeat would be a bug here
    assert_same_model(first.estimator_, second.estimator_)
    assert first.n_calls_ == 3
    assert [first.seed_] == [call_seed(5, 2)]
    expected = manual_fit(SGDClassifier(random_state=0), X, y, order=sum(orders, []), classes=[0, 1])
    assert_same_model(first.estimator_, expected)


def test_first_partial_fit_equals_fit_and_fit_restarts(classification):
    X, y = classification
    fitted = Incremental(SGDClassifier(random_state=0), random_state=1).fit(X, y, classes=[0, 1])
    partial = Incremental(SGDClassifier(random_state=0), random_state=1).partial_fit(X, y, classes=[0, 1])
    assert partial.order_ == fitted.order_
    assert_same_model(partial.estimator_, fitted.estimator_)
    partial.partial_fit(X, y)
    partial.fit(X, y, classes=[0, 1])
    assert partial.n_calls_ == 1
    assert_same_model(partial.estimator_, fitted.estimator_)


def test_random_state_instance_gives_fresh_orders_and_records_them(classification):
    X, y = classification
    clf = Incremental(SGDClassifier(random_state=0), random_state=np.random.RandomState(0))
    orders = [clf.fit(X, y, classes=[0, 1]).order_ for _ in range(3)]
    assert len({tuple(o) for o in orders}) > 1
    assert_same_model(clf.estimator_, manual_fit(SGDClassifier(random_state=0), X, y, order=clf.order_, classes=[0, 1]))


def test_numpy_and_pandas_input_is_one_partial_fit_call():
    X = np.random.default_rng(0).normal(size=(40, 3))
    y = (X[:, 0] > 0).astype(int)
    clf = Incremental(SGDClassifier(random_state=0)).fit(X, y, classes=[0, 1])
    direct = SGDClassifier(random_state=0).partial_fit(X, y, classes=[0, 1])
    assert clf.order_ == [0]
    assert_same_model(clf.estimator_, direct)
    frame = pd.DataFrame(X, columns=list("abc"))
    clf.fit(frame, pd.Series(y))
    assert list(clf.feature_names_in_) == list("abc")
    assert isinstance(clf.predict(frame), np.ndarray)


def test_dataframe_fit_equals_manual_loop():
    X, y = make_regression(n_samples=90, n_features=4, chunks=30, random_state=2)
    frame = dd.from_dask_array(X, columns=list("abcd"))
    target = dd.from_dask_array(y)
    reg = Incremental(SGDRegressor(random_state=0), random_state=0).fit(frame, target)
    assert_same_model(reg.estimator_, manual_fit(SGDRegressor(random_state=0), frame, target, order=reg.order_))
    assert list(reg.feature_names_in_) == list("abcd")


def test_classes_found_in_y_when_not_given(classification):
    X, y = classification
    clf = Incremental(SGDClassifier(random_state=0), random_state=0).fit(X, y)
    given = Incremental(SGDClassifier(random_state=0), random_state=0).fit(X, y, classes=[0, 1])
    assert_array_equal(clf.classes_, [0, 1])
    assert_same_model(clf.estimator_, given.estimator_)


def test_sample_weight_is_split_like_x(classification):
    X, y = classification
    weights = da.ones(X.shape[0], chunks=50)  # other chunks than X: realigned
    weighted = Incremental(SGDClassifier(random_state=0), random_state=0).fit(X, y, sample_weight=weights)
    plain = Incremental(SGDClassifier(random_state=0), random_state=0).fit(X, y)
    assert_same_model(weighted.estimator_, plain.estimator_)


# -- wrapping various estimators -------------------------------------------------------


@pytest.mark.parametrize(
    "estimator, attribute",
    [
        (StandardScaler(), "mean_"),
        (MinMaxScaler(), "data_max_"),
        (IncrementalPCA(n_components=2), "components_"),
        (MiniBatchKMeans(n_clusters=3, n_init=1, random_state=0), "cluster_centers_"),
        (Birch(n_clusters=None), "subcluster_centers_"),
    ],
)
def test_unsupervised_estimators_without_score_at_fit(classification, estimator, attribute):
    X, _ = classification
    wrapper = Incremental(estimator, random_state=0).fit(X)
    expected = manual_fit(estimator, X, order=wrapper.order_)
    assert_array_equal(getattr(wrapper, attribute), getattr(expected, attribute))
    assert_same_model(wrapper.estimator_, expected)
    assert hasattr(wrapper, "score") == hasattr(estimator, "score")
    out = wrapper.transform(X)
    assert isinstance(out, da.Array) and out.chunks[0] == X.chunks[0]
    assert_array_equal(out.compute(), expected.transform(X.compute()))


def test_regressor_and_clusterer_predict_and_score(classification):
    X, y = make_regression(n_samples=200, n_features=5, n_informative=3, noise=1.0, chunks=50, random_state=0)
    reg = Incremental(SGDRegressor(random_state=0), random_state=0, epochs=5).fit(X, y)
    assert reg.score(X, y) > 0.9
    assert reg.score(X, y) == pytest.approx(reg.estimator_.score(X.compute(), y.compute()))
    Xc, _ = classification
    km = Incremental(MiniBatchKMeans(n_clusters=2, n_init=1, random_state=0), random_state=0).fit(Xc)
    labels = km.predict(Xc)
    assert labels.dtype == km.estimator_.predict(Xc[:2].compute()).dtype
    assert_array_equal(labels.compute(), km.estimator_.predict(Xc.compute()))
    assert km.score(Xc) == pytest.approx(km.estimator_.score(Xc.compute()))


# -- prediction on dask collections -----------------------------------------------------


@pytest.fixture(scope="module")
def fitted_proba(classification):
    X, y = classification
    return Incremental(SGDClassifier(loss="log_loss", random_state=0), random_state=0).fit(X, y)


@pytest.mark.parametrize("method", ["predict", "predict_proba", "predict_log_proba", "decision_function"])
def test_methods_on_column_chunked_arrays(classification, fitted_proba, method):
    X, _ = classification
    X_cols = X.rechunk((25, 4))  # two column chunks of 4 and 2
    lazy = getattr(fitted_proba, method)(X_cols)
    expected = getattr(fitted_proba.estimator_, method)(X.compute())
    assert isinstance(lazy, da.Array)
    assert lazy.chunks[0] == X.chunks[0] and lazy.shape == expected.shape and lazy.dtype == expected.dtype
    # one task per block: the column chunks are joined inside it, no rechunk layer
    assert len(lazy.dask.layers[lazy.name]) == X.numblocks[0]
    assert_array_equal(lazy.compute(), expected)


def test_methods_on_arrays_with_unknown_and_empty_blocks(fitted_proba, classification):
    X, _ = classification
    values = X.compute()
    gappy = da.from_array(values, chunks=((0, 100, 0, 100, 0), (6,)))
    proba = fitted_proba.predict_proba(gappy).compute()
    assert proba.shape == (200, 2)
    assert_array_equal(proba, fitted_proba.estimator_.predict_proba(values))
    empty_blocks = fitted_proba.predict(gappy).blocks[0].compute()
    assert empty_blocks.shape == (0,)
    assert fitted_proba.predict_proba(gappy).blocks[2].compute().shape == (0, 2)
    unknown = dd.from_array(values).to_dask_array()  # nan row chunks
    assert np.isnan(unknown.chunks[0]).all()
    assert_array_equal(fitted_proba.predict(unknown).compute(), fitted_proba.estimator_.predict(values))


def test_methods_on_dataframes_with_empty_partitions():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(60, 3)), columns=list("abc"))
    target = (frame.a > 0).astype(int)
    ddf = dd.from_pandas(frame, npartitions=4)
    clf = Incremental(SGDClassifier(loss="log_loss", random_state=0)).fit(ddf, dd.from_pandas(target, npartitions=4))
    gappy = ddf.map_partitions(lambda part: part[part.index >= 30], meta=ddf._meta)  # two empty partitions
    predicted = clf.predict(gappy)
    assert isinstance(predicted, da.Array) and predicted.numblocks == (4,)
    assert_array_equal(predicted.compute(), clf.estimator_.predict(frame.iloc[30:]))
    proba = clf.predict_proba(gappy)
    assert isinstance(proba, da.Array) and proba.shape[1] == 2
    assert proba.compute().shape == (30, 2)
    assert clf.predict(ddf[ddf.a > 100]).compute().shape == (0,)

    scaler = Incremental(StandardScaler()).fit(ddf)
    scaled = scaler.transform(gappy)
    assert isinstance(scaled, da.Array) and scaled.shape[1] == 3
    assert_array_equal(scaled.compute(), scaler.estimator_.transform(frame.iloc[30:]))


def test_dataframe_outputs_are_dask_arrays_as_in_dask_ml_unless_pandas_is_asked_for():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(40, 2)), columns=["a", "b"], index=range(100, 140))
    ddf = dd.from_pandas(frame, npartitions=2)
    target = dd.from_pandas((frame.a > 0).astype(int), npartitions=2)
    metas = {
        "predict_meta": pd.Series([], dtype="int64", name="label"),
        "predict_proba_meta": pd.DataFrame({"no": [], "yes": []}),
    }
    clf = Incremental(SGDClassifier(loss="log_loss", random_state=0), random_state=0, **metas).fit(ddf, target)
    predicted, proba = clf.predict(ddf), clf.predict_proba(ddf)
    assert isinstance(predicted, dd.Series) and predicted.name == "label"
    assert isinstance(proba, dd.DataFrame) and list(proba.columns) == ["no", "yes"]
    assert_array_equal(predicted.compute().index, frame.index)
    assert_array_equal(proba.compute().to_numpy(), clf.estimator_.predict_proba(frame))
    plain = Incremental(SGDClassifier(loss="log_loss", random_state=0), random_state=0).fit(ddf, target)
    assert_array_equal(plain.predict(ddf).compute(), predicted.compute().to_numpy())
    as_frames = Incremental(StandardScaler().set_output(transform="pandas")).fit(ddf)
    scaled = as_frames.transform(ddf)  # the estimator returns pandas: a dask DataFrame, as dask-ml infers
    assert isinstance(scaled, dd.DataFrame) and list(scaled.columns) == ["a", "b"]
    assert_array_equal(scaled.compute().index, frame.index)
    scaler = Incremental(StandardScaler(), transform_meta=np.empty((0, 2), dtype=np.float32)).fit(ddf)
    narrow = scaler.transform(ddf)
    assert isinstance(narrow, da.Array) and narrow.dtype == np.float32 and narrow.compute().dtype == np.float32


@pytest.mark.parametrize("as_frame", [False, True], ids=["array", "dataframe"])
def test_a_meta_of_the_wrong_dimensions_is_named_when_blocks_disagree(as_frame):
    X = da.ones((20, 2), chunks=10)
    scaler = Incremental(StandardScaler(), transform_meta=np.array([], dtype=np.float32)).fit(X)
    data = dd.from_dask_array(X) if as_frame else X
    with pytest.raises(ValueError, match=r"StandardScaler.transform returned a 2-D block but its meta promised 1-D"):
        scaler.transform(data).compute()


def test_meta_sets_the_output_type():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(rng.normal(size=(40, 2)), columns=["a", "b"])
    ddf = dd.from_pandas(frame, npartitions=2)
    target = dd.from_pandas((frame.a > 0).astype(int), npartitions=2)
    clf = Incremental(SGDClassifier(random_state=0), predict_meta=pd.Series([], dtype="float64", name="label"))
    predicted = clf.fit(ddf, target).predict(ddf)
    assert predicted.dtype == "float64" and predicted.name == "label"
    assert predicted.compute().dtype == "float64"
    as_array = Incremental(SGDClassifier(random_state=0), predict_meta=np.array([], dtype=np.int32))
    lazy = as_array.fit(da.from_array(frame.to_numpy(), chunks=20), (frame.a > 0).astype(int).to_numpy()).predict(
        da.from_array(frame.to_numpy(), chunks=20)
    )
    assert lazy.dtype == np.int32 and lazy.compute().dtype == np.int32


def test_in_memory_prediction_is_eager(fitted_proba, classification):
    X, _ = classification
    values = X.compute()
    for method in ["predict", "predict_proba", "decision_function"]:
        out = getattr(fitted_proba, method)(values)
        assert isinstance(out, np.ndarray)
        assert_array_equal(out, getattr(fitted_proba.estimator_, method)(values))


# -- score -------------------------------------------------------------------------------


def test_score_with_names_callables_and_defaults(classification):
    X, y = classification
    X_np, y_np = dask.compute(X, y)
    clf = Incremental(SGDClassifier(random_state=0), random_state=0).fit(X, y)
    accuracy = accuracy_score(y_np, clf.estimator_.predict(X_np))
    assert clf.score(X, y) == pytest.approx(accuracy)
    assert clf.score(X_np, y_np) == pytest.approx(accuracy)
    clf.set_params(scoring="accuracy")
    assert clf.score(X, y) == pytest.approx(accuracy)
    clf.set_params(scoring=make_scorer(accuracy_score))
    assert clf.score(X, y) == pytest.approx(accuracy)
    clf.set_params(scoring="roc_auc")
    assert 0.5 < clf.score(X, y) <= 1
    weights = np.ones(len(y_np))
    assert clf.set_params(scoring=None).score(X, y, sample_weight=weights) == pytest.approx(accuracy)


def test_scoring_gives_score_to_an_estimator_without_one(classification):
    X, _ = classification
    assert not hasattr(Incremental(StandardScaler()), "score")
    scorer = lambda est, X, y=None: float(np.mean(est.transform(X)))  # noqa: E731
    scaler = Incremental(StandardScaler(), scoring=scorer).fit(X)
    assert scaler.score(X) == pytest.approx(0.0, abs=1e-12)


def test_unfitted_methods_raise_not_fitted(classification):
    X, y = classification
    clf = Incremental(SGDClassifier())
    for call in (lambda: clf.predict(X), lambda: clf.score(X, y), lambda: clf.decision_function(X)):
        with pytest.raises(NotFittedError):
            call()


# -- hasattr, attributes, params, clone, pickle -------------------------------------------


def test_methods_exist_only_when_the_estimator_has_them():
    scaler = Incremental(StandardScaler())
    for method in ["predict", "predict_proba", "predict_log_proba", "decision_function", "score"]:
        assert not hasattr(scaler, method), method
    assert hasattr(scaler, "transform") and hasattr(scaler, "fit_transform")
    hinge = Incremental(SGDClassifier())
    assert hasattr(hinge, "predict") and hasattr(hinge, "decision_function") and hasattr(hinge, "score")
    assert not hasattr(hinge, "predict_proba") and not hasattr(hinge, "transform")
    assert hasattr(Incremental(SGDClassifier(loss="log_loss")), "predict_proba")
    assert hasattr(hinge.set_params(estimator__loss="log_loss"), "predict_proba")
    assert hasattr(Incremental(GaussianNB()), "predict_log_proba")


def test_learned_attributes_are_delegated_safely(classification):
    X, y = classification
    clf = Incremental(SGDClassifier(random_state=0))
    for name in ["coef_", "classes_", "n_features_in_", "estimator_", "order_"]:
        assert not hasattr(clf, name), name
    # copying, pickling and cloning an unfitted wrapper do not recurse into __getattr__
    copy.deepcopy(clf)
    pickle.loads(pickle.dumps(clf))
    clf.fit(X, y)
    assert clf.n_features_in_ == 6 and clf.coef_ is clf.estimator_.coef_
    assert not hasattr(clf, "_private_") and not hasattr(clf, "not_there_")
    with pytest.raises(AttributeError, match="'Incremental' object has no attribute 'not_there_'"):
        clf.not_there_
    restored = pickle.loads(pickle.dumps(clf))
    assert_same_model(restored.estimator_, clf.estimator_)
    assert_array_equal(restored.predict(X).compute(), clf.predict(X).compute())
    cloned = clone(clf)
    assert not hasattr(cloned, "coef_") and cloned.get_params()["estimator__random_state"] == 0


def test_params_follow_the_reference_names_and_defaults():
    clf = Incremental(SGDClassifier())
    params = clf.get_params(deep=False)
    assert params["shuffle_blocks"] is True and params["assume_equal_chunks"] is True
    for name in ["scoring", "random_state", "predict_meta", "predict_proba_meta", "transform_meta", "meta"]:
        assert params[name] is None
    assert params["epochs"] == 1 and params["prefetch"] == "auto" and params["shuffle_rows"] is False
    clf.set_params(estimator__alpha=0.5, epochs=3)
    assert clf.estimator.alpha == 0.5 and clf.get_params()["estimator__alpha"] == 0.5
    assert clone(clf).get_params()["estimator__alpha"] == 0.5 and clone(clf).epochs == 3


def test_positional_parameters_follow_dask_ml_order_and_ours_are_keyword_only():
    params = inspect.signature(Incremental).parameters.values()
    positional = [p.name for p in params if p.kind is p.POSITIONAL_OR_KEYWORD]
    assert positional == [
        "estimator", "scoring", "shuffle_blocks", "random_state", "assume_equal_chunks",
        "predict_meta", "predict_proba_meta", "transform_meta",
    ]
    assert {p.name for p in params if p.kind is p.KEYWORD_ONLY} == {
        "epochs", "prefetch", "shuffle_rows", "meta",
        "early_stopping", "validation_fraction", "n_iter_no_change", "tol", "restore_best", "checkpoint_dir", "resume",
    }
    clf = Incremental(SGDClassifier(), "accuracy", False, 3)
    assert (clf.scoring, clf.shuffle_blocks, clf.random_state) == ("accuracy", False, 3)
    with pytest.raises(TypeError, match="partial_fit"):
        Incremental().fit(np.ones((4, 2)), np.arange(4) % 2)


def test_legacy_meta_is_the_predict_and_transform_template():
    X = da.from_array(np.random.default_rng(0).normal(size=(40, 3)), chunks=10)
    y = (X[:, 0] > 0).astype(int)
    clf = Incremental(SGDClassifier(random_state=0), meta=np.empty(1, dtype=np.int32)).fit(X, y)
    assert clf.predict(X).dtype == np.int32 and clf.predict(X).compute().dtype == np.int32
    own = Incremental(SGDClassifier(random_state=0), predict_meta=np.empty(1, dtype=np.float32), meta=np.empty(1, dtype=np.int32))
    assert own.fit(X, y).predict(X).dtype == np.float32, "predict_meta wins over meta"
    scaler = Incremental(StandardScaler(), meta=np.empty((0, 0), dtype=np.float32)).fit(X)
    assert scaler.transform(X).dtype == np.float32


def _metric(y_true, y_pred):
    return 1.0


@pytest.mark.parametrize(
    "scoring, error, message",
    [
        (accuracy_score, ValueError, "metric function rather than a scorer.*make_scorer"),
        (_metric, ValueError, "scoring=_metric looks like a metric function"),
        ("no_such_metric", ValueError, "no_such_metric"),
        (3, TypeError, "scoring must be None, a metric name or a scorer callable, got 3"),
    ],
)
def test_bad_scoring_is_refused_at_fit_before_any_work(scoring, error, message):
    X = da.from_array(np.ones((20, 2)), chunks=5)
    y = da.from_array(np.arange(20) % 2, chunks=5)
    for call in ("fit", "partial_fit", "lazy_fit"):
        clf = Incremental(SGDClassifier(), scoring=scoring)
        with dask.config.set(scheduler=_no_compute), pytest.raises(error, match=message):
            getattr(clf, call)(X, y, classes=[0, 1])
        assert not clf.__sklearn_is_fitted__()


def _no_compute(*args, **kwargs):
    raise AssertionError("nothing may be computed before the scoring is checked")


def test_init_stores_parameters_verbatim():
    bogus = object()
    clf = Incremental(bogus, epochs="three", prefetch=-1, random_state="not a seed")
    assert clf.estimator is bogus and clf.epochs == "three" and clf.random_state == "not a seed"


@pytest.mark.parametrize("search", ["grid", "randomized"])
def test_search_over_estimator_alpha_in_a_pipeline(search):
    X, y = make_classification(n_samples=120, n_features=5, chunks=120, random_state=0)
    X, y = dask.compute(X, y)
    pipe = Pipeline([("scale", StandardScaler()), ("sgd", Incremental(SGDClassifier(random_state=0), random_state=0))])
    grid = {"sgd__estimator__alpha": [1e-4, 1e-2, 1.0]}
    if search == "grid":
        searcher = GridSearchCV(pipe, grid, cv=3)
    else:
        searcher = RandomizedSearchCV(pipe, grid, n_iter=2, cv=3, random_state=0)
    searcher.fit(X, y, sgd__classes=[0, 1])
    assert searcher.best_params_["sgd__estimator__alpha"] in grid["sgd__estimator__alpha"]
    best = searcher.best_estimator_.named_steps["sgd"]
    assert best.estimator_.alpha == searcher.best_params_["sgd__estimator__alpha"]
    assert 0 <= searcher.score(X, y) <= 1


def test_grid_search_over_the_wrapper_directly(classification):
    X, y = dask.compute(*classification)
    search = GridSearchCV(Incremental(SGDClassifier(random_state=0)), {"estimator__alpha": [0.1, 1.0]}, cv=2)
    search.fit(X, y, classes=[0, 1])  # as in dask-ml's documentation
    assert set(search.cv_results_["param_estimator__alpha"]) == {0.1, 1.0}


# -- bad input -------------------------------------------------------------------------


def test_estimator_without_partial_fit_is_refused_and_nothing_changes(classification):
    X, y = classification
    estimator = LinearRegression()
    wrapper = Incremental(estimator)
    before = wrapper.get_params()
    for call in (wrapper.fit, wrapper.partial_fit, wrapper.lazy_fit):
        with pytest.raises(TypeError, match="LinearRegression has no partial_fit"):
            call(X, y)
    assert wrapper.get_params() == before and not hasattr(wrapper, "estimator_")
    assert not hasattr(estimator, "coef_")


def test_failed_partial_fit_leaves_the_fitted_wrapper_unchanged(classification):
    X, y = classification
    clf = Incremental(SGDClassifier(random_state=0), random_state=0).fit(X, y)
    state = (clf.estimator_, clf.order_, clf.n_calls_, clf.coef_.copy())
    with pytest.raises(ValueError):
        clf.partial_fit(X[:, :3], y)
    assert (clf.estimator_, clf.order_, clf.n_calls_) == state[:3]
    assert_array_equal(clf.coef_, state[3])


def test_fit_blocks_options_are_not_partial_fit_arguments(classification):
    X, y = classification
    with pytest.raises(TypeError, match="'epochs' is not an argument of SGDClassifier.partial_fit"):
        Incremental(SGDClassifier()).fit(X, y, epochs=2)


def test_any_object_with_partial_fit_can_be_wrapped():
    class Counter:  # no scikit-learn base class, no tags
        def partial_fit(self, X, y=None):
            self.rows_ = getattr(self, "rows_", 0) + len(X)
            return self

        def predict(self, X):
            return np.zeros(len(X))

        def get_params(self, deep=True):
            return {}

        def set_params(self, **params):
            return self

    X = da.ones((10, 2), chunks=5)
    wrapper = Incremental(Counter(), epochs=2).fit(X, da.ones(10, chunks=5))
    assert wrapper.rows_ == 20 and not hasattr(wrapper, "score")
    assert_array_equal(wrapper.predict(X).compute(), np.zeros(10))


def test_shuffling_turned_on_between_partial_fit_calls(classification):
    X, y = classification
    clf = Incremental(SGDClassifier(random_state=0), shuffle_blocks=False).partial_fit(X, y, classes=[0, 1])
    assert clf.seed_ is None
    clf.set_params(shuffle_blocks=True, random_state=2).partial_fit(X, y)
    assert clf.seed_ == call_seed(2, 1) and sorted(clf.order_) == list(range(X.numblocks[0]))


def test_supervised_estimator_needs_y(classification):
    X, _ = classification
    with pytest.raises(ValueError, match="SGDClassifier requires y to be passed"):
        Incremental(SGDClassifier()).fit(X)


# -- the lazy path --------------------------------------------------------------------


def test_lazy_fit_builds_the_graph_without_running_it(classification):
    X, y = classification
    wrapper = Incremental(SGDClassifier(random_state=0), random_state=4, epochs=2)
    calls = []
    with dask.config.set(scheduler=lambda dsk, keys, **kw: calls.append(keys)):
        lazy = wrapper.lazy_fit(X, y, classes=[0, 1])
    assert isinstance(lazy, Delayed) and not calls
    assert not hasattr(wrapper, "estimator_")
    graph = lazy.__dask_graph__()
    fit_layer = next(name for name in graph.layers if name.startswith("fit-"))
    steps = [k for k in graph.layers[fit_layer] if isinstance(k, tuple) and k[0] == fit_layer]
    assert len(steps) == 2 * X.numblocks[0]
    fitted = lazy.compute()
    assert isinstance(fitted, Incremental) and fitted is not wrapper
    eager = clone(wrapper).fit(X, y, classes=[0, 1])
    assert fitted.order_ == eager.order_
    assert_same_model(fitted.estimator_, eager.estimator_)
    assert lazy.key == wrapper.lazy_fit(X, y, classes=[0, 1]).key  # deterministic keys


def test_lazy_fit_draws_with_graphviz(classification):
    graphviz = pytest.importorskip("graphviz")
    X, y = classification
    lazy = Incremental(SGDClassifier(), random_state=0).lazy_fit(X[:50], y[:50], classes=[0, 1])
    drawing = to_graphviz(lazy.__dask_graph__())
    assert isinstance(drawing, graphviz.Digraph)
    assert "incremental" in drawing.source


# -- scikit-learn's own estimator checks -------------------------------------------------


@parametrize_with_checks(
    [
        Incremental(SGDClassifier(random_state=0), random_state=0),
        Incremental(SGDRegressor(random_state=0), random_state=0),
        Incremental(StandardScaler()),
        Incremental(MiniBatchKMeans(n_clusters=2, n_init=1, random_state=0), random_state=0),
    ]
)
def test_sklearn_estimator_checks(estimator, check):
    # Each of scikit-learn's checks asserts inside (clone, get/set_params,
    # fit/predict shapes, not fitted errors, ...) and raises when the wrapper
    # breaks the estimator contract: a wrapper that always says it is fitted
    # fails 13 of them.
    check(estimator)


def test_methods_on_a_bag_are_lazy_an_array_with_a_meta_and_a_bag_of_records_without():
    from sklearn.feature_extraction.text import HashingVectorizer

    records = ["a b", "c d", "e f", "a c", "b d"]
    texts = db.from_sequence(records, npartitions=2)
    vectorizer = Incremental(HashingVectorizer(n_features=8), transform_meta=sp.csr_matrix((0, 8))).fit(texts)

    def refuse(*args, **kwargs):
        raise AssertionError("something was computed")

    without_meta = Incremental(HashingVectorizer(n_features=8)).fit(texts)
    with dask.config.set(scheduler=refuse):
        lazy = vectorizer.transform(texts)
        records_out = without_meta.transform(texts)
    assert isinstance(lazy, da.Array) and lazy.shape[1] == 8
    expected = HashingVectorizer(n_features=8).transform(records)
    assert_array_equal(lazy.compute().toarray(), expected.toarray())
    assert isinstance(records_out, db.Bag) and records_out.npartitions == 2
    assert_array_equal(sp.vstack(records_out.compute()).toarray(), expected.toarray())


@pytest.mark.parametrize("meta", ["int64", 0, [0]], ids=["str", "int", "list"])
def test_a_meta_that_is_not_an_output_template_is_named(meta):
    X = da.ones((20, 2), chunks=10)
    fitted = Incremental(SGDRegressor(random_state=0), predict_meta=meta).fit(X, da.ones(20, chunks=10))
    with pytest.raises(TypeError, match=f"predict_meta must be an empty output template .* got {type(meta).__name__}"):
        fitted.predict(X)
