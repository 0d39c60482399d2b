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
    assert clf.score(X, y) > 1 / n_classes + 0.2


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


# -- every seed learnable, every generator lazy, reproducible and dask-ml's signature ----------------


def accuracy_over_majority(X, y, n_train_blocks, classes):
    """Held-out accuracy of a linear model fitted block by block, over the majority class's share."""
    from dask_incr import fit_blocks

    split = sum(X.chunks[0][:n_train_blocks])
    model = fit_blocks(SGDClassifier(random_state=0), X[:split], y[:split], classes=classes)
    X_test, y_test = dask.compute(X[split:], y[split:])
    return model.score(X_test, y_test) / (np.bincount(y_test).max() / len(y_test))


@pytest.mark.parametrize("seed", range(40))
def test_every_seed_gives_a_problem_a_linear_model_learns(seed):
    # The old generator placed the clusters of a class at random vertices: 9 of 40
    # seeds put each class on a diagonal (an XOR), and seed 2 scored 0.465.
    X, y = make_classification(n_samples=5000, chunks=1000, random_state=seed)
    assert accuracy_over_majority(X, y, 4, [0, 1]) > 1.3


@pytest.mark.parametrize("seed", range(10))
def test_every_seed_gives_a_learnable_multiclass_problem(seed):
    X, y = make_classification(
        n_samples=6000, n_classes=3, n_informative=3, n_clusters_per_class=2, chunks=1000, random_state=seed
    )
    assert accuracy_over_majority(X, y, 5, [0, 1, 2]) > 1.5


@pytest.mark.parametrize(
    "n_classes, n_clusters_per_class, n_informative", [(2, 2, 2), (2, 3, 6), (3, 2, 3), (4, 1, 2), (5, 3, 4), (2, 1, 40)]
)
def test_clusters_are_distinct_vertices_and_each_class_a_face(n_classes, n_clusters_per_class, n_informative):
    from dask_incr.datasets import cluster_vertices

    vertices = cluster_vertices(np.random.default_rng(0), n_classes, n_clusters_per_class, n_informative)
    assert vertices.shape == (n_classes * n_clusters_per_class, n_informative)
    assert len(np.unique(vertices, axis=0)) == len(vertices) and set(np.unique(vertices)) <= {0.0, 1.0}
    labels = np.arange(len(vertices)) % n_classes
    cluster_bits = int(np.ceil(np.log2(n_clusters_per_class)))
    if n_informative - cluster_bits < max(1, np.ceil(np.log2(n_classes))):
        return  # (5, 3, 4): no room for class codes, random distinct vertices as scikit-learn's
    for c in range(n_classes):
        # a face: the class's vertices agree on all coordinates but cluster_bits of them ...
        own = vertices[labels == c]
        fixed = (own == own[0]).all(axis=0)
        assert fixed.sum() >= n_informative - cluster_bits
        # ... and no other class's vertex lies on that face
        others = vertices[labels != c]
        assert not (others[:, fixed] == own[0, fixed]).all(axis=1).any()


def test_blobs_have_exact_cluster_sizes_and_sorted_rows_without_shuffle():
    from dask_incr.datasets import make_blobs

    X, y = make_blobs(n_samples=100, centers=3, chunks=30, random_state=0)
    assert X.shape == (100, 2) and X.chunks == ((30, 30, 30, 10), (2,)) and y.dtype == np.int64
    assert np.bincount(y.compute()).tolist() == [34, 33, 33]
    X, y = make_blobs(n_samples=[5, 10], centers=[[0.0, 0.0, 0.0], [50.0, 50.0, 50.0]], cluster_std=[0.0, 1.0],
                      shuffle=False, chunks=4, random_state=0)
    X_np, y_np = dask.compute(X, y)
    assert y_np.tolist() == [0] * 5 + [1] * 10 and X.shape == (15, 3)
    assert_array_equal(X_np[:5], np.zeros((5, 3)))
    assert abs(X_np[5:].mean() - 50) < 2
    with pytest.raises(ValueError, match="centers must be 2 rows"):
        make_blobs(n_samples=[5, 10], centers=[[0.0, 0.0]])
    with pytest.raises(ValueError, match="centers must be None or their coordinates"):
        make_blobs(n_samples=[5, 10], centers=2)


@pytest.mark.parametrize("seed", range(10))
def test_blobs_are_learnable(seed):
    from dask_incr.datasets import make_blobs

    X, y = make_blobs(n_samples=3000, centers=2, n_features=4, chunks=500, random_state=seed)
    assert accuracy_over_majority(X, y, 5, [0, 1]) > 1.5


def test_counts_are_poisson_with_a_log_linear_rate_on_the_informative_features():
    from sklearn.linear_model import PoissonRegressor

    from dask_incr.datasets import make_counts

    X, y = make_counts(n_samples=20_000, n_features=5, n_informative=2, scale=2.0, chunks=5000, random_state=0)
    assert X.chunks == ((5000,) * 4, (5,)) and y.dtype == np.int64
    X_np, y_np = dask.compute(X, y)
    assert (y_np >= 0).all()
    coef = PoissonRegressor(alpha=0).fit(X_np, y_np).coef_
    informative = np.abs(coef) > 0.05
    assert informative.sum() == 2 and np.abs(coef[~informative]).max() < 0.02
    assert (coef[informative] < 0).all()  # uniform in [-scale, 0), as dask-ml's


def test_classification_df_is_make_classification_in_columns():
    from dask_incr.datasets import make_classification_df

    X, y = make_classification_df(n_samples=300, chunks=100, predictability=0.5, response_rate=0.3, random_state=0,
                                  n_features=6, n_redundant=0)
    X_array, y_array = make_classification(n_samples=300, chunks=100, flip_y=0.5, weights=[0.7, 0.3],
                                           random_state=0, n_features=6, n_redundant=0)
    assert list(X.columns) == [f"var{j}" for j in range(6)] and y.name == "target"
    assert X.divisions == (0, 100, 200, 299) and y.divisions == X.divisions
    X_np, y_np = dask.compute(X, y)
    assert_array_equal(X_np.to_numpy(), X_array.compute())
    assert_array_equal(y_np.to_numpy(), y_array.compute())
    assert X_np.index.tolist() == list(range(300))
    dated, _ = make_classification_df(n_samples=50, chunks=20, random_state=0, dates=("2026-01-01", "2026-01-31"))
    dates = dated["date"].compute()
    assert dates.min() >= np.datetime64("2026-01-01") and dates.max() <= np.datetime64("2026-01-31")
    assert dates.nunique() > 40
    with pytest.raises(TypeError, match="unexpected keyword argument 'n_sample'"):
        make_classification_df(n_sample=10)
    with pytest.raises(ValueError, match="response_rate must be a number in"):
        make_classification_df(response_rate=1.5)


@pytest.mark.parametrize("seed", range(10))
def test_classification_df_is_learnable_when_predictable(seed):
    from dask_incr import fit_blocks
    from dask_incr.datasets import make_classification_df

    X, y = make_classification_df(n_samples=5000, chunks=1000, predictability=0.9, random_state=seed)
    model = fit_blocks(SGDClassifier(random_state=0), X.partitions[:4], y.partitions[:4], classes=[0, 1])
    X_test, y_test = dask.compute(X.partitions[4], y.partitions[4])
    assert model.score(X_test, y_test) / (np.bincount(y_test).max() / len(y_test)) > 1.2


def all_makers():
    from dask_incr import datasets

    return {
        "make_classification": lambda **kw: datasets.make_classification(n_features=5, **kw),
        "make_regression": lambda **kw: datasets.make_regression(n_features=5, **kw),
        "make_blobs": lambda **kw: datasets.make_blobs(n_features=5, **kw),
        "make_counts": lambda **kw: datasets.make_counts(n_features=5, **kw),
        "make_classification_df": lambda **kw: datasets.make_classification_df(n_features=5, n_redundant=0, **kw),
    }


BLOCK_FUNCTIONS = {
    "make_classification": ("_classification", "classification_block"),
    "make_regression": ("_regression", "regression_block"),
    "make_blobs": ("_blobs", "blobs_block"),
    "make_counts": ("_regression", "counts_block"),
    "make_classification_df": ("_frames", "classification_frame_block"),
}


@pytest.mark.parametrize("name", sorted(all_makers()))
def test_every_generator_is_lazy_with_one_task_per_block(name, monkeypatch):
    import importlib

    module_name, function_name = BLOCK_FUNCTIONS[name]
    module = importlib.import_module(f"dask_incr.datasets.{module_name}")
    made = []
    block_function = getattr(module, function_name)

    def counted(*args):  # (params, seed, i, n_rows), or ((i, first_row, n_rows), params, seed, dates)
        i, n_rows = (args[0][0], args[0][2]) if name.endswith("_df") else (args[2], args[3])
        if n_rows:  # make_classification_df's meta is an empty block
            made.append(i)
        return block_function(*args)

    monkeypatch.setattr(module, function_name, counted)
    calls = []
    with dask.config.set(scheduler=lambda dsk, keys, **kw: calls.append(keys)):
        X, y = all_makers()[name](n_samples=10**8, chunks=10**5, random_state=0)
    assert not calls and not made
    assert X.npartitions == y.npartitions == 1000
    # computing X and y of one block generates that block only, once
    pick = (lambda a: a.partitions[7]) if name.endswith("_df") else (lambda a: a.blocks[7])
    X_block, y_block = dask.compute(pick(X), pick(y))
    assert len(X_block) == len(y_block) == 10**5
    assert made == [7]


@pytest.mark.parametrize("name", sorted(all_makers()))
def test_every_generator_is_reproducible_and_its_blocks_are_its_rows(name):
    make = all_makers()[name]
    first = dask.compute(*make(n_samples=70, chunks=20, random_state=3))
    again = dask.compute(*make(n_samples=70, chunks=20, random_state=3))
    other = dask.compute(*make(n_samples=70, chunks=20, random_state=4))
    for a, b in zip(first, again):
        assert_array_equal(np.asarray(a), np.asarray(b))
    assert not np.array_equal(np.asarray(first[0]), np.asarray(other[0]))
    X, _ = make(n_samples=70, chunks=20, random_state=3)
    last = X.partitions[3] if name.endswith("_df") else X.blocks[3]
    assert_array_equal(np.asarray(last.compute()), np.asarray(first[0])[60:])


@pytest.mark.parametrize("name", sorted(all_makers()))
def test_signatures_are_dask_ml_s(name):
    import inspect

    import dask_ml.datasets

    from dask_incr import datasets

    ours = inspect.signature(getattr(datasets, name)).parameters
    theirs = inspect.signature(getattr(dask_ml.datasets, name)).parameters
    assert [(p.name, p.kind, p.default) for p in ours.values()] == [(p.name, p.kind, p.default) for p in theirs.values()]
