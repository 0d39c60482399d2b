"""The functional API: :func:`fit_blocks` and :func:`plan_fit`.

Each builds one :class:`~dask_incr.fit.options.FitOptions` from its keyword
arguments and hands the fit to the one runner, :func:`dask_incr.fit.runner.run_fit`.
"""

from __future__ import annotations

from .._validation import check_flag
from .options import DEFAULT_PREFETCH, FitOptions
from .runner import run_fit

__all__ = ["fit_blocks", "plan_fit"]


def plan_fit(
    estimator,
    X,
    y=None,
    *,
    sample_weight=None,
    shuffle_blocks=False,
    shuffle_rows=False,
    epochs=1,
    random_state=None,
    prefetch=DEFAULT_PREFETCH,
    keep_epochs=False,
    **fit_kwargs,
):
    """Validate the inputs and build the fit, without running it.

    Takes the arguments of :func:`fit_blocks` and returns a :class:`FitPlan`
    whose ``result`` is one ``Delayed`` graph. Raises before any compute on
    bad input. With ``keep_epochs``, ``epoch_models`` holds the model after
    each epoch, each made by a copy task of the same graph.

    Parameters
    ----------
    estimator, X, y, sample_weight, shuffle_blocks, shuffle_rows, epochs, random_state, prefetch, **fit_kwargs
        As in :func:`fit_blocks`.
    keep_epochs : bool, default False
        Also keep the model after each epoch (``FitPlan.epoch_models``).

    Returns
    -------
    FitPlan
        The order, seeds and held-out blocks of the fit, and its lazy
        ``result``.

    Examples
    --------
    >>> import dask.array as da
    >>> from sklearn.preprocessing import StandardScaler
    >>> X = da.ones((30, 2), chunks=10)
    >>> plan = plan_fit(StandardScaler(), X, epochs=2, shuffle_blocks=True, random_state=0)
    >>> len(plan.order), sorted(plan.order[:3]), plan.seed
    (6, [0, 1, 2], 0)
    >>> int(plan.result.compute().n_samples_seen_)
    60
    >>> first, second = plan_fit(StandardScaler(), X, epochs=2, keep_epochs=True).epoch_models
    >>> int(first.compute().n_samples_seen_), int(second.compute().n_samples_seen_)
    (30, 60)
    """
    options = FitOptions(
        shuffle_blocks=shuffle_blocks,
        shuffle_rows=shuffle_rows,
        epochs=epochs,
        random_state=random_state,
        prefetch=prefetch,
    )
    return run_fit(
        estimator,
        X,
        y,
        sample_weight=sample_weight,
        options=options,
        fit_kwargs=fit_kwargs,
        compute=False,
        keep_epochs=keep_epochs,
    )


def fit_blocks(
    estimator,
    X,
    y=None,
    *,
    sample_weight=None,
    shuffle_blocks=False,
    shuffle_rows=False,
    epochs=1,
    random_state=None,
    prefetch=DEFAULT_PREFETCH,
    progress=False,
    compute=True,
    early_stopping=False,
    validation_fraction=0.1,
    n_iter_no_change=5,
    tol=1e-3,
    scoring=None,
    restore_best=True,
    validation=None,
    checkpoint_dir=None,
    resume=False,
    return_history=False,
    **fit_kwargs,
):
    """Fit ``estimator`` with one ``partial_fit`` call per row block of ``X``.

    Parameters
    ----------
    estimator : estimator with ``partial_fit``
        Never changed: the fit starts from a copy of it.
    X : dask Array, DataFrame, Series or Bag, or numpy / pandas / sparse data
        Row blocks are fed whole (column chunks are joined). In-memory data
        is one block: a single ``partial_fit`` call per epoch.
    y : dask or in-memory 1-D or 2-D data, optional
        Split along X's row blocks; ``None`` for unsupervised estimators.
    sample_weight : dask or in-memory 1-D data, optional
        Split along X's row blocks like ``y``.
    shuffle_blocks : bool, default False
        Visit the blocks of each epoch in a random order.
    shuffle_rows : bool, default False
        Shuffle the rows inside each block (X, y and sample_weight together).
    epochs : int, default 1
        Passes over the data; the chain has ``epochs * n_blocks`` steps.
    random_state : None, int, RandomState or Generator
        Seed of the shuffles; an int reproduces them anywhere.
    prefetch : int, None or "auto", default "auto"
        At most this many blocks are loaded ahead of the step being fitted
        (``None``: unbounded). ``"auto"`` reads one block ahead on the local
        schedulers and two on a distributed cluster (see :func:`read_ahead`).
        A fit computed on the synchronous scheduler reads nothing ahead,
        whatever is asked.
    progress : bool, default False
        Show a progress bar (``dask.diagnostics.ProgressBar`` on the local
        schedulers, ``distributed.progress`` with a distributed client).
    compute : bool, default True
        Return the fitted estimator; with ``False`` a ``Delayed`` of it that
        holds a copy of ``estimator`` as it is now (refused with the options
        below that run the fit epoch by epoch).
    early_stopping : bool, default False
        Score the model on validation data after each epoch and stop when the
        score has not improved by more than ``tol`` for ``n_iter_no_change``
        epochs; ``epochs`` is then the most passes. Returns the model of the
        best epoch (see ``restore_best``). See :doc:`/stopping`.
    validation_fraction : float, default 0.1
        With ``early_stopping`` and no ``validation``: the fraction of X's row
        blocks held out for validation (at least one), chosen by the seed and
        never trained on.
    n_iter_no_change : int, default 5
        Epochs without improvement before stopping.
    tol : float or None, default 1e-3
        The improvement that counts; ``None`` never stops.
    scoring : None, str or callable
        The validation metric: a scikit-learn scorer name or a scorer
        ``(estimator, X, y)``; ``None``: the estimator's own ``score``.
    restore_best : bool, default True
        With ``early_stopping``, return the best epoch's model; ``False``: the last one.
    validation : tuple, optional
        ``(X_val, y_val)`` or ``(X_val, y_val, sample_weight_val)``, dask or
        in-memory, scored after every epoch (also without ``early_stopping``:
        a learning curve); with ``early_stopping`` nothing is held out.
    checkpoint_dir : str or os.PathLike, optional
        Write the model and what resuming needs there after each epoch.
    resume : bool, default False
        Continue from the checkpoint in ``checkpoint_dir``, if any.
    return_history : bool, default False
        Return ``(model, history)``: one dict per epoch with ``epoch``,
        ``steps``, ``samples``, ``fit_seconds`` and ``score``.
    **fit_kwargs
        Passed to every ``partial_fit`` (e.g. ``classes``). Dask collections
        among them are computed once, before the first step.

    Returns
    -------
    estimator or Delayed, or (estimator, list of dict)
        A fitted copy of ``estimator`` (and the history with ``return_history``).

    See Also
    --------
    plan_fit : the same fit, with its order, before it runs.

    Examples
    --------
    >>> import dask.array as da
    >>> from sklearn.linear_model import SGDClassifier
    >>> X = da.random.default_rng(0).normal(size=(100, 3), chunks=25)
    >>> y = (X[:, 0] > 0).astype(int)
    >>> model = fit_blocks(SGDClassifier(random_state=0), X, y, classes=[0, 1])
    >>> model.classes_.tolist()
    [0, 1]
    >>> lazy = fit_blocks(SGDClassifier(random_state=0), X, y, classes=[0, 1], compute=False)
    >>> lazy.key[1]  # one step per block: keys (fit-<token>, 0..3)
    3
    >>> model, history = fit_blocks(
    ...     SGDClassifier(random_state=0), X, y, classes=[0, 1], epochs=3, validation=(X, y), return_history=True
    ... )
    >>> [entry["epoch"] for entry in history], 0 <= history[-1]["score"] <= 1
    ([1, 2, 3], True)
    """
    options = FitOptions(
        shuffle_blocks=shuffle_blocks,
        shuffle_rows=shuffle_rows,
        epochs=epochs,
        random_state=random_state,
        prefetch=prefetch,
        progress=progress,
        early_stopping=early_stopping,
        validation_fraction=validation_fraction,
        n_iter_no_change=n_iter_no_change,
        tol=tol,
        scoring=scoring,
        restore_best=restore_best,
        checkpoint_dir=checkpoint_dir,
        resume=resume,
    )
    check_flag(return_history, "return_history")
    plan = run_fit(
        estimator,
        X,
        y,
        sample_weight=sample_weight,
        options=options,
        fit_kwargs=fit_kwargs,
        compute=compute,
        validation=validation,
        history=return_history,
    )
    return (plan.result, plan.history) if return_history else plan.result
