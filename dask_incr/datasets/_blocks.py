"""What every generator shares: row blocks, random streams, argument checks, the graph.

Block ``i`` of a dataset with seed ``s`` draws from
``SeedSequence(s, spawn_key=(1, i))``; the small parameters shared by all
blocks (cluster centres, coefficients, ...) from ``spawn_key=(0,)``. So no
block depends on another, and the same seed and chunks give the same data on
any scheduler or machine.
"""

from __future__ import annotations

import numbers

import dask.array as da
import numpy as np
from dask.base import tokenize
from dask.highlevelgraph import HighLevelGraph
from dask.task_spec import DataNode, Task, TaskRef

__all__ = ["block_rng", "blocks_graph", "check_int", "check_fraction", "row_chunks", "shared_rng"]


def row_chunks(chunks, n_samples, n_features):
    """Row block sizes from dask-style ``chunks``; columns always form one chunk.

    Examples
    --------
    >>> row_chunks(40, 100, 3)
    (40, 40, 20)
    >>> row_chunks(((60, 40),), 100, 3)
    (60, 40)
    """
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


def block_rng(seed, i, stream=1):
    """The random generator of block ``i`` (``stream`` 2, 3, ... for extra per-block streams)."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(stream, i)))


def shared_rng(seed):
    """The random generator of the parameters all blocks share."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0,)))


def check_int(value, name, minimum):
    """``value`` as an int, or a ValueError naming ``name`` unless it is an integer >= ``minimum``.

    Examples
    --------
    >>> check_int(3, "n_features", 1)
    3
    >>> check_int(0, "n_features", 1)
    Traceback (most recent call last):
    ...
    ValueError: n_features must be an integer >= 1, got 0
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def check_fraction(value, name):
    """``value`` as a float, or a ValueError naming ``name`` unless it is in [0, 1].

    Examples
    --------
    >>> check_fraction(0.25, "flip_y")
    0.25
    >>> check_fraction(2, "flip_y")
    Traceback (most recent call last):
    ...
    ValueError: flip_y must be a number in [0, 1], got 2
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value <= 1:
        raise ValueError(f"{name} must be a number in [0, 1], got {value!r}")
    return float(value)


def blocks_graph(kind, block_function, params, seed, rows, outputs):
    """Arrays from one generating task per block; output ``j`` is item ``j`` of what it returns.

    ``block_function(params, seed, i, n_rows)`` makes block ``i``;
    ``outputs`` holds ``(shape_after_rows, dtype)`` per returned array.
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
