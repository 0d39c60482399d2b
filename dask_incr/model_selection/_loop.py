"""The one training loop of every search: all models on one clock, each block read once per step.

Every search (and every Hyperband bracket) is a :class:`Group`: its models
and its rule (see :mod:`._rules`). All groups run together on one clock:
step ``g`` of the search reads block ``order[g]`` once and feeds it to every
model then training, whichever group it belongs to. A stretch of steps runs
until the next model is due for a score; the models due are scored together
(the held-out data read once for all of them); a group whose models are all
scored asks its rule what comes next, and its models go on at the next step.

A model trains from the first step until its group stops it, without pause,
so after ``c`` calls it has been fed ``order[:c]``.

The loop is plain Python: ``train`` and ``score`` do the work (the search
passes functions that build dask graphs); tests drive it with plain ones.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from ._rules import comparable, next_calls

__all__ = ["Group", "SearchRun", "run_search"]


@dataclass
class Group:
    """The models of one search (or one Hyperband bracket) and the rule that decides for them.

    Attributes
    ----------
    ids : list
        The models' ids (``model_id``), in order: ties go to the first.
    candidates : list of dict
        Each model's parameters.
    rule : callable
        ``rule(info)`` -> ``{model_id: more calls}`` (see :func:`._rules.next_calls`).
    bracket : int or None
        Hyperband's bracket.
    """

    ids: list
    candidates: list
    rule: object
    bracket: int | None = None


@dataclass
class SearchRun:
    """What a search's loop did.

    Attributes
    ----------
    history : list of dict
        One record per score, in order: dask-ml's keys.
    models : dict
        ``model_id`` -> the fitted model, for the models still in the race at the end.
    finalists : list of list
        Per group, the ids still in the race at the end.
    steps : int
        Steps run (the length of the block order used).
    """

    history: list
    models: dict
    finalists: list
    steps: int


@dataclass
class _State:
    """The loop's bookkeeping (one instance per run)."""

    models: dict
    calls: dict
    target: dict
    info: dict
    alive: list
    planned: list
    done: list
    fit_seconds: dict
    history: list = field(default_factory=list)
    step: int = 0


def run_search(groups, estimators, train, score, *, patience=0, tol=None, max_iter=None, started=None):
    """Run the groups' rules over one clock (see the module's docstring).

    Parameters
    ----------
    groups : list of Group
    estimators : dict
        ``model_id`` -> its unfitted estimator.
    train : callable
        ``train(models, start, stop)`` -> the models, each fed the blocks of
        steps ``start .. stop - 1``.
    score : callable
        ``score(models)`` -> their scores (a list of floats).
    patience, tol, max_iter
        As the searches take them (``patience`` 0: off).
    started : float, optional
        ``time.perf_counter()`` at the start of ``fit`` (for ``elapsed_wall_time``).

    Returns
    -------
    SearchRun

    Examples
    --------
    >>> from dask_incr.model_selection._rules import every_model_calls
    >>> group = Group([0, 1], [{}, {}], lambda info: every_model_calls(info, 2))
    >>> run = run_search([group], {0: [], 1: []}, lambda models, a, b: [m + list(range(a, b)) for m in models],
    ...                  lambda models: [float(len(m)) for m in models], max_iter=5)
    >>> [(h["model_id"], h["partial_fit_calls"]) for h in run.history], run.models[0], run.steps
    ([(0, 1), (1, 1), (0, 3), (1, 3), (0, 5), (1, 5)], [0, 1, 2, 3, 4], 5)
    """
    started = time.perf_counter() if started is None else started
    ids = [k for group in groups for k in group.ids]
    state = _State(
        models=dict(estimators),
        calls=dict.fromkeys(ids, 0),
        target=dict.fromkeys(ids, 1),  # every model: one call, then a score (as dask-ml)
        info={k: [] for k in ids},
        alive=[list(group.ids) for group in groups],
        planned=[{} for _ in groups],
        done=[False for _ in groups],
        fit_seconds=dict.fromkeys(ids, 0.0),
    )
    params = {k: p for group in groups for k, p in zip(group.ids, group.candidates)}
    while True:
        training = [k for alive in state.alive for k in alive if state.target[k] > state.calls[k]]
        if not training:
            break
        due = _train_stretch(state, training, train)
        _score_due(state, due, score, params, started)
        for g, group in enumerate(groups):
            if not state.done[g] and not any(state.target[k] > state.calls[k] for k in state.alive[g]):
                _decide(state, g, group, patience, tol, max_iter)
    finalists = [list(alive) for alive in state.alive]
    models = {k: state.models[k] for alive in finalists for k in alive}
    return SearchRun(state.history, models, finalists, state.step)


def _train_stretch(state, training, train):
    """Train ``training`` up to the next model due for a score; returns the models due."""
    steps = min(state.target[k] - state.calls[k] for k in training)
    begun = time.perf_counter()
    fitted = train([state.models[k] for k in training], state.step, state.step + steps)
    seconds = time.perf_counter() - begun
    state.step += steps
    for k, model in zip(training, fitted):
        state.models[k] = model
        state.calls[k] += steps
        state.fit_seconds[k] += seconds
    return [k for k in training if state.calls[k] == state.target[k]]


def _score_due(state, due, score, params, started):
    begun = time.perf_counter()
    values = score([state.models[k] for k in due])
    seconds = time.perf_counter() - begun
    for k, value in zip(due, values):
        record = {
            "model_id": k,
            "params": params[k],
            "partial_fit_calls": state.calls[k],
            "partial_fit_time": state.fit_seconds[k],
            "score": float(value),
            "score_time": seconds,
            "elapsed_wall_time": time.perf_counter() - started,
        }
        state.fit_seconds[k] = 0.0
        state.info[k].append(record)
        state.history.append(record)


def _decide(state, g, group, patience, tol, max_iter):
    """Group ``g``'s next calls: drops the models its rule drops, sets the others' targets."""
    info = {k: state.info[k] for k in state.alive[g]}
    calls, state.planned[g] = next_calls(
        group.rule, info, patience=patience, tol=tol, max_iter=max_iter, planned=state.planned[g]
    )
    for k in state.alive[g]:
        if k not in calls:
            state.models[k] = None  # dropped: its model is not kept
    state.alive[g] = [k for k in state.alive[g] if k in calls]
    for k, more in calls.items():
        state.target[k] = state.calls[k] + more
    state.done[g] = not any(calls.values())


def best_of(run, groups):
    """``(group, model_id)`` of the best model: the best latest score among each group's finalists.

    Ties go to the first group, then the first model.

    Examples
    --------
    >>> run = SearchRun([{"model_id": 0, "score": 0.5}, {"model_id": 1, "score": 0.7}], {}, [[0, 1]], 1)
    >>> best_of(run, [Group([0, 1], [{}, {}], None)])
    (0, 1)
    """
    latest = {record["model_id"]: record["score"] for record in run.history}
    best = None
    for g, finalists in enumerate(run.finalists):
        for k in finalists:
            if best is None or comparable(latest[k]) > comparable(latest[best[1]]):
                best = (g, k)
    return best
