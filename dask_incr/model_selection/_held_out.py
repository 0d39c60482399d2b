"""The held-out set of a search: ``test_size`` of the rows, as dask-ml sizes it.

dask-ml holds out ``test_size`` of the rows, by default
``min(0.2, 1 / n_blocks)``. A search here draws them in one of two ways,
decided by how many blocks that fraction is worth:

* **whole blocks**, when ``test_size * n_blocks >= 1``: the
  ``ceil(test_size * n_blocks)`` blocks :func:`dask_incr.graph.orders.held_out_blocks`
  draws are never trained on; the search's block order visits the others, and
  every scoring round reads the held-out blocks once, one at a time, for all the
  models (X is not transformed: a training step loads one whole block);
* **rows of every block**, when there are fewer blocks (in-memory data is one
  block): ``ceil(test_size * rows)`` rows of each block, drawn from the
  block's own seed, are held out. Every training step loads its block and
  drops those rows; the held-out rows are read once, before the search, and
  kept in memory (they are ``test_size`` of a few blocks).

``fit(..., validation=(X_val, y_val))`` replaces the held-out set: nothing
of X is held out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
from scipy import sparse

from .._validation import type_name
from ..graph.blocks import align_blocks
from ..graph.orders import held_out_blocks

__all__ = ["Split", "default_test_size", "held_out_rows", "split"]


@dataclass(frozen=True)
class Split:
    """What a search trains on and what it scores on.

    Attributes
    ----------
    X, y : the training data (X itself when whole blocks are held out)
    train_blocks : list of int
        The blocks the training order visits.
    validation : tuple
        ``(X_val, y_val)``: dask collections read block by block at each
        scoring round, or in-memory data.
    test_blocks : list of int
        The whole blocks held out (empty otherwise).
    how : str
        ``"blocks"``, ``"rows"`` or ``"given"``.
    """

    X: object
    y: object
    train_blocks: list
    validation: tuple
    test_blocks: list
    how: str


def default_test_size(n_blocks):
    """dask-ml's default ``test_size``: ``min(0.2, 1 / n_blocks)``.

    Examples
    --------
    >>> default_test_size(2), default_test_size(40)
    (0.2, 0.025)
    """
    return min(0.2, 1 / n_blocks)


def held_out_rows(n_rows, test_size, seed, block):
    """The rows of block ``block`` (of ``n_rows``) held out: ``ceil(test_size * n_rows)`` of them, sorted.

    Drawn from ``(seed, block)`` alone, so a task that loads the block finds
    them again. A block keeps at least one row to train on.

    Examples
    --------
    >>> held_out_rows(10, 0.2, seed=0, block=3).size
    2
    >>> (held_out_rows(10, 0.2, 0, 3) == held_out_rows(10, 0.2, 0, 3)).all()
    np.True_
    """
    n_held = min(math.ceil(test_size * n_rows - 1e-9), max(n_rows - 1, 0))
    rng = np.random.default_rng([seed, block])
    return np.sort(rng.choice(n_rows, size=n_held, replace=False))


def split(X, y, test_size, seed, validation=None):
    """The :class:`Split` of ``X`` and ``y`` (see the module's docstring).

    Examples
    --------
    >>> X, y = da.ones((100, 2), chunks=10), da.zeros(100, chunks=10)
    >>> s = split(X, y, None, seed=0)
    >>> s.how, len(s.test_blocks), len(s.train_blocks)
    ('blocks', 1, 9)
    >>> s = split(X.compute(), y.compute(), None, seed=0)
    >>> s.how, s.X.shape, s.validation[0].shape
    ('rows', (80, 2), (20, 2))
    """
    n_blocks = align_blocks(X, y)[0].n_blocks
    if validation is not None:
        return Split(X, y, list(range(n_blocks)), validation, [], "given")
    test_size = default_test_size(n_blocks) if test_size is None else test_size
    if test_size * n_blocks >= 1 - 1e-9:
        test_blocks = held_out_blocks(n_blocks, test_size, seed, name="test_size")
        train = [b for b in range(n_blocks) if b not in set(test_blocks)]
        return Split(X, y, train, _blocks_of(X, y, test_blocks), test_blocks, "blocks")
    X_train, y_train, X_test, y_test = _split_rows(X, y, test_size, seed)
    return Split(X_train, y_train, list(range(n_blocks)), (X_test, y_test), [], "rows")


def _blocks_of(X, y, blocks):
    """The row blocks ``blocks`` of X and y, as collections (lazy: nothing is loaded)."""
    if isinstance(X, da.Array):
        if isinstance(y, da.Array):
            y = y if y.chunks[0] == X.chunks[0] else y.rechunk({0: X.chunks[0]})
            return X.blocks[blocks], y.blocks[blocks]
        if y is not None and not dask.is_dask_collection(y) and not any(map(math.isnan, X.chunks[0])):
            return X.blocks[blocks], _take(y, _block_rows(X.chunks[0], blocks))
        if y is None:
            return X.blocks[blocks], None
    if isinstance(X, (dd.DataFrame, dd.Series)) and isinstance(y, (dd.DataFrame, dd.Series, type(None))):
        return X.partitions[blocks], None if y is None else y.partitions[blocks]
    raise TypeError(
        f"blocks cannot be held out of X ({type_name(X)}) and y ({type_name(y)}): pass "
        "fit(..., validation=(X_val, y_val)), or X a dask Array with y a dask or numpy array, "
        "or X a dask DataFrame with y a dask Series"
    )


def _block_rows(chunks, blocks):
    """The row numbers of ``blocks`` given the row ``chunks``."""
    stops = np.cumsum(chunks)
    return np.concatenate([np.arange(stops[b] - chunks[b], stops[b]) for b in blocks]).astype(int)


def _split_rows(X, y, test_size, seed):
    """``(X_train, y_train, X_test, y_test)``: rows of every block held out, the held-out ones computed."""
    if not dask.is_dask_collection(X) and not dask.is_dask_collection(y):
        held = held_out_rows(_n_rows(X), test_size, seed, 0)
        keep = np.setdiff1d(np.arange(_n_rows(X)), held)
        return _take(X, keep), _take(y, keep), _take(X, held), _take(y, held)
    if isinstance(X, da.Array) and not any(map(math.isnan, X.chunks[0])):
        X_train, X_test = _array_parts(X, test_size, seed)
        y_train, y_test = _targets_along(y, X.chunks[0], test_size, seed)
    elif isinstance(X, (dd.DataFrame, dd.Series)) and isinstance(y, (dd.DataFrame, dd.Series, type(None))):
        X_train, X_test = _frame_parts(X, test_size, seed)
        y_train, y_test = (None, None) if y is None else _frame_parts(y, test_size, seed)
    else:
        raise TypeError(
            f"rows cannot be held out of X ({type_name(X)}) and y ({type_name(y)}): pass "
            "fit(..., validation=(X_val, y_val)), or X a dask Array with known chunk sizes "
            "(X.compute_chunk_sizes()) and y a dask or numpy array, or X a dask DataFrame with y a dask Series"
        )
    # The held-out rows are test_size of a few blocks: read once, kept in memory.
    X_test, y_test = dask.compute(X_test, y_test)
    return X_train, y_train, X_test, y_test


def _array_parts(A, test_size, seed):
    """``(train, held)`` of a dask Array: every row block split by :func:`held_out_rows`."""
    held = [held_out_rows(n, test_size, seed, b).size for b, n in enumerate(A.chunks[0])]
    train_chunks = (tuple(n - h for n, h in zip(A.chunks[0], held)), *A.chunks[1:])
    held_chunks = (tuple(held), *A.chunks[1:])
    kwargs = dict(test_size=test_size, seed=seed, dtype=A.dtype)
    train = A.map_blocks(_train_part, chunks=train_chunks, **kwargs)
    return train, A.map_blocks(_held_part, chunks=held_chunks, **kwargs)


def _targets_along(y, chunks, test_size, seed):
    """``(train, held)`` of y along X's row ``chunks``."""
    if y is None:
        return None, None
    if isinstance(y, da.Array):
        return _array_parts(y if y.chunks[0] == chunks else y.rechunk({0: chunks}), test_size, seed)
    if dask.is_dask_collection(y):
        raise TypeError(f"y ({type_name(y)}) cannot be split along a dask Array X: pass a dask or numpy array")
    stops = np.cumsum(chunks).astype(int)
    held = [start + held_out_rows(n, test_size, seed, b) for b, (start, n) in enumerate(zip(stops - chunks, chunks))]
    held = np.concatenate(held).astype(int)
    keep = np.setdiff1d(np.arange(_n_rows(y)), held)
    return _take(y, keep), _take(y, held)


def _frame_parts(frame, test_size, seed):
    kwargs = dict(test_size=test_size, seed=seed, meta=frame._meta)
    return frame.map_partitions(_train_part, **kwargs), frame.map_partitions(_held_part, **kwargs)


def _block_number(block_id, partition_info):
    return block_id[0] if block_id is not None else partition_info["number"]


def _train_part(block, test_size, seed, block_id=None, partition_info=None):
    """The rows of one block that are trained on (a task: map_blocks / map_partitions)."""
    if partition_info is None and block_id is None:  # dask's meta probe
        return block
    held = held_out_rows(_n_rows(block), test_size, seed, _block_number(block_id, partition_info))
    return _take(block, np.setdiff1d(np.arange(_n_rows(block)), held))


def _held_part(block, test_size, seed, block_id=None, partition_info=None):
    """The held-out rows of one block (a task)."""
    if partition_info is None and block_id is None:
        return block
    return _take(block, held_out_rows(_n_rows(block), test_size, seed, _block_number(block_id, partition_info)))


def _n_rows(data):
    return data.shape[0] if hasattr(data, "shape") else len(data)


def _take(data, rows):
    """Rows ``rows`` of in-memory data (numpy, pandas, sparse, a list); ``None`` stays ``None``."""
    if data is None:
        return None
    if isinstance(data, (pd.DataFrame, pd.Series)):
        return data.iloc[rows]
    if sparse.issparse(data):
        return data.tocsr()[rows]
    return np.asarray(data)[rows]
