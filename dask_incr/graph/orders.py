"""Orders: which block each step of a fit visits, and how rows are shuffled.

Pure functions of plain inputs — no Dask here — so an order can be computed,
inspected and replayed anywhere, and is identical across processes, machines
and schedulers for the same integer seed.

Randomness follows numpy's recommended practice: one root
:class:`numpy.random.SeedSequence` per fit, from which independent child
streams are *spawned* — one per epoch for the block permutation, and one for
the per-step row seeds — instead of re-using one seed (which would repeat the
same permutation on every epoch).
"""

from __future__ import annotations

import math

import numpy as np

from .._validation import check_count, check_seed

__all__ = [
    "block_order",
    "held_out_blocks",
    "plan_order",
    "resolve_seed",
    "row_permutation",
    "row_seeds",
]

_SEED_BOUND = 2**63
_LEGACY_SEED_MASK = 2**32 - 1  # numpy.random.RandomState takes 32-bit seeds


def resolve_seed(random_state=None):
    """Turn a scikit-learn style ``random_state`` into one integer seed.

    Parameters
    ----------
    random_state : None, int, numpy.random.RandomState or numpy.random.Generator
        ``None`` draws fresh entropy from the operating system, an int is used
        as it is, a ``RandomState`` or ``Generator`` is asked for one integer
        (so it advances, as scikit-learn's conventions expect).

    Returns
    -------
    int
        A non-negative seed; passing it back in reproduces the same orders.

    Examples
    --------
    >>> resolve_seed(42)
    42
    >>> resolve_seed(np.random.RandomState(0)) == resolve_seed(np.random.RandomState(0))
    True
    """
    check_seed(random_state)
    if random_state is None:
        return int(np.random.SeedSequence().entropy)
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(np.iinfo(np.int32).max))
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(_SEED_BOUND))
    return int(random_state)


def _streams(seed):
    """The two independent child streams of a fit: block order, row seeds."""
    return np.random.SeedSequence(seed).spawn(2)


def block_order(n_blocks, *, shuffle=False, epochs=1, random_state=None):
    """The sequence of block indices a fit visits, one entry per step.

    Parameters
    ----------
    n_blocks : int
        Number of row blocks in the data.
    shuffle : bool, default False
        Visit each epoch's blocks in a random permutation instead of in order.
    epochs : int, default 1
        Number of passes over the data; each epoch visits every block once.
    random_state : None, int, RandomState or Generator
        Seed of the permutations (see :func:`resolve_seed`). The first epoch
        is ``numpy.random.RandomState(seed).permutation(n_blocks)``, the order
        dask-ml's ``Incremental`` visits with the same int seed; each later
        epoch draws its own permutation from an independent stream.

    Returns
    -------
    list of int
        ``epochs * n_blocks`` block indices.

    Examples
    --------
    >>> block_order(3, epochs=2)
    [0, 1, 2, 0, 1, 2]
    >>> order = block_order(4, shuffle=True, epochs=2, random_state=0)
    >>> sorted(order[:4]) == sorted(order[4:]) == [0, 1, 2, 3]
    True
    >>> order == block_order(4, shuffle=True, epochs=2, random_state=0)
    True
    """
    n_blocks = check_count(n_blocks, "n_blocks", minimum=0)
    epochs = check_count(epochs, "epochs", minimum=1)
    if not shuffle:
        return list(range(n_blocks)) * epochs
    seed = resolve_seed(random_state)
    order_stream, _ = _streams(seed)
    # The first pass shuffles as dask-ml does (a legacy RandomState seeded with
    # the int), so a user who migrates gets the same model; later epochs draw
    # from their own spawned streams.
    order = np.random.RandomState(seed & _LEGACY_SEED_MASK).permutation(n_blocks).tolist()
    for epoch_stream in order_stream.spawn(epochs)[1:]:
        order.extend(np.random.default_rng(epoch_stream).permutation(n_blocks).tolist())
    return order


def row_seeds(n_steps, *, random_state=None):
    """One integer seed per step for shuffling the rows inside its block.

    Parameters
    ----------
    n_steps : int
        Number of steps of the fit (``len(block_order(...))``).
    random_state : None, int, RandomState or Generator
        Seed (see :func:`resolve_seed`); independent of the block order's
        stream, so turning block shuffling on or off leaves row seeds as they are.

    Returns
    -------
    list of int

    Examples
    --------
    >>> seeds = row_seeds(3, random_state=0)
    >>> len(seeds), len(set(seeds))
    (3, 3)
    >>> seeds == row_seeds(3, random_state=0)
    True
    """
    n_steps = check_count(n_steps, "n_steps", minimum=0)
    _, rows_stream = _streams(resolve_seed(random_state))
    return rows_stream.generate_state(n_steps, dtype=np.uint64).tolist() if n_steps else []


def row_permutation(n_rows, seed):
    """The permutation of ``n_rows`` rows that a step with ``seed`` applies.

    Parameters
    ----------
    n_rows : int
        Rows in the block.
    seed : int
        The step's row seed (one of :func:`row_seeds`).

    Returns
    -------
    numpy.ndarray
        A permutation of ``range(n_rows)``, the same for the same seed.

    Examples
    --------
    >>> row_permutation(5, 7).tolist() == row_permutation(5, 7).tolist()
    True
    >>> sorted(row_permutation(5, 7).tolist())
    [0, 1, 2, 3, 4]
    """
    return np.random.default_rng(seed).permutation(n_rows)


def plan_order(n_blocks, *, shuffle_blocks=False, shuffle_rows=False, epochs=1, random_state=None):
    """The block order and per-step row seeds of a fit, from one seed.

    Returns ``(order, seeds, seed)``: ``seeds`` is ``None`` unless rows are
    shuffled, ``seed`` the integer that reproduces both (``None`` when nothing
    is random).

    Examples
    --------
    >>> plan_order(3, epochs=2)
    ([0, 1, 2, 0, 1, 2], None, None)
    >>> order, seeds, seed = plan_order(3, shuffle_blocks=True, random_state=5)
    >>> sorted(order), seeds, seed
    ([0, 1, 2], None, 5)
    """
    shuffled = shuffle_blocks or shuffle_rows
    seed = resolve_seed(random_state) if shuffled else None
    order = block_order(n_blocks, shuffle=shuffle_blocks, epochs=epochs, random_state=seed)
    seeds = row_seeds(len(order), random_state=seed) if shuffle_rows else None
    return order, seeds, seed


def held_out_blocks(n_blocks, fraction, seed, *, name="validation_fraction"):
    """The blocks held out for validation: ``ceil(fraction * n_blocks)`` of them, chosen by ``seed``.

    Drawn from a third stream spawned from the fit's root seed, independent
    of the block order's and the row seeds' streams. At least one block is
    held out and at least one is left to train on; ``name`` is the option
    ``fraction`` came from, for the message.

    Returns
    -------
    list of int
        Sorted block indices.

    Examples
    --------
    >>> held_out_blocks(10, 0.2, seed=0) == held_out_blocks(10, 0.2, seed=0)
    True
    >>> len(held_out_blocks(10, 0.2, seed=0)), len(held_out_blocks(10, 0.01, seed=0))
    (2, 1)
    >>> held_out_blocks(1, 0.1, seed=0)
    Traceback (most recent call last):
    ...
    ValueError: X has 1 row block: holding out validation_fraction=0.1 of them leaves none to train on; ...
    """
    n_blocks = check_count(n_blocks, "n_blocks", minimum=0)
    n_held = math.ceil(fraction * n_blocks - 1e-9)  # 0.1 * 30 is 3.0000000000000004
    n_held = max(1, n_held)
    if n_held >= n_blocks:
        plural = "" if n_blocks == 1 else "s"
        raise ValueError(
            f"X has {n_blocks} row block{plural}: holding out {name}={fraction} of them leaves "
            "none to train on; split X into more blocks, or pass validation=(X_val, y_val)"
        )
    stream = np.random.SeedSequence(resolve_seed(seed)).spawn(3)[2]
    return sorted(np.random.default_rng(stream).choice(n_blocks, size=n_held, replace=False).tolist())
