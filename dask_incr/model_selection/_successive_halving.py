"""Successive halving over streamed blocks: many candidates trained together, each block read once per step.

:class:`SuccessiveHalvingSearchCV` has the parameters and learned attributes
of dask-ml's class of that name and its budget (one ``partial_fit`` call is
one block), but never holds the training set in memory: the candidates still
in the race train together through :func:`dask_incr.fit.runner.run_fits`, each
block read once for all of them, at most ``prefetch + 1`` blocks in memory.

The algorithm (Jamieson & Talwalkar, 2016, as dask-ml runs it): with ``n``
candidates, ``r = n_initial_iter`` and ``eta = aggressiveness``, every
candidate is trained for one call and scored, then rung ``k = 0, 1, ...``
keeps the ``floor(n * eta ** -k)`` best by their latest score and trains
those that can still learn to ``round(r * eta ** k)`` calls (never more than
``max_iter``), scoring them at the end. The search ends when a rung keeps no
candidate or none of those kept can train any more.
"""

from __future__ import annotations

import math

import numpy as np
from sklearn.model_selection import ParameterGrid

from .._validation import check_count, check_real, type_name
from ..fit.options import DEFAULT_PREFETCH
from ._base import BaseSearch, candidates_of
from ._loop import Group
from ._rules import HalvingRule

__all__ = ["SuccessiveHalvingSearchCV", "check_aggressiveness", "rung_sizes"]


def rung_sizes(n_candidates, n_initial_iter, aggressiveness, max_iter=None):
    """The ``(kept, calls)`` of each rung of successive halving, when every candidate can train.

    Rung ``k`` keeps ``floor(n * eta ** -k)`` candidates and trains them to
    ``round(r * eta ** k)`` calls, capped at ``max_iter``; the last rung is
    the first that keeps at most one candidate or reaches ``max_iter``.

    Examples
    --------
    >>> rung_sizes(10, 1, 3)
    [(10, 1), (3, 3), (1, 9)]
    >>> rung_sizes(9, 2, 3, max_iter=10)
    [(9, 2), (3, 6), (1, 10)]
    """
    rungs = []
    for k in range(10_000):  # eta > 1: the kept count reaches 1 long before
        kept = math.floor(n_candidates * aggressiveness**-k)
        calls = int(np.round(n_initial_iter * aggressiveness**k))
        calls = calls if max_iter is None else min(calls, max_iter)
        rungs.append((kept, calls))
        if kept <= 1 or (max_iter is not None and calls >= max_iter):
            return rungs
    return rungs


def check_aggressiveness(eta):
    """``aggressiveness`` as a number > 1, or an error naming what was passed.

    Examples
    --------
    >>> check_aggressiveness(3)
    3
    >>> check_aggressiveness(1)
    Traceback (most recent call last):
    ...
    ValueError: aggressiveness must be > 1 (each rung keeps 1/aggressiveness), got 1
    """
    try:
        check_real(eta, "aggressiveness")
    except TypeError:
        raise TypeError(f"aggressiveness must be a number > 1, got {eta!r} ({type_name(eta)})") from None
    if not eta > 1:
        raise ValueError(f"aggressiveness must be > 1 (each rung keeps 1/aggressiveness), got {eta!r}")
    return eta


class SuccessiveHalvingSearchCV(BaseSearch):
    """Successive halving over the blocks of a dask collection, each block read once per step for all candidates.

    Parameters
    ----------
    estimator : estimator with ``partial_fit``, a Pipeline of them, or an ``Incremental``
        Cloned, then given each candidate's parameters (``estimator__alpha``
        for the estimator inside an ``Incremental``).
    parameters : dict or list of dicts
        Parameter names to lists or distributions (with ``rvs``), sampled with
        :class:`sklearn.model_selection.ParameterSampler`; with
        ``n_initial_parameters="grid"`` every combination of
        :class:`sklearn.model_selection.ParameterGrid`.
    n_initial_parameters : int or "grid", default 10
        Number of candidates sampled.
    n_initial_iter : int
        Calls to ``partial_fit`` (blocks) each candidate gets before the first
        cut. Required.
    max_iter : int, optional
        Most calls any candidate gets.
    aggressiveness : float, default 3
        ``eta``: each rung keeps ``1 / eta`` of the candidates and trains them
        ``eta`` times longer. Must be > 1.
    test_size : float, optional
        Fraction of the rows held out for scoring (default
        ``min(0.2, 1 / n_blocks)``, as dask-ml): whole blocks, or rows of every
        block when the blocks are few (see :doc:`/search`). Ignored when
        ``fit`` is given ``validation``.
    patience : int or False, default False
        Stop training a candidate once its score has not improved by more
        than ``tol`` over its last ``patience`` calls; candidates are then
        also scored every ``patience`` calls. Off when False or 0; otherwise
        >= 2.
    tol : float or None, default 0.001
        The improvement ``patience`` asks for (``None``: never stop).
    random_state : None, int, RandomState or Generator
        Seeds the parameter sampling, the held-out set and the block order;
        an int reproduces the search on any scheduler.
    scoring : str, callable or None
        A scikit-learn scorer name or ``scorer(estimator, X, y)``; ``None``:
        the estimator's own ``score``.
    verbose : bool or float, default False
        Log the best score of each scoring round (a float: that fraction of
        the rounds) to the ``dask_incr.model_selection`` logger, and print it.
    prefix : str, default ""
        Added to each logged message.
    prefetch : int, None or "auto", default "auto"
        Blocks loaded ahead of the step being fitted (see
        :func:`dask_incr.fit_blocks`).

    Attributes
    ----------
    cv_results_ : dict of numpy arrays
        One entry per candidate (index = ``model_id``): ``test_score`` (its
        latest score), ``rank_test_score``, ``partial_fit_calls``,
        ``params``, ``param_<name>``, ``model_id``, and the mean and std of
        ``partial_fit_time`` and ``score_time`` over its history.
    history_ : list of dict
        One record per candidate per score: ``model_id``, ``params``,
        ``partial_fit_calls``, ``partial_fit_time`` (wall time of the steps
        that trained it since its last score, shared with the candidates
        trained alongside), ``score``, ``score_time`` and ``elapsed_wall_time``.
    model_history_ : dict of list of dict
        ``history_`` by ``model_id``.
    best_estimator_, best_score_, best_index_, best_params_
        The best candidate among those of the last rung, by latest score.
    scorer_ : callable
        The scorer used.
    test_blocks_ : list of int
        The whole blocks of X held out (empty when rows or ``validation`` are used).
    train_order_ : list of int
        The block each step read: a candidate's call ``c`` read block
        ``train_order_[c]``.
    metadata, metadata_ : dict
        ``n_models``, ``max_iter`` and ``partial_fit_calls`` of the search
        planned (if no candidate stops early) and of the search run.
    n_splits_ : int
        1.
    multimetric_ : bool
        False.

    Examples
    --------
    >>> from sklearn.linear_model import SGDClassifier
    >>> from dask_incr.datasets import make_classification
    >>> X, y = make_classification(n_samples=400, chunks=40, random_state=0)
    >>> search = SuccessiveHalvingSearchCV(
    ...     SGDClassifier(random_state=0), {"alpha": [1e-4, 1e-3, 1e-2, 1e-1]},
    ...     n_initial_parameters=4, n_initial_iter=2, aggressiveness=2, random_state=0)
    >>> search.fit(X, y, classes=[0, 1]).cv_results_["partial_fit_calls"].tolist()
    [2, 4, 2, 8]
    >>> search.test_blocks_, len(search.train_order_)
    ([6], 8)
    """

    def __init__(
        self,
        estimator,
        parameters,
        n_initial_parameters=10,
        n_initial_iter=None,
        max_iter=None,
        aggressiveness=3,
        test_size=None,
        patience=False,
        tol=1e-3,
        random_state=None,
        scoring=None,
        verbose=False,
        prefix="",
        *,
        prefetch=DEFAULT_PREFETCH,
    ):
        self.estimator = estimator
        self.parameters = parameters
        self.n_initial_parameters = n_initial_parameters
        self.n_initial_iter = n_initial_iter
        self.max_iter = max_iter
        self.aggressiveness = aggressiveness
        self.test_size = test_size
        self.patience = patience
        self.tol = tol
        self.random_state = random_state
        self.scoring = scoring
        self.verbose = verbose
        self.prefix = prefix
        self.prefetch = prefetch

    def _check_params(self):
        super()._check_params()
        self._check_halving()

    def _check_halving(self):
        if self.n_initial_iter is None:
            raise ValueError("n_initial_iter must be given: the calls to partial_fit (blocks) before the first cut")
        check_count(self.n_initial_iter, "n_initial_iter", minimum=1)
        check_aggressiveness(self.aggressiveness)

    def _groups(self, seed):
        candidates = candidates_of(self.parameters, self.n_initial_parameters, seed)
        rule = HalvingRule(len(candidates), self.n_initial_iter, self.aggressiveness)
        return [Group(list(range(len(candidates))), candidates, rule)]

    def _most_steps(self, groups):
        return rung_sizes(len(groups[0].ids), self.n_initial_iter, self.aggressiveness, self.max_iter)[-1][1]

    def _store(self, run, groups, estimators, order, test_blocks):
        super()._store(run, groups, estimators, order, test_blocks)
        calls = self.cv_results_["partial_fit_calls"]
        self.metadata_ = {
            "n_models": len(calls),
            "max_iter": int(calls.max()),
            "partial_fit_calls": int(calls.sum()),
        }

    @property
    def metadata(self):
        """``n_models``, ``max_iter`` and ``partial_fit_calls`` planned, if no candidate stops early.

        dask-ml's budget, except that no candidate is planned beyond ``max_iter``.

        Examples
        --------
        >>> SuccessiveHalvingSearchCV(None, {}, n_initial_parameters=10, n_initial_iter=1).metadata
        {'n_models': 10, 'max_iter': 9, 'partial_fit_calls': 22}
        """
        self._check_halving()
        n = self.n_initial_parameters
        n = len(ParameterGrid(self.parameters)) if n == "grid" else check_count(n, "n_initial_parameters", minimum=1)
        rungs = rung_sizes(n, self.n_initial_iter, self.aggressiveness, self.max_iter)
        calls = [max(1, rungs[0][1])] * n
        for kept, target in rungs:
            calls[:kept] = [max(c, target) for c in calls[:kept]]
        return {"n_models": n, "max_iter": max(calls), "partial_fit_calls": sum(calls)}
