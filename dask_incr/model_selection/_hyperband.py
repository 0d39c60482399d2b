"""Hyperband over streamed blocks: every bracket trained together, each block read once per step.

Hyperband (Li et al., 2018) runs successive halving in several *brackets*
that trade many models trained briefly for few models trained long. With
``R = max_iter`` and ``eta = aggressiveness``: ``s_max = floor(log_eta(R))``;
bracket ``s = s_max, ..., 0`` starts ``n = ceil((s_max + 1) / (s + 1) * eta ** s)``
models at ``r = floor(R * eta ** -s)`` calls and runs rungs ``i = 0..s``:
``floor(n * eta ** -i)`` models trained to ``round(r * eta ** i)`` calls.

dask-ml runs the brackets side by side on a cluster, each reading the data on
its own. Here all brackets share one clock (see :mod:`._loop`): at every step
one block is read for every model still training, in any bracket, so the
whole search reads about ``max_iter`` blocks (plus the scoring rounds).
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ..fit.options import DEFAULT_PREFETCH
from ._base import BaseSearch, candidates_of, check_patience
from ._loop import Group
from ._rules import HalvingRule
from ._successive_halving import check_aggressiveness

__all__ = ["HyperbandSearchCV", "bracket_budgets", "hyperband_brackets"]

_SEED_BOUND = 2**31  # dask-ml draws its brackets' seeds below this
_LEGACY_SEED_MASK = 2**32 - 1


def hyperband_brackets(max_iter, aggressiveness=3):
    """``{bracket: (n_models, n_initial_iter)}``, the most adaptive bracket first.

    Examples
    --------
    >>> hyperband_brackets(81)
    {4: (81, 1), 3: (34, 3), 2: (15, 9), 1: (8, 27), 0: (5, 81)}
    """
    s_max = _s_max(max_iter, aggressiveness)
    brackets = {}
    for s in range(s_max, -1, -1):
        n = math.ceil((s_max + 1) / (s + 1) * aggressiveness**s)
        brackets[s] = (n, int(max_iter * aggressiveness**-s))
    return brackets


def _s_max(max_iter, eta):
    """``floor(log_eta(max_iter))`` in floating point, as dask-ml computes it.

    ``math.log(243, 3)`` is 4.999..., so ``max_iter=243`` gets 4 + 1
    brackets here as in dask-ml, where exact arithmetic would give 6.
    """
    return math.floor(math.log(max_iter, eta))


def bracket_budgets(max_iter, aggressiveness=3):
    """Per bracket: ``n_models``, ``partial_fit_calls`` and the ``decisions`` (calls at each cut).

    Examples
    --------
    >>> [(b["bracket"], b["n_models"], b["partial_fit_calls"]) for b in bracket_budgets(9)]
    [(0, 3, 27), (1, 5, 21), (2, 9, 21)]
    """
    budgets = []
    for s, (n, r) in hyperband_brackets(max_iter, aggressiveness).items():
        calls = [0] * n
        for i in range(s + 1):
            target = int(np.round(r * aggressiveness**i))
            kept = math.floor(n * aggressiveness**-i)
            calls[:kept] = [target] * kept
        decisions = sorted({int(np.round(r * aggressiveness**i)) for i in range(s + 1)})
        budgets.append({"bracket": s, "n_models": n, "partial_fit_calls": sum(calls), "decisions": decisions})
    return sorted(budgets, key=lambda b: b["bracket"])


def hyperband_patience(patience, max_iter, aggressiveness, tol):
    """The ``patience`` each bracket gets: ``True`` is ``max(max_iter // aggressiveness, 1)``, as dask-ml.

    A patience shorter than that (with a ``tol``) warns: Hyperband already
    stops models early, patience is meant as a light layer on top.

    Examples
    --------
    >>> hyperband_patience(True, 81, 3, 1e-3), hyperband_patience(False, 81, 3, 1e-3)
    (27, False)
    """
    if patience is True:
        return max(max_iter // aggressiveness, 1)
    if patience is False:
        return False
    check_patience(patience)
    least = max(max_iter // aggressiveness, 1)
    if patience < least and tol is not None and not np.isnan(tol):
        warnings.warn(
            f"patience={patience} is shorter than max_iter // aggressiveness = {max_iter // aggressiveness}: "
            "Hyperband already stops models early; use patience=True, patience >= "
            f"{max_iter // aggressiveness}, or tol=None",
            UserWarning,
            stacklevel=3,
        )
    return int(patience)


class HyperbandSearchCV(BaseSearch):
    """Hyperband over the blocks of a dask collection: all brackets together, each block read once per step.

    Parameters
    ----------
    estimator : estimator with ``partial_fit``, a Pipeline of them, or an ``Incremental``
    parameters : dict or list of dicts
        Parameter names to lists or distributions (with ``rvs``).
    max_iter : int, default 81
        The most ``partial_fit`` calls (blocks) any model gets.
    aggressiveness : int, default 3
        ``eta``: how hard each bracket cuts.
    patience : int, bool, default False
        Stop a model whose score has not improved by ``tol`` over its last
        ``patience`` calls; ``True``: ``max(max_iter // aggressiveness, 1)``.
    tol : float or None, default 0.001
    test_size : float, optional
        Fraction of the rows held out (default ``min(0.2, 1 / n_blocks)``; see
        :doc:`/search`).
    random_state : None, int, RandomState or Generator
    scoring : str, callable or None
    verbose : bool or float, default False
    prefix : str, default ""
    predict_meta, predict_proba_meta, transform_meta : optional
        An empty object of the type the best model's method returns per block.
    prefetch : int, None or "auto", default "auto"
        Blocks loaded ahead of the step being fitted.

    Attributes
    ----------
    cv_results_, history_, model_history_, best_estimator_, best_score_, best_index_, best_params_
        As for :class:`SuccessiveHalvingSearchCV`; ``model_id`` is
        ``"bracket=<s>-<i>"``, ``cv_results_`` has a ``bracket`` column and
        every ``history_`` record a ``bracket`` key. The best model is the
        best of the brackets' best.
    metadata, metadata_ : dict
        ``n_models``, ``partial_fit_calls`` and ``brackets`` (per bracket:
        ``bracket``, ``n_models``, ``partial_fit_calls``, ``decisions``,
        ``SuccessiveHalvingSearchCV params``), planned and run; ``metadata``
        equals dask-ml's.
    scorer_, test_blocks_, train_order_, n_splits_, multimetric_

    Examples
    --------
    >>> from sklearn.linear_model import SGDClassifier
    >>> from dask_incr.datasets import make_classification
    >>> X, y = make_classification(n_samples=600, chunks=50, random_state=0)
    >>> from scipy.stats import loguniform
    >>> search = HyperbandSearchCV(SGDClassifier(random_state=0), {"alpha": loguniform(1e-5, 1e-1)},
    ...                            max_iter=9, random_state=0)
    >>> search.metadata["n_models"], search.metadata["partial_fit_calls"]
    (17, 69)
    >>> search.fit(X, y, classes=[0, 1]).metadata_["partial_fit_calls"], len(search.train_order_)
    (69, 9)
    """

    def __init__(
        self,
        estimator,
        parameters,
        max_iter=81,
        aggressiveness=3,
        patience=False,
        tol=1e-3,
        test_size=None,
        random_state=None,
        scoring=None,
        verbose=False,
        prefix="",
        predict_meta=None,
        predict_proba_meta=None,
        transform_meta=None,
        *,
        prefetch=DEFAULT_PREFETCH,
    ):
        self.estimator = estimator
        self.parameters = parameters
        self.max_iter = max_iter
        self.aggressiveness = aggressiveness
        self.patience = patience
        self.tol = tol
        self.test_size = test_size
        self.random_state = random_state
        self.scoring = scoring
        self.verbose = verbose
        self.prefix = prefix
        self.predict_meta = predict_meta
        self.predict_proba_meta = predict_proba_meta
        self.transform_meta = transform_meta
        self.prefetch = prefetch

    def _check_params(self):
        if self.max_iter is None:
            raise ValueError("max_iter must be given: the most partial_fit calls (blocks) any model gets")
        super()._check_params()
        check_aggressiveness(self.aggressiveness)

    def _patience(self):
        patience = hyperband_patience(self.patience, self.max_iter, self.aggressiveness, self.tol)
        return int(patience)

    def _bracket_seeds(self, seed):
        """dask-ml's seeds: bracket 0 the search's own, bracket ``b`` another drawn from it plus ``b``."""
        start = np.random.RandomState(seed & _LEGACY_SEED_MASK).randint(_SEED_BOUND)
        brackets = hyperband_brackets(self.max_iter, self.aggressiveness)
        return {b: seed if b == 0 else start + b for b in brackets}

    def _groups(self, seed):
        groups = []
        seeds = self._bracket_seeds(seed)
        for b, (n, r) in hyperband_brackets(self.max_iter, self.aggressiveness).items():
            candidates = candidates_of(self.parameters, n, seeds[b])
            ids = [f"bracket={b}-{i}" for i in range(len(candidates))]  # fewer when a grid is smaller
            groups.append(Group(ids, candidates, HalvingRule(n, r, self.aggressiveness, last_rung=b), bracket=b))
        return groups

    def _store(self, run, groups, estimators, order, test_blocks):
        super()._store(run, groups, estimators, order, test_blocks)
        bracket_of = {k: group.bracket for group in groups for k in group.ids}
        for record in self.history_:
            record["bracket"] = bracket_of[record["model_id"]]
        brackets = []
        top = max(group.bracket for group in groups)
        for group in sorted(groups, key=lambda g: g.bracket):
            records = [self.model_history_[k] for k in group.ids if self.model_history_[k]]
            decisions = {r["partial_fit_calls"] for history in records for r in history}
            if group.bracket != top:
                decisions.discard(1)  # every model's first score, not a decision (dask-ml counts it likewise)
            brackets.append(
                {
                    "decisions": sorted(decisions),
                    "n_models": len(records),
                    "bracket": group.bracket,
                    "partial_fit_calls": sum(history[-1]["partial_fit_calls"] for history in records),
                    "SuccessiveHalvingSearchCV params": self._bracket_params(group.bracket, self._seed_start()),
                }
            )
        self.metadata_ = {
            "n_models": sum(b["n_models"] for b in brackets),
            "partial_fit_calls": sum(b["partial_fit_calls"] for b in brackets),
            "brackets": brackets,
        }

    def _seed_start(self):
        """The seed dask-ml reports for bracket 1 minus 1, from an int ``random_state``; else ``None``."""
        if isinstance(self.random_state, (int, np.integer)) and not isinstance(self.random_state, bool):
            return np.random.RandomState(int(self.random_state)).randint(_SEED_BOUND)
        return None

    def _bracket_params(self, bracket, seed_start):
        """What dask-ml's metadata lists as the ``SuccessiveHalvingSearchCV params`` of a bracket."""
        n, r = hyperband_brackets(self.max_iter, self.aggressiveness)[bracket]
        if bracket == 0 or seed_start is None:
            random_state = self.random_state
        else:
            random_state = seed_start + bracket
        return {
            "aggressiveness": self.aggressiveness,
            "max_iter": self.max_iter,
            "n_initial_iter": r,
            "n_initial_parameters": n,
            "patience": hyperband_patience(self.patience, self.max_iter, self.aggressiveness, self.tol),
            "prefix": f"{self.prefix}, bracket={bracket}",
            "random_state": random_state,
            "scoring": self.scoring,
            "test_size": self.test_size,
            "tol": self.tol,
            "verbose": self.verbose,
        }

    @property
    def metadata(self):
        """What the search will do if no model stops early: ``n_models``, ``partial_fit_calls``, ``brackets``.

        Equal to dask-ml's ``metadata`` for the same parameters (with an int
        ``random_state``; otherwise each bracket's ``random_state`` is drawn at
        ``fit``).

        Examples
        --------
        >>> from sklearn.linear_model import SGDClassifier
        >>> meta = HyperbandSearchCV(SGDClassifier(), {}, max_iter=81).metadata
        >>> meta["n_models"], meta["partial_fit_calls"], [b["decisions"] for b in meta["brackets"]][:2]
        (143, 1581, [[81], [27, 81]])
        """
        self._check_params()
        seed_start = self._seed_start()
        brackets = bracket_budgets(self.max_iter, self.aggressiveness)
        for bracket in brackets:
            bracket["SuccessiveHalvingSearchCV params"] = self._bracket_params(bracket["bracket"], seed_start)
        return {
            "partial_fit_calls": sum(b["partial_fit_calls"] for b in brackets),
            "n_models": sum(b["n_models"] for b in brackets),
            "brackets": brackets,
        }
