"""``make_classification_df``: :func:`make_classification` as a dask DataFrame and Series."""

from __future__ import annotations

import dask.dataframe as dd
import numpy as np
import pandas as pd

from ._blocks import block_rng, check_fraction
from ._classification import classification_block, classification_params

__all__ = ["make_classification_df", "classification_frame_block"]

#: The per-block random stream of the ``date`` column (stream 1 draws the rows).
DATES_STREAM = 2


def make_classification_df(
    n_samples=10000,
    response_rate=0.5,
    predictability=0.1,
    random_state=None,
    chunks=None,
    dates=None,
    **kwargs,
):
    """A lazy classification problem as a dask DataFrame ``X`` and a dask Series ``y``.

    The rows of :func:`make_classification` with ``weights=[1 - response_rate,
    response_rate]`` and ``flip_y=1 - predictability`` (a fraction
    ``1 - predictability`` of the labels is drawn at random), in columns
    ``var0``, ``var1``, ... and a Series named ``target``, as
    :func:`dask_ml.datasets.make_classification_df` gives them. The index
    numbers the rows from 0; each partition is one block, made by one task.

    Parameters
    ----------
    n_samples : int, default 10000
    response_rate : float in [0, 1], default 0.5
        Share of rows of class 1 (before the random labels).
    predictability : float in [0, 1], default 0.1
        Share of rows whose label follows the features: 1.0 is the easiest
        problem; the default 0.1 is deliberately hard (dask-ml's default).
    random_state : None, int, RandomState or Generator
        Seed of everything; an int gives the same data anywhere.
    chunks : int, str or None
        Rows per partition, as dask understands it (``None``: ``"auto"``).
    dates : (start, end), optional
        Adds a column ``date`` of random times between two dates or
        timestamps (to the second).
    **kwargs
        Other arguments of :func:`make_classification` (``n_features``,
        ``n_informative``, ``class_sep``, ...).

    Returns
    -------
    X : dask DataFrame
    y : dask Series of int64 named ``target``

    Examples
    --------
    >>> X, y = make_classification_df(n_samples=100, chunks=40, n_features=3, n_redundant=0,
    ...                               random_state=0, dates=("2026-01-01", "2026-12-31"))
    >>> list(X.columns), y.name, X.npartitions
    (['var0', 'var1', 'var2', 'date'], 'target', 3)
    >>> X.divisions
    (0, 40, 80, 99)
    """
    response_rate = check_fraction(response_rate, "response_rate")
    predictability = check_fraction(predictability, "predictability")
    defaults = {"weights": [1 - response_rate, response_rate], "flip_y": 1 - predictability}
    arguments = {**_CLASSIFICATION_DEFAULTS, **defaults, **kwargs}
    unknown = sorted(set(arguments) - set(_CLASSIFICATION_DEFAULTS))
    if unknown:
        raise TypeError(f"make_classification_df got an unexpected keyword argument {unknown[0]!r}")
    params, seed, rows = classification_params(
        n_samples=n_samples, random_state=random_state, chunks=chunks, **arguments
    )
    if dates is not None:
        start, end = (pd.Timestamp(date) for date in dates)
        dates = (start, int((end - start).total_seconds()))
    starts = np.concatenate([[0], np.cumsum(rows)])
    blocks = [(i, int(starts[i]), n) for i, n in enumerate(rows)]
    frame = dd.from_map(
        classification_frame_block,
        blocks,
        args=(params, seed, dates),
        meta=classification_frame_block((0, 0, 0), params, seed, dates),
        divisions=(*starts[:-1].tolist(), max(int(starts[-1]) - 1, 0)),
        label="make-classification-df",
        enforce_metadata=False,
    )
    return frame.drop(columns="target"), frame["target"]


#: The keyword arguments of make_classification that make_classification_df passes on.
_CLASSIFICATION_DEFAULTS = {
    "n_features": 20,
    "n_informative": 2,
    "n_redundant": 2,
    "n_repeated": 0,
    "n_classes": 2,
    "n_clusters_per_class": 2,
    "weights": None,
    "flip_y": 0.01,
    "class_sep": 1.0,
    "hypercube": True,
    "shift": 0.0,
    "scale": 1.0,
    "shuffle": True,
}


def classification_frame_block(block, params, seed, dates):
    """Partition ``block = (i, first_row, n_rows)`` of :func:`make_classification_df`, ``target`` included.

    Its rows are block ``i`` of :func:`make_classification` with the same
    arguments.

    Parameters
    ----------
    block : tuple of int
        ``(i, first_row, n_rows)``: the block's index, its first row's label
        and its number of rows.
    params : dict
        The parameters of :func:`make_classification` shared by every block.
    seed : int
        The dataset's seed.
    dates : tuple or None
        ``(start, seconds)``: a ``date`` column of times ``start`` plus a
        whole number of seconds drawn in ``[0, seconds]``; ``None``: none.

    Returns
    -------
    pandas.DataFrame
        Columns ``var0, var1, ...`` (and ``date``), then ``target``,
        indexed from ``first_row``.

    Examples
    --------
    >>> X, y = make_classification_df(n_samples=40, chunks=20, random_state=0)
    >>> X.partitions[1].compute().index[:2].tolist()  # made by classification_frame_block((1, 20, 20), ...)
    [20, 21]
    """
    i, first, n_rows = block
    X, y = classification_block(params, seed, i, n_rows)
    frame = pd.DataFrame(X, columns=[f"var{j}" for j in range(X.shape[1])], index=pd.RangeIndex(first, first + n_rows))
    if dates is not None:
        start, seconds = dates
        offsets = block_rng(seed, i, DATES_STREAM).integers(0, seconds + 1, size=n_rows)
        frame["date"] = start + pd.to_timedelta(offsets, unit="s")
    frame["target"] = y
    return frame
