"""Nothing fed is an error: a fit in which no block had a row raises after the pass (issue 21)."""

import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from oracle import assert_same_model, manual_fit
from sklearn.linear_model import SGDClassifier, SGDRegressor

from dask_incr import Incremental, build_chain, fit_blocks, fit_blocks_many, plan_fit
from dask_incr.fit.options import FitOptions
from dask_incr.fit.runner import run_fit

NOTHING_FED = "no rows were fed: every block of X"


def frame(n_partitions=4):
    """A frame whose filters have unknown partition sizes."""
    rows = np.arange(40.0)
    df = dd.from_pandas(pd.DataFrame({"a": rows, "b": rows % 3, "t": rows % 2}), npartitions=n_partitions)
    return df


def nothing(df):
    kept = df[df.a > 1000]
    return kept[["a", "b"]], kept["t"]


def test_fit_blocks_raises_and_leaves_the_estimator_unchanged(scheduler):
    X, y = nothing(frame())
    estimator = SGDRegressor(random_state=0)
    with pytest.raises(ValueError, match=NOTHING_FED):
        fit_blocks(estimator, X, y)
    assert not hasattr(estimator, "coef_")


def test_a_fitted_start_is_unchanged_too():
    df = frame()
    fitted = fit_blocks(SGDRegressor(random_state=0), df[["a", "b"]], df["t"])
    before = fitted.coef_.copy()
    with pytest.raises(ValueError, match=NOTHING_FED):
        fit_blocks(fitted, *nothing(df))
    np.testing.assert_array_equal(fitted.coef_, before)


def test_lazy_fit_raises_when_computed():
    lazy = fit_blocks(SGDRegressor(), *nothing(frame()), compute=False)
    with pytest.raises(ValueError, match=NOTHING_FED):
        lazy.compute()


@pytest.mark.parametrize(
    "options", [FitOptions(epochs=3), FitOptions(window=1), FitOptions(window=3, epochs=2, shuffle_blocks=True)]
)
def test_epochs_and_windows_raise(options):
    with pytest.raises(ValueError, match=NOTHING_FED):
        run_fit(SGDRegressor(), *nothing(frame()), options=options)


def test_rows_found_in_a_later_window_are_fitted():
    df = frame()
    late = df[df.a >= 30]  # only the last partition keeps rows
    X, y = late[["a", "b"]], late["t"]
    model = run_fit(SGDRegressor(random_state=0), X, y, options=FitOptions(window=1)).result
    assert_same_model(model, manual_fit(SGDRegressor(random_state=0), X, y))


def test_many_raise():
    with pytest.raises(ValueError, match=NOTHING_FED):
        fit_blocks_many([SGDRegressor(), SGDRegressor(alpha=1.0)], *nothing(frame()))


def test_scored_epochs_raise_before_scoring_an_unfitted_model():
    df = frame()
    X, y = nothing(df)
    with pytest.raises(ValueError, match=NOTHING_FED):
        fit_blocks(SGDRegressor(), X, y, epochs=3, validation=(df[["a", "b"]], df["t"]))


def test_each_epoch_model_of_a_lazy_fit_raises():
    plan = plan_fit(SGDRegressor(), *nothing(frame()), epochs=2, keep_epochs=True)
    with pytest.raises(ValueError, match=NOTHING_FED):
        plan.epoch_models[0].compute()


def test_incremental_fit_raises_and_stays_unfitted():
    X, y = nothing(frame())
    wrapper = Incremental(SGDClassifier(random_state=0), random_state=0)
    with pytest.raises(ValueError, match=NOTHING_FED):
        wrapper.fit(X, y)
    assert "estimator_" not in wrapper.__dict__


def test_build_chain_raises_and_custom_steps_are_left_alone():
    X, _ = nothing(frame(2))
    X = X.optimize()
    keys = [((X._name, i), None, None) for i in range(2)]
    from dask.delayed import Delayed

    from dask_incr.graph.steps import n_rows

    graph, key = build_chain(SGDRegressor(), keys, name="fit-empty", dependencies=[X])
    with pytest.raises(ValueError, match=NOTHING_FED):
        Delayed(key, graph, layer="fit-empty").compute()

    def counting_step(model, X, y=None, sample_weight=None, **options):
        return model + n_rows(X)

    graph, key = build_chain(0, keys, name="fit-count", step=counting_step, dependencies=[X])
    assert Delayed(key, graph, layer="fit-count").compute() == 0
