"""Checkpoints: a fit's state after an epoch, written to a directory, and read back to resume.

One file, ``checkpoint.pkl`` (a pickle), replaced atomically after each
epoch: the model, the best model so far, the stopping rule's state, the
history, the fit's identity (by part) and seed, and a token of the steps run.
A resumed fit plans the whole fit again from the same seed (each epoch has
its own permutation drawn from one root seed, and the first epochs of a
longer fit are the shorter fit's: :mod:`dask_incr.graph.orders`), refuses a
checkpoint of another fit naming what differs (:func:`differences`), and runs
the epochs that were not finished from the saved model — so it ends with the
model an uninterrupted fit would have made, with as many epochs or more.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from dataclasses import dataclass

import cloudpickle
from dask.base import tokenize

__all__ = ["CHECKPOINT_FILE", "Checkpoint", "differences", "load_checkpoint", "save_checkpoint", "steps_token"]

#: The name of the checkpoint file inside ``checkpoint_dir``.
CHECKPOINT_FILE = "checkpoint.pkl"
#: 2: the identity by part, the epoch length and the token of the steps run (1: one identity token).
_FORMAT = 2


@dataclass(frozen=True)
class Checkpoint:
    """The state of a fit after ``epoch`` finished epochs.

    Attributes
    ----------
    identity : dict
        :attr:`dask_incr.fit.plan.Prepared.identity` of the fit, by part
        (estimator, data, held-out blocks, fit kwargs, shuffles, stopping rule).
    seed : int or None
        The fit's seed, so that a resumed fit draws the same order.
    epoch : int
        Finished epochs.
    epoch_steps : int
        Steps per epoch.
    steps_run : str
        :func:`steps_token` of the ``epoch * epoch_steps`` steps run.
    model : estimator
        The model after ``epoch``.
    best_model : estimator
        The model of the best-scoring epoch so far (``model`` when nothing is scored).
    stopping : dask_incr.fit.stopping.Stopping
    history : list of dict
    stopped : bool
        Whether the rule stopped the fit at ``epoch``.
    """

    identity: dict
    seed: int | None
    epoch: int
    epoch_steps: int
    steps_run: str
    model: object
    best_model: object
    stopping: object
    history: list
    stopped: bool
    format: int = _FORMAT


def save_checkpoint(directory, checkpoint):
    """Write ``checkpoint`` to ``directory`` (created if needed), replacing the last; returns its path.

    The file is written beside and renamed over the old one, so an
    interrupted write leaves the previous checkpoint whole.

    Examples
    --------
    >>> import tempfile
    >>> from dask_incr.fit.stopping import Stopping
    >>> directory = tempfile.mkdtemp()
    >>> run = steps_token([0, 1, 2, 3], None, 4)
    >>> state = Checkpoint({}, 0, 1, 4, run, {"coef": 1}, {"coef": 1}, Stopping(), [], False)
    >>> path = save_checkpoint(directory, state)
    >>> load_checkpoint(directory) == state
    True
    """
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, CHECKPOINT_FILE)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".checkpoint-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            try:
                pickle.dump(checkpoint, file, protocol=5)
            except (pickle.PicklingError, AttributeError, TypeError):  # e.g. a class defined in a notebook
                file.seek(0)
                file.truncate()
                cloudpickle.dump(checkpoint, file, protocol=5)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
    return path


def load_checkpoint(directory):
    """The :class:`Checkpoint` in ``directory``, or ``None`` when there is none.

    Raises ``ValueError`` for a file that is not a dask_incr checkpoint, or
    one of another format (written by another version of dask_incr).

    Examples
    --------
    >>> import tempfile
    >>> load_checkpoint(tempfile.mkdtemp()) is None
    True
    """
    path = os.path.join(directory, CHECKPOINT_FILE)
    if not os.path.exists(path):
        return None
    with open(path, "rb") as file:
        checkpoint = pickle.load(file)
    if not isinstance(checkpoint, Checkpoint):
        raise ValueError(f"{path} is not a dask_incr checkpoint; remove it or use another checkpoint_dir")
    written = getattr(checkpoint, "format", None)
    if written != _FORMAT:
        raise ValueError(
            f"{path} is a checkpoint of format {written}, written by another version of dask_incr; this version "
            f"of dask_incr reads format {_FORMAT} and cannot continue it: remove it (the fit starts afresh) "
            "or use another checkpoint_dir"
        )
    return checkpoint


def steps_token(order, row_seeds, n_steps):
    """A token of the first ``n_steps`` steps of a fit: the block each visits and its row seed.

    Examples
    --------
    >>> steps_token([0, 1, 2, 1], None, 2) == steps_token([0, 1, 0, 0], None, 2)
    True
    >>> steps_token([0, 1], None, 2) == steps_token([1, 0], None, 2)
    False
    """
    return tokenize(list(order[:n_steps]), None if row_seeds is None else list(row_seeds[:n_steps]))


def differences(checkpoint, prepared):
    """Why ``prepared`` (a :class:`dask_incr.fit.plan.Prepared` fit) cannot continue ``checkpoint``: a list of phrases.

    Empty when it can: the same fit (each part of the identity, the seed),
    whose first steps are the ones the checkpoint ran, with as many epochs or
    more. A different seed or shuffle is named rather than the order it
    changes.

    Examples
    --------
    >>> import dask.array as da
    >>> from sklearn.preprocessing import StandardScaler
    >>> from dask_incr.fit.options import FitOptions
    >>> from dask_incr.fit.plan import prepare, read_blocks
    >>> from dask_incr.fit.request import fit_request
    >>> from dask_incr.fit.stopping import Stopping
    >>> def fit(**options):
    ...     request = fit_request([StandardScaler()], da.ones((4, 2), chunks=2), options=FitOptions(**options))
    ...     return prepare(request, read_blocks(request), prefetch=1, signals=False)
    >>> two = fit(epochs=2, shuffle_blocks=True, random_state=0)
    >>> saved = Checkpoint(two.identity, 0, 2, 2, steps_token(two.order, None, 4), None, None, Stopping(), [], False)
    >>> differences(saved, fit(epochs=5, shuffle_blocks=True, random_state=0))
    []
    >>> differences(saved, fit(epochs=1, shuffle_blocks=True, random_state=1))
    ['the seed differs (0 in the checkpoint, 1 here)', 'epochs=1 is fewer than the 2 epochs the checkpoint ran']
    """
    found = [
        _difference(part, checkpoint.identity.get(part), value)
        for part, value in prepared.identity.items()
        if checkpoint.identity.get(part) != value
    ]
    if checkpoint.seed != prepared.seed:
        found.append(_difference("the seed", checkpoint.seed, prepared.seed))
    if checkpoint.epoch_steps != prepared.epoch_steps:
        found.append(_difference("the number of steps per epoch", checkpoint.epoch_steps, prepared.epoch_steps))
    if checkpoint.epoch > prepared.n_epochs:
        found.append(f"epochs={prepared.n_epochs} is fewer than the {checkpoint.epoch} epochs the checkpoint ran")
    elif not found:  # the same seed and shuffles: an explicit order that starts otherwise
        n_steps = checkpoint.epoch * checkpoint.epoch_steps
        if steps_token(prepared.order, prepared.row_seeds, n_steps) != checkpoint.steps_run:
            found.append(f"the order of the {n_steps} steps the checkpoint ran differs (their blocks or row seeds)")
    return found


def _difference(part, saved, now):
    """The phrase naming a part that differs, with both values when they are short to show."""
    if isinstance(saved, (bool, int, tuple, type(None))) and isinstance(now, (bool, int, tuple, type(None))):
        return f"{part} differs ({saved!r} in the checkpoint, {now!r} here)"
    return f"{part} differs"
