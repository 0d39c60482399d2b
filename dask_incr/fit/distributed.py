"""The distributed executor: windows of a fit run on a ``dask.distributed`` client.

The next window is submitted before the previous one ends, starting from its
models' futures, and its first loads wait on the previous window's last
signals, so the chain never stalls between windows and at most two windows
are in flight. Loads wait on small signal tasks (``signals = True``), so a
model is never shipped to a loader. This module is the only place that knows
a distributed client: it finds one (:func:`distributed_client`), submits,
waits, cancels and shows ``distributed.progress``.
"""

from __future__ import annotations

__all__ = ["DistributedExecutor", "distributed_client"]


def distributed_client(scheduler):
    """The distributed ``Client`` whose ``get`` ``scheduler`` is, else ``None``.

    Examples
    --------
    >>> import dask
    >>> distributed_client(dask.get) is None
    True
    """
    client = getattr(scheduler, "__self__", None)
    return client if type(client).__name__ == "Client" else None


class DistributedExecutor:
    """Runs the windows of a fit on ``client``, each submitted before the previous one ends.

    Parameters
    ----------
    client : distributed.Client
    progress : bool
        Show ``distributed.progress`` of each window's models.
    """

    signals = True
    scores_beside = True

    def __init__(self, client, progress):
        self.client, self.progress = client, progress
        self.scheduler = client.get
        self.earlier = {}  # model step of the window in flight -> its signal's future
        self._running = None  # the models' futures of the window in flight
        self._futures = []

    def compute(self, results, progress=False):
        """The values of the ``Delayed`` in ``results``, computed together (a list)."""
        futures = self.client.compute(results)
        if progress:
            self._show(futures)
        return self.client.gather(futures)

    def hold(self, graph, keys):
        """Futures of ``keys`` of ``graph``, held on the cluster and read by every window."""
        if not keys:
            return {}
        return dict(zip(keys, self.client.get(graph, keys, sync=False)))

    def tails(self, steps, n_steps, prefetch):
        """The steps of ``steps`` whose signals the next window's first loads wait on."""
        if steps.stop == n_steps:
            return range(0)
        return range(max(steps.start, steps.stop - 1 - (prefetch or 0)), steps.stop)

    def start(self, jobs, n_models, beside=None):
        """Submit a window (its ``jobs``: the models, then the tail signals) and a score: ``(models, score)``.

        Returns once the previous window has ended; the models and the score
        are futures.
        """
        from distributed import wait

        self._futures = self.client.compute(jobs)
        scored = self.client.compute(beside) if beside is not None else None
        if self.progress:
            self._show(self._futures[:n_models])
        if self._running is not None:
            wait(self._running)
        self._running = models = self._futures[:n_models]
        tail_steps = [job.key[1] for job in jobs[n_models:]]
        self.earlier = dict(zip(tail_steps, self._futures[n_models:]))
        return models, scored

    def score(self, job):
        """A future of the score of ``job`` (``None``: nothing to score)."""
        return None if job is None else self.client.compute(job)

    def settle(self, score, model):
        """The value of the score of ``model``; without one, waits until ``model`` exists."""
        if score is None:
            from distributed import wait

            wait(model)
            return None
        return score.result()

    def cancel(self):
        """Drop the window in flight (the fit stopped beside it)."""
        self.client.cancel(self._futures)

    def gather(self, models):
        """The values of the models' futures."""
        return self.client.gather(list(models))

    @staticmethod
    def _show(futures):
        from distributed import progress

        progress(futures)
