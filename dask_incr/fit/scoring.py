"""Scorers: which metric validates a model, and what it needs computed on each block.

:func:`scorer_of` tells the scorer of a ``scoring`` and the response methods
(``predict``, ``predict_proba``, ``decision_function``) it needs;
:class:`Replayed` hands a scorer outputs computed block by block beforehand
(see :mod:`dask_incr.fit.score_chain`). Without ``scoring``, a classifier's or
regressor's own ``score`` (accuracy, R²) is the metric; any other estimator's
own ``score`` is called on each block and averaged, weighted by the block's
rows (exact for scores that are a mean over samples, such as a mean
log-likelihood; MiniBatchKMeans' score, minus a sum, is scaled: pass a
``scoring`` for the score of the whole set).
"""

from __future__ import annotations

import inspect

from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.metrics import get_scorer

from ..graph.pipelines import final_estimator

__all__ = ["RESPONSE_METHODS", "Replayed", "check_scoring", "default_scoring", "response_method_of", "scorer_of"]

RESPONSE_METHODS = ("predict", "predict_proba", "decision_function")


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


class Replayed:
    """A fitted estimator whose response methods return outputs computed beforehand.

    Every other attribute is the estimator's, so a scorer sees its classes,
    its tags and its type of estimator.

    Examples
    --------
    >>> import numpy as np
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

