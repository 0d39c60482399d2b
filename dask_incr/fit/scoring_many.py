"""Many models scored on the same validation data, one task per validation block for all of them.

:func:`dask_incr.fit.scoring.score_graph` scores one model (the fit's early
stopping); a search scores every model due at once, so that the validation
data is read once per scoring round whatever the number of models.
"""

from __future__ import annotations

from dask.base import tokenize
from dask.task_spec import List, Task, TaskRef

from ..graph import localize
from ..graph.chain import assemble
from .scoring import finish_score, score_block

__all__ = ["finish_scores", "score_block_all", "scores_graph"]


def scores_graph(validation, models, tag, values=None):
    """The graph that scores every one of ``models`` on ``validation``, one task per block for all.

    :func:`score_graph` for many models: step ``j`` loads validation block
    ``j`` once and computes every model's outputs on it, so the validation
    data is read once whatever the number of models, one block at a time.

    Returns
    -------
    graph : HighLevelGraph
    key : tuple
        The key of the scores (a list of floats, in the order of ``models``).

    Examples
    --------
    >>> import numpy as np
    >>> from dask_incr.fit.scoring import given_validation
    >>> from dask.delayed import Delayed
    >>> from sklearn.linear_model import LinearRegression
    >>> X, y = np.arange(8.0).reshape(4, 2), np.arange(4.0)
    >>> validation = given_validation((X, y), LinearRegression(), None)
    >>> graph, key = scores_graph(validation, [LinearRegression().fit(X, y), LinearRegression().fit(X, -y)], "demo")
    >>> [round(score, 6) for score in Delayed(key, graph, layer=key[0]).compute()]
    [1.0, -10.2]
    """
    name = f"{validation.name}-many-{tokenize(tag)}"
    steps = range(len(validation.inputs))
    inputs, layer = localize.copies(
        validation.analysis, validation.inputs, steps, token=tokenize(name), name=name, prefetch=0, values=values
    )
    previous = List(*models)
    for j, block_inputs in zip(steps, inputs):
        key = (name, j)
        layer[key] = Task(
            key,
            score_block_all,
            previous,
            *block_inputs,
            methods=validation.methods,
            block=validation.blocks[j],
            first=j == 0,
        )
        previous = TaskRef(key)
    final = (name, "scores")
    layer[final] = Task(final, finish_scores, previous, validation.scorer)
    return assemble(name, layer, validation.graph), final


def score_block_all(parts, X, y=None, sample_weight=None, *, methods, block, first=False):
    """:func:`score_block` of every model on one validation block (a list of parts in, a list out).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> X, y = np.arange(8.0).reshape(4, 2), np.arange(4.0)
    >>> parts = score_block_all([LinearRegression().fit(X, y)] * 2, X, y, methods=("predict",), block=0, first=True)
    >>> len(parts), len(parts[1].targets)
    (2, 1)
    """
    return [score_block(part, X, y, sample_weight, methods=methods, block=block, first=first) for part in parts]


def finish_scores(parts, scorer):
    """:func:`finish_score` of every model's parts: a list of floats."""
    return [finish_score(part, scorer) for part in parts]
