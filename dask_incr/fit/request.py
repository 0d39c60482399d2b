"""The request: everything a fit was asked for, validated once.

:func:`fit_request` checks the arguments of a fit — the options, the flags,
the inputs' kinds, each estimator against the inputs — before anything is
built or computed, and returns a frozen :class:`FitRequest`. The entry points
(:func:`dask_incr.fit.runner.run_fit`, :func:`~dask_incr.fit.runner.run_fits`)
build one and hand it to the runner; nothing below re-checks it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from .._validation import check_flag, type_name
from ..graph.blocks import check_input
from ..graph.fold import holds_collections
from .checks import check_estimator, check_estimators
from .lazy import check_lazy_start
from .options import FitOptions

__all__ = ["FitRequest", "fit_request"]


@dataclass(frozen=True)
class FitRequest:
    """A fit of one or more estimators on the same blocks, as asked and checked.

    Attributes
    ----------
    estimators : tuple
        One chain each (copies of the caller's objects for a lazy fit).
    X, y, sample_weight
        The inputs, checked by :func:`dask_incr.graph.blocks.check_input`.
    options : FitOptions
    fit_kwargs : dict
        Passed to every ``partial_fit``.
    compute : bool
        Run the fit; ``False``: one lazy graph.
    validation : tuple or None
        ``(X_val, y_val[, sample_weight_val])`` scored after each epoch.
    history : bool
        Record the fit's history (it then runs epoch by epoch).
    keep_epochs : bool
        A lazy fit also gives each epoch's model.
    many : bool
        Several estimators fed by each block (:func:`dask_incr.fit_blocks_many`):
        every chain is named by its position too.
    lazy_kwargs : bool
        Whether the fit kwargs hold dask collections (computed once, first).
    lazy_inputs : bool
        Whether any input (fit kwargs, validation data and a lazy starting
        model included) is a dask collection: else there is nothing to load.
    """

    estimators: tuple
    X: object
    y: object
    sample_weight: object
    options: FitOptions
    fit_kwargs: dict
    compute: bool
    validation: tuple | None
    history: bool
    keep_epochs: bool
    many: bool
    lazy_kwargs: bool
    lazy_inputs: bool

    @property
    def staged(self):
        """Whether the fit runs epoch by epoch (something happens between epochs)."""
        return self.options.staged or self.validation is not None or self.history

    @property
    def hold_out(self):
        """Whether validation blocks are held out of X (early stopping without validation data)."""
        return self.options.early_stopping and self.validation is None


def fit_request(
    estimators,
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
    many=False,
):
    """Check the arguments of a fit, before any work, and return its :class:`FitRequest`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.preprocessing import StandardScaler
    >>> request = fit_request([StandardScaler()], np.ones((4, 2)))
    >>> request.staged, request.lazy_inputs, request.options.epochs
    (False, False, 1)
    >>> fit_request([StandardScaler()], np.ones((4, 2)), keep_epochs=True)
    Traceback (most recent call last):
    ...
    ValueError: keep_epochs gives the epochs' models of a lazy fit: use it with compute=False
    """
    options = FitOptions() if options is None else options
    if not isinstance(options, FitOptions):
        raise TypeError(f"options must be a FitOptions, got {type_name(options)}")
    for flag, label in ((compute, "compute"), (history, "history"), (keep_epochs, "keep_epochs")):
        check_flag(flag, label)
    if (options.staged or validation is not None or history) and not compute:
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
    if not compute:
        # The graph captures the estimators as they are now: later changes of
        # the caller's objects do not reach it.
        estimators = [copy.deepcopy(estimator) for estimator in estimators]
    lazy_kwargs = holds_collections(fit_kwargs)
    return FitRequest(
        estimators=tuple(estimators),
        X=X,
        y=y,
        sample_weight=sample_weight,
        options=options,
        fit_kwargs=fit_kwargs,
        compute=compute,
        validation=validation,
        history=history,
        keep_epochs=keep_epochs,
        many=many,
        lazy_kwargs=lazy_kwargs,
        lazy_inputs=lazy_kwargs or holds_collections((X, y, sample_weight, validation, estimators)),
    )
