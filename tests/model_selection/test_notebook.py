"""dask's hyper-parameter notebook (``hyperparam-opt``) with only ``dask_ml`` changed to ``dask_incr``.

The flow of the notebook, at small sizes: make the data, split it, build a
HyperbandSearchCV from a parameter distribution with ``patience=True``, read
its planned budget, fit, read ``best_params_`` / ``best_score_``, score on the
test set, make ``cv_results_`` and ``history_`` into DataFrames, plot the
scores of every model against time (matplotlib, Agg), and predict lazily.
"""

import matplotlib

matplotlib.use("Agg")

import dask.array as da  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from dask_ml.model_selection import HyperbandSearchCV as DaskMLHyperband  # noqa: E402
from scipy.stats import loguniform, uniform  # noqa: E402
from sklearn.linear_model import SGDClassifier  # noqa: E402

from dask_incr.datasets import make_classification  # noqa: E402
from dask_incr.model_selection import HyperbandSearchCV  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


def test_the_hyperparameter_notebook_runs(tmp_path):
    X, y = make_classification(n_samples=3000, n_features=6, chunks=150, random_state=0)
    X_train, X_test, y_train, y_test = X[:2400], X[2400:], y[:2400], y[2400:]

    model = SGDClassifier(tol=1e-3, random_state=0)
    params = {
        "alpha": loguniform(1e-6, 1e-1),
        "loss": ["hinge", "log_loss", "modified_huber"],
        "average": [True, False],
        "eta0": uniform(0.001, 0.1),
        "learning_rate": ["optimal", "invscaling"],
    }
    search = HyperbandSearchCV(model, params, max_iter=27, patience=True, tol=1e-3, random_state=42)
    # the plan shown before fitting: dask-ml's
    assert search.metadata["partial_fit_calls"] == DaskMLHyperband(model, params, max_iter=27).metadata[
        "partial_fit_calls"
    ]
    search.fit(X_train, y_train, classes=[0, 1])

    assert set(search.best_params_) == set(params)
    assert 0.5 < search.best_score_ <= 1
    test_score = search.score(X_test, y_test)
    predictions = search.predict(X_test).compute()
    assert test_score == np.mean(predictions == y_test.compute())

    cv_results = pd.DataFrame(search.cv_results_)
    assert len(cv_results) == search.metadata["n_models"]
    assert {"param_alpha", "test_score", "rank_test_score", "bracket", "partial_fit_calls"} <= set(cv_results)
    assert cv_results.loc[search.best_index_, "params"] == search.best_params_

    hist = pd.DataFrame(search.history_)
    assert {"model_id", "score", "elapsed_wall_time", "partial_fit_calls", "bracket"} <= set(hist)
    fig, ax = plt.subplots()
    for _, model_hist in hist.groupby("model_id"):
        model_hist.plot(x="elapsed_wall_time", y="score", ax=ax, legend=False)
    fig.savefig(tmp_path / "history.png")
    plt.close(fig)
    assert (tmp_path / "history.png").stat().st_size > 0

    # numpy in: a lazy dask array out, as the notebook's ``.compute()`` expects
    X_numpy = X_test.compute()
    lazy = search.predict(X_numpy)
    assert isinstance(lazy, da.Array)
    np.testing.assert_array_equal(lazy.compute(), predictions)
