"""``make_regression`` and ``make_counts``: linear models, of the mean and of a Poisson log-rate."""

from __future__ import annotations

import numpy as np

from ..graph.orders import resolve_seed
from ._blocks import block_rng, blocks_graph, check_int, row_chunks, shared_rng

__all__ = ["make_counts", "make_regression", "counts_block", "regression_block"]


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
    n_samples = check_int(n_samples, "n_samples", 0)
    n_features = check_int(n_features, "n_features", 1)
    n_informative = check_int(n_informative, "n_informative", 0)
    n_targets = check_int(n_targets, "n_targets", 1)
    if noise < 0:
        raise ValueError(f"noise must be >= 0, got {noise}")
    rows = row_chunks(chunks, n_samples, n_features)
    seed = resolve_seed(random_state)

    rng = shared_rng(seed)
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
    X, y = blocks_graph(
        "make-regression", regression_block, params, seed, rows, [((n_features,), np.float64), (y_tail, np.float64)]
    )
    if coef:
        return X, y, weights[:, 0] if n_targets == 1 else weights
    return X, y


def regression_block(params, seed, i, n_rows):
    """Rows ``(X, y)`` of block ``i`` of :func:`make_regression`.

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
    y : numpy.ndarray of shape (n_rows,) or (n_rows, n_targets)

    Examples
    --------
    >>> params = {"coef": np.ones((3, 1)), "bias": 1.0, "noise": 0.0, "mixing": None}
    >>> X, y = regression_block(params, 0, 0, 4)
    >>> X.shape, bool(np.allclose(y, X.sum(axis=1) + 1))
    ((4, 3), True)
    """
    rng = block_rng(seed, i)
    weights = params["coef"]
    X = rng.standard_normal((n_rows, weights.shape[0]))
    if params["mixing"] is not None:
        X = X @ params["mixing"]
    y = X @ weights + params["bias"]
    if params["noise"] > 0:
        y = y + rng.normal(scale=params["noise"], size=y.shape)
    return X, (y[:, 0] if weights.shape[1] == 1 else y)


def make_counts(n_samples=1000, n_features=100, n_informative=2, scale=1.0, chunks=100, random_state=None):
    """A lazy random count-data problem (Poisson regression), one independent random stream per block.

    The rows of ``X`` are standard normal; ``y`` is Poisson with log-rate
    ``X @ coef``, where ``n_informative`` distinct features (drawn once from
    the seed) have a coefficient uniform in ``[-scale, 0)`` and the others
    none: the model of :func:`dask_ml.datasets.make_counts`, whose
    informative features may repeat.

    Parameters
    ----------
    n_samples : int, default 1000
    n_features : int, default 100
    n_informative : int, default 2
        Features the rate depends on (at most ``n_features``).
    scale : float, default 1.0
        Scale of the coefficients.
    chunks : int, str or tuple, default 100
        Rows per block, as dask understands it.
    random_state : None, int, RandomState or Generator
        Seed of everything; an int gives the same data anywhere.

    Returns
    -------
    X : dask Array of float64, shape (n_samples, n_features)
    y : dask Array of int64, shape (n_samples,), non-negative counts

    Examples
    --------
    >>> X, y = make_counts(n_samples=300, n_features=4, random_state=0)
    >>> X.chunks, y.dtype
    (((100, 100, 100), (4,)), dtype('int64'))
    >>> bool((y.compute() >= 0).all())
    True
    """
    n_samples = check_int(n_samples, "n_samples", 0)
    n_features = check_int(n_features, "n_features", 1)
    n_informative = check_int(n_informative, "n_informative", 0)
    if n_informative > n_features:
        raise ValueError(f"n_informative = {n_informative} must be at most n_features = {n_features}")
    rows = row_chunks(chunks, n_samples, n_features)
    seed = resolve_seed(random_state)
    rng = shared_rng(seed)
    coef = np.zeros(n_features)
    coef[rng.choice(n_features, size=n_informative, replace=False)] = (rng.random(n_informative) - 1) * scale
    outputs = [((n_features,), np.float64), ((), np.int64)]
    X, y = blocks_graph("make-counts", counts_block, {"coef": coef}, seed, rows, outputs)
    return X, y


def counts_block(params, seed, i, n_rows):
    """Rows ``(X, y)`` of block ``i`` of :func:`make_counts`.

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
    >>> X, y = counts_block({"coef": np.zeros(3)}, 0, 0, 5)  # rate exp(0) = 1
    >>> X.shape, y.shape, y.dtype
    ((5, 3), (5,), dtype('int64'))
    """
    rng = block_rng(seed, i)
    X = rng.standard_normal((n_rows, len(params["coef"])))
    return X, rng.poisson(np.exp(X @ params["coef"])).astype(np.int64)
