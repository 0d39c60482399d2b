"""Validation scoring: a model scored block by block on validation data, as a chain of tasks.

The validation data (blocks held out of the fit, or data given) is read one
block at a time: score step ``j`` computes, on validation block ``j``, the
outputs the scorer needs (``predict``, ``predict_proba`` or
``decision_function``) and keeps them with the block's ``y``; the block's
loading waits on step ``j - 1`` (the input graph is localized as a fit's is,
with ``prefetch=0``), so scoring holds one validation block at a time. A last
task runs the scorer on the collected outputs and targets — small next to X —
through :class:`Replayed`, an estimator whose response methods return them.

Without ``scoring``, a classifier's or regressor's own ``score`` (accuracy,
R²) is computed that way; any other estimator's own ``score`` is called on
each block and averaged, weighted by the block's rows (exact for scores that
are a mean over samples, such as a mean log-likelihood; MiniBatchKMeans' score,
minus a sum, is scaled: pass a ``scoring`` for the score of the whole set).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field

import numpy as np
from dask.base import tokenize
from dask.task_spec import Task, TaskRef
from scipy import sparse
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.metrics import get_scorer

from .._validation import type_name
from ..graph import localize
from ..graph.blocks import align_blocks
from ..graph.chain import assemble, input_graph
from ..graph.pipelines import final_estimator
from ..graph.steps import n_rows

__all__ = [
    "Replayed",
    "Validation",
    "check_scoring",
    "default_scoring",
    "given_validation",
    "held_out_validation",
    "score_graph",
    "scorer_of",
]

RESPONSE_METHODS = ("predict", "predict_proba", "decision_function")


@dataclass(frozen=True)
class Validation:
    """Validation data split into blocks, and how a model is scored on it.

    Attributes
    ----------
    inputs : list of tuple
        Per validation block, its ``(X, y, sample_weight)`` nodes.
    blocks : tuple of int
        The index of each block (in X's blocks, for held-out data), for messages.
    rows : tuple of float
        Rows per block (``nan`` where unknown).
    graph : dict
        The task-spec graph the inputs read.
    analysis : InputAnalysis
        :func:`dask_incr.graph.localize.analyse` of ``graph`` for these blocks.
    scorer : callable or None
        ``scorer(estimator, X, y, **kw)``; ``None``: the estimator's own
        ``score`` per block, averaged by rows.
    methods : tuple of str
        The response methods computed on each block for ``scorer``.
    name : str
        Token of the data and the scorer, for the keys of score graphs.
    """

    inputs: list
    blocks: tuple
    rows: tuple
    graph: dict
    analysis: localize.InputAnalysis
    scorer: object
    methods: tuple
    name: str


def scorer_of(scoring, estimator):
    """The scorer of ``scoring`` for ``estimator`` and the response methods it needs.

    ``None`` picks a classifier's accuracy or a regressor's R² (what their
    own ``score`` computes); for any other estimator the scorer is ``None``
    (its own ``score``, per block). A scorer made by scikit-learn names the
    method it calls; a plain callable gets every one of :data:`RESPONSE_METHODS`
    the estimator has.

    Examples
    --------
    >>> from sklearn.linear_model import SGDClassifier, SGDRegressor
    >>> from sklearn.cluster import MiniBatchKMeans
    >>> scorer_of(None, SGDRegressor())[1], scorer_of("roc_auc", SGDClassifier())[1]
    (('predict',), ('decision_function',))
    >>> scorer_of(None, MiniBatchKMeans())
    (None, ())
    """
    if scoring is None:
        scoring = default_scoring(estimator)
        if scoring is None:
            if not callable(getattr(estimator, "score", None)):
                raise TypeError(
                    f"{type(estimator).__name__} has no score method to validate with: pass scoring= "
                    "(a scorer name or a scorer callable)"
                )
            return None, ()
    scorer = get_scorer(scoring) if isinstance(scoring, str) else scoring
    wanted = response_method_of(scorer)
    if wanted is None:  # a plain callable: every method it might call
        return scorer, tuple(name for name in RESPONSE_METHODS if hasattr(estimator, name))
    wanted = (wanted,) if isinstance(wanted, str) else tuple(wanted)
    # scikit-learn calls the first of them the estimator has
    found = [name for name in wanted if hasattr(estimator, name)]
    if not found:
        raise ValueError(
            f"scoring={scoring!r} needs {' or '.join(wanted)}, which {type(estimator).__name__} does not have"
        )
    return scorer, (found[0],)


def check_scoring(scoring):
    """Refuse a ``scoring`` that :meth:`Incremental.score` could not use, at fit time.

    Names must be known to :func:`sklearn.metrics.get_scorer`; a callable must
    be a scorer ``(estimator, X, y)``, not a metric ``(y_true, y_pred)``. No
    ``score`` method is asked of the estimator.

    Examples
    --------
    >>> from sklearn.metrics import accuracy_score
    >>> check_scoring(accuracy_score)
    Traceback (most recent call last):
    ...
    ValueError: scoring=accuracy_score looks like a metric function rather than a scorer...
    """
    if scoring is None:
        return
    if isinstance(scoring, str):
        get_scorer(scoring)  # ValueError naming the unknown scoring value
        return
    if not callable(scoring):
        raise TypeError(
            f"scoring must be None, a metric name or a scorer callable, got {scoring!r} ({type(scoring).__name__})"
        )
    try:
        first = next(iter(inspect.signature(scoring).parameters), None)
    except (TypeError, ValueError):  # no signature to read: trust the caller
        return
    if first in ("y_true", "labels_true", "y"):
        name = getattr(scoring, "__name__", repr(scoring))
        raise ValueError(
            f"scoring={name} looks like a metric function rather than a scorer: a scorer is "
            f"called as scorer(estimator, X, y); wrap the metric with sklearn.metrics.make_scorer({name})"
        )


def default_scoring(estimator):
    """The metric name of scikit-learn's own ``score`` of classifiers and regressors, else ``None``.

    A pipeline scores as its last step does (``Pipeline.score`` transforms,
    then calls it).

    Examples
    --------
    >>> from sklearn.linear_model import SGDRegressor
    >>> default_scoring(SGDRegressor()), default_scoring(object())
    ('r2', None)
    """
    score = getattr(type(final_estimator(estimator)), "score", None)
    if score is ClassifierMixin.score:
        return "accuracy"
    if score is RegressorMixin.score:
        return "r2"
    return None


def response_method_of(scorer):
    """The response method(s) a scikit-learn scorer calls, or ``None`` for another callable.

    The one private attribute of scikit-learn dask_incr reads
    (``_Scorer._response_method``); tests/test_scoring.py pins it.

    Examples
    --------
    >>> from sklearn.metrics import get_scorer
    >>> response_method_of(get_scorer("neg_log_loss")), response_method_of(len)
    ('predict_proba', None)
    """
    return getattr(scorer, "_response_method", None)


def held_out_validation(prepared, scoring):
    """The :class:`Validation` of the blocks a prepared fit held out.

    Examples
    --------
    >>> import dask.array as da
    >>> from sklearn.linear_model import SGDRegressor
    >>> from dask_incr.fit.options import FitOptions
    >>> from dask_incr.fit.plan import prepare
    >>> X, y = da.ones((40, 2), chunks=10), da.ones(40, chunks=10)
    >>> fit = prepare([SGDRegressor()], X, y, None, FitOptions(random_state=0), [{}], 1, hold_out=True)
    >>> validation = held_out_validation(fit, None)
    >>> validation.blocks == fit.held_out, len(validation.inputs)
    (True, 1)
    """
    blocks = tuple(prepared.held_out)
    inputs = [prepared.block_inputs[i] for i in blocks]
    rows = tuple(prepared.block_rows[i] for i in blocks)
    return _validation(prepared.estimators[0], inputs, blocks, rows, prepared.graph, scoring, prepared.identity)


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
    sources = [b.source if b is not None else None for b in (Xb, yb, wb)]
    token = tokenize(sources)
    blocks = tuple(range(Xb.n_blocks))
    return _validation(estimator, inputs, blocks, tuple(Xb.sizes), input_graph(collections), scoring, token)


def _validation(estimator, inputs, blocks, rows, graph, scoring, token):
    scorer, methods = scorer_of(scoring, estimator)
    analysis = localize.analyse(graph, inputs, blocks)
    name = "score-" + tokenize(token, blocks, scorer, methods)
    return Validation(inputs, blocks, rows, graph, analysis, scorer, methods, name)


def score_graph(validation, model, tag, values=None):
    """The graph that scores ``model`` on ``validation``, one block at a time.

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

    Returns
    -------
    graph : HighLevelGraph
    key : tuple
        The key of the score (a float).

    Examples
    --------
    >>> import numpy as np
    >>> from dask.delayed import Delayed
    >>> from sklearn.linear_model import LinearRegression
    >>> X, y = np.arange(8.0).reshape(4, 2), np.arange(4.0)
    >>> validation = given_validation((X, y), LinearRegression(), None)
    >>> graph, key = score_graph(validation, LinearRegression().fit(X, y), "demo")
    >>> round(Delayed(key, graph, layer=key[0]).compute(), 6)
    1.0
    """
    name = f"{validation.name}-{tokenize(tag)}"
    steps = range(len(validation.inputs))
    inputs, layer = localize.copies(
        validation.analysis, validation.inputs, steps, token=tokenize(name), name=name, prefetch=0, values=values
    )
    previous = model
    for j, block_inputs in zip(steps, inputs):
        key = (name, j)
        layer[key] = Task(
            key,
            score_block,
            previous,
            *block_inputs,
            methods=validation.methods,
            block=validation.blocks[j],
            first=j == 0,
        )
        previous = TaskRef(key)
    final = (name, "score")
    layer[final] = Task(final, finish_score, previous, validation.scorer)
    return assemble(name, layer, validation.graph), final


@dataclass
class ValidationParts:
    """What the score steps collected: the model, per-block outputs, targets, weights."""

    model: object
    outputs: dict = field(default_factory=dict)
    targets: list = field(default_factory=list)
    weights: list = field(default_factory=list)
    scores: list = field(default_factory=list)  # (own score, rows) per block


def score_block(parts, X, y=None, sample_weight=None, *, methods, block, first=False):
    """One score step: the outputs of ``methods`` (or the own score) on one validation block.

    ``parts`` is the model at the first step and the :class:`ValidationParts`
    of the step before after it; updated in place (one task reads each).

    Examples
    --------
    >>> from sklearn.linear_model import LinearRegression
    >>> X, y = np.arange(8.0).reshape(4, 2), np.arange(4.0)
    >>> parts = score_block(LinearRegression().fit(X, y), X, y, methods=("predict",), block=0, first=True)
    >>> [len(v) for v in parts.outputs["predict"]], len(parts.targets)
    ([4], 1)
    """
    if first:
        parts = ValidationParts(parts)
    rows = n_rows(X)
    if rows == 0:
        return parts
    kwargs = {} if sample_weight is None else {"sample_weight": sample_weight}
    try:
        if not methods:
            args = (X,) if y is None else (X, y)
            parts.scores.append((float(parts.model.score(*args, **kwargs)), rows))
            return parts
        for method in methods:
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


class Replayed:
    """A fitted estimator whose response methods return outputs computed beforehand.

    Every other attribute is the estimator's, so a scorer sees its classes,
    its tags and its type of estimator.

    Examples
    --------
    >>> from sklearn.linear_model import LinearRegression
    >>> replayed = Replayed(LinearRegression(), {"predict": np.array([1.0])})
    >>> replayed.predict("ignored").tolist(), hasattr(replayed, "predict_proba")
    ([1.0], False)
    """

    def __init__(self, model, outputs):
        self._model = model
        self._outputs = outputs

    def __getattr__(self, name):
        if name.startswith("__") and name != "__sklearn_tags__":
            raise AttributeError(name)
        if name in RESPONSE_METHODS:
            if name not in self._outputs:
                raise AttributeError(
                    f"the scorer asked for {name}, which was not computed on the validation blocks "
                    f"(computed: {', '.join(self._outputs) or 'nothing'})"
                )
            values = self._outputs[name]

            def replay(X):
                return values

            replay.__name__ = name
            return replay
        return getattr(self._model, name)

