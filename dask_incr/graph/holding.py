"""Holding: which input tasks that every block needs are computed once and held, and which each step reads again.

Tasks that most blocks need (the *shared* frontier of
:func:`dask_incr.graph.localize.analyse`) are computed once, before the chain,
and held for the whole fit. That is cheap for a reduction's small result
(``X.mean(axis=0)`` inside ``y``), and breaks the block bound when each output
block reads every source chunk: a global row permutation ``X[perm]`` makes
every chunk of the data shared, and holding them holds the whole dataset.

:func:`held_shared` is the rule: shared tasks are held, smallest first, while
what is held stays within the blocks' own bound (``prefetch + 1`` blocks of
X, y and sample_weight); the others are read again by each step that needs
them, as a plain loop over the blocks does, and :func:`reread_warning` says so
once, before any work. Sizes are estimated from what dask knows without
computing: the chunk sizes and dtypes of dask arrays (each array layer's
``collection_annotations``). Where a size is unknown (dataframes, a task that
is no array chunk) the task is held, as before; so is anything that fits in
:data:`MIN_HELD` (1 MiB) in all.
"""

from __future__ import annotations

import math

import dask.array as da
import numpy as np
from dask.base import is_dask_collection

__all__ = [
    "MIN_HELD",
    "RereadWarning",
    "block_nbytes",
    "chunk_nbytes",
    "hold_budget",
    "held_shared",
    "layer_chunks",
    "reread_warning",
]

#: Shared tasks this small in all are always held: re-reading them would save
#: nothing that matters (a one-chunk ``y`` every block slices, tiny blocks).
MIN_HELD = 2**20


class RereadWarning(UserWarning):
    """A fit reads some input again at every step rather than hold it all (a global row permutation, say).

    Examples
    --------
    >>> issubclass(RereadWarning, UserWarning)
    True
    """


def layer_chunks(collections):
    """Per array layer of ``collections``' graphs, ``(chunks, itemsize)``: what sizes its chunks without computing.

    Layers of object dtype or with unknown chunk sizes are left out.

    Examples
    --------
    >>> X = da.ones((6, 2), chunks=(4, 2))
    >>> layer_chunks([X])[X.name]
    (((4, 2), (2,)), 8)
    """
    layers = {}
    for collection in collections:
        graph = collection.__dask_graph__()
        for name, layer in getattr(graph, "layers", {}).items():
            annotations = getattr(layer, "collection_annotations", None) or {}
            chunks, dtype = annotations.get("chunks"), annotations.get("dtype")
            if chunks is None or dtype is None or np.dtype(dtype).hasobject:
                continue
            if any(math.isnan(size) for sizes in chunks for size in sizes):
                continue
            layers[name] = (tuple(map(tuple, chunks)), np.dtype(dtype).itemsize)
    return layers


def chunk_nbytes(key, layers):
    """The bytes of the array chunk ``key`` (``(name, i, j, ...)``), or ``None`` when not known.

    Examples
    --------
    >>> X = da.ones((6, 2), chunks=(4, 2))
    >>> chunk_nbytes((X.name, 1, 0), layer_chunks([X])), chunk_nbytes(("other", 0), {})
    (32, None)
    """
    if not isinstance(key, tuple) or key[0] not in layers:
        return None
    chunks, itemsize = layers[key[0]]
    index = key[1:]
    if len(index) != len(chunks):
        return None
    return int(math.prod(sizes[i] for sizes, i in zip(chunks, index))) * itemsize


def block_nbytes(inputs):
    """The bytes of the largest row block of X, y and sample_weight together, or ``None`` when not known.

    ``inputs`` are ``(X, y, sample_weight)`` as a fit takes them: X a dask
    array of known row chunks, y and sample_weight dask arrays, in-memory
    arrays or ``None``; anything else (a dataframe, a bag, sizes unknown
    until run time) makes the size unknown.

    Examples
    --------
    >>> block_nbytes([da.ones((6, 2), chunks=(4, 2)), np.ones(6), None])
    96
    """
    X = inputs[0]
    if not isinstance(X, da.Array) or any(math.isnan(size) for size in X.chunks[0]):
        return None
    row_bytes = 0
    for value in inputs:
        if value is None:
            continue
        if isinstance(value, da.Array):
            row_bytes += math.prod(value.shape[1:]) * value.dtype.itemsize
        elif is_dask_collection(value) or not hasattr(value, "nbytes") or not getattr(value, "shape", ()):
            return None
        else:  # in memory, sliced along X's blocks
            row_bytes += value.nbytes / max(value.shape[0], 1)
    return None if math.isnan(row_bytes) else int(max(X.chunks[0]) * row_bytes)


def hold_budget(block, prefetch):
    """What holding shared tasks may cost: ``prefetch + 1`` blocks of ``block`` bytes, at least :data:`MIN_HELD`.

    ``None`` (unknown) when the block size is.

    Examples
    --------
    >>> hold_budget(2**20, 1) == 2 * 2**20, hold_budget(10, 0) == MIN_HELD, hold_budget(None, 1)
    (True, True, None)
    """
    return None if block is None else max(((prefetch or 0) + 1) * block, MIN_HELD)


def held_shared(shared, nbytes, budget):
    """The shared keys to hold: those of unknown size, and the smallest others while they fit in ``budget`` bytes.

    Parameters
    ----------
    shared : iterable of keys
        The tasks every block needs, computed once if held.
    nbytes : callable
        ``nbytes(key)`` -> estimated bytes of its result, or ``None``.
    budget : int or None
        What holding may cost: the blocks' own bound. ``None`` (unknown)
        holds everything.

    Returns
    -------
    frozenset
        The keys to hold; the others are read again by each step.

    Examples
    --------
    >>> sizes = {"mean": 8, "chunk-0": 800, "chunk-1": 800, "unknown": None}
    >>> sorted(held_shared(sizes, sizes.get, budget=1000))
    ['chunk-0', 'mean', 'unknown']
    >>> sorted(held_shared(sizes, sizes.get, budget=None))
    ['chunk-0', 'chunk-1', 'mean', 'unknown']
    """
    shared = list(shared)
    if budget is None:
        return frozenset(shared)
    sized = {key: nbytes(key) for key in shared}
    held = {key for key, size in sized.items() if size is None}
    total = 0
    for key in sorted((k for k in shared if k not in held), key=lambda k: (sized[k], str(k))):
        if total + sized[key] > budget:
            break
        total += sized[key]
        held.add(key)
    return frozenset(held)


def reread_warning(reread, nbytes, budget, n_steps):
    """The :class:`RereadWarning` of a fit whose ``n_steps`` steps each read ``reread`` again.

    Examples
    --------
    >>> sizes = {("chunk", i): 2**20 for i in range(4)}
    >>> message = str(reread_warning(sizes, sizes.get, 2**21, 8))
    >>> print(message[:62])
    every block of this fit needs the same 4 input tasks (4.0 MiB,
    >>> "each of the 8 steps reads them again" in message, message.endswith("shuffle_rows=True")
    (True, True)
    """
    size = sum(nbytes(key) or 0 for key in reread)
    return RereadWarning(
        f"every block of this fit needs the same {len(reread)} input tasks ({_mib(size)}, more than the "
        f"{_mib(budget)} it may hold: what its blocks in memory at once take): rather than hold them for "
        "the whole fit, "
        f"each of the {n_steps} steps reads them again, as a loop over the blocks would (about "
        f"{_mib(size * n_steps)} read in all instead of {_mib(size)}). A global row permutation "
        "(X[perm], y[perm]) does this; to shuffle without it, keep the blocks as they are and pass "
        "shuffle_blocks=True, shuffle_rows=True"
    )


def _mib(nbytes):
    """``nbytes`` for a reader: in KiB below 1 MiB, else in MiB."""
    return f"{nbytes / 2**10:.1f} KiB" if nbytes < 2**20 else f"{nbytes / 2**20:.1f} MiB"
