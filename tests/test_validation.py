"""The argument checks every layer shares (dask_incr._validation): what they accept and the words they refuse with."""

import dask
import numpy as np
import pytest
from sklearn.linear_model import SGDClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from dask_incr._validation import (
    NotIncrementalError,
    check_count,
    check_flag,
    check_incremental,
    check_prefetch,
    check_real,
    check_seed,
    type_name,
)


def test_type_names_are_qualified_outside_builtins():
    assert [type_name(v) for v in (None, 1, np.float64(1.0), SGDClassifier())] == [
        "None",
        "int",
        "numpy.float64",
        "sklearn.linear_model._stochastic_gradient.SGDClassifier",
    ]


@pytest.mark.parametrize("value", [True, np.bool_(False)])
def test_flags_take_bools(value):
    assert check_flag(value, "compute") is None


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_flags_refuse_anything_else_naming_the_option_and_type(value):
    with pytest.raises(TypeError, match=rf"compute must be True or False, got {value!r} \({type(value).__name__}\)"):
        check_flag(value, "compute")


def test_counts_are_ints_at_least_their_minimum():
    assert check_count(np.int64(3), "epochs", minimum=1) == 3 and type(check_count(np.int64(3), "epochs", minimum=1)) is int
    with pytest.raises(TypeError, match="epochs must be an integer, got True"):
        check_count(True, "epochs", minimum=1)
    with pytest.raises(ValueError, match="epochs must be >= 1, got 0"):
        check_count(0, "epochs", minimum=1)


def test_reals_are_finite_floats():
    assert check_real(1, "tol") == 1.0
    with pytest.raises(ValueError, match="tol must be finite"):
        check_real(float("nan"), "tol")
    with pytest.raises(TypeError, match="tol must be a real number"):
        check_real(False, "tol")


def test_prefetch_is_an_int_none_or_auto():
    assert [check_prefetch(v) for v in (0, None, "auto")] == [0, None, "auto"]
    with pytest.raises(TypeError, match="prefetch must be an integer >= 0, None or 'auto'"):
        check_prefetch("2")
    with pytest.raises(ValueError, match="prefetch must be >= 0"):
        check_prefetch(-1)


def test_seeds_are_refused_as_scikit_learn_refuses_them():
    for good in (None, 0, np.random.RandomState(0), np.random.default_rng(0)):
        check_seed(good)
    with pytest.raises(ValueError, match="numpy.float64 cannot be used to seed"):
        check_seed(np.float64(1.0))
    with pytest.raises(ValueError, match="random_state must be a non-negative integer, got -1"):
        check_seed(-1)


def test_incremental_estimators_are_instances_with_partial_fit_or_pipelines():
    check_incremental(SGDClassifier())
    check_incremental(make_pipeline(StandardScaler(), SGDClassifier()))
    with pytest.raises(NotIncrementalError, match="not the class SGDClassifier; e.g. SGDClassifier()"):
        check_incremental(SGDClassifier)
    with pytest.raises(NotIncrementalError, match="has no partial_fit method"):
        check_incremental(object())
    with pytest.raises(TypeError):  # a Delayed estimator is named, not silently accepted
        check_incremental(dask.delayed(SGDClassifier()))
    assert issubclass(NotIncrementalError, TypeError) and issubclass(NotIncrementalError, ValueError)
