"""Blocks: every input kind, split into the row blocks a fit feeds, one per step.

X, y and sample_weight are split into the same row blocks: block ``i`` of each
input holds the same rows. Dask arrays with known chunks are realigned to X's
row chunks; in-memory data is one block, or is sliced along X's row chunks;
everything else must already have one block per block of X, and where sizes are
unknown until run time the step itself checks them.

This module owns the input kinds: :func:`coerce` is the one coercion of
in-memory data and :func:`dask_incr.graph.steps.n_rows` the one row counter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import dask
import dask.array as da
import dask.bag as db
import dask.dataframe as dd
import numpy as np
from dask.base import collections_to_expr
from dask.core import flatten
from dask.task_spec import DataNode, List, Task, TaskRef
from scipy import sparse

from .._validation import type_name
from .steps import concat_parts, n_rows, take_rows

__all__ = [
    "Blocks",
    "align_blocks",
    "check_input",
    "check_same_rows",
    "coerce",
    "known_rows",
    "optimize_frames",
    "row_blocks",
]

# Sparse formats whose rows can be indexed; the others become CSR.
_ROW_INDEXABLE = ("csr", "csc", "lil", "dok")


@dataclass(frozen=True)
class Blocks:
    """One input split into row blocks.

    Attributes
    ----------
    label : str
        What the input is (``"X"``, ``"y"``, ``"sample_weight"``), for messages.
    collection : dask collection or None
        What the fit graph depends on (``None`` for in-memory data).
    nodes : list
        Per block, a task-spec node that evaluates to its whole rows.
    sizes : tuple of float
        Rows per block; ``nan`` where unknown until run time.
    source : object
        What identifies the data in a token: the collection or the value.
    """

    label: str
    collection: object
    nodes: list
    sizes: tuple
    source: object = None

    @property
    def n_blocks(self):
        return len(self.nodes)

    @property
    def known_sizes(self):
        return not any(math.isnan(s) for s in self.sizes)


def coerce(value, label):
    """In-memory data as a fit reads it: row-indexable, with at least one dimension.

    numpy, pandas and row-indexable sparse data are kept as they are; other
    sparse formats (COO, BSR, DIA) become CSR; lists and tuples become numpy
    arrays. Anything else is refused naming the type that was passed.

    Examples
    --------
    >>> coerce([[1, 2], [3, 4]], "X").shape
    (2, 2)
    >>> coerce(sparse.coo_matrix(np.eye(2)), "X").format
    'csr'
    >>> coerce("abc", "y")
    Traceback (most recent call last):
    ...
    TypeError: y must be array-like (numpy, pandas, scipy.sparse, a list) or a dask collection, got str
    """
    if sparse.issparse(value):
        return value if value.format in _ROW_INDEXABLE else value.tocsr()
    if hasattr(value, "shape") and hasattr(value, "__getitem__"):
        if len(value.shape) == 0:
            raise ValueError(f"{label} must have at least one dimension, got a 0-d {type_name(value)}")
        return value
    if isinstance(value, (list, tuple)) or hasattr(value, "__array__"):
        array = np.asarray(value)
        if array.ndim == 0:
            raise ValueError(f"{label} must have at least one dimension, got an empty {type_name(value)}")
        return array
    raise TypeError(
        f"{label} must be array-like (numpy, pandas, scipy.sparse, a list) or a dask collection, "
        f"got {type_name(value)}"
    )


#: The dask collections a fit can split into row blocks.
DASK_KINDS = (da.Array, dd.DataFrame, dd.Series, db.Bag)


def check_input(value, label, *, optional=True):
    """``value`` as a fit reads it, or an error naming what it is: the first check of every input.

    A dask Array, DataFrame, Series or Bag is returned as it is, ``None`` as
    ``None`` when ``optional``, in-memory data through :func:`coerce`; any other dask
    collection (a ``Delayed``, say) is refused, before anything looks inside it.

    Examples
    --------
    >>> check_input([1, 2], "y").tolist()
    [1, 2]
    >>> check_input(dask.delayed(sum)([1, 2]), "X")
    Traceback (most recent call last):
    ...
    TypeError: X must be a dask Array, DataFrame, Series or Bag, or in-memory data, got dask.delayed.Delayed
    """
    if isinstance(value, da.Array) and value.ndim == 0:
        raise ValueError(f"{label} must have at least one dimension, got a 0-d dask array")
    if (value is None and optional) or isinstance(value, DASK_KINDS):
        return value
    if dask.is_dask_collection(value):
        raise TypeError(
            f"{label} must be a dask Array, DataFrame, Series or Bag, or in-memory data, got {type_name(value)}"
        )
    return coerce(value, label)


def known_rows(value):
    """The number of rows of ``value`` when known without computing, else ``None``.

    Examples
    --------
    >>> known_rows(np.ones((3, 2))), known_rows(da.ones(4, chunks=2)), known_rows(da.ones(4)[da.ones(4) > 0])
    (3, 4, None)
    """
    if isinstance(value, da.Array):
        return None if math.isnan(value.shape[0]) else int(value.shape[0])
    if value is None or dask.is_dask_collection(value):
        return None
    return n_rows(value)


def check_same_rows(X, value, label):
    """Refuse ``value`` (y, sample_weight) whose known number of rows differs from X's.

    Examples
    --------
    >>> check_same_rows(np.ones((3, 2)), np.ones(2), "y")
    Traceback (most recent call last):
    ...
    ValueError: X has 3 rows but y has 2
    """
    rows, other = known_rows(X), known_rows(value)
    if rows is not None and other is not None and rows != other:
        raise ValueError(f"X has {rows} rows but {label} has {other}")


def row_blocks(data, label="X", *, optimize=True):
    """Split a dask Array, DataFrame, Series or Bag into its row blocks.

    With ``optimize`` (the default), arrays are pre-optimised (their keys stay,
    upstream work is fused) and dataframes optimised by :func:`optimize_frames`
    (column projection, never a regrouping of partitions); keys are read from
    the optimised object, so they match its graph. :func:`align_blocks`
    optimises X, y and sample_weight together instead, so that what they
    share is read once.

    Examples
    --------
    >>> X = da.ones((5, 4), chunks=(2, 3))
    >>> blocks = row_blocks(X)
    >>> blocks.n_blocks, blocks.sizes
    (3, (2, 2, 1))
    """
    if isinstance(data, da.Array):
        if data.ndim == 0:
            raise ValueError(f"{label} must have at least one dimension, got a 0-d dask array")
        if optimize:
            (data,) = dask.optimize(data)
        grid = tuple(data.numblocks[1:])
        nodes = [_join(row, grid) for row in data.__dask_keys__()]
        return Blocks(label, data, nodes, tuple(data.chunks[0]), data)
    if isinstance(data, (dd.DataFrame, dd.Series)):
        graph = optimize_frames([data])[0] if optimize else data
        return _partitioned(graph, label, data)
    if isinstance(data, db.Bag):
        return _partitioned(data, label, data)
    raise TypeError(
        f"{label} must be a dask Array, DataFrame, Series or Bag, or in-memory data, got {type_name(data)}"
    )


def optimize_frames(frames):
    """dask DataFrames and Series optimised together, each keeping its partitions.

    One optimisation of all of them projects each read to the union of the
    columns they use, so that X, y and sample_weight cut from one frame share
    one read per partition that loads only those columns. Dask's tuning stage
    (``optimization.tune.active``) is turned off for it: it may fuse small
    parquet partitions (``FusedParquetIO``), so the optimised frames would hold
    fewer partitions than the user's, and each frame differently. Returns, per
    frame, what the fit depends on: its optimised expression (its keys and
    graph are read from it), or the frame as it is if optimising changed its
    number of partitions all the same.

    Examples
    --------
    >>> import pandas as pd
    >>> df = dd.from_pandas(pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0], "t": [0.0, 1.0]}), npartitions=2)
    >>> X, y = optimize_frames([df[["a"]], df["t"]])
    >>> X.npartitions, y.npartitions
    (2, 2)
    """
    with dask.config.set({"optimization.tune.active": False}):
        together = collections_to_expr(list(frames)).optimize(fuse=True)
    optimized = list(together.operands)  # a list gives a sequence of expressions, one per frame
    if any(new.npartitions != old.npartitions for new, old in zip(optimized, frames)):
        return list(frames)
    return optimized


def _partitioned(graph, label, source):
    """The blocks of a frame or bag: ``graph`` (the collection, or its optimised expression) holds its keys."""
    nodes = [TaskRef(key) for key in graph.__dask_keys__()]
    return Blocks(label, graph, nodes, (math.nan,) * len(nodes), source)


def _join(row, grid):
    """The node of one row block of an array: its chunk, or its chunks joined."""
    if isinstance(row, tuple):
        return TaskRef(row)
    keys = list(flatten(row))
    if len(keys) == 1:
        return TaskRef(keys[0])
    return Task(None, concat_parts, List(*(TaskRef(k) for k in keys)), grid)


def memory_blocks(value, sizes, label):
    """In-memory data cut along known row-block sizes; each block rides in its step's task.

    Examples
    --------
    >>> blocks = memory_blocks(np.arange(5), (2, 3), "y")
    >>> [node.value.tolist() for node in blocks.nodes]
    [[0, 1], [2, 3, 4]]
    """
    if len(sizes) == 1:
        nodes = [DataNode(None, value)]
    else:
        stops = np.cumsum(sizes).astype(int).tolist()
        nodes = [DataNode(None, take_rows(value, slice(a, b))) for a, b in zip([0] + stops[:-1], stops)]
    return Blocks(label, None, nodes, tuple(sizes), value)


def align_blocks(X, y=None, sample_weight=None):
    """Split X into row blocks and y and sample_weight along the same rows.

    Returns the :class:`Blocks` of X, y and sample_weight (``None`` where an
    input is ``None``). Raises naming the inputs and blocks that disagree,
    before anything is computed.

    Examples
    --------
    >>> X = da.ones((6, 2), chunks=3)
    >>> Xb, yb, wb = align_blocks(X, da.zeros(6, chunks=2))
    >>> yb.sizes, wb
    ((3, 3), None)
    >>> Xb, yb, _ = align_blocks(np.ones((4, 2)), [0, 1, 0, 1])
    >>> Xb.n_blocks, yb.sizes
    (1, (4,))
    """
    others = {"y": y, "sample_weight": sample_weight}
    if not dask.is_dask_collection(X):
        X = coerce(X, "X")
        _check_features(X.shape)
        Xb = memory_blocks(X, (n_rows(X),), "X")
        return (Xb, *(_align(value, Xb, label, {}) for label, value in others.items()))
    if isinstance(X, da.Array):
        _check_features(X.shape)
    if isinstance(X, dd.DataFrame) and len(X.columns) == 0:
        raise ValueError(
            "Found array with 0 feature(s) (a dask DataFrame without columns) while a minimum of 1 is required."
        )
    for label, value in others.items():
        _check_dims(value, label)
    # Frames are optimised together: what they share (a read, a
    # map_partitions upstream of X and y) runs once per block, reading only
    # the columns that any of them uses.
    frames = [v for v in (X, *others.values()) if isinstance(v, (dd.DataFrame, dd.Series))]
    graphs = dict(zip(map(id, frames), optimize_frames(frames) if frames else ()))
    if isinstance(X, da.Array):
        # Fusing X's per-block chains saves tasks at run time. Between several
        # arrays dask's fusion would inline a task they share (y computed from
        # X, or both from one generator) into each and run it twice per block;
        # unfused, optimising only culls, which the graph builder does anyway.
        alone = not any(isinstance(v, da.Array) for v in others.values())
        Xb = row_blocks(X, "X", optimize=alone)
    else:
        Xb = _blocks_of(X, "X", graphs)
    return (Xb, *(_align(value, Xb, label, graphs) for label, value in others.items()))


def _blocks_of(value, label, graphs):
    """The row blocks of ``value``; a frame's keys and graph are read from its optimised expression in ``graphs``."""
    if id(value) in graphs:
        return _partitioned(graphs[id(value)], label, value)
    return row_blocks(value, label, optimize=False)


def _check_features(shape):
    if len(shape) == 2 and shape[1] == 0:
        # scikit-learn's own wording, which its estimator checks expect
        raise ValueError(f"Found array with 0 feature(s) (shape={tuple(shape)}) while a minimum of 1 is required.")


def _check_dims(value, label):
    ndim = getattr(value, "ndim", None)
    if ndim is None:
        return
    if ndim == 0:
        raise ValueError(f"{label} must have at least one dimension, got a 0-d {type_name(value)}")
    if label == "sample_weight" and ndim != 1:
        raise ValueError(f"sample_weight must be 1-D, got a {ndim}-D {type_name(value)}")
    if label == "y" and ndim > 2:
        raise ValueError(f"y must be 1-D or 2-D, got a {ndim}-D {type_name(value)}")


def _align(value, Xb, label, graphs):
    """The row blocks of y or sample_weight, matching X's."""
    if value is None:
        return None
    if not dask.is_dask_collection(value):
        value = coerce(value, label)
        _check_dims(value, label)
        rows = n_rows(value)
        if not Xb.known_sizes:
            raise ValueError(
                f"{label} is in memory but the sizes of X's row blocks are unknown until "
                f"run time, so it cannot be split like X; pass {label} as a dask collection "
                "partitioned like X (e.g. a column of the same dataframe)"
            )
        if rows != sum(Xb.sizes):
            raise ValueError(f"X has {int(sum(Xb.sizes))} rows but {label} has {rows}")
        return memory_blocks(value, Xb.sizes, label)
    if Xb.collection is None:
        raise TypeError(
            f"X is in memory but {label} is a {type_name(value)}; pass both in memory or both as dask collections"
        )
    if isinstance(value, da.Array) and Xb.known_sizes and not any(map(math.isnan, value.chunks[0])):
        if value.shape[0] != sum(Xb.sizes):
            raise ValueError(f"X has {int(sum(Xb.sizes))} rows but {label} has {value.shape[0]}")
        if tuple(value.chunks[0]) != tuple(Xb.sizes):
            value = value.rechunk({0: Xb.sizes})
    blocks = _blocks_of(value, label, graphs)
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
