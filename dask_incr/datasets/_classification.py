"""``make_classification``: Gaussian clusters on hypercube vertices, a face of the cube per class."""

from __future__ import annotations

import numpy as np

from ..graph.orders import resolve_seed
from ._blocks import block_rng, blocks_graph, check_fraction, check_int, row_chunks, shared_rng

__all__ = ["make_classification", "classification_block", "classification_params", "cluster_vertices"]


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
    is ``n_clusters_per_class`` Gaussian clusters around distinct vertices of
    a hypercube of side ``2 * class_sep`` in the ``n_informative``
    informative features, followed by ``n_redundant`` linear combinations of
    them, ``n_repeated`` copies and noise features. The vertices of one class
    share their coordinates on every informative feature but the few that
    number its clusters (see :func:`cluster_vertices`), so each class lies on
    its own face of the hypercube and a linear model separates it from the
    others whatever the seed. The clusters, their covariances, the
    combinations, shift, scale and feature permutation are drawn once from
    the seed and shared by all blocks; each block then draws its own rows.
    Rows pick their cluster at random (probabilities from ``weights``), so
    class counts are random rather than exact.

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
    params, seed, rows = classification_params(
        n_samples, n_features, n_informative, n_redundant, n_repeated, n_classes, n_clusters_per_class,
        weights, flip_y, class_sep, hypercube, shift, scale, shuffle, random_state, chunks,
    )
    n_features = params["n_features"]
    X, y = blocks_graph(
        "make-classification", classification_block, params, seed, rows, [((n_features,), np.float64), ((), np.int64)]
    )
    return X, y


def classification_params(
    n_samples, n_features, n_informative, n_redundant, n_repeated, n_classes, n_clusters_per_class,
    weights, flip_y, class_sep, hypercube, shift, scale, shuffle, random_state, chunks,
):
    """The checked arguments of :func:`make_classification` as ``(params, seed, rows)``.

    ``params`` are what every block shares (drawn once from the seed),
    ``rows`` the rows of each block.
    """
    n_samples = check_int(n_samples, "n_samples", 0)
    n_features = check_int(n_features, "n_features", 1)
    n_informative = check_int(n_informative, "n_informative", 1)
    n_redundant = check_int(n_redundant, "n_redundant", 0)
    n_repeated = check_int(n_repeated, "n_repeated", 0)
    n_classes = check_int(n_classes, "n_classes", 1)
    n_clusters_per_class = check_int(n_clusters_per_class, "n_clusters_per_class", 1)
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
    flip_y = check_fraction(flip_y, "flip_y")
    rows = row_chunks(chunks, n_samples, n_features)
    seed = resolve_seed(random_state)

    rng = shared_rng(seed)
    centroids = (2 * cluster_vertices(rng, n_classes, n_clusters_per_class, n_informative) - 1) * class_sep
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
        "flip_y": flip_y,
        "shift": (2 * rng.random(n_features) - 1) * class_sep if shift is None else np.asarray(shift, float),
        "scale": 1 + 100 * rng.random(n_features) if scale is None else np.asarray(scale, float),
        "permutation": rng.permutation(n_features) if shuffle else None,
    }
    return params, seed, rows


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


def cluster_vertices(rng, n_classes, n_clusters_per_class, n_informative):
    """Distinct hypercube vertices (0/1 rows) of the clusters; cluster ``k`` is of class ``k % n_classes``.

    The ``n_informative`` coordinates are split at random into a few that
    number the clusters of a class (``ceil(log2(n_clusters_per_class))``) and
    the rest, which are the class's code: every cluster of a class has its
    code, so the class is a face of the hypercube, and a face is cut from the
    other vertices by a hyperplane (a linear model can learn it). Two classes
    get complementary codes (they differ on every class coordinate); more
    classes get distinct random codes. When the codes do not fit
    (``n_informative`` too small for that split) the clusters take distinct
    random vertices, as scikit-learn's generator does.

    Parameters
    ----------
    rng : numpy.random.Generator
        The stream of the dataset's shared parameters.
    n_classes, n_clusters_per_class, n_informative : int
        As in :func:`make_classification`.

    Returns
    -------
    numpy.ndarray of shape (n_classes * n_clusters_per_class, n_informative)
        One distinct 0/1 vertex per cluster.

    Examples
    --------
    >>> vertices = cluster_vertices(np.random.default_rng(0), 2, 2, 5)
    >>> vertices.shape
    (4, 5)
    >>> # the clusters of class 0 (rows 0, 2) and of class 1 (rows 1, 3) differ on
    >>> # one coordinate each; the classes differ on the four others
    >>> int((vertices[0] != vertices[2]).sum()), int((vertices[0] != vertices[1]).sum()) >= 4
    (1, True)
    """
    cluster_bits = int(np.ceil(np.log2(n_clusters_per_class)))
    class_bits = n_informative - cluster_bits
    if class_bits < max(1, int(np.ceil(np.log2(n_classes)))):
        return _distinct_codes(rng, n_classes * n_clusters_per_class, n_informative)
    class_codes = _distinct_codes(rng, n_classes, class_bits)
    if n_classes == 2:
        class_codes[1] = 1 - class_codes[0]
    cluster_codes = _distinct_codes(rng, n_clusters_per_class, cluster_bits)
    vertices = np.hstack(
        [np.repeat(cluster_codes, n_classes, axis=0), np.tile(class_codes, (n_clusters_per_class, 1))]
    )
    return vertices[:, rng.permutation(n_informative)]


def _distinct_codes(rng, n, bits):
    """``n`` distinct random rows of ``bits`` zeros and ones, as floats."""
    if bits <= 30:
        codes = rng.choice(2**bits, size=n, replace=False)
        return ((codes[:, None] >> np.arange(bits)) & 1).astype(float)
    while True:  # 2**bits > 1e9 codes: a repeat is vanishingly rare
        codes = rng.integers(0, 2, size=(n, bits))
        if len(np.unique(codes, axis=0)) == n:
            return codes.astype(float)


def classification_block(params, seed, i, n_rows):
    """Rows ``(X, y)`` of block ``i`` of :func:`make_classification`.

    Parameters
    ----------
    params : dict
        The small parameters shared by every block, drawn once from the seed.
    seed : int
        The dataset's seed.
    i : int
        The block's index (its random stream is spawned from ``seed`` and ``i``).
    n_rows : int
        Rows in the block.

    Returns
    -------
    X : numpy.ndarray of shape (n_rows, n_features)
    y : numpy.ndarray of shape (n_rows,)

    Examples
    --------
    >>> X, y = make_classification(chunks=10, random_state=3)
    >>> params = X.dask[next(k for k in X.dask if "params" in str(k))].value
    >>> Xb, yb = classification_block(params, 3, 1, 10)
    >>> bool((Xb == X.blocks[1].compute()).all())
    True
    """
    rng = block_rng(seed, i)
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


