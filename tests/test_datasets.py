"""Tests of ``dask_incr.datasets``: lazy problems with independently generated blocks."""

import dask
import dask.array as da
import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.linear_model import SGDClassifier, SGDRegressor

from dask_incr import Incremental
from dask_incr.datasets import make_classification, make_regression

MAKERS = [make_classification, make_regression]


def block_closure(graph, key):
    """Every key that computing ``key`` needs (itself included)."""
    seen, todo = set(), [key]
    while todo:
        k = todo.pop()
        if k in seen:
            continue
        seen.add(k)
        todo.extend(graph[k].dependencies)
    return seen


@pytest.mark.parametrize("make", MAKERS)
def test_same_seed_same_data_different_seed_different(make):
    first = dask.compute(*make(n_samples=60, n_features=5, chunks=20, random_state=3))
    again = dask.compute(*make(n_samples=60, n_features=5, chunks=20, random_state=3))
    other = dask.compute(*make(n_samples=60, n_features=5, chunks=20, random_state=4))
    unseeded = [dask.compute(*make(n_samples=60, n_features=5, chunks=20)) for _ in range(2)]
    for a, b in zip(first, again):
        assert_array_equal(a, b)
    assert not np.array_equal(first[0], other[0])
    assert not np.array_equal(unseeded[0][0], unseeded[1][0])


@pytest.mark.parametrize("make", MAKERS)
def test_seed_objects_are_accepted(make):
    a = make(n_samples=20, n_features=4, chunks=10, random_state=np.random.RandomState(0))[0]
    b = make(n_samples=20, n_features=4, chunks=10, random_state=np.random.RandomState(0))[0]
    c = make(n_samples=20, n_features=4, chunks=10, random_state=np.random.default_rng(0))[0]
    assert_array_equal(a.compute(), b.compute())
    assert c.shape == (20, 4)


@pytest.mark.parametrize("make", MAKERS)
@pytest.mark.parametrize(
    "chunks, rows",
    [(25, (25, 25, 25, 25, 10)), ((50, 8), (50, 50, 10)), (((60, 50),), (60, 50)), (None, (110,))],
)
def test_shape_and_chunks(make, chunks, rows):
    X, y = make(n_samples=110, n_features=8, n_informative=2, chunks=chunks, random_state=0)
    assert X.shape == (110, 8) and y.shape == (110,)
    assert X.chunks == (rows, (8,)) and y.chunks == (rows,)
    assert X.dtype == np.float64
    X_np, y_np = dask.compute(X, y)
    assert X_np.shape == X.shape and y_np.shape == y.shape and X_np.flags.c_contiguous


def test_dtypes_and_small_chunks_than_features():
    X, y = make_classification(n_samples=30, n_features=20, chunks=5, random_state=0)
    assert X.chunks[1] == (20,) and y.dtype == np.int64 and y.compute().dtype == np.int64


@pytest.mark.parametrize("make", MAKERS)
def test_column_chunks_are_refused(make):
    with pytest.raises(ValueError, match="one column chunk"):
        make(n_samples=20, n_features=8, chunks=(10, 4))


@pytest.mark.parametrize("make", MAKERS)
def test_blocks_are_generated_independently(make):
    X, y = make(n_samples=100, n_features=5, chunks=20, random_state=1)
    for array in (X, y):
        graph = dict(array.__dask_graph__())
        keys = list(dask.core.flatten(array.__dask_keys__()))
        closures = [block_closure(graph, key) for key in keys]
        for i, closure in enumerate(closures):
            others = set().union(*(c for j, c in enumerate(closures) if j != i))
            shared = closure & others
            # only the small shared parameters, never another block's data
            assert all("params" in str(k) for k in shared), shared
    X_np = X.compute()
    for i in range(X.numblocks[0]):
        assert_array_equal(X.blocks[i].compute(), X_np[20 * i : 20 * (i + 1)])


def test_x_and_y_of_one_block_share_one_generating_task():
    X, y = make_classification(n_samples=40, n_features=4, n_informative=2, n_redundant=0, chunks=20, random_state=0)
    (source,) = X.dask.dependencies[X.name]
    assert y.dask.dependencies[y.name] == {source}
    graph = {**dict(X.dask), **dict(y.dask)}
    for i in range(2):
        assert (source, i) in block_closure(graph, (X.name, i, 0)) & block_closure(graph, (y.name, i))


@pytest.mark.parametrize("n_classes, n_informative", [(2, 2), (3, 4)])
def test_classification_labels_are_learnable(n_classes, n_informative):
    X, y = make_classification(
        n_samples=2000, n_features=10, n_informative=n_informative, n_classes=n_classes, chunks=500, random_state=0
    )
    assert sorted(np.unique(y.compute()).tolist()) == list(range(n_classes))
    clf = Incremental(SGDClassifier(random_state=0), random_state=0, epochs=3).fit(X, y)
    assert clf.score(X, y) > 1 / n_classes + 0.25


def test_classification_options():
    X, y = make_classification(
        n_samples=4000, n_features=8, n_informative=3, n_redundant=2, n_repeated=2, weights=[0.8],
        flip_y=0, shuffle=False, hypercube=False, chunks=1000, random_state=0,
    )
    X_np, y_np = dask.compute(X, y)
    assert 0.75 < np.mean(y_np == 0) < 0.85
    # with shuffle=False the repeated columns are copies of the first five (informative + redundant)
    repeated = X_np[:, 5:7]
    assert all(any(np.allclose(repeated[:, r], X_np[:, c]) for c in range(5)) for r in range(2))
    shifted = make_classification(n_samples=4000, n_features=8, shift=None, scale=None, chunks=1000, random_state=0)
    assert np.abs(shifted[0].mean(axis=0).compute()).max() > 1
    with pytest.raises(ValueError, match="n_informative"):
        make_classification(n_features=3, n_informative=2, n_redundant=2)
    with pytest.raises(ValueError, match="hypercube"):
        make_classification(n_informative=1, n_classes=3)
    with pytest.raises(ValueError, match="weights"):
        make_classification(weights=[0.5, 0.2, 0.3])


def test_regression_is_the_documented_linear_model():
    X, y, coef = make_regression(
        n_samples=300, n_features=6, n_informative=3, bias=2.0, coef=True, chunks=100, random_state=0
    )
    X_np, y_np = dask.compute(X, y)
    assert coef.shape == (6,) and (coef != 0).sum() == 3
    np.testing.assert_allclose(y_np, X_np @ coef + 2.0)
    X, y = make_regression(n_samples=3000, n_features=6, n_informative=3, noise=1.0, chunks=1000, random_state=0)
    reg = Incremental(SGDRegressor(random_state=0), random_state=0, epochs=2).fit(X, y)
    assert reg.score(X, y) > 0.9


def test_regression_targets_noise_and_rank():
    X, y, coef = make_regression(n_samples=50, n_features=4, n_targets=3, coef=True, chunks=25, random_state=0)
    assert y.shape == (50, 3) and y.chunks == ((25, 25), (3,)) and coef.shape == (4, 3)
    noisy = make_regression(n_samples=50, n_features=4, noise=5.0, chunks=25, random_state=0)
    clean = make_regression(n_samples=50, n_features=4, chunks=25, random_state=0)
    assert_array_equal(noisy[0].compute(), clean[0].compute())
    assert not np.allclose(noisy[1].compute(), clean[1].compute())
    low_rank, _ = make_regression(n_samples=2000, n_features=20, effective_rank=2, tail_strength=0.01,
                                  chunks=500, random_state=0)
    singular = np.linalg.svd(low_rank.compute(), compute_uv=False)
    assert singular[4] < 0.1 * singular[0]


def test_datasets_are_lazy():
    calls = []
    with dask.config.set(scheduler=lambda dsk, keys, **kw: calls.append(keys)):
        X, y = make_classification(n_samples=10**9, n_features=20, chunks=10**6, random_state=0)
    assert not calls and X.numblocks == (1000, 1) and isinstance(y, da.Array)
