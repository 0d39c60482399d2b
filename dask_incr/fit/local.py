"""The local executor: windows of a fit run on dask's threaded, processes or synchronous scheduler.

Each window is computed when the one before it has ended, so nothing of a
window is in flight when the next is built: its first loads need not wait on
anything of the previous window (:class:`dask_incr.graph.fold.Window`), and
its models are values. Loads wait on the model steps themselves
(``signals = False``): on the local schedulers no value travels, so a signal
task per step would only add a hand-off. This module is the only place that
computes on the local schedulers.
"""

from __future__ import annotations

import dask
from dask.local import get_sync
from dask.task_spec import DataNode

__all__ = ["LocalExecutor"]


class LocalExecutor:
    """Runs the windows of a fit on a local ``scheduler`` (a get function).

    Parameters
    ----------
    scheduler : callable
        ``dask.threaded.get``, ``dask.local.get_sync``, ... .
    progress : bool
        Show ``dask.diagnostics.ProgressBar`` while a window runs.

    Examples
    --------
    >>> import dask
    >>> executor = LocalExecutor(get_sync, progress=False)
    >>> executor.compute([dask.delayed(sum)([1, 2])]), executor.signals, executor.scores_beside
    ([3], False, False)
    """

    signals = False
    earlier = {}  # a window starts once the previous one has ended: nothing to wait on

    def __init__(self, scheduler, progress):
        self.scheduler, self.progress = scheduler, progress

    @property
    def scores_beside(self):
        """Whether an epoch's scoring can run beside the next epoch's steps (not on the synchronous scheduler)."""
        return self.scheduler is not get_sync

    def compute(self, results, progress=False):
        """The values of the ``Delayed`` in ``results``, computed together (a list)."""
        if not progress:
            return list(dask.compute(*results, scheduler=self.scheduler))
        from dask.diagnostics import ProgressBar

        with ProgressBar():
            return list(dask.compute(*results, scheduler=self.scheduler))

    def hold(self, graph, keys):
        """The values of ``keys`` of ``graph``, as nodes the windows read instead of the keys."""
        if not keys:
            return {}
        return {key: DataNode(None, value) for key, value in zip(keys, self.scheduler(graph, keys))}

    def tails(self, steps, n_steps, prefetch):
        """No signals are handed to the next window here."""
        return range(0)

    def start(self, jobs, n_models, beside=None):
        """Run a window (its ``jobs``: the models, then signals) and, ``beside`` it, a score: ``(models, score)``."""
        computed = self.compute(jobs[:n_models] + ([beside] if beside is not None else []), self.progress)
        return computed[:n_models], (computed[n_models] if beside is not None else None)

    def score(self, job):
        """The score of ``job`` (``None``: nothing to score), computed now."""
        return None if job is None else self.compute([job])[0]

    def settle(self, score, model):
        """The value of a score of ``model`` (already one here)."""
        return score

    def cancel(self):
        """Nothing is in flight between windows here."""

    def gather(self, models):
        """The models, which are values here."""
        return list(models)
