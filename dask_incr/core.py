"""Functional layer: ``fit_blocks``, incremental fitting in one call."""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import dask
import dask.array as da
import numpy as np
from dask.base import get_scheduler, tokenize
from dask.delayed import Delayed
from dask.local import get_sync

from .blocks import align_blocks, as_array_like, split_like
from .graph import build_chain, gc_paused, holds_collections
from .orders import block_order, resolve_seed, row_seeds
from .steps import partial_fit_step

__all__ = [
    "fit_blocks",
    "plan_fit",
    "FitPlan",
    "check_incremental",
    "plan_order",
    "compute_with_progress",
    "read_ahead",
]

DEFAULT_PREFETCH = 1


def check_incremental(estimator):
    """Raise ``TypeError`` unless ``estimator`` is an instance with ``partial_fit``.

    Examples
    --------
    >>> from sklearn.linear_model import SGDClassifier
    >>> check_incremental(SGDClassifier())
    >>> check_incremental(SGDClassifier)
    Traceback (most recent call last):
    ...
    TypeError: pass an estimator instance, not the class SGDClassifier; e.g. SGDClassifier()
    """
    if isinstance(estimator, type):
        raise TypeError(
            f"pass an estimator instance, not the class {estimator.__name__}; e.g. {estimator.__name__}()"
        )
    if not callable(getattr(estimator, "partial_fit", None)):
        raise TypeError(
            f"{type(estimator).__name__} has no partial_fit method, so it cannot learn block "
            "by block; use an estimator that supports incremental learning "
            "(e.g. SGDClassifier, MiniBatchKMeans, IncrementalPCA)"
        )


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


def _in_memory(X):
    return not dask.is_dask_collection(X)


@dataclass(frozen=True)
class FitPlan:
    """What a fit will do, before it runs.

    Attributes
    ----------
    order : list of int
        The block each step visits.
    row_seeds : list of int or None
        Per-step seeds of the in-block row shuffle (``None``: rows in order).
    seed : int or None
        The seed that reproduces ``order`` and ``row_seeds``
        (``None`` when nothing is shuffled).
    result : Delayed
        The fitted model; its key is the last step ``(fit-<token>, len(order) - 1)``.
    """

    order: list
    row_seeds: list | None
    seed: int | None
    result: Delayed


def plan_fit(
    estimator,
    X,
    y=None,
    *,
    sample_weight=None,
    shuffle_blocks=False,
    shuffle_rows=False,
    epochs=1,
    random_state=None,
    prefetch=DEFAULT_PREFETCH,
    **fit_kwargs,
):
    """Validate the inputs and build the fit, without running it.

    Takes the arguments of :func:`fit_blocks` and returns a :class:`FitPlan`;
    ``fit_blocks`` computes its ``result``. Raises before any compute on bad
    input.

    Examples
    --------
    >>> import dask.array as da
    >>> from sklearn.preprocessing import StandardScaler
    >>> X = da.ones((30, 2), chunks=10)
    >>> plan = plan_fit(StandardScaler(), X, epochs=2, shuffle_blocks=True, random_state=0)
    >>> len(plan.order), sorted(plan.order[:3]), plan.seed
    (6, [0, 1, 2], 0)
    >>> int(plan.result.compute().n_samples_seen_)
    60
    """
    check_incremental(estimator)
    with gc_paused():
        return _plan(estimator, X, y, sample_weight, shuffle_blocks, shuffle_rows, epochs, random_state, prefetch, fit_kwargs)


def _plan(estimator, X, y, sample_weight, shuffle_blocks, shuffle_rows, epochs, random_state, prefetch, fit_kwargs):
    if _in_memory(X):
        X = as_array_like(X)
        rows = _memory_rows(X)
        Xb = split_like(X, (rows,), "X")
        _, yb, wb = align_blocks(_one_block_view(rows), y, sample_weight)
    else:
        Xb, yb, wb = align_blocks(X, y, sample_weight)
    if Xb.known_sizes and sum(Xb.sizes) == 0:
        raise ValueError("X has no rows to fit")
    order, seeds, seed = plan_order(
        Xb.n_blocks, shuffle_blocks=shuffle_blocks, shuffle_rows=shuffle_rows, epochs=epochs, random_state=random_state
    )
    inputs = [tuple(b.node(i) if b is not None else None for b in (Xb, yb, wb)) for i in order]
    sources = [(b.collection, b.data) if b is not None else None for b in (Xb, yb, wb)]
    dependencies = [d for source in sources if source is not None for d in source if d is not None]
    name = "fit-" + tokenize(estimator, sources, order, seeds, fit_kwargs, prefetch, partial_fit_step)
    graph, key = build_chain(
        estimator,
        inputs,
        name=name,
        fit_kwargs=fit_kwargs,
        dependencies=dependencies,
        blocks=order,
        row_seeds=seeds,
        prefetch=prefetch,
    )
    return FitPlan(order, seeds, seed, Delayed(key, graph, layer=name))


def fit_blocks(
    estimator,
    X,
    y=None,
    *,
    sample_weight=None,
    shuffle_blocks=False,
    shuffle_rows=False,
    epochs=1,
    random_state=None,
    prefetch=DEFAULT_PREFETCH,
    progress=False,
    compute=True,
    **fit_kwargs,
):
    """Fit ``estimator`` with one ``partial_fit`` call per row block of ``X``.

    Parameters
    ----------
    estimator : estimator with ``partial_fit``
        Never changed: the fit starts from a copy of it.
    X : dask Array, DataFrame or Series, or numpy / pandas data
        Row blocks are fed whole (column chunks are joined). In-memory data
        is one block: a single ``partial_fit`` call per epoch.
    y : dask or in-memory 1-D or 2-D data, optional
        Split along X's row blocks; ``None`` for unsupervised estimators.
    sample_weight : dask or in-memory 1-D data, optional
        Split along X's row blocks like ``y``.
    shuffle_blocks : bool, default False
        Visit the blocks of each epoch in a random order.
    shuffle_rows : bool, default False
        Shuffle the rows inside each block (X, y and sample_weight together).
    epochs : int, default 1
        Passes over the data; the chain has ``epochs * n_blocks`` steps.
    random_state : None, int, RandomState or Generator
        Seed of the shuffles; an int reproduces them anywhere.
    prefetch : int or None, default 1
        At most this many blocks are loaded ahead of the step being fitted
        (``None``: unbounded). A fit computed on the synchronous scheduler
        reads nothing ahead, whatever is asked (see :func:`dask_incr.core.read_ahead`).
    progress : bool, default False
        Show a progress bar (``dask.diagnostics.ProgressBar`` on the local
        schedulers, ``distributed.progress`` with a distributed client).
    compute : bool, default True
        Return the fitted estimator; with ``False`` a ``Delayed`` of it.
    **fit_kwargs
        Passed to every ``partial_fit`` (e.g. ``classes``). Dask collections
        among them are computed once, before the first step.

    Returns
    -------
    estimator or Delayed
        A fitted copy of ``estimator``.

    See Also
    --------
    plan_fit : the same fit, with its order, before it runs.

    Examples
    --------
    >>> import dask.array as da
    >>> from sklearn.linear_model import SGDClassifier
    >>> X = da.random.default_rng(0).normal(size=(100, 3), chunks=25)
    >>> y = (X[:, 0] > 0).astype(int)
    >>> model = fit_blocks(SGDClassifier(random_state=0), X, y, classes=[0, 1])
    >>> model.classes_.tolist()
    [0, 1]
    >>> lazy = fit_blocks(SGDClassifier(random_state=0), X, y, classes=[0, 1], compute=False)
    >>> lazy.key[1]  # one step per block: keys (fit-<token>, 0..3)
    3
    """
    plan = plan_fit(
        estimator,
        X,
        y,
        sample_weight=sample_weight,
        shuffle_blocks=shuffle_blocks,
        shuffle_rows=shuffle_rows,
        epochs=epochs,
        random_state=random_state,
        prefetch=read_ahead(prefetch, X, y, sample_weight) if compute else prefetch,
        **fit_kwargs,
    )
    if not compute:
        return plan.result
    if not holds_collections((X, y, sample_weight, fit_kwargs)):
        # Nothing to load: fit in this process whatever the default scheduler.
        return compute_with_progress(plan.result, progress, scheduler="sync")
    return compute_with_progress(plan.result, progress)


def read_ahead(prefetch, *inputs):
    """The ``prefetch`` to build a fit with that is computed right away.

    On the synchronous scheduler nothing runs in parallel, so reading ahead
    overlaps nothing: it only holds more blocks. There the fit is built with
    ``prefetch=0`` (the same model, one block in memory; measured on 1,000
    blocks of 4 MB: 1.00 x a plain loop instead of 1.36 x, the extra block's
    memory being returned to the OS and faulted back at every step). Anywhere
    else, and for ``None`` or invalid values, ``prefetch`` is returned as given.

    Examples
    --------
    >>> import dask, dask.array as da
    >>> X = da.ones((4, 2), chunks=2)
    >>> read_ahead(2, X), read_ahead(2, X, None)
    (2, 2)
    >>> with dask.config.set(scheduler="sync"):
    ...     read_ahead(2, X), read_ahead(None, X)
    (0, None)
    """
    if not isinstance(prefetch, numbers.Integral) or isinstance(prefetch, bool) or prefetch <= 0:
        return prefetch
    collections = [value for value in inputs if dask.is_dask_collection(value)]
    if collections and get_scheduler(collections=collections) is get_sync:
        return 0
    return prefetch


def _memory_rows(X):
    shape = getattr(X, "shape", None)
    if shape is None:
        X = np.asarray(X)
        shape = X.shape
    if len(shape) == 0:
        raise ValueError("X must have at least one dimension, got a scalar")
    return shape[0]


def _one_block_view(rows):
    """A stand-in dask array with X's single row block, to align y against."""
    return da.empty((rows,), chunks=rows)


def compute_with_progress(result, progress=False, **compute_kwargs):
    """Compute a ``Delayed``, with the ecosystem's progress bar if asked.

    A ``distributed`` client that is the current scheduler gets
    ``distributed.progress``; the local schedulers get
    ``dask.diagnostics.ProgressBar``.
    """
    if not progress:
        return result.compute(**compute_kwargs)
    client = _current_client() if not compute_kwargs.get("scheduler") else None
    if client is not None:
        from distributed import progress as distributed_progress

        future = client.compute(result)
        distributed_progress(future)
        return future.result()
    from dask.diagnostics import ProgressBar

    with ProgressBar():
        return result.compute(**compute_kwargs)


def _current_client():
    try:
        from distributed import default_client
    except ImportError:
        return None
    try:
        client = default_client()
    except ValueError:
        return None
    scheduler = dask.config.get("scheduler", None)
    return client if scheduler in (None, "dask.distributed", "distributed") else None
