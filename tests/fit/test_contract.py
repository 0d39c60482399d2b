"""Nothing surprising: the caller's objects, errors before any work, exceptions intact, inputs.

Each test is named by the behaviour it pins; every error is raised before
anything is computed (a scheduler that raises proves it) and leaves the
caller's estimator and data as they were.
"""

import pickle
import subprocess
import sys
import textwrap
import traceback

import dask
import dask.array as da
import dask.bag as db
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from oracle import assert_same_model, manual_fit
from sklearn.base import BaseEstimator
from sklearn.linear_model import SGDClassifier, SGDRegressor

from dask_incr import FitOptions, Incremental, NotIncrementalError, build_chain, fit_blocks, plan_fit, row_seeds


def refuse_to_compute(*args, **kwargs):
    raise AssertionError("something was computed")


@pytest.fixture
def data():
    X = da.random.default_rng(0).normal(size=(40, 3), chunks=10)
    return X, (X[:, 0] > 0).astype(int)


# -- the caller's objects ---------------------------------------------------------


def test_a_lazy_fit_captures_the_estimator_as_it_was(data):
    X, y = data
    estimator = SGDClassifier(random_state=0)
    lazy = fit_blocks(estimator, X, y, classes=[0, 1], compute=False)
    estimator.set_params(alpha=10.0)
    assert lazy.compute().alpha == SGDClassifier().alpha
    assert fit_blocks(estimator, X, y, classes=[0, 1], compute=False).key != lazy.key


def test_a_notebook_class_keeps_its_module_globals():
    """Tokenizing must never load the estimator back (that rebinds __main__'s globals)."""
    script = textwrap.dedent(
        """
        import numpy as np
        from sklearn.base import BaseEstimator
        from dask_incr import fit_blocks
        import dask.array as da

        CALLS = []

        class Recorder(BaseEstimator):
            def partial_fit(self, X, y=None):
                CALLS.append(len(X))
                return self

        if __name__ == "__main__":
            X = da.ones((6, 2), chunks=2)
            fit_blocks(Recorder(), X, compute=False)
            fit_blocks(Recorder(), X, prefetch=0)
            assert CALLS == [2, 2, 2], CALLS
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


# -- errors before any work, naming what was passed ----------------------------------


class Boom(BaseEstimator):
    def partial_fit(self, X, y=None):
        raise OSError(2, "no such file", "/data/block.npy")


BAD = [
    ("keyword partial_fit does not take", SGDClassifier(), {"clases": [0, 1]}, TypeError, "unexpected keyword argument 'clases'"),
    ("classifier without classes", SGDClassifier(), {}, ValueError, r"SGDClassifier.partial_fit needs classes="),
    ("no partial_fit", np.zeros(3), {}, NotIncrementalError, "numpy.ndarray has no partial_fit"),
    ("a class, not an instance", SGDClassifier, {}, NotIncrementalError, "not the class SGDClassifier"),
    ("shuffle_blocks not a bool", SGDRegressor(), {"shuffle_blocks": "no"}, TypeError, "shuffle_blocks must be True or False, got 'no' \\(str\\)"),
    ("compute not a bool", SGDRegressor(), {"compute": "no"}, TypeError, "compute must be True or False"),
    ("epochs a float", SGDRegressor(), {"epochs": 1.0}, TypeError, r"epochs must be an integer, got 1.0 \(float\)"),
    ("prefetch a bool", SGDRegressor(), {"prefetch": True}, TypeError, "prefetch must be an integer"),
]


@pytest.mark.parametrize("estimator, kwargs, error, message", [case[1:] for case in BAD], ids=[c[0] for c in BAD])
def test_bad_options_and_estimators_are_refused_before_any_work(data, estimator, kwargs, error, message):
    X, y = data
    before = pickle.dumps(estimator)
    with dask.config.set(scheduler=refuse_to_compute), pytest.raises(error, match=message):
        fit_blocks(estimator, X, y, **kwargs)
    assert pickle.dumps(estimator) == before


@pytest.mark.parametrize(
    "X, y, message",
    [
        (None, None, "X must be array-like .* got None"),
        ({"a": [1, 2]}, None, "X must be array-like .* got dict"),
        (np.ones((4, 2)), "abc", "y must be array-like .* got str"),
    ],
    ids=["X None", "X dict", "y str"],
)
def test_wrong_input_types_are_named(X, y, message):
    with pytest.raises(TypeError, match=message):
        fit_blocks(SGDRegressor(), X, y)


def test_supervised_estimator_without_y_and_x_without_columns_fail_before_loading(data):
    X, _ = data
    with dask.config.set(scheduler=refuse_to_compute):
        with pytest.raises(ValueError, match="SGDRegressor requires y to be passed"):
            fit_blocks(SGDRegressor(), X)
        with pytest.raises(ValueError, match=r"0 feature\(s\)"):
            fit_blocks(SGDRegressor(), X[:, :0], da.ones(40, chunks=10))


def test_not_incremental_error_is_both_type_and_value_error():
    for kind in (TypeError, ValueError):
        with pytest.raises(kind):
            Incremental(np.zeros(3)).fit(np.ones((4, 2)), np.ones(4))


def test_incremental_checks_cheap_things_before_touching_y(data):
    X, y = data
    with dask.config.set(scheduler=refuse_to_compute):
        for params in ({"epochs": 0}, {"prefetch": -1}, {"random_state": "seed"}, {"shuffle_blocks": "yes"}):
            with pytest.raises((TypeError, ValueError)):
                Incremental(SGDClassifier(), **params).fit(X, y)
        with pytest.raises(ValueError, match="X has 40 rows but y has 30"):
            Incremental(SGDClassifier()).fit(X, y[:30])


def test_incremental_lazy_fit_computes_nothing(data):
    X, y = data
    with dask.config.set(scheduler=refuse_to_compute):
        lazy = Incremental(SGDClassifier(random_state=0), random_state=0).lazy_fit(X, y)
    fitted = lazy.compute(scheduler="threads")
    assert fitted.classes_.tolist() == [0, 1]


# -- exceptions intact ---------------------------------------------------------------


@pytest.mark.parametrize("scheduler", ["sync", "threads"])
def test_a_failing_partial_fit_keeps_its_exception_object(data, scheduler):
    X, _ = data
    with dask.config.set(scheduler=scheduler), pytest.raises(OSError) as raised:
        fit_blocks(Boom(), X)
    error = raised.value
    assert (error.errno, error.strerror, error.filename) == (2, "no such file", "/data/block.npy")
    assert error.__notes__ == ["[in partial_fit at step 0 (block 0)]"]
    assert any(frame.name == "partial_fit" for frame in traceback.extract_tb(error.__traceback__))


# -- inputs --------------------------------------------------------------------------


def test_sparse_column_chunks_are_joined_with_scipy():
    matrix = sp.random(40, 6, density=0.5, format="csr", random_state=0)
    y = np.arange(40.0)
    X = da.from_array(matrix, chunks=(10, 3), asarray=False)
    model = fit_blocks(SGDRegressor(random_state=0), X, y)
    assert_same_model(model, manual_fit(SGDRegressor(random_state=0), X, y))


def test_in_memory_coo_is_made_row_indexable_for_every_entry_point():
    coo = sp.random(40, 6, density=0.5, format="coo", random_state=0)
    y = np.arange(40.0)
    model = fit_blocks(SGDRegressor(random_state=0), coo, y, shuffle_rows=True, random_state=0)
    wrapped = Incremental(SGDRegressor(random_state=0), shuffle_rows=True, random_state=0).fit(coo, y)
    assert_same_model(wrapped.estimator_, model)
    assert_same_model(model, manual_fit(SGDRegressor(random_state=0), coo, y, seeds=row_seeds(1, random_state=0)))


class Counter(BaseEstimator):
    def partial_fit(self, X, y=None):
        self.seen_ = [*getattr(self, "seen_", []), (list(X), None if y is None else list(y))]
        return self


def test_a_bag_feeds_each_partition_as_a_list():
    texts = db.from_sequence(["a b", "c d", "e f", "a c", "b d"], npartitions=2)
    labels = db.from_sequence([0, 1, 0, 1, 1], npartitions=2)
    model = fit_blocks(Counter(), texts, labels)
    assert model.seen_ == manual_fit(Counter(), texts, labels).seen_
    assert model.seen_ == [(["a b", "c d", "e f"], [0, 1, 0]), (["a c", "b d"], [1, 1])]
    unsupervised = Incremental(Counter(), shuffle_blocks=False).fit(texts).estimator_
    assert_same_model(unsupervised, manual_fit(Counter(), texts))


# -- every entry point: what the data are comes first, named by type, before any compute ---------


def _entry_points():
    """Each entry point as f(estimator, X, y)."""
    return {
        "fit_blocks": lambda est, X, y: fit_blocks(est, X, y),
        "plan_fit": lambda est, X, y: plan_fit(est, X, y),
        "Incremental.fit": lambda est, X, y: Incremental(est).fit(X, y),
        "Incremental.partial_fit": lambda est, X, y: Incremental(est).partial_fit(X, y),
        "Incremental.lazy_fit": lambda est, X, y: Incremental(est).lazy_fit(X, y),
    }


@pytest.mark.parametrize("entry", list(_entry_points()))
def test_x_of_an_unsupported_dask_kind_is_named_before_the_missing_y(entry):
    X = dask.delayed(np.ones((4, 2)))
    with dask.config.set(scheduler=refuse_to_compute), pytest.raises(TypeError, match="X must be a dask Array, DataFrame, Series or Bag, or in-memory data, got dask.delayed"):
        _entry_points()[entry](SGDRegressor(), X, None)


@pytest.mark.parametrize("entry", list(_entry_points()))
def test_y_of_an_unsupported_dask_kind_is_named(entry, data):
    X, y = data
    with dask.config.set(scheduler=refuse_to_compute), pytest.raises(TypeError, match="y must be a dask Array, DataFrame, Series or Bag, or in-memory data, got dask.delayed"):
        _entry_points()[entry](SGDClassifier(), X, dask.delayed(y.compute(scheduler="sync")))


@pytest.mark.parametrize(
    "X, message",
    [
        (da.ones((40,), chunks=10), "SGDRegressor expects 2-D X, got a 1-D dask.array.core.Array. Reshape your data"),
        (da.ones((40, 2, 2), chunks=10), "SGDRegressor expects 2-D X, got a 3-D dask.array.core.Array"),
        (np.ones(40), "SGDRegressor expects 2-D X, got a 1-D numpy.ndarray"),
    ],
    ids=["1-D dask", "3-D dask", "1-D numpy"],
)
def test_x_of_dimensions_the_estimator_rules_out_is_refused_before_loading(X, message):
    for entry in _entry_points().values():
        with dask.config.set(scheduler=refuse_to_compute), pytest.raises(ValueError, match=message):
            entry(SGDRegressor(), X, np.ones(40))


def test_one_dimensional_text_is_fine_for_a_text_vectorizer():
    from sklearn.feature_extraction.text import HashingVectorizer

    texts = da.from_array(np.array(["a b", "c d", "e f", "a c"], dtype=object), chunks=2)
    model = fit_blocks(HashingVectorizer(n_features=8), texts)
    assert model.n_features == 8


def test_a_dataframe_without_columns_is_refused_before_loading():
    frame = dd.from_pandas(pd.DataFrame({"a": np.arange(8.0)}), npartitions=2)
    with dask.config.set(scheduler=refuse_to_compute), pytest.raises(ValueError, match=r"0 feature\(s\) \(a dask DataFrame without columns\)"):
        fit_blocks(SGDRegressor(), frame[[]], frame["a"])


@pytest.mark.parametrize("prefetch", [1.5, True, "1", -1])
def test_build_chain_checks_prefetch_as_fit_options_do(prefetch):
    X = da.ones((4, 2), chunks=2)
    with pytest.raises((TypeError, ValueError)) as expected:
        FitOptions(prefetch=prefetch)
    with pytest.raises(type(expected.value)) as raised:
        build_chain(SGDRegressor(), [((X.name, 0, 0), None, None)], dependencies=[X], prefetch=prefetch)
    assert str(raised.value) == str(expected.value)


def _chain_args(X):
    return {"model": SGDRegressor(), "step_inputs": [((X.name, 0, 0), None, None)], "dependencies": [X]}


BAD_CHAINS = [
    ("entry a bare key", {"step_inputs": ["x"]}, TypeError, "step_inputs\\[0\\] must be a tuple \\(X, y, sample_weight\\) .* got str"),
    ("entry of 2 items", {"step_inputs": [("x", None)]}, ValueError, "step_inputs\\[0\\] has 2 items"),
    ("key no dependency holds", {"step_inputs": [(("nope", 0), None, None)]}, ValueError, "step_inputs\\[0\\] reads the key \\('nope', 0\\), which none of the dependencies holds"),
    ("dependency not a collection", {"dependencies": [np.ones(3)]}, TypeError, "dependencies\\[0\\] must be a dask collection, got numpy.ndarray"),
    ("dependencies one collection", {"dependencies": "X"}, TypeError, "dependencies must be a list of dask collections, got str"),
    ("model a class", {"model": SGDRegressor}, NotIncrementalError, "not the class SGDRegressor"),
    ("model None", {"model": None}, NotIncrementalError, "None has no partial_fit"),
    ("fit_kwargs a list", {"fit_kwargs": [1]}, TypeError, "fit_kwargs must be a dict of keyword arguments, got list"),
    ("step not callable", {"step": 3}, TypeError, "step must be a callable .* got int"),
    ("name not a str", {"name": 3}, TypeError, "name must be a str, got int"),
]


@pytest.mark.parametrize("changes, error, message", [c[1:] for c in BAD_CHAINS], ids=[c[0] for c in BAD_CHAINS])
def test_build_chain_refuses_what_it_cannot_build_naming_the_type(changes, error, message):
    X = da.ones((4, 2), chunks=2)
    kwargs = {**_chain_args(X), **changes}
    if kwargs["dependencies"] == "X":
        kwargs["dependencies"] = X
        message = "dependencies must be a list of dask collections, got dask.array.core.Array"
    with pytest.raises(error, match=message):
        build_chain(kwargs.pop("model"), kwargs.pop("step_inputs"), **kwargs)


# -- predict and score: bad input named before anything is computed --------------------------


@pytest.fixture
def fitted(data):
    X, y = data
    return Incremental(SGDRegressor(random_state=0), random_state=0).fit(X, y.astype(float))


@pytest.mark.parametrize(
    "X, error, message",
    [
        (None, TypeError, "X must be array-like .* got None"),
        ({"a": 1}, TypeError, "X must be array-like .* got dict"),
        (dask.delayed(np.ones((4, 3))), TypeError, "X must be a dask Array, DataFrame, Series or Bag, or in-memory data, got dask.delayed"),
        (da.ones(4, chunks=2), ValueError, "SGDRegressor expects 2-D X, got a 1-D dask.array.core.Array"),
        (da.ones((), chunks=()), ValueError, "X must have at least one dimension, got a 0-d dask array"),
    ],
    ids=["None", "dict", "Delayed", "1-D dask", "0-d dask"],
)
def test_predict_names_the_type_of_bad_x(fitted, X, error, message):
    with dask.config.set(scheduler=refuse_to_compute), pytest.raises(error, match=message):
        fitted.predict(X)


@pytest.mark.parametrize(
    "y, error, message",
    [
        ("abc", TypeError, "y must be array-like .* got str"),
        (np.ones(30), ValueError, "X has 40 rows but y has 30"),
        (da.ones(30, chunks=10), ValueError, "X has 40 rows but y has 30"),
        (dask.delayed(np.ones(40)), TypeError, "y must be a dask Array, DataFrame, Series or Bag, or in-memory data, got dask.delayed"),
    ],
    ids=["str", "numpy wrong rows", "dask wrong rows", "Delayed"],
)
def test_score_refuses_bad_y_before_computing_predictions(fitted, data, y, error, message):
    X, _ = data
    with dask.config.set(scheduler=refuse_to_compute), pytest.raises(error, match=message):
        fitted.score(X, y)
    with dask.config.set(scheduler=refuse_to_compute), pytest.raises(ValueError, match="X has 40 rows but sample_weight has 3"):
        fitted.score(X, np.ones(40), sample_weight=np.ones(3))


def test_incremental_partial_fit_never_guesses_classes(data):
    """A partial_fit call sees one part of a stream: its labels need not be all of them."""
    X, y = data
    with dask.config.set(scheduler=refuse_to_compute), pytest.raises(ValueError, match="SGDClassifier.partial_fit needs classes="):
        Incremental(SGDClassifier()).partial_fit(X, y)
    assert Incremental(SGDClassifier(random_state=0)).fit(X, y).classes_.tolist() == [0, 1], "fit still finds them"


@pytest.mark.parametrize("kind", ["dask", "numpy", "frame"])
def test_continuing_a_fitted_model_with_other_features_is_refused_before_loading(data, kind):
    X, y = data
    y = y.astype(float)
    fitted = Incremental(SGDRegressor(random_state=0), random_state=0).fit(X, y)
    narrow, target = {
        "dask": (X[:, :2], y),
        "numpy": (X[:, :2].compute(), y.compute()),
        "frame": (dd.from_dask_array(X[:, :2]), dd.from_dask_array(y)),
    }[kind]
    message = "X has 2 features, but SGDRegressor is expecting 3 features as input"
    with dask.config.set(scheduler=refuse_to_compute):
        with pytest.raises(ValueError, match=message):
            fitted.partial_fit(narrow, target)
        with pytest.raises(ValueError, match=message):
            fit_blocks(fitted.estimator_, narrow, target)
