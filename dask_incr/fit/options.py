"""Options: how a fit runs, as one frozen object validated once.

``fit_blocks`` builds a :class:`FitOptions` from its keyword arguments,
``Incremental`` from its parameters; everything below receives it whole.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass

from .._validation import check_count, check_flag, check_prefetch, check_real, check_seed
from .scoring import check_scoring

__all__ = ["DEFAULT_PREFETCH", "FitOptions"]

#: Blocks loaded ahead of the one being fitted, unless asked otherwise:
#: chosen per scheduler by :func:`dask_incr.fit.runner.read_ahead`.
DEFAULT_PREFETCH = "auto"


@dataclass(frozen=True)
class FitOptions:
    """How a fit visits the blocks and runs; checked when made.

    Parameters
    ----------
    shuffle_blocks : bool, default False
        Visit the blocks of each epoch in a random order.
    shuffle_rows : bool, default False
        Shuffle the rows inside each block (X, y and sample_weight together).
    epochs : int, default 1
        Passes over the data.
    random_state : None, int, RandomState or Generator
        Seed of the shuffles.
    prefetch : int, None or "auto", default "auto"
        Blocks loaded ahead of the one being fitted; ``None``: unbounded;
        ``"auto"``: chosen for the scheduler (see :func:`dask_incr.fit.runner.read_ahead`).
    progress : bool, default False
        Show a progress bar while computing.
    window : int or None, default None
        Steps per graph when a fit is computed; ``None`` picks
        :data:`dask_incr.fit.runner.DEFAULT_WINDOW`.
    early_stopping : bool, default False
        Score the model on validation data after each epoch and stop when it
        stops improving (see :doc:`/stopping`); ``epochs`` is then the most
        passes made.
    validation_fraction : float, default 0.1
        With ``early_stopping`` and no validation data given: the fraction of
        the row *blocks* held out (at least one), chosen by the seed.
    n_iter_no_change : int, default 5
        Epochs without an improvement of more than ``tol`` before stopping.
    tol : float or None, default 1e-3
        The improvement that counts; ``None`` never stops (every epoch is
        still scored and the best model kept).
    scoring : None, str or callable
        Metric of the validation score: a name known to
        :func:`sklearn.metrics.get_scorer` or a scorer ``(estimator, X, y)``;
        ``None``: the estimator's own ``score``.
    restore_best : bool, default True
        Return the model of the best-scoring epoch; ``False``: the last one.
    checkpoint_dir : str, os.PathLike or None
        Write the model and the state needed to resume to this directory
        after each epoch.
    resume : bool, default False
        Continue from the checkpoint in ``checkpoint_dir`` if there is one.
    order : sequence of int or None, default None
        The block of every step, given explicitly (a block may appear any
        number of times, or not at all); ``None`` plans it from
        ``shuffle_blocks`` and ``epochs``, which must keep their defaults
        when ``order`` is given.

    Raises
    ------
    TypeError
        An option of the wrong type (a bool option must be a bool).
    ValueError
        An option out of range, or a ``random_state`` that cannot seed.

    Examples
    --------
    >>> FitOptions(epochs=2).epochs
    2
    >>> FitOptions(shuffle_blocks="no")
    Traceback (most recent call last):
    ...
    TypeError: shuffle_blocks must be True or False, got 'no' (str)
    """

    shuffle_blocks: bool = False
    shuffle_rows: bool = False
    epochs: int = 1
    random_state: object = None
    prefetch: int | str | None = DEFAULT_PREFETCH
    progress: bool = False
    window: int | None = None
    early_stopping: bool = False
    validation_fraction: float = 0.1
    n_iter_no_change: int = 5
    tol: float | None = 1e-3
    scoring: object = None
    restore_best: bool = True
    checkpoint_dir: object = None
    resume: bool = False
    order: tuple | None = None

    def __post_init__(self):
        for name in ("shuffle_blocks", "shuffle_rows", "progress", "early_stopping", "restore_best", "resume"):
            check_flag(getattr(self, name), name)
        fraction = check_real(self.validation_fraction, "validation_fraction")
        if not 0 < fraction < 1:
            raise ValueError(f"validation_fraction must be > 0 and < 1, got {self.validation_fraction!r}")
        object.__setattr__(self, "validation_fraction", fraction)
        object.__setattr__(self, "n_iter_no_change", check_count(self.n_iter_no_change, "n_iter_no_change", minimum=1))
        if self.tol is not None:
            tol = check_real(self.tol, "tol")
            if not tol >= 0:
                raise ValueError(f"tol must be None or a number >= 0, got {self.tol!r}")
            object.__setattr__(self, "tol", tol)
        if self.checkpoint_dir is not None and not isinstance(self.checkpoint_dir, (str, os.PathLike)):
            raise TypeError(
                f"checkpoint_dir must be None, a str or an os.PathLike, got {self.checkpoint_dir!r} "
                f"({type(self.checkpoint_dir).__name__})"
            )
        check_scoring(self.scoring)
        if self.resume and self.checkpoint_dir is None:
            raise ValueError("resume=True needs checkpoint_dir: the directory of the checkpoint to resume from")
        object.__setattr__(self, "epochs", check_count(self.epochs, "epochs", minimum=1))
        object.__setattr__(self, "prefetch", check_prefetch(self.prefetch))
        if self.window is not None:
            object.__setattr__(self, "window", check_count(self.window, "window", minimum=1))
        check_seed(self.random_state)
        if self.order is not None:
            object.__setattr__(self, "order", check_order(self.order))
            if self.shuffle_blocks or self.epochs != 1:
                raise ValueError(
                    "order gives the block of every step: leave shuffle_blocks=False and epochs=1 "
                    f"(got shuffle_blocks={self.shuffle_blocks}, epochs={self.epochs})"
                )

    @property
    def staged(self):
        """Whether the fit must run epoch by epoch (something happens between epochs)."""
        return self.early_stopping or self.checkpoint_dir is not None

    @property
    def shuffled(self):
        """Whether anything is random (and so a seed is drawn)."""
        return self.shuffle_blocks or self.shuffle_rows

    def replace(self, **changes):
        """A copy with ``changes``, validated again.

        Examples
        --------
        >>> FitOptions().replace(prefetch=0).prefetch
        0
        """
        return dataclasses.replace(self, **changes)


def check_order(order):
    """An explicit block order as a tuple of ints >= 0; at least one step.

    Examples
    --------
    >>> check_order([2, 0, 2])
    (2, 0, 2)
    >>> check_order([0, -1])
    Traceback (most recent call last):
    ...
    ValueError: order[1] must be >= 0, got -1
    """
    if isinstance(order, (str, bytes)) or not hasattr(order, "__iter__"):
        raise TypeError(f"order must be a sequence of block indices, got {order!r} ({type(order).__name__})")
    order = tuple(check_count(block, f"order[{i}]", minimum=0) for i, block in enumerate(order))
    if not order:
        raise ValueError("order must hold at least one block index, got an empty sequence")
    return order


OPTION_NAMES = frozenset(field.name for field in dataclasses.fields(FitOptions))
