"""The held-out set: sized as dask-ml sizes it, drawn as docs/search.rst says, never trained on.

The rows held out of a block are checked against the documented rule, written
here: ``ceil(test_size * rows)`` rows drawn by ``numpy.random.default_rng([seed, block])``.
"""

import math

import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from oracle import assert_same_model, manual_fit
from sklearn.base import clone
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import accuracy_score

from dask_incr import SuccessiveHalvingSearchCV

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


def documented_held_rows(n_rows, test_size, seed, block):
    n_held = min(math.ceil(test_size * n_rows - 1e-9), n_rows - 1)
    return np.sort(np.random.default_rng([seed, block]).choice(n_rows, size=n_held, replace=False))


def search(**changes):
    params = dict(
        estimator=SGDClassifier(random_state=0),
        parameters={"alpha": [1e-4, 1e-3, 1e-2]},
        n_initial_parameters="grid",
        n_initial_iter=2,
        random_state=4,
    )
    return SuccessiveHalvingSearchCV(**{**params, **changes})


def data(n_blocks, rows=50):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(n_blocks * rows, 3))
    y = (X[:, 0] - X[:, 2] > 0).astype(int)
    return X, y


@pytest.mark.parametrize("n_blocks, test_size, held", [(40, None, 1), (10, None, 1), (10, 0.2, 2), (8, 0.25, 2), (5, None, 1)])
def test_whole_blocks_when_the_fraction_is_worth_a_block(n_blocks, test_size, held):
    X, y = data(n_blocks, rows=10)
    Xd, yd = da.from_array(X, chunks=(10, 3)), da.from_array(y, chunks=10)
    fitted = search(test_size=test_size).fit(Xd, yd, classes=[0, 1])
    assert len(fitted.test_blocks_) == held  # ceil(min(0.2, 1 / n_blocks) * n_blocks), or of test_size
    assert not set(fitted.test_blocks_) & set(fitted.train_order_)


def test_two_blocks_hold_out_a_fifth_of_each_blocks_rows_not_half_the_data():
    X, y = data(2)
    Xd, yd = da.from_array(X, chunks=(50, 3)), da.from_array(y, chunks=50)
    fitted = search().fit(Xd, yd, classes=[0, 1])
    assert fitted.test_blocks_ == []
    held = [documented_held_rows(50, 0.2, 4, b) + 50 * b for b in range(2)]
    held = np.concatenate(held)
    assert len(held) == 20  # 0.2 of the rows, 10 from each block
    keep = np.setdiff1d(np.arange(100), held)
    calls = int(fitted.cv_results_["partial_fit_calls"][fitted.best_index_])
    # the oracle: each block without its held-out rows, in the search's order
    Xt = da.from_array(X[keep], chunks=(40, 3))
    yt = da.from_array(y[keep], chunks=40)
    model = clone(SGDClassifier(random_state=0)).set_params(**fitted.best_params_)
    expected = manual_fit(model, Xt, yt, order=fitted.train_order_[:calls], classes=[0, 1])
    assert_same_model(fitted.best_estimator_, expected)
    assert fitted.best_score_ == accuracy_score(y[held], expected.predict(X[held]))


def test_a_frame_with_few_partitions_holds_out_rows_of_each():
    X, y = data(3)
    frame = pd.DataFrame(X, columns=["a", "b", "c"]).assign(y=y)
    ddf = dd.from_pandas(frame, npartitions=3)
    fitted = search().fit(ddf[["a", "b", "c"]], ddf["y"], classes=[0, 1])
    held = np.concatenate([documented_held_rows(50, 0.2, 4, b) + 50 * b for b in range(3)])
    best = fitted.best_estimator_
    assert fitted.best_score_ == accuracy_score(y[held], best.predict(frame.iloc[held][["a", "b", "c"]]))


def test_rows_cannot_be_held_out_of_an_array_of_unknown_chunks():
    X, y = data(2)
    Xd, yd = da.from_array(X, chunks=(50, 3)), da.from_array(y, chunks=50)
    kept = Xd[:, 0] > -10
    with pytest.raises(TypeError, match=r"rows cannot be held out of X \(dask.array.core.Array\).*compute_chunk_sizes"):
        search().fit(Xd[kept], yd[kept], classes=[0, 1])
