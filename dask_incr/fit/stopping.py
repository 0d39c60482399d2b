"""Stopping: the early-stopping rule, the per-epoch history, and its learning curve.

The rule is scikit-learn's (``SGDClassifier``, ``MLPClassifier``): after each
epoch the validation score is compared with the best so far; an epoch whose
score is not better than ``best + tol`` counts as one without improvement, an
epoch that is resets the count, and the fit stops once ``n_iter_no_change``
epochs in a row have not improved. The best model is the one of the epoch
with the highest score (the first of equal ones).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

from dask.delayed import Delayed

from .checkpoint import Checkpoint, differences, save_checkpoint, steps_token
from .score_chain import score_graph

__all__ = ["EpochWatch", "Stopping", "epoch_record", "epoch_watch", "plot_history"]


@dataclass(frozen=True)
class Stopping:
    """Where the rule stands after some epochs: plain data, saved in checkpoints.

    Examples
    --------
    >>> state = Stopping()
    >>> for epoch, score in enumerate([0.5, 0.7, 0.7005, 0.6], start=1):
    ...     state = state.after(epoch, score, tol=1e-3)
    >>> state.best_epoch, state.best_score, state.no_improvement
    (3, 0.7005, 2)
    >>> state.stops(n_iter_no_change=2, tol=1e-3)
    True
    """

    best_score: float = -math.inf
    best_epoch: int | None = None
    no_improvement: int = 0

    def after(self, epoch, score, *, tol):
        """The state once ``epoch`` scored ``score`` (``tol`` ``None``: nothing counts as no improvement)."""
        improved = tol is None or score >= self.best_score + tol  # False for NaN
        state = replace(self, no_improvement=0 if improved else self.no_improvement + 1)
        if score > self.best_score:
            state = replace(state, best_score=float(score), best_epoch=epoch)
        return state

    def stops(self, *, n_iter_no_change, tol):
        """Whether the fit stops here."""
        return tol is not None and self.no_improvement >= n_iter_no_change


def epoch_record(epoch, steps, samples, fit_seconds, score):
    """One entry of a fit's history (``Incremental.history_``).

    Parameters
    ----------
    epoch : int
        1 for the first pass.
    steps : int
        ``partial_fit`` calls made so far, this epoch's included.
    samples : int or None
        Training rows fed so far (``None`` when block sizes are unknown).
    fit_seconds : float
        Wall time of this epoch's training.
    score : float or None
        Validation score of the model after this epoch (``None``: not scored).

    Examples
    --------
    >>> epoch_record(1, 4, 100, 0.25, None)
    {'epoch': 1, 'steps': 4, 'samples': 100, 'fit_seconds': 0.25, 'score': None}
    """
    return {"epoch": epoch, "steps": steps, "samples": samples, "fit_seconds": fit_seconds, "score": score}


def plot_history(history, ax=None):
    """Draw the learning curve of a fit: the validation score after each epoch.

    Parameters
    ----------
    history : list of dict
        ``Incremental.history_``, or the history of
        ``fit_blocks(..., return_history=True)``.
    ax : matplotlib Axes, optional
        Where to draw (default: a new figure's).

    Returns
    -------
    matplotlib Axes

    Raises
    ------
    ImportError
        Without matplotlib (``pip install dask_incr[plot]``).
    ValueError
        When no epoch was scored.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> history = [epoch_record(e, 4 * e, 100 * e, 0.1, s) for e, s in [(1, 0.6), (2, 0.7), (3, 0.68)]]
    >>> ax = plot_history(history)
    >>> ax.get_xlabel(), ax.lines[0].get_ydata().tolist()
    ('epoch', [0.6, 0.7, 0.68])
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError(
            "plot_history needs matplotlib, an optional dependency: pip install 'dask_incr[plot]'"
        ) from error
    scored = [entry for entry in history if entry.get("score") is not None]
    if not scored:
        raise ValueError("the history has no scores to plot: pass validation data or early_stopping=True")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    epochs = [entry["epoch"] for entry in scored]
    scores = [entry["score"] for entry in scored]
    ax.plot(epochs, scores, marker="o", label="validation score")
    best = max(range(len(scores)), key=lambda i: (scores[i], -i))
    ax.plot([epochs[best]], [scores[best]], marker="*", markersize=14, linestyle="none", label="best")
    ax.set_xlabel("epoch")
    ax.set_ylabel("score")
    ax.legend(loc="best")
    return ax


def _samples_by_epoch(prepared):
    """Training rows fed by the end of each epoch (``None`` where a block's size is unknown)."""
    per_epoch, total, samples = prepared.epoch_steps, 0.0, []
    for start in range(0, len(prepared.order), per_epoch):
        total += sum(prepared.block_rows[i] for i in prepared.order[start : start + per_epoch])
        samples.append(None if math.isnan(total) else int(total))
    return samples


def epoch_watch(prepared, options, validation, resumed=None):
    """The :class:`EpochWatch` of a prepared fit; a ``resumed`` checkpoint must be of this fit.

    "This fit" may ask for more epochs than the checkpoint's: the first
    epochs of a longer fit are the shorter one's, so it continues from the
    saved model. A checkpoint that early stopping ended is done, whatever the
    epochs: a longer fit stops at the same epoch (the rule does not depend on
    ``epochs``), so resuming it runs nothing and returns its model.

    Examples
    --------
    >>> import dask.array as da
    >>> from sklearn.preprocessing import StandardScaler
    >>> from dask_incr.fit.options import FitOptions
    >>> from dask_incr.fit.plan import prepare, read_blocks
    >>> from dask_incr.fit.request import fit_request
    >>> request = fit_request([StandardScaler()], da.ones((4, 2), chunks=2), options=FitOptions(epochs=3))
    >>> watch = epoch_watch(prepare(request, read_blocks(request), prefetch=1, signals=False), request.options, None)
    >>> watch.first_epoch, watch.done
    (1, False)
    """
    found = differences(resumed, prepared) if resumed is not None else []
    if found:
        raise ValueError(
            f"the checkpoint in {options.checkpoint_dir!r} is of another fit: {'; '.join(found)}. A checkpoint "
            "is continued by the same fit (estimator, data, seed, shuffles, held-out blocks, fit kwargs, stopping "
            "rule) with as many epochs or more (a fit with random_state=None resumes with the checkpoint's seed); "
            "remove the checkpoint or use another checkpoint_dir"
        )
    return EpochWatch(prepared, options, validation, resumed)


class EpochWatch:
    """What happens between the epochs of a fit: scoring, the rule, the history, checkpoints.

    The windows loop (:func:`dask_incr.fit.windows.run_windows`) tells it when an epoch's model
    exists (:meth:`ended`), runs the graph of :meth:`score_job` for it —
    beside the next epoch's steps where the scheduler can run both — and
    hands the score to :meth:`judge`, which says whether to stop.
    :meth:`result` is the model to return. Models are values, or futures on
    a distributed cluster.

    Parameters
    ----------
    prepared : dask_incr.fit.plan.Prepared
    options : FitOptions
    validation : dask_incr.fit.score_chain.Validation or None
        Nothing is scored without it.
    resumed : Checkpoint, optional
        The state to continue from.
    """

    def __init__(self, prepared, options, validation, resumed=None):
        self.prepared, self.options, self.validation = prepared, options, validation
        self.history = list(resumed.history) if resumed else []
        self.stopping = resumed.stopping if resumed else Stopping()
        self.last = resumed.model if resumed else None
        self.best = resumed.best_model if resumed else None
        self.stopped = resumed.stopped if resumed else False
        self.first_epoch = (resumed.epoch if resumed else 0) + 1
        self._ends = {self.first_epoch - 1: time.monotonic()}
        self._samples = _samples_by_epoch(prepared)

    @property
    def done(self):
        """Whether nothing is left to run (a resumed fit that had finished)."""
        return self.stopped or self.first_epoch > self.prepared.n_epochs

    def ended(self, epoch, model):
        """Epoch ``epoch``'s model exists (a value) or will (a future): note when it is done."""
        if hasattr(model, "add_done_callback"):
            model.add_done_callback(lambda _: self._ends.setdefault(epoch, time.monotonic()))
        else:
            self._ends[epoch] = time.monotonic()

    def score_job(self, epoch, model, values=None):
        """A ``Delayed`` score of ``model`` on the validation data, or ``None`` when nothing is scored.

        ``values`` are the fit's precomputed shared input keys (see
        :func:`dask_incr.fit.score_chain.score_graph`).
        """
        if self.validation is None:
            return None
        tag = (self.prepared.name, epoch)
        graph, key = score_graph(self.validation, model, tag, values, signals=self.prepared.signals)
        return Delayed(key, graph, layer=key[0])

    def judge(self, epoch, model, score):
        """Record epoch ``epoch`` (its model and score); returns whether the fit stops there."""
        end = self._ends.setdefault(epoch, time.monotonic())
        seconds = end - self._ends.get(epoch - 1, end)
        steps = epoch * self.prepared.epoch_steps
        samples = self._samples[epoch - 1]
        score = None if score is None else float(score)
        self.history.append(epoch_record(epoch, steps, samples, seconds, score))
        options = self.options
        if score is not None:
            self.stopping = self.stopping.after(epoch, score, tol=options.tol)
        if score is None or self.stopping.best_epoch == epoch:
            self.best = model
        self.last = model
        self.stopped = options.early_stopping and self.stopping.stops(
            n_iter_no_change=options.n_iter_no_change, tol=options.tol
        )
        if options.checkpoint_dir is not None:
            self._save(epoch)
        return self.stopped

    def result(self):
        """The model to return: the best one with ``early_stopping`` and ``restore_best``, else the last."""
        restore = self.options.early_stopping and self.options.restore_best and self.best is not None
        model = self.best if restore else self.last
        return model.result() if hasattr(model, "add_done_callback") else model

    def _save(self, epoch):
        last, best = (m.result() if hasattr(m, "add_done_callback") else m for m in (self.last, self.best))
        prepared = self.prepared
        checkpoint = Checkpoint(
            prepared.identity,
            prepared.seed,
            epoch,
            prepared.epoch_steps,
            steps_token(prepared.order, prepared.row_seeds, epoch * prepared.epoch_steps),
            last,
            best,
            self.stopping,
            list(self.history),
            self.stopped,
        )
        save_checkpoint(self.options.checkpoint_dir, checkpoint)
