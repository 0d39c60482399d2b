"""The one loop over the windows of a computed fit.

A computed fit runs as a sequence of graphs (windows) of at most ``window``
steps, each starting from the models the previous one made, so the client
holds one window's graph at a time and ordering stays linear. Where the
windows run is an executor's business (:class:`dask_incr.fit.local.LocalExecutor`,
:class:`dask_incr.fit.distributed.DistributedExecutor`); whether the fit goes
on between epochs is an optional watch's (:class:`dask_incr.fit.stopping.EpochWatch`).
Every graph is built by the one fold, :func:`dask_incr.graph.fold.fold`.
"""

from __future__ import annotations

import dataclasses

from dask.delayed import Delayed
from dask.task_spec import TaskRef

from ..graph import localize
from ..graph.fold import Window, fold

__all__ = ["run_windows", "windows"]


def run_windows(prepared, executor, window, watch=None):
    """Run a prepared fit ``window`` steps at a time on ``executor``; the list of fitted models.

    What every window reads — the shared (wide) input tasks, the dask
    collections in the fit kwargs and a lazy starting model — is computed
    once first and held. With a
    ``watch`` (one model only) windows also end at each epoch's end, and an
    epoch is scored beside the next epoch's first window where the executor
    can (``scores_beside``; after the last epoch, on its own); when the watch
    says stop, the window begun beside the scoring is dropped; each epoch's
    last step then requires rows fed (its model is scored). Returns the
    list of fitted models (the watch's result, with a watch).
    """
    if watch is not None and watch.done:  # a resumed fit that had finished: nothing to run
        return [watch.result()]
    shared = sorted(prepared.inputs.analysis.shared, key=str)
    values = executor.hold(localize.needed(prepared.inputs.graph, shared), shared)
    chains = _computed_needs(prepared, executor)
    n_steps, per_epoch = len(prepared.order), (prepared.epoch_steps if watch is not None else None)
    scored = range(per_epoch - 1, n_steps, per_epoch) if per_epoch is not None else ()
    first, models = 0, [chain.model for chain in chains]
    if watch is not None:
        first = (watch.first_epoch - 1) * per_epoch
        models = [watch.last if watch.last is not None else models[0]]
    pending = None  # (epoch, model) of an epoch not judged yet
    for steps in windows(first, n_steps, window, per_epoch):
        jobs = _window_jobs(prepared, chains, models, Window(steps, values, executor.earlier), executor, scored)
        beside = watch.score_job(*pending, values) if pending is not None else None
        models, score = executor.start(jobs, len(chains), beside)
        if pending is not None:
            if watch.judge(*pending, executor.settle(score, pending[1])):
                executor.cancel()
                return [watch.result()]
            pending = None
        if per_epoch is not None and steps.stop % per_epoch == 0:
            pending = (steps.stop // per_epoch, models[0])
            watch.ended(*pending)
            if not executor.scores_beside or steps.stop == n_steps:  # nothing to score beside
                score = executor.score(watch.score_job(*pending, values))
                if watch.judge(*pending, executor.settle(score, pending[1])):
                    return [watch.result()]
                pending = None
    return [watch.result()] if watch is not None else executor.gather(models)


def _computed_needs(prepared, executor):
    """The chains, computed once (together) where they refer to a ``Delayed``: fit kwargs holding dask
    collections (to plain dicts) and lazy starting models (to values: each window starts from values)."""
    needs = prepared.kwargs_needs + prepared.model_needs
    if not needs:
        return list(prepared.chains)
    computed = dict(zip((need.key for need in needs), executor.compute(needs)))
    return [
        dataclasses.replace(chain, fit_kwargs=_value(chain.fit_kwargs, computed), model=_value(chain.model, computed))
        for chain in prepared.chains
    ]


def _value(node, computed):
    """The computed value ``node`` refers to, or ``node`` itself (a plain value)."""
    return computed.get(node.key, node) if isinstance(node, TaskRef) else node


def _window_jobs(prepared, chains, models, window, executor, ends):
    """The ``Delayed`` of a window's last models (one per chain), then of its tail signals."""
    tails = executor.tails(window.steps, len(prepared.order), prepared.prefetch)
    graph, keys = fold(
        prepared.inputs,
        [dataclasses.replace(chain, model=model) for chain, model in zip(chains, models, strict=True)],
        name=prepared.name,
        row_seeds=prepared.row_seeds,
        prefetch=prepared.prefetch,
        signals=prepared.signals,
        window=dataclasses.replace(window, tails=tails),
        ends=ends,
    )
    return [Delayed(key, graph, layer=prepared.name) for key in keys]


def windows(first, n_steps, window, per_epoch):
    """The step ranges of the graphs of a fit: ``window`` steps at most, cut at each epoch's end if ``per_epoch``.

    Examples
    --------
    >>> [(r.start, r.stop) for r in windows(0, 6, 4, None)]
    [(0, 4), (4, 6)]
    >>> [(r.start, r.stop) for r in windows(0, 6, 4, 3)]
    [(0, 3), (3, 6)]
    >>> [(r.start, r.stop) for r in windows(3, 9, 2, 3)]
    [(3, 5), (5, 6), (6, 8), (8, 9)]
    """
    period = per_epoch or n_steps
    return [
        range(start, min(start + window, epoch_start + period, n_steps))
        for epoch_start in range(first, n_steps, period)
        for start in range(epoch_start, min(epoch_start + period, n_steps), window)
    ]
