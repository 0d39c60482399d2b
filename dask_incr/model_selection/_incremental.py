"""IncrementalSearchCV and InverseDecaySearchCV over streamed blocks.

:class:`IncrementalSearchCV` trains every candidate ``fits_per_score`` calls
between scores, to ``max_iter`` calls, stopping those whose score plateaus
(``patience``). :class:`InverseDecaySearchCV` keeps, at call ``t``,
``int(n / (1 + t) ** decay_rate)`` of the candidates, until one is left.
Both train all the candidates still in the race together on one clock (see
:mod:`._loop`), each block read once per step for all of them.
"""

from __future__ import annotations

import functools
import warnings

from sklearn.model_selection import ParameterGrid

from .._validation import check_count, check_real
from ..fit.options import DEFAULT_PREFETCH
from ._base import BaseSearch, candidates_of
from ._loop import Group
from ._rules import every_model_calls, inverse_decay_calls

__all__ = ["IncrementalSearchCV", "InverseDecaySearchCV"]


class IncrementalSearchCV(BaseSearch):
    """Train every candidate block by block, scoring every ``fits_per_score`` calls, to ``max_iter`` calls.

    Parameters
    ----------
    estimator : estimator with ``partial_fit``, a Pipeline of them, or an ``Incremental``
    parameters : dict or list of dicts
    n_initial_parameters : int or "grid", default 10
    decay_rate : None, default None
        Deprecated by dask-ml (use :class:`InverseDecaySearchCV`); a value
        other than ``None`` warns and is ignored, as dask-ml's does.
    test_size : float, optional
        Fraction of the rows held out (see :doc:`/search`).
    patience : int or False, default False
        Stop a candidate whose score has not improved by ``tol`` over its last
        ``patience`` calls (>= 2).
    tol : float or None, default 0.001
    fits_per_score : int, default 1
        Calls between scores.
    max_iter : int, default 100
        The most calls any candidate gets.
    random_state, scoring, verbose, prefix
        As for :class:`SuccessiveHalvingSearchCV`.
    scores_per_fit : int, optional
        dask-ml's deprecated name of ``fits_per_score``.
    predict_meta, predict_proba_meta, transform_meta : optional
    prefetch : int, None or "auto", default "auto"

    Attributes
    ----------
    cv_results_, history_, model_history_, best_estimator_, best_score_, best_index_, best_params_,
    scorer_, test_blocks_, train_order_, n_splits_, multimetric_
        As for :class:`SuccessiveHalvingSearchCV`; the best model is the best
        of all candidates by latest score.

    Examples
    --------
    >>> from sklearn.linear_model import SGDClassifier
    >>> from dask_incr.datasets import make_classification
    >>> X, y = make_classification(n_samples=300, chunks=50, random_state=0)
    >>> search = IncrementalSearchCV(SGDClassifier(random_state=0), {"alpha": [1e-4, 1e-2]},
    ...                              n_initial_parameters="grid", max_iter=4, fits_per_score=2, random_state=0)
    >>> [h["partial_fit_calls"] for h in search.fit(X, y, classes=[0, 1]).model_history_[0]]
    [1, 3, 4]
    """

    def __init__(
        self,
        estimator,
        parameters,
        n_initial_parameters=10,
        decay_rate=None,
        test_size=None,
        patience=False,
        tol=0.001,
        fits_per_score=1,
        max_iter=100,
        random_state=None,
        scoring=None,
        verbose=False,
        prefix="",
        scores_per_fit=None,
        predict_meta=None,
        predict_proba_meta=None,
        transform_meta=None,
        *,
        prefetch=DEFAULT_PREFETCH,
    ):
        self.estimator = estimator
        self.parameters = parameters
        self.n_initial_parameters = n_initial_parameters
        self.decay_rate = decay_rate
        self.test_size = test_size
        self.patience = patience
        self.tol = tol
        self.fits_per_score = fits_per_score
        self.max_iter = max_iter
        self.random_state = random_state
        self.scoring = scoring
        self.verbose = verbose
        self.prefix = prefix
        self.scores_per_fit = scores_per_fit
        self.predict_meta = predict_meta
        self.predict_proba_meta = predict_proba_meta
        self.transform_meta = transform_meta
        self.prefetch = prefetch

    def _check_params(self):
        super()._check_params()
        if self.decay_rate is not None:
            warnings.warn(
                f"decay_rate is ignored by IncrementalSearchCV (deprecated since dask-ml 1.4.0): use "
                f"InverseDecaySearchCV to use decay_rate={self.decay_rate}",
                FutureWarning,
                stacklevel=4,
            )
        self._fits_per_score()

    def _fits_per_score(self):
        if self.scores_per_fit is not None:
            if self.fits_per_score != 1:
                raise ValueError("Specify fits_per_score, not scores_per_fit")
            warnings.warn(
                f"scores_per_fit is deprecated (dask-ml 1.4.0): specify fits_per_score={self.scores_per_fit}",
                FutureWarning,
                stacklevel=5,
            )
            return check_count(self.scores_per_fit, "scores_per_fit", minimum=1)
        return check_count(self.fits_per_score, "fits_per_score", minimum=1)

    def _max_iter(self):
        if self.max_iter is None:
            raise ValueError("max_iter must be given: the most partial_fit calls (blocks) any candidate gets")
        return self.max_iter

    def _rule(self, n_models):
        return functools.partial(every_model_calls, fits_per_score=self._fits_per_score())

    def _groups(self, seed):
        candidates = candidates_of(self.parameters, self.n_initial_parameters, seed)
        return [Group(list(range(len(candidates))), candidates, self._rule(len(candidates)))]


class InverseDecaySearchCV(IncrementalSearchCV):
    """Keep ``1 / (1 + t) ** decay_rate`` of the candidates at call ``t``, until one is left.

    Parameters
    ----------
    estimator, parameters, n_initial_parameters, test_size, patience, tol, fits_per_score, max_iter,
    random_state, scoring, verbose, prefix
        As for :class:`IncrementalSearchCV`.
    decay_rate : float, default 1.0
        How fast the number of candidates kept decreases.
    prefetch : int, None or "auto", default "auto"

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import SGDClassifier
    >>> from dask_incr.datasets import make_classification
    >>> X, y = make_classification(n_samples=300, chunks=50, random_state=0)
    >>> search = InverseDecaySearchCV(SGDClassifier(random_state=0), {"alpha": np.logspace(-5, 0, 10)},
    ...                               n_initial_parameters="grid", random_state=0)
    >>> search.fit(X, y, classes=[0, 1]).cv_results_["partial_fit_calls"].tolist()
    [1, 1, 1, 1, 1, 1, 1, 2, 2, 1]
    """

    def __init__(
        self,
        estimator,
        parameters,
        n_initial_parameters=10,
        test_size=None,
        patience=False,
        tol=0.001,
        fits_per_score=1,
        max_iter=100,
        random_state=None,
        scoring=None,
        verbose=False,
        prefix="",
        decay_rate=1.0,
        *,
        prefetch=DEFAULT_PREFETCH,
    ):
        self.estimator = estimator
        self.parameters = parameters
        self.n_initial_parameters = n_initial_parameters
        self.test_size = test_size
        self.patience = patience
        self.tol = tol
        self.fits_per_score = fits_per_score
        self.max_iter = max_iter
        self.random_state = random_state
        self.scoring = scoring
        self.verbose = verbose
        self.prefix = prefix
        self.decay_rate = decay_rate
        self.prefetch = prefetch

    scores_per_fit = None  # dask-ml's InverseDecaySearchCV does not take it

    def _check_params(self):
        BaseSearch._check_params(self)
        check_real(self.decay_rate, "decay_rate")
        self._fits_per_score()

    def _rule(self, n_models):
        if self.n_initial_parameters == "grid":
            n_models = len(ParameterGrid(self.parameters))
        return functools.partial(
            inverse_decay_calls,
            n_models=n_models,
            decay_rate=self.decay_rate,
            fits_per_score=self._fits_per_score(),
            patience=self._patience(),
        )
