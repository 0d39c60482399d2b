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

import numbers

import numpy as np

__all__ = ["resolve_seed", "block_order", "row_seeds", "row_permutation"]

_SEED_BOUND = 2**63


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
    if random_state is None:
        return int(np.random.SeedSequence().entropy)
    if isinstance(random_state, (bool, np.bool_)):
        raise ValueError(f"{random_state!r} cannot be used to seed: random_state must be None, an int, a RandomState or a Generator")
    if isinstance(random_state, numbers.Integral):
        if random_state < 0:
            raise ValueError(f"random_state must be a non-negative integer, got {random_state}")
        return int(random_state)
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(np.iinfo(np.int32).max))
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(_SEED_BOUND))
    # ValueError, as scikit-learn's check_random_state raises for the same mistake.
    raise ValueError(
        f"{type(random_state).__module__}.{type(random_state).__name__} cannot be used to seed: "
        "random_state must be None, an int, a numpy RandomState or a numpy Generator"
    )


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
        Seed of the permutations (see :func:`resolve_seed`). Each epoch draws
        its own permutation from an independent stream.

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
    n_blocks = _check_count(n_blocks, "n_blocks", minimum=0)
    epochs = _check_count(epochs, "epochs", minimum=1)
    if not shuffle:
        return list(range(n_blocks)) * epochs
    order_stream, _ = _streams(resolve_seed(random_state))
    order = []
    for epoch_stream in order_stream.spawn(epochs):
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
    n_steps = _check_count(n_steps, "n_steps", minimum=0)
    _, rows_stream = _streams(resolve_seed(random_state))
    return rows_stream.generate_state(n_steps, dtype=np.uint64).tolist() if n_steps else []


def row_permutation(n_rows, seed):
    """The permutation of ``n_rows`` rows that a step with ``seed`` applies.

    Examples
    --------
    >>> row_permutation(5, 7).tolist() == row_permutation(5, 7).tolist()
    True
    >>> sorted(row_permutation(5, 7).tolist())
    [0, 1, 2, 3, 4]
    """
    return np.random.default_rng(seed).permutation(n_rows)


def _check_count(value, name, *, minimum):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)
