"""The decision rules of the searches: plain functions of the recorded scores, no dask.

A rule is dask-ml's ``additional_calls``: given ``info`` — for every model of
a search (or of one Hyperband bracket) still in the race, its records so far
(dicts with ``partial_fit_calls`` and ``score``) — it returns how many more
``partial_fit`` calls each model kept gets before it is scored again. A model
missing from the answer is dropped; ``0`` keeps it, finished. The search ends
when every answer is ``0``.

Each search's own rule (:class:`HalvingRule`, :func:`inverse_decay_calls`,
:func:`every_model_calls`) says whom to keep; :func:`next_calls` adds what
they share: ``max_iter``, and ``patience`` (training in chunks of at most
``patience`` calls, each followed by a score, and stopping a model whose score
has plateaued).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["HalvingRule", "comparable", "every_model_calls", "inverse_decay_calls", "next_calls", "plateaued", "top"]


def comparable(score):
    """A score to rank by: NaN (a diverged model) ranks below every number.

    Examples
    --------
    >>> sorted([0.5, float("nan"), -1.0], key=comparable)
    [nan, -1.0, 0.5]
    """
    return -math.inf if math.isnan(score) else score


def top(count, info):
    """The ``count`` models with the best latest score (ties: the one seen first), in ``info``'s order.

    Examples
    --------
    >>> info = {"a": [{"score": 0.1}], "b": [{"score": 0.9}], "c": [{"score": 0.5}]}
    >>> top(2, info)
    ['b', 'c']
    """
    position = {k: i for i, k in enumerate(info)}
    ranked = sorted(info, key=lambda k: (-comparable(info[k][-1]["score"]), position[k]))
    return sorted(ranked[: max(count, 0)], key=position.get)


class HalvingRule:
    """Successive halving (Jamieson & Talwalkar, 2016) as dask-ml runs it.

    After the first call of every model, rung ``k = 0, 1, ...`` keeps the
    ``floor(n * eta ** -k)`` best by latest score and trains them to
    ``round(r * eta ** k)`` calls (a rung whose target is the one call
    already made is skipped). With ``last_rung`` (Hyperband's bracket ``s``
    runs rungs ``0..s``) nothing trains after that rung. Keeps its rung
    number: one instance per search.

    Examples
    --------
    >>> rule = HalvingRule(n=4, r=1, eta=2)
    >>> info = {k: [{"partial_fit_calls": 1, "score": s}] for k, s in enumerate([0.1, 0.4, 0.3, 0.2])}
    >>> rule(info)
    {1: 1, 2: 1}
    """

    def __init__(self, n, r, eta, last_rung=None):
        self.n, self.r, self.eta, self.last_rung = n, r, eta, last_rung
        self.rung = 0

    def target(self, rung):
        """The calls rung ``rung`` trains its models to."""
        return int(np.round(self.r * self.eta**rung))

    def __call__(self, info):
        calls = {k: records[-1]["partial_fit_calls"] for k, records in info.items()}
        while self.target(self.rung) <= 1 and math.floor(self.n * self.eta**-self.rung) > 0:
            self.rung += 1  # every model already has its one call
        rung = self.rung
        self.rung += 1
        kept = top(math.floor(self.n * self.eta**-rung), info)
        if not kept or (self.last_rung is not None and rung > self.last_rung):
            return dict.fromkeys(info, 0)
        return {k: max(self.target(rung) - calls[k], 0) for k in kept}


def every_model_calls(info, fits_per_score):
    """IncrementalSearchCV's rule: every model trains ``fits_per_score`` more calls.

    Examples
    --------
    >>> every_model_calls({0: [], 1: []}, 2)
    {0: 2, 1: 2}
    """
    return dict.fromkeys(info, fits_per_score)


def inverse_decay_calls(info, n_models, decay_rate, fits_per_score, patience):
    """InverseDecaySearchCV's rule: at call ``t`` keep ``int(n / (1 + t) ** decay_rate)`` models.

    From the current call ``t + 1`` the models kept train until the kept
    count would change (or ``fits_per_score`` calls, with ``patience`` or
    without decay); once one model is left, it is the answer and nothing
    trains.

    Examples
    --------
    >>> info = {k: [{"partial_fit_calls": 1, "score": s}] for k, s in enumerate([0.1, 0.4, 0.3, 0.2])}
    >>> inverse_decay_calls(info, 4, 1.0, 1, False), inverse_decay_calls(info, 10, 1.0, 1, False)
    ({1: 0}, {1: 1, 2: 1})
    """

    def kept(time):
        return int(n_models / (1 + time) ** decay_rate)

    now = next(iter(info.values()))[-1]["partial_fit_calls"] + 1
    later = 1 if kept(now) == 0 else now
    while kept(now) == kept(later) and ((decay_rate and not patience) or later - now < fits_per_score):
        later += 1
    best = top(max(1, kept(later)), info)
    if len(best) == 1:
        return {best[0]: 0}
    return dict.fromkeys(best, later - now)


def plateaued(records, patience, tol):
    """Whether a model's scores over its last ``patience`` calls rose at most ``tol`` above the first of them.

    Examples
    --------
    >>> records = [{"partial_fit_calls": c, "score": s} for c, s in [(1, 0.5), (3, 0.6), (5, 0.6)]]
    >>> plateaued(records, 2, 0.01), plateaued(records, 4, 0.01)
    (True, False)
    """
    now = records[-1]["partial_fit_calls"]
    if tol is None or now < patience:
        return False
    window = [r["score"] for r in records if now - r["partial_fit_calls"] <= patience]
    return len(window) > 1 and bool(np.max(np.subtract(window[1:], window[0])) <= tol)


def next_calls(rule, info, *, patience, tol, max_iter, planned):
    """The calls each model kept makes before its next score, as dask-ml's searches decide them.

    Parameters
    ----------
    rule : callable
        ``rule(info)`` -> ``{model: calls}`` (the search's own decision).
    info : dict
        Model -> its records, for the models still in the race.
    patience : int (0: off), tol, max_iter
    planned : dict
        With ``patience``: model -> the calls its rule last asked it to
        reach; those are trained toward (in chunks) before the rule is asked
        again.

    Returns
    -------
    calls : dict
        Model -> calls to make (missing: dropped; 0: finished). Never beyond
        ``max_iter``.
    planned : dict
        The new ``planned``.

    Unlike dask-ml's, a model stopped by ``patience`` or ``max_iter`` before
    the end of its plan does not make its search end early: the others'
    plans are asked again.

    Examples
    --------
    >>> info = {0: [{"partial_fit_calls": 1, "score": 0.5}]}
    >>> next_calls(lambda info: {0: 10}, info, patience=4, tol=0.0, max_iter=8, planned={})
    ({0: 4}, {0: 11})
    """
    calls = {k: records[-1]["partial_fit_calls"] for k, records in info.items()}

    def stopped(k):
        return (max_iter is not None and calls[k] >= max_iter) or (patience and plateaued(info[k], patience, tol))

    asked = None
    if patience and planned and max(calls.values()) > 1:
        # Calls left of the rule's last plan; a stopped model's leftover does not hold the others back.
        remaining = {k: planned[k] - calls[k] if k in planned and not stopped(k) else 0 for k in info}
        if sum(remaining.values()) > 0:
            asked = remaining
    if asked is None:
        asked = rule(info)
        if patience:
            planned = {k: calls[k] + v for k, v in asked.items()}
    out = {}
    for k, more in asked.items():
        more = 0 if stopped(k) else more
        if max_iter is not None:
            more = min(more, max_iter - calls[k])
        out[k] = max(min(more, patience) if patience else more, 0)
    return out, planned
