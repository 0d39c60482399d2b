"""A score that is not computed yet: ``score(X, y, compute=False)`` of the facade classes.

The scorer is asked once, on a stand-in of the fitted model, which prediction
method it calls (:class:`_Probe` stops it there); that method is mapped over
the blocks lazily, and the metric runs on its outputs in a last task, the
model standing in again with the outputs already computed (:class:`_Answered`).
"""

from __future__ import annotations

import dask

__all__ = ["PREDICTION_METHODS", "lazy_score"]


#: The methods a scorer may call to get predictions.
PREDICTION_METHODS = frozenset({"predict", "predict_proba", "predict_log_proba", "decision_function", "transform"})


def lazy_score(model, estimator, scorer, X, y, kwargs):
    """The score as a ``Delayed``: the predictions the scorer asks for, block by block, then the metric."""
    if scorer is None:  # the estimator's own score needs X in memory
        return dask.delayed(_own_score, pure=True)(estimator, X, y, kwargs)
    method = _method_asked(scorer, model, X, y)
    outputs = getattr(model, method)(X)
    return dask.delayed(_score_outputs, pure=True)(scorer, model, method, outputs, y, kwargs)


def _own_score(estimator, X, y, kwargs):
    return estimator.score(X, y, **kwargs)


def _score_outputs(scorer, model, method, outputs, y, kwargs):
    """Run ``scorer`` on ``model`` whose ``method`` returns the computed ``outputs``."""
    return scorer(_Answered(model, method, outputs), None, y, **kwargs)


class _Asked(Exception):
    """Raised by :class:`_Probe` to stop a scorer at its first prediction call."""


class _Probe:
    """The fitted wrapper as a scorer sees it, stopping at the first prediction method it calls."""

    def __init__(self, wrapper):
        self._wrapper = wrapper

    def __getattr__(self, name):
        value = getattr(self._wrapper, name)  # an AttributeError here tells the scorer to try another
        if name not in PREDICTION_METHODS:
            return value

        def asked(X):
            raise _Asked(name)

        asked.__name__ = name  # scorers call the method again by its name
        return asked


class _Answered(_Probe):
    """The fitted wrapper as a scorer sees it, its ``method`` returning precomputed ``outputs``."""

    def __init__(self, wrapper, method, outputs):
        super().__init__(wrapper)
        self._method, self._outputs = method, outputs

    def __getattr__(self, name):
        if name != self._method:
            return super().__getattr__(name)

        def answered(X):
            return self._outputs

        answered.__name__ = name
        return answered


def _method_asked(scorer, model, X, y):
    """The prediction method ``scorer`` calls, found by calling it on a :class:`_Probe`."""
    try:
        scorer(_Probe(model), X, y)
    except _Asked as asked:
        return asked.args[0]
    raise TypeError(
        f"score(..., compute=False) needs a scorer that calls one of {sorted(PREDICTION_METHODS)}; "
        f"{scorer!r} called none"
    )
