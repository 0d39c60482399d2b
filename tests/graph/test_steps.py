"""Steps: the task functions, run directly."""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import SGDRegressor

from dask_incr.graph.steps import concat_parts, n_rows, partial_fit_step, take_rows


def test_concat_parts_rebuilds_a_3d_block():
    block = np.arange(2 * 5 * 4).reshape(2, 5, 4)
    parts = [block[:, a:b, c:d] for a, b in ((0, 3), (3, 5)) for c, d in ((0, 1), (1, 4))]
    np.testing.assert_array_equal(concat_parts(parts, (2, 2)), block)


def test_step_copies_only_when_asked_and_skips_empty_blocks():
    X, y = np.arange(8.0).reshape(4, 2), np.arange(4.0)
    model = SGDRegressor(random_state=0)
    same = partial_fit_step(model, X, y)
    assert same is model and hasattr(model, "coef_")
    fresh = SGDRegressor(random_state=0)
    assert partial_fit_step(fresh, X[:0], y[:0], copy_model=True) is not fresh
    assert not hasattr(fresh, "coef_")


def test_row_shuffle_permutes_x_y_and_weights_together():
    seen = {}

    class Recorder:
        def partial_fit(self, X, y, sample_weight=None):
            seen.update(X=X, y=y, w=sample_weight)
            return self

    X = pd.DataFrame({"a": np.arange(6.0)})
    y = pd.Series(np.arange(6.0) * 10)
    w = np.arange(6.0) * 100
    partial_fit_step(Recorder(), X, y, w, row_seed=11)
    perm = np.random.default_rng(11).permutation(6)  # the documented spec of row_permutation
    np.testing.assert_array_equal(seen["X"]["a"].to_numpy(), perm)
    np.testing.assert_array_equal(seen["y"].to_numpy(), perm * 10)
    np.testing.assert_array_equal(seen["w"], perm * 100)


def test_errors_keep_their_type_and_say_where():
    class Fails:
        def __init__(self, error):
            self.error = error

        def partial_fit(self, X, y=None):
            raise self.error

    X = np.ones((3, 1))
    error = ZeroDivisionError("boom")
    with pytest.raises(ZeroDivisionError, match="boom") as info:
        partial_fit_step(Fails(error), X, step=4, block=2)
    # The same object, its message untouched; where it happened is a PEP 678 note.
    assert info.value is error and str(error) == "boom"
    assert error.__notes__ == ["[in partial_fit at step 4 (block 2)]"]
    with pytest.raises(KeyError) as info:
        partial_fit_step(Fails(KeyError("missing")), X, step=1, block=0)
    assert info.value.args == ("missing",)
    assert info.value.__notes__ == ["[in partial_fit at step 1 (block 0)]"]


def test_helpers_on_pandas_and_none():
    frame = pd.DataFrame({"a": [1, 2, 3]}, index=[10, 20, 30])
    assert n_rows(frame) == 3 and n_rows(None) is None
    assert take_rows(frame, [2, 0]).index.tolist() == [30, 10]
    assert take_rows(None, [0]) is None
