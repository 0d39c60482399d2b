"""Checkpoints: a fit's state after an epoch, written to a directory, and read back to resume.

One file, ``checkpoint.pkl`` (a pickle), replaced atomically after each
epoch: the model, the best model so far, the stopping rule's state, the
history, and the fit's identity and seed. A resumed fit plans the whole fit
again from the same seed (each epoch has its own permutation drawn from one
root seed, :mod:`dask_incr.graph.orders`), refuses a checkpoint of another fit, and
runs the epochs that were not finished from the saved model — so it ends with
the model an uninterrupted fit would have made.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from dataclasses import dataclass

import cloudpickle

__all__ = ["CHECKPOINT_FILE", "Checkpoint", "load_checkpoint", "save_checkpoint"]

#: The name of the checkpoint file inside ``checkpoint_dir``.
CHECKPOINT_FILE = "checkpoint.pkl"
_FORMAT = 1


@dataclass(frozen=True)
class Checkpoint:
    """The state of a fit after ``epoch`` finished epochs.

    Attributes
    ----------
    identity : str
        :attr:`dask_incr.fit.plan.Prepared.identity` of the fit (estimator, data,
        order, seeds, fit kwargs).
    seed : int or None
        The fit's seed, so that a resumed fit draws the same order.
    epoch : int
        Finished epochs.
    model : estimator
        The model after ``epoch``.
    best_model : estimator
        The model of the best-scoring epoch so far (``model`` when nothing is scored).
    stopping : dask_incr.fit.stopping.Stopping
    history : list of dict
    stopped : bool
        Whether the rule stopped the fit at ``epoch``.
    """

    identity: str
    seed: int | None
    epoch: int
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
    >>> state = Checkpoint("abc", 0, 1, {"coef": 1}, {"coef": 1}, Stopping(), [], False)
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

    Raises ``ValueError`` for a file that is not a dask_incr checkpoint.

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
    if not isinstance(checkpoint, Checkpoint) or checkpoint.format != _FORMAT:
        raise ValueError(f"{path} is not a dask_incr checkpoint (format {_FORMAT}); remove it or use another directory")
    return checkpoint
