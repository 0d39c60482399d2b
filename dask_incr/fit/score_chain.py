"""Validation scoring: a model scored block by block on validation data, as a chain of tasks.

The validation data (blocks held out of the fit, or data given) is read one
block at a time: score step ``j`` computes, on validation block ``j``, the
outputs the scorer needs (``predict``, ``predict_proba`` or
``decision_function``) and keeps them with the block's ``y``; the block's
loading waits on step ``j - 1``, so scoring holds one validation block at a
time. The chain is built by the one fold (:func:`dask_incr.graph.fold.fold`)
with ``prefetch=0`` and :func:`score_block` as its step. A last task runs the
scorer on the collected outputs and targets — small next to X — through
:class:`~dask_incr.fit.scoring.Replayed`, an estimator whose response methods
return them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from dask.base import tokenize
from dask.task_spec import List, Task, TaskRef
from scipy import sparse

from .._validation import type_name
from ..graph import localize
from ..graph.blocks import align_blocks
from ..graph.fold import Chain, ChainInputs, Window, chain_inputs, fold
from ..graph.steps import n_rows
from .scoring import Replayed, scorer_of

__all__ = [
    "Validation",
    "finish_score",
    "finish_scores",
    "given_validation",
    "held_out_validation",
    "score_block",
    "score_blocks_of_all",
    "score_graph",
    "scores_graph",
]


@dataclass(frozen=True)
class Validation:
    """Validation data split into blocks, and how a model is scored on it.

    Attributes
    ----------
    inputs : dask_incr.graph.fold.ChainInputs
        Per validation block, its ``(X, y, sample_weight)`` nodes (one score
        step each); ``inputs.blocks`` the index of each block (in X's
        blocks, for held-out data), for messages.
    rows : tuple of float
        Rows per block (``nan`` where unknown).
    scorer : callable or None
        ``scorer(estimator, X, y, **kw)``; ``None``: the estimator's own
        ``score`` per block, averaged by rows.
    methods : tuple of str
        The response methods computed on each block for ``scorer``.
    name : str
        Token of the data and the scorer, for the keys of score graphs.
    """

    inputs: ChainInputs
    rows: tuple
    scorer: object
    methods: tuple
    name: str

    @property
    def blocks(self):
        """The index of each validation block."""
        return self.inputs.blocks


def held_out_validation(prepared, scoring):
    """The :class:`Validation` of the blocks a prepared fit held out.

    Examples
    --------
    >>> import dask.array as da
    >>> from sklearn.linear_model import SGDRegressor
    >>> from dask_incr.fit.options import FitOptions
    >>> from dask_incr.fit.plan import prepare, read_blocks
    >>> from dask_incr.fit.request import fit_request
    >>> X, y = da.ones((40, 2), chunks=10), da.ones(40, chunks=10)
    >>> request = fit_request([SGDRegressor()], X, y, options=FitOptions(random_state=0, early_stopping=True))
    >>> fit = prepare(request, read_blocks(request), prefetch=1, signals=False)
    >>> validation = held_out_validation(fit, None)
    >>> validation.blocks == fit.held_out, len(validation.inputs.step_inputs)
    (True, 1)
    """
    blocks = tuple(prepared.held_out)
    inputs = [prepared.block_inputs[i] for i in blocks]
    rows = tuple(prepared.block_rows[i] for i in blocks)
    graph = prepared.inputs.graph  # the held-out blocks read the fit's own input graph, read once
    analysed = ChainInputs(inputs, blocks, graph, localize.analyse(graph, inputs, blocks))
    return _validation(prepared.chains[0].model, analysed, rows, scoring, prepared.identity)


def given_validation(validation, estimator, scoring):
    """The :class:`Validation` of data given as ``(X, y)`` or ``(X, y, sample_weight)``.

    Dask collections or in-memory data, split like a fit's inputs; raises
    before any compute when they disagree.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import SGDRegressor
    >>> given_validation((np.ones((4, 2)), np.ones(4)), SGDRegressor(), None).rows
    (4,)
    >>> given_validation(np.ones((4, 2)), SGDRegressor(), None)
    Traceback (most recent call last):
    ...
    TypeError: validation must be a tuple (X_val, y_val) or (X_val, y_val, sample_weight_val), got numpy.ndarray
    """
    if not isinstance(validation, tuple) or len(validation) not in (2, 3):
        got = f"a tuple of {len(validation)}" if isinstance(validation, tuple) else type_name(validation)
        raise TypeError(
            f"validation must be a tuple (X_val, y_val) or (X_val, y_val, sample_weight_val), got {got}"
        )
    X, y, weights = (*validation, None)[:3]
    try:
        Xb, yb, wb = align_blocks(X, y, weights)
    except (TypeError, ValueError) as error:
        error.add_note("[in the validation data]")
        raise
    inputs = [tuple(b.nodes[i] if b is not None else None for b in (Xb, yb, wb)) for i in range(Xb.n_blocks)]
    collections = [b.collection for b in (Xb, yb, wb) if b is not None and b.collection is not None]
    token = tokenize([b.source if b is not None else None for b in (Xb, yb, wb)])
    blocks = tuple(range(Xb.n_blocks))
    return _validation(estimator, chain_inputs(inputs, blocks, collections), tuple(Xb.sizes), scoring, token)


def _validation(estimator, inputs, rows, scoring, token):
    scorer, methods = scorer_of(scoring, estimator)
    name = "score-" + tokenize(token, inputs.blocks, scorer, methods)
    return Validation(inputs, rows, scorer, methods, name)


def score_graph(validation, model, tag, values=None, *, signals=True):
    """The graph that scores ``model`` on ``validation``, one block at a time (a fold of :func:`score_block`).

    Parameters
    ----------
    validation : Validation
    model : estimator, TaskRef or distributed.Future
        Only read (the steps that score it never change it).
    tag : hashable
        Tells apart the models scored on the same data (e.g. the fit's name
        and the epoch); part of the keys.
    values : dict, optional
        Input keys already computed (the shared tasks of a fit run in
        windows) -> nodes holding their values, read instead of the keys.
    signals : bool, default True
        As for :func:`dask_incr.graph.fold.fold`: loads wait on signal tasks
        (a distributed cluster) or on the score steps themselves.

    Returns
    -------
    graph : HighLevelGraph
    key : tuple
        The key of the score (a float).

    Examples
    --------
    >>> from dask.delayed import Delayed
    >>> from sklearn.linear_model import LinearRegression
    >>> X, y = np.arange(8.0).reshape(4, 2), np.arange(4.0)
    >>> validation = given_validation((X, y), LinearRegression(), None)
    >>> graph, key = score_graph(validation, LinearRegression().fit(X, y), "demo")
    >>> round(Delayed(key, graph, layer=key[0]).compute(), 6)
    1.0
    """
    name = f"{validation.name}-{tokenize(tag)}"
    last, final = (name, len(validation.inputs.step_inputs) - 1), (name, "score")
    graph, _ = fold(
        validation.inputs,
        [Chain(name, model, score_block, {"methods": validation.methods})],
        prefetch=0,
        signals=signals,
        window=Window(range(len(validation.inputs.step_inputs)), values or {}),
        after={final: Task(final, finish_score, TaskRef(last), validation.scorer)},
    )
    return graph, final



def scores_graph(validation, models, tag, values=None, *, signals=True):
    """The graph that scores every one of ``models`` on ``validation``, one task per block for all.

    :func:`score_graph` for many models (a search scores every model due at
    once): the same fold, whose step :func:`score_blocks_of_all` computes
    every model's outputs on a validation block, so the validation data is
    read once per scoring round whatever the number of models, one block at
    a time.

    Returns
    -------
    graph : HighLevelGraph
    key : tuple
        The key of the scores (a list of floats, in the order of ``models``).

    Examples
    --------
    >>> from dask.delayed import Delayed
    >>> from sklearn.linear_model import LinearRegression
    >>> X, y = np.arange(8.0).reshape(4, 2), np.arange(4.0)
    >>> validation = given_validation((X, y), LinearRegression(), None)
    >>> models = [LinearRegression().fit(X, y), LinearRegression().fit(X, -y)]
    >>> graph, key = scores_graph(validation, models, "demo")
    >>> [round(score, 6) for score in Delayed(key, graph, layer=key[0]).compute()]
    [1.0, -10.2]
    """
    name = f"{validation.name}-many-{tokenize(tag)}"
    last, final = (name, len(validation.inputs.step_inputs) - 1), (name, "scores")
    graph, _ = fold(
        validation.inputs,
        [Chain(name, List(*models), score_blocks_of_all, {"methods": validation.methods})],
        prefetch=0,
        signals=signals,
        window=Window(range(len(validation.inputs.step_inputs)), values or {}),
        after={final: Task(final, finish_scores, TaskRef(last), validation.scorer)},
    )
    return graph, final

@dataclass
class ValidationParts:
    """What the score steps collected: the model, per-block outputs, targets, weights."""

    model: object
    outputs: dict = field(default_factory=dict)
    targets: list = field(default_factory=list)
    weights: list = field(default_factory=list)
    scores: list = field(default_factory=list)  # (own score, rows) per block


def score_block(
    parts, X, y=None, sample_weight=None, *, fit_kwargs, step=0, block=0, row_seed=None, copy_model=False
):
    """One score step: the outputs of ``fit_kwargs["methods"]`` (or the own score) on one validation block.

    The step protocol of :func:`dask_incr.partial_fit_step`, so the one fold
    builds score chains: ``parts`` is the model at the first step
    (``copy_model``: it is wrapped, never copied nor changed) and the
    :class:`ValidationParts` of the step before after it, updated in place
    (one task reads each). ``row_seed`` is unused: scores do not depend on
    the order of rows.

    Examples
    --------
    >>> from sklearn.linear_model import LinearRegression
    >>> X, y = np.arange(8.0).reshape(4, 2), np.arange(4.0)
    >>> model = LinearRegression().fit(X, y)
    >>> parts = score_block(model, X, y, fit_kwargs={"methods": ("predict",)}, copy_model=True)
    >>> [len(v) for v in parts.outputs["predict"]], len(parts.targets)
    ([4], 1)
    """
    if copy_model:
        parts = ValidationParts(parts)
    rows = n_rows(X)
    if rows == 0:
        return parts
    kwargs = {} if sample_weight is None else {"sample_weight": sample_weight}
    try:
        if not fit_kwargs["methods"]:
            args = (X,) if y is None else (X, y)
            parts.scores.append((float(parts.model.score(*args, **kwargs)), rows))
            return parts
        for method in fit_kwargs["methods"]:
            parts.outputs.setdefault(method, []).append(_as_rows(getattr(parts.model, method)(X)))
    except Exception as error:
        error.add_note(f"[in scoring the model on validation block {block}]")
        raise
    parts.targets.append(None if y is None else _as_rows(y))
    parts.weights.append(None if sample_weight is None else np.asarray(sample_weight))
    return parts


def finish_score(parts, scorer):
    """The score from what the steps collected (see the module's docstring).

    Examples
    --------
    >>> from sklearn.linear_model import LinearRegression
    >>> from sklearn.metrics import get_scorer
    >>> parts = ValidationParts(LinearRegression(), {"predict": [np.array([1.0, 2.0])]}, [np.array([1.0, 2.0])], [None])
    >>> finish_score(parts, get_scorer("r2"))
    1.0
    """
    if scorer is None:
        if not parts.scores:
            raise ValueError("the validation data has no rows to score")
        values, rows = np.array(parts.scores).T
        return float(np.average(values, weights=rows))
    if not parts.targets:
        raise ValueError("the validation data has no rows to score")
    outputs = {method: _joined(values) for method, values in parts.outputs.items()}
    y = None if parts.targets[0] is None else _joined(parts.targets)
    n = sum(len(t) for t in parts.targets) if y is not None else len(next(iter(outputs.values())))
    kwargs = {}
    if parts.weights[0] is not None:
        kwargs["sample_weight"] = _joined(parts.weights)
    # X is never read again: the scorer gets the outputs through Replayed
    return float(scorer(Replayed(parts.model, outputs), np.zeros((n, 0)), y, **kwargs))


def _as_rows(values):
    if sparse.issparse(values):
        return values.toarray()
    return np.asarray(values)


def _joined(parts):
    return np.concatenate(parts) if len(parts) > 1 else parts[0]



def score_blocks_of_all(
    parts, X, y=None, sample_weight=None, *, fit_kwargs, step=0, block=0, row_seed=None, copy_model=False
):
    """:func:`score_block` of every model on one validation block: a list of parts in, a list out.

    Examples
    --------
    >>> from sklearn.linear_model import LinearRegression
    >>> X, y = np.arange(8.0).reshape(4, 2), np.arange(4.0)
    >>> models = [LinearRegression().fit(X, y)] * 2
    >>> parts = score_blocks_of_all(models, X, y, fit_kwargs={"methods": ("predict",)}, copy_model=True)
    >>> len(parts), len(parts[1].targets)
    (2, 1)
    """
    return [
        score_block(part, X, y, sample_weight, fit_kwargs=fit_kwargs, step=step, block=block, copy_model=copy_model)
        for part in parts
    ]


def finish_scores(parts, scorer):
    """:func:`finish_score` of every model's parts: a list of floats."""
    return [finish_score(part, scorer) for part in parts]
