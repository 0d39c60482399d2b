"""The one runner behind ``fit_blocks``, ``plan_fit`` and ``fit_blocks_many``.

:func:`run_fit` is the only place a fit is planned and run: it validates the
estimator against the inputs, resolves the blocks and the order, picks the
scheduler and the read-ahead, builds the graph (window by window for long
fits) and computes it. ``fit_blocks``, ``plan_fit`` and
:class:`~dask_incr.Incremental` build a :class:`~dask_incr.fit.options.FitOptions`
and call it.
"""

from __future__ import annotations

import copy
import dataclasses
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

from .._validation import check_flag, type_name
from ..graph import localize, pipelines
from ..graph.blocks import check_input
from ..graph.chain import fit_kwargs_node, gc_paused, holds_collections
from .checkpoint import load_checkpoint
from .checks import check_estimator
from .lazy import check_lazy_start, computed_starts, is_lazy, model_kind, start_nodes
from .options import FitOptions
from .plan import prepare, snapshot_key, window_graph
from .scoring import given_validation, held_out_validation
from .stopping import EpochWatch

__all__ = ["DEFAULT_WINDOW", "FitPlan", "check_estimators", "read_ahead", "run_fit", "run_fits"]

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
        if _distributed_client(scheduler) is not None:
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
    plan = _run(
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
    options = FitOptions() if options is None else options
    if isinstance(options, FitOptions) and options.staged:
        raise ValueError(
            "early_stopping and checkpoint_dir are options of a single fit; fit the models one by one "
            "with fit_blocks, or compare them with dask_incr.SuccessiveHalvingSearchCV"
        )
    return _run(
        estimators,
        X,
        y,
        sample_weight=sample_weight,
        options=options,
        fit_kwargs=fit_kwargs,
        compute=compute,
        many=True,
    )


def _run(
    estimators,
    X,
    y,
    *,
    sample_weight,
    options,
    fit_kwargs,
    compute,
    many=False,
    validation=None,
    history=False,
    keep_epochs=False,
):
    """The runner: ``many`` names every chain by its position too (keys no single fit has)."""
    options = FitOptions() if options is None else options
    if not isinstance(options, FitOptions):
        raise TypeError(f"options must be a FitOptions, got {type_name(options)}")
    check_flag(compute, "compute")
    check_flag(history, "history")
    check_flag(keep_epochs, "keep_epochs")
    staged = options.staged or validation is not None or history
    if staged and not compute:
        raise ValueError(
            "early_stopping, validation, checkpoint_dir and return_history run the fit epoch by epoch "
            "(whether to go on depends on each epoch's score), so it cannot be one lazy graph: use compute=True"
        )
    if keep_epochs and compute:
        raise ValueError("keep_epochs gives the epochs' models of a lazy fit: use it with compute=False")
    fit_kwargs = dict(fit_kwargs or {})
    # What the inputs are comes first, before what the estimator makes of them.
    X = check_input(X, "X", optional=False)
    y, sample_weight = check_input(y, "y"), check_input(sample_weight, "sample_weight")
    if many:
        check_estimators(estimators, y, fit_kwargs, sample_weight=sample_weight, X=X)
    else:
        check_estimator(estimators[0], y, fit_kwargs, sample_weight=sample_weight, X=X)
    check_lazy_start(estimators, options, validation=validation, history=history)
    # A pipeline's keywords are routed to its steps as scikit-learn routes them.
    chain_kwargs = [
        pipelines.route_fit_kwargs(kind, fit_kwargs) if pipelines.is_pipeline(kind) else fit_kwargs
        for kind in map(model_kind, estimators)
    ]
    given = None if validation is None else given_validation(validation, estimators[0], options.scoring)
    resumed = load_checkpoint(options.checkpoint_dir) if options.resume else None
    if resumed is not None and options.random_state is None:
        options = options.replace(random_state=resumed.seed)  # the order the interrupted fit drew
    lazy_inputs = holds_collections((X, y, sample_weight, chain_kwargs, validation, estimators))
    # Nothing to load: a fit of in-memory data runs in this process whatever
    # the default scheduler is (a distributed client included).
    # The fit is a Delayed: the configured scheduler or client, else threads
    # (a Bag's default, processes, would pickle the model at every step).
    scheduler = get_scheduler(cls=Delayed) if lazy_inputs else get_sync
    if not compute:
        # The graph captures the estimators as they are now: later changes of
        # the caller's objects do not reach it.
        estimators = [copy.deepcopy(estimator) for estimator in estimators]
    prefetch = read_ahead(options.prefetch, scheduler, lazy=not compute)
    steps = [pipelines.step_function(model_kind(estimator)) for estimator in estimators]
    hold_out = options.early_stopping and validation is None
    with gc_paused():
        prepared = prepare(
            estimators, X, y, sample_weight, options, chain_kwargs, prefetch, steps=steps, many=many, hold_out=hold_out
        )
    in_memory = prepared.analysis.in_memory and _distributed_client(scheduler) is None
    in_memory = in_memory and not any(map(is_lazy, estimators))  # a lazy start's own graph may load
    if compute and not many and given is None and in_memory:
        # Every block is already in memory (da.from_array, a local persist): no load to overlap with
        # fitting, and the serial chain runs fastest in this thread, without a pool's hand-offs.
        scheduler = get_sync
    n_steps = len(prepared.order)
    window = options.window or DEFAULT_WINDOW
    watch, epoch_models = None, ()
    if staged:
        validation = given if given is not None or not hold_out else held_out_validation(prepared, options.scoring)
        watch = EpochWatch(prepared, options, validation, _resumable(resumed, prepared, options))
        result = [_run_windows(prepared, estimators, window, scheduler, options.progress, watch)]
    elif not compute or n_steps <= window:
        with gc_paused():
            nodes = [fit_kwargs_node(kwargs) for kwargs in prepared.fit_kwargs]
            kwargs_nodes = [node for node, _ in nodes]
            starts, needed = start_nodes(estimators)  # a lazy model starts its chain by its key
            extra = [dep for _, deps in nodes for dep in deps] + needed
            ends = range(prepared.epoch_steps - 1, n_steps - 1, prepared.epoch_steps) if keep_epochs else ()
            graph, keys = window_graph(
                prepared, range(n_steps), starts, kwargs_nodes=kwargs_nodes, extra=extra, snapshots=ends
            )
        result = [Delayed(key, graph, layer=prepared.name) for key in keys]
        if keep_epochs:
            snapshots = (Delayed(snapshot_key(prepared.names[0], i), graph, layer=prepared.name) for i in ends)
            epoch_models = (*snapshots, result[0])
        if compute:
            result = _compute(result, scheduler, options.progress)
    else:
        result = _run_windows(prepared, computed_starts(estimators, scheduler), window, scheduler, options.progress)
    history = None if watch is None else watch.history
    return FitPlan(
        prepared.order, prepared.row_seeds, prepared.seed, list(result), history, epoch_models, prepared.held_out
    )


def check_estimators(estimators, y=None, fit_kwargs=None, *, sample_weight=None, X=None):
    """:func:`check_estimator` of each of ``estimators``; a list of at least one.

    An error names the position of the estimator it is about.

    Examples
    --------
    >>> from sklearn.linear_model import SGDRegressor
    >>> check_estimators([SGDRegressor(), SGDRegressor], [0.0])
    Traceback (most recent call last):
    ...
    dask_incr._validation.NotIncrementalError: estimators[1]: pass an estimator instance, not the class ...
    """
    if not isinstance(estimators, (list, tuple)):
        raise TypeError(f"estimators must be a list or tuple of estimators, got {type_name(estimators)}")
    if not estimators:
        raise ValueError("estimators is empty: pass at least one estimator")
    for k, estimator in enumerate(estimators):
        try:
            check_estimator(estimator, y, fit_kwargs, sample_weight=sample_weight, X=X)
        except (TypeError, ValueError) as error:
            # dask_incr's own message, told which estimator it is about
            raise type(error)(f"estimators[{k}]: {error}") from error


def _resumable(checkpoint, prepared, options):
    """``checkpoint`` if it is one of this fit (else ``ValueError``); ``None`` stays ``None``."""
    if checkpoint is None:
        return None
    if checkpoint.identity != prepared.identity:
        raise ValueError(
            f"the checkpoint in {options.checkpoint_dir!r} is of another fit: the estimator, the data, the order, "
            "the seed or the fit kwargs differ (a fit with random_state=None resumes with the checkpoint's seed); "
            "remove the checkpoint or use another checkpoint_dir"
        )
    return checkpoint


def _run_windows(prepared, estimators, window, scheduler, progress, watch=None):
    """Run a fit ``window`` steps at a time, each graph starting from the last models.

    What every window reads — the shared (wide) input tasks and the dask
    collections in the fit kwargs — is computed once first and held as
    values. On the local schedulers each window runs when the previous one
    ends. With a distributed client the next window is submitted before the
    previous one ends, starting from its models' futures, and its first loads
    wait on the previous window's last signals, so nothing stalls and at most
    two windows are in flight. Returns the list of fitted models.

    With a ``watch`` (:class:`dask_incr.fit.stopping.EpochWatch`; one model only)
    windows also end at each epoch's end, and an epoch is scored beside the
    next epoch's first window (on the synchronous scheduler, and after the
    last epoch, on its own); when the watch says stop, the window begun
    beside the scoring is dropped and the watch's result returned (the
    model, not a list).
    """
    if watch is not None and watch.done:  # a resumed fit that had finished: nothing to run
        return watch.result()
    client = _distributed_client(scheduler)
    shared = sorted(prepared.analysis.shared, key=str)
    values = {}
    if shared:
        graph = localize.needed(prepared.graph, shared)
        if client is not None:  # held on the cluster, read by every window
            values = dict(zip(shared, client.get(graph, shared, sync=False)))
        else:
            values = {key: DataNode(None, value) for key, value in zip(shared, scheduler(graph, shared))}
    kwargs_nodes = []
    for kwargs in prepared.fit_kwargs:
        kwargs_node, kwargs_deps = fit_kwargs_node(kwargs)
        if kwargs_deps:
            (kwargs_node,) = dask.compute(kwargs_deps[0], scheduler=scheduler)
        kwargs_nodes.append(kwargs_node)
    n_steps, prefetch, n_chains = len(prepared.order), prepared.prefetch or 0, len(estimators)
    per_epoch = prepared.epoch_steps if watch is not None else None
    first = 0
    models, signals, running, pending = list(estimators), {}, None, None
    if watch is not None:
        first = (watch.first_epoch - 1) * per_epoch
        models = [watch.last if watch.last is not None else estimators[0]]
    for steps in _windows(first, n_steps, window, per_epoch):
        tails = range(max(steps.start, steps.stop - 1 - prefetch), steps.stop) if client is not None else range(0)
        with gc_paused():
            graph, keys = window_graph(
                prepared,
                steps,
                models,
                kwargs_nodes=kwargs_nodes,
                values=values,
                signal=signals.get,
                tails=tails,
                epoch_ends=watch is not None,  # each epoch's model is scored: it must have been fed
            )
        beside = watch.score_job(*pending, values) if pending is not None else None
        if client is None:
            jobs = [Delayed(key, graph, layer=prepared.name) for key in keys[:n_chains]]
            computed = _compute(jobs + ([beside] if beside is not None else []), scheduler, progress)
            if pending is not None and watch.judge(*pending, computed[n_chains] if beside is not None else None):
                return watch.result()
            models, pending = computed[:n_chains], None
        else:
            futures = client.compute([Delayed(key, graph, layer=prepared.name) for key in keys])
            scored = client.compute(beside) if beside is not None else None
            if progress:
                from distributed import progress as distributed_progress

                distributed_progress(futures[:n_chains])
            if pending is not None:
                if scored is None:
                    distributed_wait(pending[1])
                if watch.judge(*pending, scored.result() if scored is not None else None):
                    client.cancel(futures)
                    return watch.result()
                pending = None
            if running is not None:
                distributed_wait(running)
            running = models = futures[:n_chains]
            signals = dict(zip(tails, futures[n_chains:]))
        if per_epoch is not None and steps.stop % per_epoch == 0:
            pending = (steps.stop // per_epoch, models[0])
            watch.ended(*pending)
            if scheduler is get_sync or steps.stop == n_steps:  # nothing to score beside
                beside = watch.score_job(*pending, values)
                if beside is None and client is not None:
                    distributed_wait(models[0])
                score = None if beside is None else _compute([beside], scheduler, False)[0]
                if watch.judge(*pending, score):
                    return watch.result()
                pending = None
    if watch is not None:
        return watch.result()
    return models if client is None else client.gather(models)


def _windows(first, n_steps, window, per_epoch):
    """The step ranges of the graphs of a fit: ``window`` steps at most, cut at each epoch's end if ``per_epoch``.

    Examples
    --------
    >>> [(r.start, r.stop) for r in _windows(0, 6, 4, None)]
    [(0, 4), (4, 6)]
    >>> [(r.start, r.stop) for r in _windows(0, 6, 4, 3)]
    [(0, 3), (3, 6)]
    >>> [(r.start, r.stop) for r in _windows(3, 9, 2, 3)]
    [(3, 5), (5, 6), (6, 8), (8, 9)]
    """
    period = per_epoch or n_steps
    return [
        range(start, min(start + window, epoch_start + period, n_steps))
        for epoch_start in range(first, n_steps, period)
        for start in range(epoch_start, min(epoch_start + period, n_steps), window)
    ]


def _distributed_client(scheduler):
    """The distributed ``Client`` whose ``get`` ``scheduler`` is, else ``None``."""
    client = getattr(scheduler, "__self__", None)
    return client if type(client).__name__ == "Client" else None


def _compute(results, scheduler, progress):
    """The values of the ``Delayed`` in ``results``, computed together on ``scheduler`` (a list)."""
    client = _distributed_client(scheduler)
    if client is not None:
        futures = client.compute(results)
        if progress:
            from distributed import progress as distributed_progress

            distributed_progress(futures)
        return client.gather(futures)
    if not progress:
        return list(dask.compute(*results, scheduler=scheduler))
    from dask.diagnostics import ProgressBar

    with ProgressBar():
        return list(dask.compute(*results, scheduler=scheduler))
