"""Every scikit-learn estimator with partial_fit: fit_blocks equals the loop, Incremental predicts or transforms.

The list is ``sklearn.utils.all_estimators()`` filtered by ``partial_fit``; a
new estimator in a later scikit-learn fails ``test_every_estimator_is_covered``
until it gets a row in ``MAKERS`` (issue 21).
"""

import warnings

import dask
import dask.array as da
import numpy as np
import pytest
from oracle import assert_same_model, manual_fit
from scipy import sparse
from sklearn.cluster import Birch, MiniBatchKMeans
from sklearn.decomposition import IncrementalPCA, LatentDirichletAllocation, MiniBatchDictionaryLearning, MiniBatchNMF
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.feature_selection import SelectFromModel
from sklearn.linear_model import (
    PassiveAggressiveClassifier,
    PassiveAggressiveRegressor,
    Perceptron,
    SGDClassifier,
    SGDOneClassSVM,
    SGDRegressor,
)
from sklearn.multiclass import OneVsOneClassifier, OneVsRestClassifier
from sklearn.multioutput import MultiOutputClassifier, MultiOutputRegressor
from sklearn.naive_bayes import BernoulliNB, CategoricalNB, ComplementNB, GaussianNB, MultinomialNB
from sklearn.neural_network import BernoulliRBM, MLPClassifier, MLPRegressor
from sklearn.preprocessing import MaxAbsScaler, MinMaxScaler, StandardScaler
from sklearn.utils import all_estimators

from dask_incr import Incremental, fit_blocks

pytestmark = pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning", "ignore::FutureWarning", "ignore::RuntimeWarning"
)

CLASSES = {"classes": [0, 1, 2]}

#: name -> (make, X kind, y kind, fit kwargs). X: "real", "unit" (in [0, 1]),
#: "counts" (small non-negative ints), "text"; y: "class", "float", "classes2"
#: (two label columns), "float2" or None.
MAKERS = {
    "BernoulliNB": (BernoulliNB, "real", "class", CLASSES),
    "BernoulliRBM": (lambda: BernoulliRBM(n_components=2, random_state=0), "unit", None, {}),
    "Birch": (lambda: Birch(n_clusters=None), "real", None, {}),
    "CategoricalNB": (lambda: CategoricalNB(min_categories=3), "counts", "class", CLASSES),
    "ComplementNB": (ComplementNB, "counts", "class", CLASSES),
    "GaussianNB": (GaussianNB, "real", "class", CLASSES),
    "HashingVectorizer": (lambda: HashingVectorizer(n_features=8), "text", None, {}),
    "IncrementalPCA": (lambda: IncrementalPCA(n_components=2), "real", None, {}),
    "LatentDirichletAllocation": (
        lambda: LatentDirichletAllocation(n_components=2, random_state=0), "counts", None, {}
    ),
    "MLPClassifier": (lambda: MLPClassifier(hidden_layer_sizes=(4,), random_state=0), "real", "class", CLASSES),
    "MLPRegressor": (lambda: MLPRegressor(hidden_layer_sizes=(4,), random_state=0), "real", "float", {}),
    "MaxAbsScaler": (MaxAbsScaler, "real", None, {}),
    "MinMaxScaler": (MinMaxScaler, "real", None, {}),
    "MiniBatchDictionaryLearning": (
        lambda: MiniBatchDictionaryLearning(n_components=2, random_state=0), "real", None, {}
    ),
    "MiniBatchKMeans": (lambda: MiniBatchKMeans(n_clusters=2, random_state=0, n_init=1), "real", None, {}),
    "MiniBatchNMF": (lambda: MiniBatchNMF(n_components=2, random_state=0), "counts", None, {}),
    "MultiOutputClassifier": (
        lambda: MultiOutputClassifier(SGDClassifier(random_state=0)), "real", "classes2", {"classes": [[0, 1, 2]] * 2}
    ),
    "MultiOutputRegressor": (lambda: MultiOutputRegressor(SGDRegressor(random_state=0)), "real", "float2", {}),
    "MultinomialNB": (MultinomialNB, "counts", "class", CLASSES),
    "OneVsOneClassifier": (lambda: OneVsOneClassifier(SGDClassifier(random_state=0)), "real", "class", CLASSES),
    "OneVsRestClassifier": (lambda: OneVsRestClassifier(SGDClassifier(random_state=0)), "real", "class", CLASSES),
    "PassiveAggressiveClassifier": (
        lambda: PassiveAggressiveClassifier(random_state=0), "real", "class", CLASSES
    ),
    "PassiveAggressiveRegressor": (lambda: PassiveAggressiveRegressor(random_state=0), "real", "float", {}),
    "Perceptron": (lambda: Perceptron(random_state=0), "real", "class", CLASSES),
    "SGDClassifier": (lambda: SGDClassifier(random_state=0), "real", "class", CLASSES),
    "SGDOneClassSVM": (lambda: SGDOneClassSVM(random_state=0), "real", None, {}),
    "SGDRegressor": (lambda: SGDRegressor(random_state=0), "real", "float", {}),
    "SelectFromModel": (lambda: SelectFromModel(SGDRegressor(random_state=0)), "real", "float", {}),
    "StandardScaler": (StandardScaler, "real", None, {}),
}

#: Estimators with partial_fit that this test cannot run, with the reason (none today).
UNCONSTRUCTIBLE = {}

WORDS = np.array(["red", "green", "blue", "apple", "pear"], dtype=object)


def inputs(x_kind, y_kind, n=30):
    rng = np.random.default_rng(0)
    real = rng.normal(size=(n, 3))
    X = {
        "real": real,
        "unit": rng.uniform(size=(n, 3)),
        "counts": rng.integers(0, 3, size=(n, 3)),
        "text": np.array([" ".join(rng.choice(WORDS, 2)) for _ in range(n)], dtype=object),
    }[x_kind]
    labels = np.digitize(real[:, 0] + real[:, 1], [-0.5, 0.5])
    y = {
        None: None,
        "class": labels,
        "float": real @ [1.0, -1.0, 0.5],
        "classes2": np.c_[labels, 2 - labels],
        "float2": np.c_[real[:, 0], real[:, 1]],
    }[y_kind]
    chunks = (10,) + X.shape[1:]
    dX = da.from_array(X, chunks=chunks)
    dy = None if y is None else da.from_array(y, chunks=(10,) + y.shape[1:])
    return X, y, dX, dy


def test_every_estimator_is_covered():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        names = {name for name, cls in all_estimators() if hasattr(cls, "partial_fit")}
    assert names == set(MAKERS) | set(UNCONSTRUCTIBLE)


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_fits_as_the_loop_and_predicts_through_incremental(name):
    make, x_kind, y_kind, fit_kwargs = MAKERS[name]
    X, y, dX, dy = inputs(x_kind, y_kind)
    model = fit_blocks(make(), dX, dy, **fit_kwargs)
    expected = manual_fit(make(), dX, dy, **fit_kwargs)
    assert_same_model(model, expected, allow_unfitted=name == "HashingVectorizer")  # stateless: nothing learned
    wrapper = Incremental(make(), shuffle_blocks=False).fit(dX, dy, **fit_kwargs)
    method = "predict" if hasattr(model, "predict") else "transform"
    (out,) = dask.compute(getattr(wrapper, method)(dX))
    # block by block, as the wrapper maps it (MiniBatchNMF's transform solves each call's rows together)
    parts = [getattr(expected, method)(X[start : start + 10]) for start in range(0, len(X), 10)]
    want = sparse.vstack(parts, format="csr") if sparse.issparse(parts[0]) else np.concatenate(parts)
    if sparse.issparse(want):
        assert sparse.issparse(out) and (out != want).nnz == 0
    else:
        np.testing.assert_array_equal(out, want)
