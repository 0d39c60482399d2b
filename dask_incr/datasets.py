"""Datasets: lazy random problems whose blocks are generated independently.

Each row block is drawn from its own random stream, spawned from one
:class:`numpy.random.SeedSequence`: block ``i`` of a dataset with seed ``s``
uses ``SeedSequence(s, spawn_key=(1, i))``, and the small parameters shared by
all blocks (cluster centres, coefficients, …) use ``spawn_key=(0,)``. So no
block depends on another, the data never need to be in memory at once, and
the same seed and chunks give the same data on any scheduler or machine.
Rows are drawn independently, so the data of a seed depends on the chunks too.
"""

from __future__ import annotations

import numbers

import dask.array as da
import numpy as np
from dask.base import tokenize
from dask.highlevelgraph import HighLevelGraph
from dask.task_spec import DataNode, Task, TaskRef

from .graph.orders import resolve_seed

__all__ = ["make_classification", "make_regression", "classification_block", "regression_block"]


def _row_chunks(chunks, n_samples, n_features):
    """Row block sizes from dask-style ``chunks``; columns always form one chunk."""
    if chunks is None:
        chunks = "auto"
    if not isinstance(chunks, (tuple, list, dict)):
        chunks = (chunks, -1)
    elif len(chunks) == 1:  # ((rows per block...),)
        chunks = (chunks[0], -1)
    rows, cols = da.core.normalize_chunks(chunks, (n_samples, n_features), dtype=np.float64)
    if len(cols) > 1:
        raise ValueError(
            f"chunks must keep the {n_features} features in one column chunk (blocks are whole "
            f"rows), got column chunks {cols}; give the rows per block, e.g. chunks={rows[0]}"
        )
    return rows


def _block_rng(seed, i):
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1, i)))


def _shared_rng(seed):
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0,)))


def _check_int(value, name, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _blocks_graph(kind, block_function, params, seed, rows, outputs):
    """Arrays from one generating task per block; output ``j`` takes item ``j`` of it.

    ``outputs`` holds ``(chunks_after_rows, dtype)`` per returned array.
    """
    token = tokenize(kind, params, seed, rows)
    source = f"{kind}-{token}"
    params_node = DataNode(f"{kind}-params-{token}", params)
    layer = {params_node.key: params_node}
    for i, n in enumerate(rows):
        layer[(source, i)] = Task((source, i), block_function, TaskRef(params_node.key), seed, i, n)
    arrays = []
    for j, (tail, dtype) in enumerate(outputs):
        name = f"{kind}-{'Xy'[j]}-{token}"
        index = (0,) * len(tail)
        part = {
            (name, i) + index: Task((name, i) + index, _item, TaskRef((source, i)), j) for i in range(len(rows))
        }
        graph = HighLevelGraph({source: layer, name: part}, {source: set(), name: {source}})
        chunks = (tuple(rows),) + tuple((size,) for size in tail)
        arrays.append(da.Array(graph, name, chunks, meta=np.empty((0,) * len(chunks), dtype=dtype)))
    return arrays


def _item(pair, j):
    return pair[j]


def make_classification(
    n_samples=100,
    n_features=20,
    n_informative=2,
    n_redundant=2,
    n_repeated=0,
    n_classes=2,
    n_clusters_per_class=2,
    weights=None,
    flip_y=0.01,
    class_sep=1.0,
    hypercube=True,
    shift=0.0,
    scale=1.0,
    shuffle=True,
    random_state=None,
    chunks=None,
):
    """A lazy random classification problem, one independent random stream per block.

    The problem of :func:`sklearn.datasets.make_classification`: each class
    is ``n_clusters_per_class`` Gaussian clusters around vertices of a
    hypercube in the ``n_informative`` informative features, followed by
    ``n_redundant`` linear combinations of them, ``n_repeated`` copies and
    noise features. The clusters, their covariances, the combinations, shift,
    scale and feature permutation are drawn once from the seed and shared by
    all blocks; each block then draws its own rows. Rows pick their cluster at
    random (probabilities from ``weights``), so class counts are random
    rather than exact.

    Parameters
    ----------
    n_samples : int, default 100
    n_features : int, default 20
    n_informative, n_redundant, n_repeated : int, default 2, 2, 0
    n_classes, n_clusters_per_class : int, default 2, 2
    weights : sequence of float, optional
        Class proportions (``n_classes`` or ``n_classes - 1`` values, the
        last then being the remainder); balanced by default.
    flip_y : float, default 0.01
        Fraction of rows whose label is replaced by a random one.
    class_sep : float, default 1.0
        Half the side of the hypercube.
    hypercube : bool, default True
        Clusters on the vertices of a hypercube, else on random points of a
        random polytope.
    shift, scale : float, array or None, default 0.0, 1.0
        Features are shifted then scaled; ``None`` draws a random shift in
        ``[-class_sep, class_sep]`` and scale in ``[1, 101]`` per feature.
    shuffle : bool, default True
        Permute the features (rows are already in random order).
    random_state : None, int, RandomState or Generator
        Seed of everything; an int gives the same data anywhere.
    chunks : int, str, tuple or None
        Rows per block, as dask understands it (``None``: ``"auto"``). Blocks
        always hold whole rows.

    Returns
    -------
    X : dask Array of float64, shape (n_samples, n_features), chunks (chunks, n_features)
    y : dask Array of int64, shape (n_samples,), chunks (chunks,)

    Examples
    --------
    >>> X, y = make_classification(n_samples=100, chunks=25, random_state=0)
    >>> X.chunks[0], X.shape, y.chunks
    ((25, 25, 25, 25), (100, 20), ((25, 25, 25, 25),))
    >>> sorted(set(y.compute().tolist()))
    [0, 1]
    >>> bool((X.compute() == make_classification(chunks=25, random_state=0)[0].compute()).all())
    True
    """
    n_samples = _check_int(n_samples, "n_samples", 0)
    n_features = _check_int(n_features, "n_features", 1)
    n_informative = _check_int(n_informative, "n_informative", 1)
    n_redundant = _check_int(n_redundant, "n_redundant", 0)
    n_repeated = _check_int(n_repeated, "n_repeated", 0)
    n_classes = _check_int(n_classes, "n_classes", 1)
    n_clusters_per_class = _check_int(n_clusters_per_class, "n_clusters_per_class", 1)
    if n_informative + n_redundant + n_repeated > n_features:
        raise ValueError(
            f"n_informative + n_redundant + n_repeated = {n_informative + n_redundant + n_repeated} "
            f"must be at most n_features = {n_features}"
        )
    n_clusters = n_classes * n_clusters_per_class
    if n_clusters > 2**n_informative:
        raise ValueError(
            f"n_classes * n_clusters_per_class = {n_clusters} clusters need distinct hypercube "
            f"vertices, but n_informative = {n_informative} gives only {2**n_informative}"
        )
    class_weights = _class_weights(weights, n_classes)
    if not 0 <= flip_y <= 1:
        raise ValueError(f"flip_y must be in [0, 1], got {flip_y}")
    rows = _row_chunks(chunks, n_samples, n_features)
    seed = resolve_seed(random_state)

    rng = _shared_rng(seed)
    centroids = (2 * _distinct_vertices(rng, n_clusters, n_informative) - 1) * class_sep
    if not hypercube:
        centroids = centroids * rng.uniform(size=(n_clusters, 1)) * rng.uniform(size=(1, n_informative))
    params = {
        "n_features": n_features,
        "n_classes": n_classes,
        "centroids": centroids,
        "covariances": rng.uniform(-1, 1, size=(n_clusters, n_informative, n_informative)),
        # cluster k belongs to class k % n_classes
        "cluster_p": np.tile(class_weights, n_clusters_per_class) / n_clusters_per_class,
        "redundant": rng.uniform(-1, 1, size=(n_informative, n_redundant)),
        "repeated": rng.integers(0, n_informative + n_redundant, size=n_repeated),
        "flip_y": float(flip_y),
        "shift": (2 * rng.random(n_features) - 1) * class_sep if shift is None else np.asarray(shift, float),
        "scale": 1 + 100 * rng.random(n_features) if scale is None else np.asarray(scale, float),
        "permutation": rng.permutation(n_features) if shuffle else None,
    }
    X, y = _blocks_graph(
        "make-classification", classification_block, params, seed, rows, [((n_features,), np.float64), ((), np.int64)]
    )
    return X, y


def _class_weights(weights, n_classes):
    if weights is None:
        return np.full(n_classes, 1.0 / n_classes)
    weights = np.asarray(weights, dtype=float)
    if len(weights) == n_classes - 1:
        weights = np.append(weights, 1.0 - weights.sum())
    if len(weights) != n_classes or (weights < 0).any() or not np.isclose(weights.sum(), 1.0):
        raise ValueError(
            f"weights must be {n_classes} (or {n_classes - 1}) non-negative proportions summing to 1, "
            f"got {weights.tolist()}"
        )
    return weights


def _distinct_vertices(rng, n, dims):
    """``n`` distinct random vertices of the unit hypercube in ``dims`` dimensions, as 0/1 rows."""
    if dims <= 30:
        codes = rng.choice(2**dims, size=n, replace=False)
        return ((codes[:, None] >> np.arange(dims)) & 1).astype(float)
    while True:  # 2**dims > 1e9 vertices: a repeat is vanishingly rare
        vertices = rng.integers(0, 2, size=(n, dims))
        if len(np.unique(vertices, axis=0)) == n:
            return vertices.astype(float)


def classification_block(params, seed, i, n_rows):
    """Rows ``(X, y)`` of block ``i`` of :func:`make_classification`.

    Examples
    --------
    >>> X, y = make_classification(chunks=10, random_state=3)
    >>> params = X.dask[next(k for k in X.dask if "params" in str(k))].value
    >>> Xb, yb = classification_block(params, 3, 1, 10)
    >>> bool((Xb == X.blocks[1].compute()).all())
    True
    """
    rng = _block_rng(seed, i)
    centroids, covariances = params["centroids"], params["covariances"]
    n_informative = centroids.shape[1]
    clusters = rng.choice(len(centroids), size=n_rows, p=params["cluster_p"])
    informative = rng.standard_normal((n_rows, n_informative))
    for k in np.unique(clusters):
        members = clusters == k
        informative[members] = informative[members] @ covariances[k] + centroids[k]
    combined = np.hstack([informative, informative @ params["redundant"]])
    used = combined.shape[1] + len(params["repeated"])
    X = np.hstack(
        [combined, combined[:, params["repeated"]], rng.standard_normal((n_rows, params["n_features"] - used))]
    )
    y = (clusters % params["n_classes"]).astype(np.int64)
    flipped = rng.random(n_rows) < params["flip_y"]
    y[flipped] = rng.integers(0, params["n_classes"], size=int(flipped.sum()))
    X = (X + params["shift"]) * params["scale"]
    if params["permutation"] is not None:
        # fancy indexing of columns gives a Fortran-ordered array; blocks are C-ordered
        X = np.ascontiguousarray(X[:, params["permutation"]])
    return X, y


def make_regression(
    n_samples=100,
    n_features=100,
    n_informative=10,
    n_targets=1,
    bias=0.0,
    effective_rank=None,
    tail_strength=0.5,
    noise=0.0,
    shuffle=True,
    coef=False,
    random_state=None,
    chunks=None,
):
    """A lazy random linear regression problem, one independent random stream per block.

    ``y = X @ coef + bias + noise``, with ``n_informative`` non-zero rows of
    ``coef`` drawn once from the seed (uniform in ``[0, 100)``) and the rows
    of ``X`` drawn block by block.

    Parameters
    ----------
    n_samples : int, default 100
    n_features : int, default 100
    n_informative : int, default 10
        Features with a non-zero coefficient.
    n_targets : int, default 1
        Columns of ``y``; ``y`` is 1-D when 1.
    bias : float, default 0.0
    effective_rank : int, optional
        ``None``: rows are standard normal. Otherwise rows are Gaussian with a
        covariance whose singular values decay with this effective rank (a bell
        of width ``effective_rank`` plus a fat tail of weight
        ``tail_strength``), in a random basis shared by all blocks: the
        correlated features of :func:`sklearn.datasets.make_low_rank_matrix`,
        drawn row by row.
    tail_strength : float, default 0.5
    noise : float, default 0.0
        Standard deviation of the Gaussian noise added to ``y``.
    shuffle : bool, default True
        Place the informative features at random columns (else first).
    coef : bool, default False
        Also return the coefficients.
    random_state : None, int, RandomState or Generator
        Seed of everything; an int gives the same data anywhere.
    chunks : int, str, tuple or None
        Rows per block, as dask understands it (``None``: ``"auto"``).

    Returns
    -------
    X : dask Array of float64, shape (n_samples, n_features), chunks (chunks, n_features)
    y : dask Array of float64, shape (n_samples,) or (n_samples, n_targets)
    coef : numpy.ndarray, shape (n_features,) or (n_features, n_targets)
        Only with ``coef=True``.

    Examples
    --------
    >>> X, y, w = make_regression(n_samples=50, n_features=5, n_informative=2, chunks=20,
    ...                           coef=True, random_state=0)
    >>> X.chunks, y.chunks, int((w != 0).sum())
    (((20, 20, 10), (5,)), ((20, 20, 10),), 2)
    >>> bool(abs(X.compute() @ w - y.compute()).max() < 1e-9)
    True
    """
    n_samples = _check_int(n_samples, "n_samples", 0)
    n_features = _check_int(n_features, "n_features", 1)
    n_informative = _check_int(n_informative, "n_informative", 0)
    n_targets = _check_int(n_targets, "n_targets", 1)
    if noise < 0:
        raise ValueError(f"noise must be >= 0, got {noise}")
    rows = _row_chunks(chunks, n_samples, n_features)
    seed = resolve_seed(random_state)

    rng = _shared_rng(seed)
    n_informative = min(n_informative, n_features)
    weights = np.zeros((n_features, n_targets))
    informative = rng.permutation(n_features)[:n_informative] if shuffle else np.arange(n_informative)
    weights[informative] = 100 * rng.random((n_informative, n_targets))
    mixing = None
    if effective_rank is not None:
        basis, _ = np.linalg.qr(rng.standard_normal((n_features, n_features)))
        ranks = np.arange(n_features) / effective_rank
        singular = (1 - tail_strength) * np.exp(-(ranks**2)) + tail_strength * np.exp(-0.1 * ranks)
        mixing = singular[:, None] * basis.T
    params = {"coef": weights, "bias": float(bias), "noise": float(noise), "mixing": mixing}
    y_tail = () if n_targets == 1 else (n_targets,)
    X, y = _blocks_graph(
        "make-regression", regression_block, params, seed, rows, [((n_features,), np.float64), (y_tail, np.float64)]
    )
    if coef:
        return X, y, weights[:, 0] if n_targets == 1 else weights
    return X, y


def regression_block(params, seed, i, n_rows):
    """Rows ``(X, y)`` of block ``i`` of :func:`make_regression`.

    Examples
    --------
    >>> params = {"coef": np.ones((3, 1)), "bias": 1.0, "noise": 0.0, "mixing": None}
    >>> X, y = regression_block(params, 0, 0, 4)
    >>> X.shape, bool(np.allclose(y, X.sum(axis=1) + 1))
    ((4, 3), True)
    """
    rng = _block_rng(seed, i)
    weights = params["coef"]
    X = rng.standard_normal((n_rows, weights.shape[0]))
    if params["mixing"] is not None:
        X = X @ params["mixing"]
    y = X @ weights + params["bias"]
    if params["noise"] > 0:
        y = y + rng.normal(scale=params["noise"], size=y.shape)
    return X, (y[:, 0] if weights.shape[1] == 1 else y)
