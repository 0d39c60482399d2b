"""The one runner behind ``fit_blocks``, ``plan_fit`` and ``fit_blocks_many``.

:func:`run_fit` and :func:`run_fits` build a :class:`~dask_incr.fit.request.FitRequest`
(validated once) and hand it to :func:`run`, which makes each decision of a
fit once — where it runs (:func:`place`: an executor, local or distributed),
how far it reads ahead (:func:`read_ahead`), lazy or computed, in windows and
epoch by epoch or not — and leaves the rest to the plan
(:mod:`dask_incr.fit.plan`), the one fold (:func:`dask_incr.graph.fold.fold`),
the windows loop (:func:`dask_incr.fit.windows.run_windows`) and the epoch
watch (:class:`dask_incr.fit.stopping.EpochWatch`). ``fit_blocks``, ``plan_fit``
and :class:`~dask_incr.wrappers.Incremental` build a
:class:`~dask_incr.fit.options.FitOptions` and call :func:`run_fit`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from dask.base import get_scheduler
from dask.delayed import Delayed
from dask.local import get_sync

from ..graph.fold import fold, gc_paused, snapshot_key
from .checkpoint import load_checkpoint
from .distributed import DistributedExecutor, distributed_client
from .lazy import is_lazy
from .local import LocalExecutor
from .options import FitOptions
from .plan import prepare, read_blocks
from .request import fit_request
from .score_chain import given_validation, held_out_validation
from .stopping import epoch_watch
from .windows import run_windows

__all__ = ["DEFAULT_WINDOW", "FitPlan", "executor_for", "place", "read_ahead", "run", "run_fit", "run_fits"]

#: Steps per graph when a fit is computed: longer fits are built and run in
#: windows, so the client holds one window's graph and ordering stays linear.
#: dask.order grows faster than linearly in a window's length; at 20k steps
#: 5,000-step windows cost less per step than 10,000 (bench/long_fits.py).
DEFAULT_WINDOW = 5_000


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
    result : Delayed or estimator, or a list of them
        The fitted model: a ``Delayed`` whose key is the last step
        ``(fit-<token>, len(order) - 1)``, or once run, the estimator
        (from :func:`run_fits`, one per estimator, in a list).
    history : list of dict or None
        One entry per epoch run (see :func:`dask_incr.fit.stopping.epoch_record`)
        when the fit ran epoch by epoch.
    epoch_models : tuple of Delayed
        With ``keep_epochs``, the model after each epoch, each from its own
        copy task, in the one graph of ``result``.
    held_out : tuple of int
        The blocks held out for validation (never trained on).

    Examples
    --------
    >>> import dask.array as da
    >>> from sklearn.preprocessing import StandardScaler
    >>> from dask_incr import plan_fit
    >>> plan = plan_fit(StandardScaler(), da.ones((30, 2), chunks=10), epochs=2)
    >>> plan.order, plan.row_seeds, plan.seed, plan.held_out
    ([0, 1, 2, 0, 1, 2], None, None, ())
    >>> int(plan.result.compute().n_samples_seen_)
    60
    """

    order: list
    row_seeds: list | None
    seed: int | None
    result: object
    history: list | None = None
    epoch_models: tuple = ()
    held_out: tuple = ()


def read_ahead(prefetch, scheduler, *, lazy=False):
    """The ``prefetch`` a fit is built with, for the scheduler that runs it (a get function).

    ``"auto"`` (the default) reads one block ahead on the local threads and
    processes schedulers, and two on a distributed cluster: there a load
    waits on a signal of model step ``i - 1 - prefetch``, and that path (the
    step, its signal, the load) costs three scheduler round trips against the
    chain's one per step, so one block ahead would leave the chain waiting on
    tiny blocks and two keep it fed. On the synchronous scheduler nothing
    runs in parallel, so reading ahead overlaps nothing and only holds more
    blocks: a computed fit is built with ``prefetch=0`` there whatever is
    asked (the same model, one block in memory). A ``lazy`` fit (built now,
    computed later, anywhere) keeps an explicit value, and ``"auto"`` is read
    for the default scheduler but never below 1.

    Examples
    --------
    >>> from dask.local import get_sync
    >>> from dask.threaded import get
    >>> read_ahead(2, get_sync), read_ahead(2, get), read_ahead(None, get_sync)
    (0, 2, None)
    >>> read_ahead("auto", get), read_ahead("auto", get_sync), read_ahead("auto", get_sync, lazy=True)
    (1, 0, 1)
    """
    if isinstance(prefetch, str):  # "auto", as FitOptions checked
        if distributed_client(scheduler) is not None:
            return 2
        return 0 if scheduler is get_sync and not lazy else 1
    if prefetch is not None and scheduler is get_sync and not lazy:
        return 0
    return prefetch


def run_fit(
    estimator,
    X,
    y=None,
    *,
    sample_weight=None,
    options=None,
    fit_kwargs=None,
    compute=True,
    validation=None,
    history=False,
    keep_epochs=False,
):
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
    validation : tuple, optional
        ``(X_val, y_val[, sample_weight_val])`` scored after each epoch.
    history : bool, default False
        Record the history of the fit (it then runs epoch by epoch).
    keep_epochs : bool, default False
        For a lazy fit: also give each epoch's model (``epoch_models``).

    Returns
    -------
    FitPlan
        Its ``result`` is the fitted estimator, or the ``Delayed`` of it.

    See Also
    --------
    run_fits : the same for several estimators fed by each block read once.

    Notes
    -----
    With ``early_stopping``, ``validation``, ``checkpoint_dir`` or
    ``history`` the fit runs epoch by epoch (whether to go on depends on what
    happens between epochs), so it cannot be one lazy graph: ``compute=False``
    is refused.

    Examples
    --------
    >>> import dask.array as da
    >>> from sklearn.preprocessing import StandardScaler
    >>> plan = run_fit(StandardScaler(), da.ones((30, 2), chunks=10), options=FitOptions(epochs=2))
    >>> plan.order, int(plan.result.n_samples_seen_)
    ([0, 1, 2, 0, 1, 2], 60)
    """
    request = fit_request(
        [estimator],
        X,
        y,
        sample_weight=sample_weight,
        options=options,
        fit_kwargs=fit_kwargs,
        compute=compute,
        validation=validation,
        history=history,
        keep_epochs=keep_epochs,
    )
    plan = run(request)
    return dataclasses.replace(plan, result=plan.result[0])


def run_fits(estimators, X, y=None, *, sample_weight=None, options=None, fit_kwargs=None, compute=True):
    """Plan the fits of ``estimators`` on the same blocks and, with ``compute``, run them.

    Every estimator gets a chain of its own; step ``i`` of every chain reads
    the same copy of block ``i``'s input, so each block is loaded once for
    all of them and released once all have read it. Loading ahead waits on
    the slowest chain. Takes the arguments of :func:`run_fit`, with a
    sequence of estimators; ``result`` is the list of fitted estimators (or
    of their ``Delayed``), in the same order. Early stopping, validation and
    checkpoints are for one model (:class:`dask_incr.SuccessiveHalvingSearchCV`
    scores many).

    Examples
    --------
    >>> import dask.array as da
    >>> from sklearn.preprocessing import MinMaxScaler, StandardScaler
    >>> plan = run_fits([StandardScaler(), MinMaxScaler()], da.ones((30, 2), chunks=10))
    >>> [type(model).__name__ for model in plan.result], plan.order
    (['StandardScaler', 'MinMaxScaler'], [0, 1, 2])
    """
    if isinstance(options, FitOptions) and options.staged:
        raise ValueError(
            "early_stopping and checkpoint_dir are options of a single fit; fit the models one by one "
            "with fit_blocks, or compare them with dask_incr.SuccessiveHalvingSearchCV"
        )
    request = fit_request(
        estimators,
        X,
        y,
        sample_weight=sample_weight,
        options=options,
        fit_kwargs=fit_kwargs,
        compute=compute,
        many=True,
    )
    return run(request)


def run(request):
    """Run (or, for a lazy request, build) the fit of a checked :class:`~dask_incr.fit.request.FitRequest`.

    Each decision is made here, once: where the fit runs (:func:`place`),
    how far it reads ahead (:func:`read_ahead`), and whether it is one lazy
    graph, or computed in windows, epoch by epoch when something happens
    between epochs (``request.staged``). ``result`` is a list: one model (or
    ``Delayed``) per estimator.

    Examples
    --------
    >>> import dask.array as da
    >>> from sklearn.preprocessing import StandardScaler
    >>> plan = run(fit_request([StandardScaler()], da.ones((4, 2), chunks=2)))
    >>> plan.order, [int(model.n_samples_seen_) for model in plan.result]
    ([0, 1], [4])
    """
    options = request.options
    # Validation data and a checkpoint are read before the blocks: a resumed
    # fit draws its order from the checkpoint's seed.
    given = None
    if request.validation is not None:
        given = given_validation(request.validation, request.estimators[0], options.scoring)
    resumed = load_checkpoint(options.checkpoint_dir) if options.resume else None
    if resumed is not None and options.random_state is None:
        request = dataclasses.replace(request, options=options.replace(random_state=resumed.seed))
    with gc_paused():
        fit = read_blocks(request)
    executor = place(request, fit.in_memory)
    prefetch = read_ahead(options.prefetch, executor.scheduler, lazy=not request.compute)
    prepared = prepare(request, fit, prefetch=prefetch, signals=executor.signals)
    history, epoch_models = None, ()
    if not request.compute:
        result, epoch_models = lazy_fit(prepared, keep_epochs=request.keep_epochs)
    elif request.staged:
        validation = held_out_validation(prepared, options.scoring) if request.hold_out else given
        watch = epoch_watch(prepared, request.options, validation, resumed)
        result, history = run_windows(prepared, executor, options.window or DEFAULT_WINDOW, watch), watch.history
    else:
        result = run_windows(prepared, executor, options.window or DEFAULT_WINDOW)
    return FitPlan(prepared.order, prepared.row_seeds, prepared.seed, result, history, epoch_models, prepared.held_out)


def executor_for(lazy_inputs, progress=False):
    """The executor of the configured scheduler, the one choice of where dask_incr computes.

    Parameters
    ----------
    lazy_inputs : bool
        Whether any input is a dask collection (something to load). Without
        one the work runs in this thread on the synchronous scheduler.
    progress : bool, default False
        Show progress while the executor computes.

    Returns
    -------
    LocalExecutor or DistributedExecutor
        A :class:`~dask_incr.fit.distributed.DistributedExecutor` when the
        configured scheduler is a distributed client, else a
        :class:`~dask_incr.fit.local.LocalExecutor` (threads unless another
        scheduler is configured: a Bag's default, processes, would pickle the
        model at every step).

    Examples
    --------
    >>> executor_for(False).scheduler is get_sync
    True
    >>> import dask.threaded
    >>> executor_for(True).scheduler is dask.threaded.get
    True
    """
    scheduler = get_scheduler(cls=Delayed) if lazy_inputs else get_sync
    client = distributed_client(scheduler)
    if client is not None:
        return DistributedExecutor(client, progress)
    return LocalExecutor(scheduler, progress)


def place(request, in_memory):
    """Where a fit runs: an executor of :mod:`dask_incr.fit.local` or :mod:`dask_incr.fit.distributed`.

    The fit is a Delayed: the configured scheduler or client runs it, else
    threads (:func:`executor_for`). With nothing to load — no dask collection among the inputs, or
    (for one model computed without validation data) every block already
    in memory, as ``da.from_array`` or a local persist gives — the fit runs
    in this thread on the synchronous scheduler, without a pool's hand-offs,
    whatever the default (a distributed client included, when no input is a
    dask collection). A lazy starting model is not in memory: its own graph
    may load.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.preprocessing import StandardScaler
    >>> place(fit_request([StandardScaler()], np.ones((4, 2))), in_memory=True).scheduler is get_sync
    True
    """
    executor = executor_for(request.lazy_inputs, request.options.progress)
    in_memory = in_memory and not any(map(is_lazy, request.estimators))
    local = isinstance(executor, LocalExecutor)
    if local and request.compute and not request.many and request.validation is None and in_memory:
        return LocalExecutor(get_sync, request.options.progress)
    return executor


def lazy_fit(prepared, *, keep_epochs=False):
    """One graph of the whole fit: ``(results, epoch_models)``, a ``Delayed`` per chain.

    With ``keep_epochs``, every epoch's end but the last gets a copy task of
    its model (the next step waits on it), and ``epoch_models`` holds their
    ``Delayed`` and the last model's.

    Examples
    --------
    >>> import dask.array as da
    >>> from sklearn.preprocessing import StandardScaler
    >>> X = da.ones((4, 2), chunks=2)
    >>> request = fit_request([StandardScaler()], X, options=FitOptions(epochs=2), compute=False)
    >>> prepared = prepare(request, read_blocks(request), prefetch=1, signals=False)
    >>> results, epochs = lazy_fit(prepared, keep_epochs=True)
    >>> [int(model.compute().n_samples_seen_) for model in epochs]
    [4, 8]
    """
    n_steps, per_epoch = len(prepared.order), prepared.epoch_steps
    ends = range(per_epoch - 1, n_steps - 1, per_epoch) if keep_epochs else ()
    graph, keys = fold(
        prepared.inputs,
        prepared.chains,
        name=prepared.name,
        row_seeds=prepared.row_seeds,
        prefetch=prepared.prefetch,
        signals=prepared.signals,
        snapshots=ends,
        collections=prepared.kwargs_needs + prepared.model_needs,
    )
    results = [Delayed(key, graph, layer=prepared.name) for key in keys]
    if not keep_epochs:
        return results, ()
    snapshots = [Delayed(snapshot_key(prepared.chains[0].name, i), graph, layer=prepared.name) for i in ends]
    return results, (*snapshots, results[0])
