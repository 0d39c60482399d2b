"""Successive halving over streamed blocks: many candidates trained together, each block read once per rung.

:class:`SuccessiveHalvingSearchCV` has the parameters and learned attributes
of dask-ml's class of that name and the same budget (one ``partial_fit`` call
is one block), but it never holds the training set in memory: at each rung
the surviving candidates keep training from where they are, together, through
:func:`dask_incr.fit.runner.run_fits` — one chain per candidate, each block read once
for all of them, at most ``prefetch + 1`` blocks in memory. It runs on any
scheduler (the local ones or a distributed client) with the same results, and
is reproducible from ``random_state``.

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
import numbers
import time

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import scipy.stats
from sklearn.base import BaseEstimator, clone
from sklearn.model_selection import ParameterGrid, ParameterSampler
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from .._validation import check_count, check_incremental, check_seed, type_name
from ..blockwise import check_scoring, predict_blocks, score_blocks
from ..fit.options import DEFAULT_PREFETCH, FitOptions
from ..fit.runner import check_estimators, run_fits
from ..graph.blocks import align_blocks
from ..graph.orders import resolve_seed

__all__ = ["SuccessiveHalvingSearchCV", "rung_sizes"]

_LEGACY_SEED_MASK = 2**32 - 1  # ParameterSampler seeds a RandomState: 32 bits


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
        calls = _rung_calls(n_initial_iter, aggressiveness, k, max_iter)
        rungs.append((kept, calls))
        if kept <= 1 or (max_iter is not None and calls >= max_iter):
            return rungs
    return rungs


def _rung_calls(n_initial_iter, aggressiveness, k, max_iter):
    calls = int(np.round(n_initial_iter * aggressiveness**k))
    return calls if max_iter is None else min(calls, max_iter)


def _has(attr):
    """``available_if`` check: the best estimator, or else the unfitted one, has ``attr``."""

    def check(self):
        fitted = self.__dict__.get("best_estimator_")
        return hasattr(fitted if fitted is not None else self.estimator, attr)

    return check


class SuccessiveHalvingSearchCV(BaseEstimator):
    """Successive halving over the blocks of a dask collection, each block read once per rung.

    Parameters
    ----------
    estimator : estimator with ``partial_fit``
        Cloned, then given each candidate's parameters.
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
        Fraction of X's *blocks* held out for scoring, chosen by
        ``random_state`` and never trained on (default: one block, as
        dask-ml's default of one partition's worth). Ignored when ``fit`` is
        given ``validation``.
    patience : int or False, default False
        Stop training a candidate once its score has not improved by more
        than ``tol`` over its last ``patience`` calls; candidates are then
        also scored every ``patience`` calls within a rung. Off when False
        or 0; otherwise >= 2.
    tol : float, default 0.001
        The improvement ``patience`` asks for.
    random_state : None, int, RandomState or Generator
        Seeds the parameter sampling, the held-out blocks and the block order;
        an int reproduces the search on any scheduler.
    scoring : str, callable or None
        A scikit-learn scorer name or ``scorer(estimator, X, y)``; ``None``:
        the estimator's own ``score``. Predictions are made block by block.
    prefetch : int or None, default 1
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
        One record per candidate per scoring: ``model_id``, ``params``,
        ``partial_fit_calls``, ``partial_fit_time`` (wall time of the pass
        that trained it, shared with the candidates trained alongside),
        ``score``, ``score_time``, ``elapsed_wall_time`` and ``rung``
        (``-1`` for the score after the first call).
    model_history_ : dict of list of dict
        ``history_`` by ``model_id``.
    best_estimator_, best_score_, best_index_, best_params_
        The best candidate among those of the last rung, by latest score.
    scorer_ : callable or None
        The scorer used (``None``: the estimator's ``score``).
    test_blocks_ : list of int
        The blocks of X held out (empty when ``validation`` is given).
    train_order_ : list of int
        The block each ``partial_fit`` call read: call ``c`` of every
        candidate read block ``train_order_[c]``.
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
    [2, 2, 8, 4]
    >>> search.best_params_, search.test_blocks_, len(search.train_order_)
    ({'alpha': 0.01}, [8], 8)
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
        self.prefetch = prefetch

    # -- fitting ------------------------------------------------------------

    def fit(self, X, y=None, *, validation=None, **fit_params):
        """Run the search on the blocks of ``X``.

        Parameters
        ----------
        X : dask Array or DataFrame (or in-memory data with ``validation``)
        y : dask Array or Series, in-memory, or None
        validation : tuple (X_val, y_val), optional
            Score on this data instead of holding out blocks of X.
        **fit_params
            Passed to every ``partial_fit`` (e.g. ``classes``).

        Returns
        -------
        self

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.linear_model import SGDRegressor
        >>> X, y = np.arange(40.0).reshape(20, 2), np.arange(20.0)
        >>> search = SuccessiveHalvingSearchCV(SGDRegressor(), {"alpha": [0.1, 1.0]}, n_initial_parameters="grid",
        ...                                    n_initial_iter=2, random_state=0)
        >>> search.fit(X, y, validation=(X, y)).test_blocks_, search.train_order_
        ([], [0, 0])
        """
        started = time.perf_counter()
        candidates, estimators, seed = self._check(X, y, validation, fit_params)
        n_blocks = align_blocks(X, y)[0].n_blocks
        split_stream, order_stream = np.random.SeedSequence(seed).spawn(2)
        if validation is not None:
            test_blocks, (X_test, y_test) = [], validation
        else:
            test_blocks = _held_out(n_blocks, self.test_size, split_stream)
            X_test, y_test = _blocks_of(X, y, test_blocks)
        if dask.is_dask_collection(y_test):
            # One column of the held-out rows, read once and held: every score
            # then loads only X's held-out blocks, one at a time per model.
            (y_test,) = dask.compute(y_test)
        train_blocks = [b for b in range(n_blocks) if b not in set(test_blocks)]
        passes = _Passes(train_blocks, order_stream)
        prefetch = self.prefetch

        def train(models, start, stop):
            options = FitOptions(order=passes.order(start, stop), prefetch=prefetch)
            return run_fits(models, X, y, options=options, fit_kwargs=fit_params).result

        def score(model):
            begun = time.perf_counter()
            value = score_blocks(_Blockwise(model), model, self.scoring, X_test, y_test)
            return float(value), time.perf_counter() - begun

        history, finalists = _halving(
            estimators,
            candidates,
            train,
            score,
            n_initial_iter=self.n_initial_iter,
            aggressiveness=self.aggressiveness,
            max_iter=self.max_iter,
            patience=int(self.patience),
            tol=self.tol,
            started=started,
        )
        self._store(history, finalists, candidates, passes, test_blocks)
        return self

    def _check(self, X, y, validation, fit_params):
        """Every parameter checked, and the candidates made, before any compute.

        Returns ``(candidates, estimators, seed)``: the parameter settings, an
        unfitted estimator for each, and the seed of everything random.
        """
        check_incremental(self.estimator)
        n_initial_iter = self.n_initial_iter
        if n_initial_iter is None:
            raise ValueError("n_initial_iter must be given: the calls to partial_fit (blocks) before the first cut")
        check_count(n_initial_iter, "n_initial_iter", minimum=1)
        if self.max_iter is not None:
            check_count(self.max_iter, "max_iter", minimum=1)
        eta = self.aggressiveness
        if isinstance(eta, (bool, np.bool_)) or not isinstance(eta, numbers.Real):
            raise TypeError(f"aggressiveness must be a number > 1, got {eta!r} ({type_name(eta)})")
        if not eta > 1:
            raise ValueError(f"aggressiveness must be > 1 (each rung keeps 1/aggressiveness), got {eta!r}")
        patience = self.patience
        if patience is not False:
            check_count(patience, "patience", minimum=0)
            if patience == 1:
                raise ValueError("patience=1 always sees a plateau; use patience >= 2, or False (off)")
        if not isinstance(self.tol, numbers.Real) or isinstance(self.tol, (bool, np.bool_)):
            raise TypeError(f"tol must be a number, got {self.tol!r} ({type_name(self.tol)})")
        if self.test_size is not None:
            if not isinstance(self.test_size, numbers.Real) or isinstance(self.test_size, (bool, np.bool_)):
                raise TypeError(f"test_size must be a fraction of the blocks, got {self.test_size!r}")
            if not 0 < self.test_size < 1:
                raise ValueError(f"test_size must be between 0 and 1 (a fraction of the blocks), got {self.test_size}")
        check_scoring(self.scoring)
        check_seed(self.random_state)
        FitOptions(prefetch=self.prefetch)  # the runner's own check of prefetch
        if validation is not None and (not isinstance(validation, tuple) or len(validation) != 2):
            raise TypeError(f"validation must be a tuple (X_val, y_val), got {type_name(validation)}")
        seed = resolve_seed(self.random_state)
        candidates = _candidates(self.parameters, self.n_initial_parameters, seed)
        estimators = []
        for k, params in enumerate(candidates):
            try:
                estimators.append(clone(self.estimator).set_params(**params))
            except ValueError as error:
                raise ValueError(f"candidate {k} {params!r}: {error}") from error
        check_estimators(estimators, y, fit_params)
        return candidates, estimators, seed

    def _store(self, history, finalists, candidates, passes, test_blocks):
        by_model = {k: [] for k in range(len(candidates))}
        for record in history:
            by_model[record["model_id"]].append(record)
        results = _cv_results(by_model, candidates)
        # The best of the last rung by latest score; ties go to the lower model_id.
        best = max(finalists, key=lambda k: (_comparable(results["test_score"][k]), -k))
        calls = results["partial_fit_calls"]
        self.cv_results_ = results
        self.history_ = [{key: value for key, value in r.items() if key != "model"} for r in history]
        self.model_history_ = {k: [r for r in self.history_ if r["model_id"] == k] for k in by_model}
        self.best_index_ = int(best)
        self.best_score_ = float(results["test_score"][best])
        self.best_params_ = candidates[best]
        self.best_estimator_ = by_model[best][-1]["model"]
        self.scorer_ = self.scoring
        self.test_blocks_ = list(test_blocks)
        self.train_order_ = passes.order(0, int(calls.max()))
        self.metadata_ = {
            "n_models": len(candidates),
            "max_iter": int(calls.max()),
            "partial_fit_calls": int(calls.sum()),
        }
        self.n_splits_ = 1
        self.multimetric_ = False

    @property
    def metadata(self):
        """``n_models``, ``max_iter`` and ``partial_fit_calls`` planned, if no candidate stops early.

        Examples
        --------
        >>> SuccessiveHalvingSearchCV(None, {}, n_initial_parameters=10, n_initial_iter=1).metadata
        {'n_models': 10, 'max_iter': 9, 'partial_fit_calls': 22}
        """
        n = self.n_initial_parameters
        if n == "grid":
            n = len(ParameterGrid(self.parameters))
        rungs = rung_sizes(n, self.n_initial_iter, self.aggressiveness, self.max_iter)
        calls = [max(1, rungs[0][1])] * n
        for kept, target in rungs:
            calls[:kept] = [max(c, target) for c in calls[:kept]]
        return {"n_models": n, "max_iter": max(calls), "partial_fit_calls": sum(calls)}

    # -- using the best estimator ---------------------------------------------

    def __sklearn_is_fitted__(self):
        return "best_estimator_" in self.__dict__

    @available_if(_has("predict"))
    def predict(self, X):
        """The best estimator's ``predict``, block by block (lazy for dask input).

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.linear_model import SGDRegressor
        >>> X, y = np.arange(40.0).reshape(20, 2), np.arange(20.0)
        >>> search = SuccessiveHalvingSearchCV(SGDRegressor(), {"alpha": [0.1]}, n_initial_parameters="grid",
        ...                                    n_initial_iter=1).fit(X, y, validation=(X, y))
        >>> search.predict(X).shape
        (20,)
        """
        check_is_fitted(self)
        return predict_blocks(self.best_estimator_, "predict", X)

    @available_if(_has("predict_proba"))
    def predict_proba(self, X):
        """The best estimator's ``predict_proba``, block by block (lazy for dask input).

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.linear_model import SGDClassifier
        >>> X, y = np.arange(40.0).reshape(20, 2), np.arange(20) % 2
        >>> search = SuccessiveHalvingSearchCV(SGDClassifier(loss="log_loss"), {"alpha": [0.1]},
        ...     n_initial_parameters="grid", n_initial_iter=1).fit(X, y, validation=(X, y), classes=[0, 1])
        >>> search.predict_proba(X).shape
        (20, 2)
        """
        check_is_fitted(self)
        return predict_blocks(self.best_estimator_, "predict_proba", X)

    def score(self, X, y=None):
        """Score the best estimator on ``X``, ``y`` with ``scoring``, predicting block by block.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.linear_model import SGDRegressor
        >>> X, y = np.arange(40.0).reshape(20, 2), np.arange(20.0)
        >>> search = SuccessiveHalvingSearchCV(SGDRegressor(), {"alpha": [0.1]}, n_initial_parameters="grid",
        ...                                    n_initial_iter=1, scoring="r2").fit(X, y, validation=(X, y))
        >>> search.score(X, y) == search.best_score_
        True
        """
        check_is_fitted(self)
        model = self.best_estimator_
        return float(score_blocks(_Blockwise(model), model, self.scoring, X, y))


# -- the halving loop: plain inputs, no dask ------------------------------------------


def _halving(estimators, candidates, train, score, *, n_initial_iter, aggressiveness, max_iter, patience, tol, started):
    """Successive halving: ``train(models, start, stop)`` and ``score(model)`` do the work.

    Returns ``(history, finalists)``: one record per scoring, holding the
    model scored (under ``"model"``), and the candidates the last rung kept.
    Every candidate trained in a pass has had the same
    calls, so one ``train`` call feeds them all the same blocks.
    """
    n = len(estimators)
    models = dict(enumerate(estimators))
    calls = dict.fromkeys(models, 0)
    scores = {}
    stopped = set()
    history = []

    def run(ids, stop, rung):
        """Train ``ids`` (all at the same calls) to ``stop``, scoring every ``patience`` calls."""
        while ids:
            start = calls[ids[0]]
            end = min(stop, start + patience) if patience else stop
            begun = time.perf_counter()
            fitted = train([models[k] for k in ids], start, end)
            fit_seconds = time.perf_counter() - begun
            for k, model in zip(ids, fitted):
                models[k], calls[k] = model, end
                value, score_seconds = score(model)
                scores[k] = value
                history.append(
                    {
                        "model_id": k,
                        "params": candidates[k],
                        "partial_fit_calls": end,
                        "partial_fit_time": fit_seconds,
                        "score": value,
                        "score_time": score_seconds,
                        "elapsed_wall_time": time.perf_counter() - started,
                        "rung": rung,
                        "model": model,
                    }
                )
                if patience and _plateaued([r for r in history if r["model_id"] == k], patience, tol):
                    stopped.add(k)
            ids = [k for k in ids if k not in stopped and calls[k] < stop]

    def can_train(k):
        return k not in stopped and (max_iter is None or calls[k] < max_iter)

    run(list(models), 1, -1)  # every candidate: one call, then a score (as dask-ml)
    alive = list(models)
    for k in range(10_000):  # aggressiveness > 1: the kept count reaches 0 long before
        kept = math.floor(n * aggressiveness**-k)
        if kept == 0:
            break
        # The best ``kept`` by latest score; ties go to the lower model_id.
        alive = sorted(sorted(alive, key=lambda i: (-_comparable(scores[i]), i))[:kept])
        if not any(can_train(i) for i in alive):
            break
        target = _rung_calls(n_initial_iter, aggressiveness, k, max_iter)
        run([i for i in alive if can_train(i) and calls[i] < target], target, k)
    return history, alive


def _comparable(score):
    """A score to rank by: NaN (a diverged model) ranks below every number.

    Examples
    --------
    >>> sorted([0.5, float("nan"), -1.0], key=_comparable)
    [nan, -1.0, 0.5]
    """
    return -math.inf if math.isnan(score) else score


def _plateaued(records, patience, tol):
    """Whether a candidate's latest scores are at most ``tol`` above its score ``patience`` calls ago."""
    now = records[-1]["partial_fit_calls"]
    if now < patience:
        return False
    window = [r["score"] for r in records if now - r["partial_fit_calls"] <= patience]
    return len(window) > 1 and max(np.subtract(window[1:], window[0])) <= tol


def _cv_results(by_model, candidates):
    """dask-ml's ``cv_results_``: per candidate, in ``model_id`` order."""
    ids = sorted(by_model)
    columns = {
        "mean_partial_fit_time": [np.mean([r["partial_fit_time"] for r in by_model[k]]) for k in ids],
        "mean_score_time": [np.mean([r["score_time"] for r in by_model[k]]) for k in ids],
        "std_partial_fit_time": [np.std([r["partial_fit_time"] for r in by_model[k]]) for k in ids],
        "std_score_time": [np.std([r["score_time"] for r in by_model[k]]) for k in ids],
        "test_score": [by_model[k][-1]["score"] for k in ids],
        "model_id": ids,
        "partial_fit_calls": [by_model[k][-1]["partial_fit_calls"] for k in ids],
    }
    results = {name: np.asarray(values) for name, values in columns.items()}
    params = np.empty(len(ids), dtype=object)
    params[:] = [candidates[k] for k in ids]
    results["params"] = params
    for name in sorted({name for p in candidates for name in p}):
        column = np.empty(len(ids), dtype=object)
        column[:] = [candidates[k].get(name) for k in ids]
        results[f"param_{name}"] = column
    ranked = [-_comparable(score) for score in results["test_score"]]  # NaN last
    results["rank_test_score"] = scipy.stats.rankdata(ranked, method="min").astype(int)
    return results


# -- inputs -----------------------------------------------------------------------------


def _candidates(parameters, n_initial_parameters, seed):
    """The parameter settings to try: a grid, or ``n_initial_parameters`` sampled from ``seed``."""
    if n_initial_parameters == "grid":
        candidates = list(ParameterGrid(parameters))
    else:
        count = check_count(n_initial_parameters, "n_initial_parameters", minimum=1)
        candidates = list(ParameterSampler(parameters, count, random_state=seed & _LEGACY_SEED_MASK))
    if not candidates:
        raise ValueError(f"parameters {parameters!r} give no candidate")
    return candidates


def _held_out(n_blocks, test_size, stream):
    """The blocks held out for scoring: a fraction of them (default one), chosen by ``stream``."""
    n_test = 1 if test_size is None else max(1, round(test_size * n_blocks))
    if n_test >= n_blocks:
        raise ValueError(
            f"X has {n_blocks} block(s): holding out {n_test} leaves none to train on; "
            "use more blocks, a smaller test_size, or fit(..., validation=(X_val, y_val))"
        )
    return sorted(np.random.default_rng(stream).choice(n_blocks, n_test, replace=False).tolist())


def _blocks_of(X, y, blocks):
    """The row blocks ``blocks`` of X and y, as collections (lazy: nothing is loaded)."""
    if isinstance(X, da.Array):
        if isinstance(y, da.Array):
            y = y if y.chunks[0] == X.chunks[0] else y.rechunk({0: X.chunks[0]})
            return X.blocks[blocks], y.blocks[blocks]
        if y is not None and not dask.is_dask_collection(y) and not any(map(math.isnan, X.chunks[0])):
            stops = np.cumsum(X.chunks[0])
            rows = np.concatenate([np.arange(stops[b] - X.chunks[0][b], stops[b]) for b in blocks])
            return X.blocks[blocks], np.asarray(y)[rows]
    if isinstance(X, (dd.DataFrame, dd.Series)) and isinstance(y, (dd.DataFrame, dd.Series)):
        return X.partitions[blocks], y.partitions[blocks]
    raise TypeError(
        f"blocks cannot be held out of X ({type_name(X)}) and y ({type_name(y)}): pass "
        "fit(..., validation=(X_val, y_val)), or X a dask Array with y a dask or numpy array, "
        "or X a dask DataFrame with y a dask Series"
    )


class _Passes:
    """The training order: passes over ``train_blocks``, each in its own permutation drawn from ``stream``."""

    def __init__(self, train_blocks, stream):
        self.train_blocks = np.asarray(train_blocks)
        self.stream = stream
        self.blocks = []

    def order(self, start, stop):
        """The blocks of calls ``start`` to ``stop - 1``."""
        while len(self.blocks) < stop:
            pass_stream = self.stream.spawn(1)[0]
            self.blocks.extend(self.train_blocks[np.random.default_rng(pass_stream).permutation(len(self.train_blocks))])
        return [int(b) for b in self.blocks[start:stop]]


class _Blockwise:
    """A fitted estimator as a scorer sees it, its prediction methods mapped over blocks."""

    _METHODS = frozenset({"predict", "predict_proba", "predict_log_proba", "decision_function"})

    def __init__(self, estimator):
        self._estimator = estimator

    def __getattr__(self, name):
        value = getattr(self._estimator, name)
        if name not in self._METHODS:
            return value

        def blockwise(X):
            return predict_blocks(self._estimator, name, X)

        blockwise.__name__ = name
        return blockwise

