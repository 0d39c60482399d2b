"""Many models, one pass: several estimators fed by each block, read once.

:func:`fit_blocks_many` is :func:`dask_incr.fit_blocks` for a list of
estimators. It builds one chain per estimator over the same blocks in the
same order, through the one runner (:func:`dask_incr.fit.runner.run_fits`): step
``i`` of every chain reads the same copy of block ``i``, so each block is
loaded once per pass for all the models and released once every chain has
read it, and loading ahead waits on the slowest chain. The steps of one block
are independent tasks: they run in parallel where the scheduler has threads
or workers. On distributed the models go to the block; the scheduler may copy
a block once to an idle worker to run its steps in parallel, never once per
model.
"""

from __future__ import annotations

import inspect

from .api import fit_blocks
from .options import DEFAULT_PREFETCH, FitOptions
from .runner import run_fits

__all__ = ["fit_blocks_many"]


def fit_blocks_many(
    estimators,
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
    **fit_kwargs,
):
    """Fit each of ``estimators`` with one ``partial_fit`` call per row block of ``X``, reading each block once.

    Every estimator sees the blocks :func:`dask_incr.fit_blocks` would give
    it with the same options, in the same order: each fitted model equals
    that estimator's own ``fit_blocks`` fit. All the estimators share the
    order (and row shuffles) drawn from ``random_state``.

    Parameters
    ----------
    estimators : list or tuple of estimators with ``partial_fit``
        Never changed: each fit starts from a copy. Every one is checked
        before anything is computed; an error names its position.
    X, y, sample_weight, shuffle_blocks, shuffle_rows, epochs, random_state, prefetch, progress
        As for :func:`dask_incr.fit_blocks`. ``prefetch`` counts blocks:
        at most ``prefetch + 1`` blocks are in memory, whatever the number of
        estimators.
    compute : bool, default True
        Return the fitted estimators; with ``False`` a list of ``Delayed``,
        one per estimator, sharing one graph (compute them together, e.g.
        ``dask.compute(*models)``, to read each block once).
    **fit_kwargs
        Passed to every ``partial_fit`` of every estimator.

    Returns
    -------
    list of estimators or of Delayed
        The fitted copies, in the order of ``estimators``.

    Examples
    --------
    >>> import dask.array as da
    >>> from sklearn.linear_model import SGDRegressor
    >>> X = da.random.default_rng(0).normal(size=(100, 3), chunks=25)
    >>> y = X[:, 0] - X[:, 1]
    >>> models = fit_blocks_many([SGDRegressor(alpha=a, random_state=0) for a in (1e-4, 1e-2)], X, y)
    >>> [model.alpha for model in models], models[0].t_  # 4 blocks of 25 rows, each read once
    ([0.0001, 0.01], 101.0)
    >>> lazy = fit_blocks_many([SGDRegressor(), SGDRegressor()], X, y, compute=False)
    >>> [key[1] for key in (lazy[0].key, lazy[1].key)], lazy[0].key[0] != lazy[1].key[0]
    ([3, 3], True)
    """
    single = sorted(single_fit_options().intersection(fit_kwargs))
    if single:
        raise TypeError(
            f"fit_blocks_many does not take {single[0]!r}: early stopping, validation, checkpoints and history "
            "are options of a single fit; fit each model with dask_incr.fit_blocks, or compare them with "
            "dask_incr.SuccessiveHalvingSearchCV"
        )
    options = FitOptions(
        shuffle_blocks=shuffle_blocks,
        shuffle_rows=shuffle_rows,
        epochs=epochs,
        random_state=random_state,
        prefetch=prefetch,
        progress=progress,
    )
    return run_fits(
        estimators, X, y, sample_weight=sample_weight, options=options, fit_kwargs=fit_kwargs, compute=compute
    ).result


def single_fit_options():
    """The keyword-only options of :func:`dask_incr.fit_blocks` that this function lacks.

    They decide between the epochs of one model (early stopping, validation,
    checkpoints, history), so they are refused here by name rather than passed
    to ``partial_fit``.

    Examples
    --------
    >>> "early_stopping" in single_fit_options(), "epochs" in single_fit_options()
    (True, False)
    """
    own = inspect.signature(fit_blocks_many).parameters
    single = inspect.signature(fit_blocks).parameters.values()
    return frozenset(p.name for p in single if p.kind is p.KEYWORD_ONLY and p.name not in own)
