"""Functional layer: ``fit_blocks`` and ``plan_fit``, and the one runner behind them.

:func:`run_fit` is the only place a fit is planned and run: it validates the
estimator against the inputs, resolves the blocks and the order, picks the
scheduler and the read-ahead, builds the graph (window by window for long
fits) and computes it. ``fit_blocks``, ``plan_fit`` and
:class:`~dask_incr.Incremental` build a :class:`~dask_incr.options.FitOptions`
and call it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import dask
from dask.base import get_scheduler
from dask.delayed import Delayed
from dask.local import get_sync
from dask.task_spec import DataNode

try:
    from distributed import wait as distributed_wait
except ImportError:  # distributed is optional: windows then run one after another
    distributed_wait = None

from . import localize
from .blocks import check_input
from .checks import check_estimator
from .graph import fit_kwargs_node, gc_paused, holds_collections
from .options import DEFAULT_PREFETCH, FitOptions, check_flag
from .plan import prepare, window_graph
from .steps import NotIncrementalError, type_name

__all__ = ["DEFAULT_WINDOW", "FitPlan", "NotIncrementalError", "fit_blocks", "plan_fit", "run_fit"]

#: Steps per graph when a fit is computed: longer fits are built and run in
#: windows, so the client holds one window's graph and ordering stays linear.
DEFAULT_WINDOW = 10_000


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
    result : Delayed or estimator
        The fitted model: a ``Delayed`` whose key is the last step
        ``(fit-<token>, len(order) - 1)``, or once run, the estimator.
    """

    order: list
    row_seeds: list | None
    seed: int | None
    result: object


def read_ahead(prefetch, scheduler):
    """The ``prefetch`` to build a fit with that is computed on ``scheduler`` (a get function).

    On the synchronous scheduler nothing runs in parallel, so reading ahead
    overlaps nothing and only holds more blocks: the fit is built with
    ``prefetch=0`` there (the same model, one block in memory). Anywhere
    else ``prefetch`` is returned as given.

    Examples
    --------
    >>> from dask.local import get_sync
    >>> from dask.threaded import get
    >>> read_ahead(2, get_sync), read_ahead(2, get), read_ahead(None, get_sync)
    (0, 2, None)
    """
    if prefetch is not None and scheduler is get_sync:
        return 0
    return prefetch


def run_fit(estimator, X, y=None, *, sample_weight=None, options=None, fit_kwargs=None, compute=True):
    """Plan a fit and, with ``compute``, run it: the one runner of dask_incr.

    Parameters
    ----------
    estimator : estimator with ``partial_fit``
        Never changed.
    X, y, sample_weight
        As for :func:`fit_blocks`.
    options : FitOptions, optional
        How to fit (default ``FitOptions()``).
    fit_kwargs : dict, optional
        Passed to every ``partial_fit``.
    compute : bool, default True
        Run the fit; with ``False``, ``result`` is one ``Delayed`` graph.

    Returns
    -------
    FitPlan
        Its ``result`` is the fitted estimator, or the ``Delayed`` of it.

    Examples
    --------
    >>> import dask.array as da
    >>> from sklearn.preprocessing import StandardScaler
    >>> plan = run_fit(StandardScaler(), da.ones((30, 2), chunks=10), options=FitOptions(epochs=2))
    >>> plan.order, int(plan.result.n_samples_seen_)
    ([0, 1, 2, 0, 1, 2], 60)
    """
    options = FitOptions() if options is None else options
    if not isinstance(options, FitOptions):
        raise TypeError(f"options must be a FitOptions, got {type_name(options)}")
    check_flag(compute, "compute")
    fit_kwargs = dict(fit_kwargs or {})
    # What the inputs are comes first, before what the estimator makes of them.
    X = check_input(X, "X", optional=False)
    y, sample_weight = check_input(y, "y"), check_input(sample_weight, "sample_weight")
    check_estimator(estimator, y, fit_kwargs, sample_weight=sample_weight, X=X)
    lazy_inputs = holds_collections((X, y, sample_weight, fit_kwargs))
    # Nothing to load: a fit of in-memory data runs in this process whatever
    # the default scheduler is (a distributed client included).
    # The fit is a Delayed: the configured scheduler or client, else threads
    # (a Bag's default, processes, would pickle the model at every step).
    scheduler = get_scheduler(cls=Delayed) if lazy_inputs else get_sync
    if not compute:
        # The graph captures the estimator as it is now: later changes of the
        # caller's object do not reach it.
        estimator = copy.deepcopy(estimator)
    prefetch = read_ahead(options.prefetch, scheduler) if compute else options.prefetch
    with gc_paused():
        prepared = prepare(estimator, X, y, sample_weight, options, fit_kwargs, prefetch)
    n_steps = len(prepared.order)
    window = options.window or DEFAULT_WINDOW
    if not compute or n_steps <= window:
        with gc_paused():
            kwargs_node, kwargs_deps = fit_kwargs_node(fit_kwargs)
            graph, keys = window_graph(prepared, range(n_steps), estimator, kwargs_node=kwargs_node, extra=kwargs_deps)
        result = Delayed(keys[0], graph, layer=prepared.name)
        if compute:
            result = _compute(result, scheduler, options.progress)
    else:
        result = _run_windows(prepared, estimator, window, scheduler, options.progress)
    return FitPlan(prepared.order, prepared.row_seeds, prepared.seed, result)


def _run_windows(prepared, estimator, window, scheduler, progress):
    """Run a long fit ``window`` steps at a time, each graph starting from the last model.

    What every window reads — the shared (wide) input tasks and the dask
    collections in the fit kwargs — is computed once first and held as
    values. On the local schedulers each window runs when the previous one
    ends. With a distributed client the next window is submitted before the
    previous one ends, starting from its model's future, and its first loads
    wait on the previous window's last signals, so nothing stalls and at most
    two windows are in flight.
    """
    client = _distributed_client(scheduler)
    shared = sorted(prepared.analysis.shared, key=str)
    values = {}
    if shared:
        graph = localize.needed(prepared.graph, shared)
        if client is not None:  # held on the cluster, read by every window
            values = dict(zip(shared, client.get(graph, shared, sync=False)))
        else:
            values = {key: DataNode(None, value) for key, value in zip(shared, scheduler(graph, shared))}
    kwargs_node, kwargs_deps = fit_kwargs_node(prepared.fit_kwargs)
    if kwargs_deps:
        (kwargs_node,) = dask.compute(kwargs_deps[0], scheduler=scheduler)
    n_steps, prefetch = len(prepared.order), prepared.prefetch or 0
    model, signals, running = estimator, {}, None
    for start in range(0, n_steps, window):
        steps = range(start, min(start + window, n_steps))
        tails = range(max(start, steps.stop - 1 - prefetch), steps.stop) if client is not None else range(0)
        with gc_paused():
            graph, keys = window_graph(
                prepared, steps, model, kwargs_node=kwargs_node, values=values, signal=signals.get, tails=tails
            )
        if client is None:
            model = _compute(Delayed(keys[0], graph, layer=prepared.name), scheduler, progress)
            continue
        futures = client.compute([Delayed(key, graph, layer=prepared.name) for key in keys])
        model, signals = futures[0], dict(zip(tails, futures[1:]))
        if progress:
            from distributed import progress as distributed_progress

            distributed_progress(model)
        if running is not None:
            distributed_wait(running)
        running = model
    return model if client is None else model.result()


def _distributed_client(scheduler):
    """The distributed ``Client`` whose ``get`` ``scheduler`` is, else ``None``."""
    client = getattr(scheduler, "__self__", None)
    return client if type(client).__name__ == "Client" else None


def _compute(result, scheduler, progress):
    client = _distributed_client(scheduler)
    if client is not None:
        future = client.compute(result)
        if progress:
            from distributed import progress as distributed_progress

            distributed_progress(future)
        return future.result()
    if not progress:
        return result.compute(scheduler=scheduler)
    from dask.diagnostics import ProgressBar

    with ProgressBar():
        return result.compute(scheduler=scheduler)


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

    Takes the arguments of :func:`fit_blocks` and returns a :class:`FitPlan`
    whose ``result`` is one ``Delayed`` graph. Raises before any compute on
    bad input.

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
    options = FitOptions(
        shuffle_blocks=shuffle_blocks,
        shuffle_rows=shuffle_rows,
        epochs=epochs,
        random_state=random_state,
        prefetch=prefetch,
    )
    return run_fit(estimator, X, y, sample_weight=sample_weight, options=options, fit_kwargs=fit_kwargs, compute=False)


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
    X : dask Array, DataFrame, Series or Bag, or numpy / pandas / sparse data
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
        reads nothing ahead, whatever is asked.
    progress : bool, default False
        Show a progress bar (``dask.diagnostics.ProgressBar`` on the local
        schedulers, ``distributed.progress`` with a distributed client).
    compute : bool, default True
        Return the fitted estimator; with ``False`` a ``Delayed`` of it that
        holds a copy of ``estimator`` as it is now.
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
    options = FitOptions(
        shuffle_blocks=shuffle_blocks,
        shuffle_rows=shuffle_rows,
        epochs=epochs,
        random_state=random_state,
        prefetch=prefetch,
        progress=progress,
    )
    return run_fit(
        estimator, X, y, sample_weight=sample_weight, options=options, fit_kwargs=fit_kwargs, compute=compute
    ).result
