"""``make_blobs``: isotropic Gaussian clusters, with exact cluster sizes over the whole array."""

from __future__ import annotations

import numbers

import numpy as np

from ..graph.orders import resolve_seed
from ._blocks import block_rng, blocks_graph, check_int, row_chunks, shared_rng

__all__ = ["make_blobs", "blobs_block", "labels_per_block"]


def make_blobs(
    n_samples=100,
    n_features=2,
    centers=None,
    cluster_std=1.0,
    center_box=(-10.0, 10.0),
    shuffle=True,
    random_state=None,
    chunks=None,
):
    """Lazy isotropic Gaussian blobs for clustering, one independent random stream per block.

    The problem of :func:`sklearn.datasets.make_blobs`, with its arguments:
    ``n_samples`` rows split as evenly as possible between the centers (or
    the number of rows of each center, a sequence); ``centers`` a number of
    centers drawn uniformly in ``center_box`` (3 by default) or their
    coordinates; ``cluster_std`` one standard deviation or one per center.
    Each center has exactly its number of rows in the whole array, as in
    scikit-learn. With ``shuffle`` the rows are in random order (how many of
    each center fall in each block is drawn once, as a random permutation of
    all rows would place them), else sorted by center, as scikit-learn gives
    them.

    Parameters
    ----------
    n_samples : int or sequence of int, default 100
    n_features : int, default 2
        Ignored when ``centers`` are coordinates (their width is used).
    centers : None, int or array of shape (n_centers, n_features)
    cluster_std : float or sequence of float, default 1.0
    center_box : (float, float), default (-10.0, 10.0)
    shuffle : bool, default True
    random_state : None, int, RandomState or Generator
        Seed of everything; an int gives the same data anywhere.
    chunks : int, str, tuple or None
        Rows per block, as dask understands it (``None``: ``"auto"``).

    Returns
    -------
    X : dask Array of float64, shape (n_samples, n_features)
    y : dask Array of int64, shape (n_samples,): the center of each row

    Examples
    --------
    >>> X, y = make_blobs(n_samples=90, centers=3, chunks=40, random_state=0)
    >>> X.chunks
    ((40, 40, 10), (2,))
    >>> np.bincount(y.compute()).tolist()
    [30, 30, 30]
    """
    counts = _center_counts(n_samples, centers)
    seed = resolve_seed(random_state)
    rng = shared_rng(seed)
    centers = _centers(centers, len(counts), n_features, center_box, rng)
    n_features = centers.shape[1]
    stds = np.broadcast_to(np.asarray(cluster_std, dtype=float), (len(counts),)).copy()
    rows = row_chunks(chunks, int(counts.sum()), n_features)
    params = {
        "centers": centers,
        "stds": stds,
        "labels": labels_per_block(counts, rows, rng if shuffle else None),
        "shuffle": bool(shuffle),
    }
    X, y = blocks_graph("make-blobs", blobs_block, params, seed, rows, [((n_features,), np.float64), ((), np.int64)])
    return X, y


def _center_counts(n_samples, centers):
    """Rows per center, as scikit-learn splits them."""
    if isinstance(n_samples, numbers.Integral) and not isinstance(n_samples, bool):
        n_samples = check_int(n_samples, "n_samples", 0)
        if centers is None:
            centers = 3
        n_centers = centers if isinstance(centers, numbers.Integral) else len(centers)
        n_centers = check_int(n_centers, "centers", 1)
        return np.full(n_centers, n_samples // n_centers) + (np.arange(n_centers) < n_samples % n_centers)
    counts = np.asarray(n_samples)
    if counts.ndim != 1 or len(counts) == 0 or not np.issubdtype(counts.dtype, np.integer) or (counts < 0).any():
        raise ValueError(f"n_samples must be an integer or a sequence of row counts per center, got {n_samples!r}")
    if isinstance(centers, numbers.Integral):
        raise ValueError(
            f"with n_samples a sequence of row counts per center, centers must be None or their coordinates, "
            f"got {centers!r}"
        )
    return counts.astype(np.int64)


def _centers(centers, n_centers, n_features, center_box, rng):
    """The coordinates of the centers: drawn in ``center_box`` unless given."""
    if centers is None or isinstance(centers, numbers.Integral):
        low, high = center_box
        return rng.uniform(low, high, size=(n_centers, check_int(n_features, "n_features", 1)))
    centers = np.asarray(centers, dtype=float)
    if centers.ndim != 2 or len(centers) != n_centers:
        raise ValueError(
            f"centers must be {n_centers} rows of coordinates (one per entry of n_samples), "
            f"got an array of shape {centers.shape}"
        )
    return centers


def labels_per_block(counts, rows, rng=None):
    """How many rows of each center each block holds: an array of shape (blocks, centers).

    Without ``rng`` the rows are sorted by center (center 0's rows first);
    with it, each block's counts are drawn without replacement from the rows
    the earlier blocks left, so they are distributed as those of a random
    permutation of all rows.

    Examples
    --------
    >>> labels_per_block(np.array([3, 3]), (4, 2)).tolist()
    [[3, 1], [0, 2]]
    >>> shuffled = labels_per_block(np.array([3, 3]), (4, 2), np.random.default_rng(0))
    >>> shuffled.sum(axis=0).tolist(), shuffled.sum(axis=1).tolist()
    ([3, 3], [4, 2])
    """
    if rng is None:
        ends = np.cumsum(rows)
        starts = ends - np.asarray(rows)
        bounds = np.concatenate([[0], np.cumsum(counts)])
        overlap = np.minimum(ends[:, None], bounds[None, 1:]) - np.maximum(starts[:, None], bounds[None, :-1])
        return np.maximum(overlap, 0).astype(np.int64)
    left = np.asarray(counts, dtype=np.int64).copy()
    table = np.zeros((len(rows), len(counts)), dtype=np.int64)
    for i, n in enumerate(rows):
        table[i] = rng.multivariate_hypergeometric(left, n)
        left -= table[i]
    return table


def blobs_block(params, seed, i, n_rows):
    """Rows ``(X, y)`` of block ``i`` of :func:`make_blobs`.

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
    >>> params = {"centers": np.array([[0.0], [100.0]]), "stds": np.zeros(2),
    ...           "labels": np.array([[1, 2]]), "shuffle": False}
    >>> X, y = blobs_block(params, 0, 0, 3)
    >>> X.ravel().tolist(), y.tolist()
    ([0.0, 100.0, 100.0], [0, 1, 1])
    """
    rng = block_rng(seed, i)
    labels = np.repeat(np.arange(len(params["centers"]), dtype=np.int64), params["labels"][i])
    if params["shuffle"]:
        labels = rng.permutation(labels)
    noise = rng.standard_normal((n_rows, params["centers"].shape[1]))
    X = params["centers"][labels] + params["stds"][labels, None] * noise
    return X, labels
