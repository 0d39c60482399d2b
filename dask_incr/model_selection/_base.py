"""What every search shares: the checks, the candidates, training and scoring on blocks, the results.

A search class says which groups of candidates it runs and by which rules
(:meth:`BaseSearch._groups`); :meth:`BaseSearch.fit` does the rest:

* the held-out set (:mod:`._held_out`) and the block order — passes over the
  training blocks, each a permutation drawn by
  :func:`dask_incr.graph.orders.block_order`;
* the one loop (:func:`._loop.run_search`), which trains the models due with
  :func:`dask_incr.fit.runner.run_fits` (one chain per model, each block read
  once for all of them, at most ``prefetch + 1`` blocks in memory) and scores
  the models due together with :func:`dask_incr.fit.score_chain.scores_graph`
  (one task per held-out block for all of them);
* ``cv_results_``, ``history_``, ``model_history_`` and the best model.

The fitted search predicts, transforms and scores with the best model, block
by block, through :class:`dask_incr.blockwise.BlockwiseMethods`.
"""

from __future__ import annotations

import logging
import math
import numbers
import time

import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import scipy.stats
from dask.delayed import Delayed
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone
from sklearn.metrics import get_scorer
from sklearn.model_selection import ParameterGrid, ParameterSampler

from .._validation import check_count, check_incremental, check_real, check_seed, type_name
from ..blockwise import BlockwiseMethods
from ..fit.checks import check_estimators
from ..fit.options import FitOptions
from ..fit.runner import executor_for, run_fits
from ..fit.score_chain import given_validation, scores_graph
from ..fit.scoring import check_scoring, default_scoring
from ..graph.blocks import check_input
from ..graph.orders import block_order, resolve_seed
from ..wrappers._incremental import Incremental, fitted_wrapper
from ._held_out import split
from ._loop import best_of, run_search
from ._rules import comparable

__all__ = ["BaseSearch", "candidates_of", "check_patience", "training_order"]

logger = logging.getLogger("dask_incr.model_selection")

_LEGACY_SEED_MASK = 2**32 - 1  # ParameterSampler seeds a RandomState: 32 bits


def candidates_of(parameters, n_initial_parameters, seed):
    """The parameter settings to try: a grid, or ``n_initial_parameters`` sampled from ``seed``.

    With an int seed the settings are those dask-ml samples with the same
    ``random_state`` (``ParameterSampler(parameters, n, random_state=seed)``).

    Examples
    --------
    >>> candidates_of({"a": [1, 2]}, "grid", 0)
    [{'a': 1}, {'a': 2}]
    >>> len(candidates_of({"a": [1, 2, 3]}, 2, 0))
    2
    """
    if n_initial_parameters == "grid":
        candidates = list(ParameterGrid(parameters))
    else:
        count = check_count(n_initial_parameters, "n_initial_parameters", minimum=1)
        candidates = list(ParameterSampler(parameters, count, random_state=seed & _LEGACY_SEED_MASK))
    if not candidates:
        raise ValueError(f"parameters {parameters!r} give no candidate")
    return candidates


def training_order(train_blocks, n_steps, seed):
    """The block of every step: passes over ``train_blocks``, each in its own permutation.

    The order of a longer search starts with that of a shorter one.

    Examples
    --------
    >>> order = training_order([0, 2, 3], 7, seed=0)
    >>> sorted(order[:3]), sorted(order[3:6]), order == training_order([0, 2, 3], 9, seed=0)[:7]
    ([0, 2, 3], [0, 2, 3], True)
    """
    epochs = max(1, math.ceil(n_steps / len(train_blocks)))
    positions = block_order(len(train_blocks), shuffle=True, epochs=epochs, random_state=seed)
    return [int(train_blocks[p]) for p in positions[:n_steps]]


def check_patience(patience):
    """``patience`` as an int (0: off); ``False`` and ints >= 2 are accepted.

    Examples
    --------
    >>> check_patience(False), check_patience(4)
    (0, 4)
    >>> check_patience(True)
    Traceback (most recent call last):
    ...
    ValueError: patience=True is one call, which always sees a plateau: pass an int >= 2, or False (off) ...
    """
    if patience is False:
        return 0
    if patience is True:
        raise ValueError(
            "patience=True is one call, which always sees a plateau: pass an int >= 2, or False (off) "
            "(HyperbandSearchCV alone reads True as max(max_iter // aggressiveness, 1))"
        )
    check_count(patience, "patience", minimum=0)
    if patience == 1:
        raise ValueError("patience=1 always sees a plateau; use patience >= 2, or False (off)")
    return int(patience)


def scorer_for(scoring, estimator):
    """``scorer_``: the scorer ``scoring`` names, or by default the estimator's own score as a scorer.

    Examples
    --------
    >>> from sklearn.linear_model import SGDRegressor
    >>> scorer_for(None, SGDRegressor())
    make_scorer(r2_score, response_method='predict')
    """
    if scoring is None:
        scoring = default_scoring(estimator)
        if scoring is None:
            return own_score
    return get_scorer(scoring) if isinstance(scoring, str) else scoring


def own_score(estimator, X, y=None):
    """The scorer of an estimator scored by its own ``score`` method."""
    return estimator.score(X, y)


def _as_dask(X):
    """In-memory X as one block of a dask collection (dask-ml's searches predict lazily on numpy too)."""
    if isinstance(X, np.ndarray):
        return da.from_array(X, chunks=X.shape)
    if isinstance(X, (pd.DataFrame, pd.Series)):
        return dd.from_pandas(X, npartitions=1)
    return X


class BaseSearch(BlockwiseMethods, MetaEstimatorMixin, BaseEstimator):
    """The machinery of the searches; subclasses define ``_groups(seed)`` and their parameters."""

    _fitted_attribute = "best_estimator_"
    # dask-ml's SuccessiveHalvingSearchCV and InverseDecaySearchCV take no meta
    # parameters; their block-wise methods then infer the output type.
    meta = predict_meta = predict_proba_meta = transform_meta = None

    def __sklearn_is_fitted__(self):
        return "best_estimator_" in self.__dict__

    def fit(self, X, y=None, *, validation=None, **fit_params):
        """Run the search on the blocks of ``X``.

        Parameters
        ----------
        X : dask Array or DataFrame, or numpy / pandas data (one block)
        y : dask Array or Series, in-memory, or None
        validation : tuple (X_val, y_val), optional
            Score on this data instead of holding out ``test_size`` of X.
        **fit_params
            Passed to every ``partial_fit`` (e.g. ``classes``).

        Returns
        -------
        self
        """
        started = time.perf_counter()
        X = check_input(X, "X", optional=False)
        y = check_input(y, "y")
        seed, groups, estimators, trained = self._prepare(y, validation, fit_params)
        held = split(X, y, self.test_size, seed, validation)
        order = training_order(held.train_blocks, self._most_steps(groups), seed)
        validation = given_validation(tuple(held.validation), trained[groups[0].ids[0]], self.scoring)
        scoring = _Scoring(validation, self.verbose, self.prefix)
        options = FitOptions(prefetch=self.prefetch)

        def train(models, start, stop):
            run_options = options.replace(order=order[start:stop])
            return run_fits(models, held.X, held.y, options=run_options, fit_kwargs=fit_params).result

        run = run_search(
            groups, trained, train, scoring, patience=self._patience(), tol=self.tol, max_iter=self._max_iter(),
            started=started,
        )
        self._store(run, groups, estimators, order, held.test_blocks)
        return self

    def _prepare(self, y, validation, fit_params):
        """Checks every parameter and makes the candidates, before any compute.

        Returns ``(seed, groups, estimators, trained)``: the seed of everything
        random, the groups, each model's estimator as given (an ``Incremental``
        stays one) and what is trained (the estimator inside it).
        """
        check_incremental(self.estimator)
        self._check_params()
        check_scoring(self.scoring)
        check_seed(self.random_state)
        FitOptions(prefetch=self.prefetch)  # the runner's own check of prefetch
        if validation is not None and (not isinstance(validation, tuple) or len(validation) != 2):
            raise TypeError(f"validation must be a tuple (X_val, y_val), got {type_name(validation)}")
        seed = resolve_seed(self.random_state)
        groups = self._groups(seed)
        estimators, trained = {}, {}
        for group in groups:
            for k, params in zip(group.ids, group.candidates):
                estimators[k] = _candidate(self.estimator, k, params)
                trained[k] = estimators[k].estimator if isinstance(estimators[k], Incremental) else estimators[k]
        check_estimators(list(trained.values()), y, fit_params)
        return seed, groups, estimators, trained

    def _check_params(self):
        if self.max_iter is not None:
            check_count(self.max_iter, "max_iter", minimum=1)
        if self.tol is not None:
            check_real(self.tol, "tol")
        if self.test_size is not None:
            test_size = check_real(self.test_size, "test_size")
            if not 0 < test_size < 1:
                raise ValueError(f"test_size must be between 0 and 1 (a fraction of the rows), got {test_size}")
        self._patience()
        _report_every(self.verbose)

    def _patience(self):
        return check_patience(self.patience)

    def _max_iter(self):
        return self.max_iter

    def _most_steps(self, groups):
        """An upper bound of the steps the search can run (the length of the order drawn)."""
        return self._max_iter()

    def _store(self, run, groups, estimators, order, test_blocks):
        """The learned attributes, from the loop's run."""
        history = run.history
        model_history = {k: [] for group in groups for k in group.ids}
        for record in history:
            model_history[record["model_id"]].append(record)
        self.cv_results_ = cv_results(model_history, groups)
        group, best = best_of(run, groups)
        self.best_index_ = int(list(self.cv_results_["model_id"]).index(best))
        self.best_score_ = float(model_history[best][-1]["score"])
        self.best_params_ = self.cv_results_["params"][self.best_index_]
        calls = model_history[best][-1]["partial_fit_calls"]
        self.best_estimator_ = _fitted(estimators[best], run.models[best], order[:calls])
        self.history_ = history
        self.model_history_ = model_history
        self.scorer_ = scorer_for(self.scoring, self.best_estimator_)
        self.test_blocks_ = list(test_blocks)
        self.train_order_ = list(order[: run.steps])
        self.n_splits_ = 1
        self.multimetric_ = False

    def _apply(self, method, X, meta):
        return super()._apply(method, _as_dask(X), meta)


def _candidate(estimator, model_id, params):
    try:
        return clone(estimator).set_params(**params)
    except ValueError as error:
        raise ValueError(f"candidate {model_id} {params!r}: {error}") from error


def _fitted(given, model, order):
    """The best model as the user gave the estimator: an ``Incremental`` is returned fitted."""
    if isinstance(given, Incremental):
        return fitted_wrapper(given, model, {"order_": list(order), "seed_": None, "n_calls_": 1, "_base_seed": None})
    return model


class _Scoring:
    """Scores models on the validation data, all of them in one pass over its blocks.

    With ``verbose`` (True, or the fraction of the rounds to report), the
    best score of a round is logged to the ``dask_incr.model_selection``
    logger and printed, prefixed ``[CV<prefix>]`` as dask-ml's messages.
    """

    def __init__(self, validation, verbose=False, prefix=""):
        self.validation = validation
        self.rounds = 0
        self.every = _report_every(verbose)
        self.prefix = prefix

    def __call__(self, models):
        self.rounds += 1
        # Validation data in memory rides inside the tasks: nothing to load, computed here.
        executor = executor_for(bool(self.validation.inputs.graph))
        # On a cluster loads wait on signals, not on steps.
        graph, key = scores_graph(self.validation, models, ("search", self.rounds, id(self)), signals=executor.signals)
        (scores,) = executor.compute([Delayed(key, graph, layer=key[0])])
        if self.every and (self.rounds - 1) % self.every == 0:
            message = f"[CV{self.prefix}] scoring round {self.rounds}: best validation score {max(scores):.4f}"
            logger.info(message)
            print(message)
        return scores


def _report_every(verbose):
    """Report every how many rounds (0: never), from dask-ml's ``verbose`` (a bool or a fraction).

    Examples
    --------
    >>> _report_every(False), _report_every(True), _report_every(0.25)
    (0, 1, 4)
    """
    if isinstance(verbose, bool) or verbose is None:
        return int(bool(verbose))
    fraction = check_real(verbose, "verbose")
    if not 0 <= fraction <= 1:
        raise ValueError(f"verbose must be a bool or a fraction between 0 and 1, got {verbose!r}")
    return int(1 / fraction) if fraction > 0 else 0


def cv_results(model_history, groups):
    """dask-ml's ``cv_results_``: one entry per model, group by group (with ``bracket`` for Hyperband).

    Examples
    --------
    >>> from dask_incr.model_selection._loop import Group
    >>> history = {0: [{"partial_fit_time": 1.0, "score_time": 0.5, "score": 0.3, "partial_fit_calls": 2,
    ...                 "params": {"a": 1}}]}
    >>> results = cv_results(history, [Group([0], [{"a": 1}], None)])
    >>> results["test_score"].tolist(), results["param_a"].tolist(), results["rank_test_score"].tolist()
    ([0.3], [1], [1])
    """
    ids = [k for group in groups for k in group.ids]
    records = [model_history[k] for k in ids]
    columns = {
        "mean_partial_fit_time": [np.mean([r["partial_fit_time"] for r in h]) for h in records],
        "mean_score_time": [np.mean([r["score_time"] for r in h]) for h in records],
        "std_partial_fit_time": [np.std([r["partial_fit_time"] for r in h]) for h in records],
        "std_score_time": [np.std([r["score_time"] for r in h]) for h in records],
        "test_score": [h[-1]["score"] for h in records],
        "model_id": ids,
        "partial_fit_calls": [h[-1]["partial_fit_calls"] for h in records],
    }
    results = {name: np.asarray(values) for name, values in columns.items()}
    candidates = [p for group in groups for p in group.candidates]
    results["params"] = _objects(candidates)
    for name in sorted({name for p in candidates for name in p}):
        results[f"param_{name}"] = _column([p.get(name) for p in candidates])
    if groups[0].bracket is not None:
        results["bracket"] = np.asarray([group.bracket for group in groups for _ in group.ids])
    ranked = [-comparable(score) for score in results["test_score"]]  # NaN last
    results["rank_test_score"] = scipy.stats.rankdata(ranked, method="min").astype(int)
    return results


def _objects(values):
    column = np.empty(len(values), dtype=object)
    column[:] = values
    return column


def _column(values):
    """A ``param_<name>`` column: numbers as a numeric array (as dask-ml's), anything else as objects."""
    if all(isinstance(v, numbers.Number) and not isinstance(v, bool) for v in values):
        return np.asarray(values)
    return _objects(values)
