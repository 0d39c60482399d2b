"""Blocks: from a collection to the row blocks a fit feeds, one per step.

X, y and sample_weight are split into the same row blocks: block ``i`` of each
input holds the same rows. Dask arrays with known chunks are realigned to X's
row chunks; in-memory y or sample_weight is sliced along X's row chunks;
everything else must already have one block per block of X, and where sizes are
unknown until run time the step itself checks them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
from dask.base import tokenize
from dask.core import flatten
from dask.task_spec import DataNode, List, Task, TaskRef

from .steps import concat_parts, slice_rows

__all__ = ["Blocks", "row_blocks", "split_like", "align_blocks", "is_dask_collection_like"]


@dataclass(frozen=True)
class Blocks:
    """One input split into row blocks.

    Attributes
    ----------
    label : str
        What the input is (``"X"``, ``"y"``, ``"sample_weight"``), for messages.
    collection : dask collection or None
        What the fit graph depends on (``None`` for in-memory data).
    parts : list
        Per block, the keys of its chunks in C order over the non-row axes; for
        in-memory data, the ``(start, stop)`` rows of the block.
    grid : tuple of int
        Number of chunks along each non-row axis.
    sizes : tuple of float
        Rows per block; ``nan`` where unknown until run time.
    data : DataNode or None
        The in-memory value the blocks are sliced from.
    """

    label: str
    collection: object
    parts: list
    grid: tuple = ()
    sizes: tuple = ()
    data: DataNode | None = field(default=None, repr=False)

    @property
    def n_blocks(self):
        return len(self.parts)

    @property
    def known_sizes(self):
        return not any(math.isnan(s) for s in self.sizes)

    def node(self, i):
        """A task-spec node that evaluates to block ``i`` (whole rows)."""
        if self.data is not None:
            if self.n_blocks == 1:  # the whole value: no slicing, any array-like
                return TaskRef(self.data.key)
            start, stop = self.parts[i]
            return Task(None, slice_rows, TaskRef(self.data.key), start, stop)
        keys = self.parts[i]
        if len(keys) == 1:
            return TaskRef(keys[0])
        return Task(None, concat_parts, List(*(TaskRef(k) for k in keys)), self.grid)


def is_dask_collection_like(obj):
    """Whether ``obj`` is a lazy Dask collection (array, dataframe, delayed, …)."""
    return dask.is_dask_collection(obj)


def row_blocks(data, label="X", *, optimize=True):
    """Split a dask Array, DataFrame or Series into its row blocks.

    With ``optimize`` (the default), arrays are pre-optimised (their keys stay,
    upstream work is fused) and dataframes optimised with their own
    ``.optimize()`` (column projection, fusion); keys are read from the
    optimised object, so they match its graph. :func:`align_blocks` turns it
    off where optimising X, y and sample_weight apart would duplicate work they
    share.

    Examples
    --------
    >>> X = da.ones((5, 4), chunks=(2, 3))
    >>> blocks = row_blocks(X)
    >>> blocks.n_blocks, blocks.grid, blocks.sizes
    (3, (2,), (2, 2, 1))
    """
    if isinstance(data, da.Array):
        if data.ndim == 0:
            raise ValueError(f"{label} must have at least one dimension, got a 0-d array")
        if optimize:
            (data,) = dask.optimize(data)
        parts = [[row] if isinstance(row, tuple) else list(flatten(row)) for row in data.__dask_keys__()]
        return Blocks(label, data, parts, tuple(data.numblocks[1:]), tuple(data.chunks[0]))
    if isinstance(data, (dd.DataFrame, dd.Series)):
        optimized = data.optimize() if optimize else data
        # Optimising may regroup partitions (parquet files are combined when
        # few columns are read), so X and y taken from one frame would no
        # longer pair up; keys and graph are then read from the frame as it is.
        if optimized.npartitions == data.npartitions:
            data = optimized
        parts = [[key] for key in data.__dask_keys__()]
        return Blocks(label, data, parts, (), (math.nan,) * len(parts))
    raise TypeError(
        f"{label} must be a dask Array, DataFrame or Series, or numpy / pandas data, "
        f"got {type(data).__module__}.{type(data).__name__}"
    )


def split_like(value, sizes, label):
    """Split in-memory data along known row-block sizes."""
    stops = np.cumsum(sizes).astype(int).tolist()
    starts = [0] + stops[:-1]
    node = DataNode(f"{label}-{tokenize(value)}", value)
    return Blocks(label, None, list(zip(starts, stops)), (), tuple(sizes), node)


def as_array_like(value):
    """In-memory data as it is when it has a shape (numpy, pandas, sparse), else a numpy array.

    Examples
    --------
    >>> as_array_like([[1, 2], [3, 4]]).shape
    (2, 2)
    """
    return value if hasattr(value, "shape") else np.asarray(value)


def _n_rows(value):
    shape = getattr(value, "shape", None)
    if shape is not None:
        return shape[0] if len(shape) else None
    try:
        return len(value)
    except TypeError:
        return None


def align_blocks(X, y=None, sample_weight=None):
    """Split X into row blocks and y and sample_weight along the same rows.

    Returns the :class:`Blocks` of X, y and sample_weight (``None`` where an
    input is ``None``). Raises ``ValueError`` naming the inputs and blocks that
    disagree, before anything is computed.

    Examples
    --------
    >>> X = da.ones((6, 2), chunks=3)
    >>> Xb, yb, wb = align_blocks(X, da.zeros(6, chunks=2))
    >>> yb.sizes, wb
    ((3, 3), None)
    """
    # Each frame optimised apart would get its own fused copy of the work the
    # frames share (a map_partitions upstream of X and y runs twice per
    # partition); frames that share tasks are used as they are, so that work
    # runs once, and the graph builder fuses each partition's own tasks.
    optimize_frames = not _frames_share_work(X, y, sample_weight)
    Xb = row_blocks(X, "X", optimize=optimize_frames and not isinstance(X, da.Array))
    others = {"y": y, "sample_weight": sample_weight}
    for label, value in others.items():
        if value is not None:
            others[label] = _realign(value, Xb, label)
    if isinstance(X, da.Array) and not any(isinstance(v, da.Array) for v in others.values()):
        # Fusing X's per-block chains saves tasks at run time. Between several
        # arrays dask's fusion would inline a task they share (y computed from
        # X, or both from one generator) into each and run it twice per block;
        # unfused, optimising only culls, which the graph builder does anyway.
        Xb = row_blocks(X, "X", optimize=True)
    aligned = [Xb]
    for label, value in others.items():
        aligned.append(None if value is None else _align(value, Xb, label, optimize_frames))
    return tuple(aligned)


def _frames_share_work(*values):
    """Whether two of the dask DataFrames / Series among ``values`` share an expression.

    Read from the expression trees (``frame.expr.walk()``), which costs
    microseconds; materialising the graphs to compare their keys cost as much
    as the rest of the build.

    Examples
    --------
    >>> import pandas as pd
    >>> df = dd.from_pandas(pd.DataFrame({"a": [1.0, 2.0], "t": [0.0, 1.0]}), npartitions=1) * 2
    >>> other = dd.from_pandas(pd.Series([5.0, 6.0]), npartitions=1)
    >>> _frames_share_work(df[["a"]], df["t"]), _frames_share_work(df[["a"]], other)
    (True, False)
    """
    frames = [v for v in values if isinstance(v, (dd.DataFrame, dd.Series))]
    if len(frames) < 2:
        return False
    seen = set()
    for frame in frames:
        tokens = {tokenize(expr) for expr in frame.expr.walk()}
        if seen & tokens:
            return True
        seen |= tokens
    return False
    seen = set()
    for frame in frames:
        keys = set(frame.__dask_graph__().keys())
        if seen & keys:
            return True
        seen |= keys
    return False


def _realign(value, Xb, label):
    """Check y or sample_weight against X; rechunk a dask array to X's rows."""
    if isinstance(value, da.Array) and value.ndim == 0:
        raise ValueError(f"{label} must have at least one dimension, got a 0-d array")
    if label == "sample_weight" and getattr(value, "ndim", 1) != 1:
        raise ValueError(f"sample_weight must be 1-D, got {value.ndim} dimensions")
    if label == "y" and getattr(value, "ndim", 1) > 2:
        raise ValueError(f"y must be 1-D or 2-D, got {value.ndim} dimensions")
    if isinstance(value, da.Array) and Xb.known_sizes and not any(map(math.isnan, value.chunks[0])):
        if value.shape[0] != sum(Xb.sizes):
            raise ValueError(f"X has {int(sum(Xb.sizes))} rows but {label} has {value.shape[0]}")
        if tuple(value.chunks[0]) != tuple(Xb.sizes):
            value = value.rechunk({0: Xb.sizes})
    return value


def _align(value, Xb, label, optimize_frames=True):
    """The row blocks of y or sample_weight, matching X's."""
    if not dask.is_dask_collection(value):
        value = as_array_like(value)
        rows = _n_rows(value)
        if rows is None:
            raise TypeError(f"{label} must be array-like, got {type(value).__name__}")
        if not Xb.known_sizes:
            raise ValueError(
                f"{label} is in memory but the sizes of X's row blocks are unknown until "
                f"run time, so it cannot be split like X; pass {label} as a dask collection "
                "partitioned like X (e.g. a column of the same dataframe)"
            )
        if rows != sum(Xb.sizes):
            raise ValueError(f"X has {int(sum(Xb.sizes))} rows but {label} has {rows}")
        return split_like(value, Xb.sizes, label)
    blocks = row_blocks(value, label, optimize=optimize_frames and not isinstance(value, da.Array))
    if blocks.n_blocks != Xb.n_blocks:
        raise ValueError(
            f"X has {Xb.n_blocks} row blocks but {label} has {blocks.n_blocks}, and they "
            f"cannot be realigned without computing their sizes; repartition {label} like X"
        )
    mismatched = [
        i for i, (a, b) in enumerate(zip(Xb.sizes, blocks.sizes)) if not (math.isnan(a) or math.isnan(b)) and a != b
    ]
    if mismatched:
        i = mismatched[0]
        raise ValueError(
            f"row block {i} of X has {int(Xb.sizes[i])} rows but {label}'s has {int(blocks.sizes[i])} "
            f"(blocks {mismatched} disagree)"
        )
    return blocks
