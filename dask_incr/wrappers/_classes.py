"""The labels a classifier's first ``partial_fit`` needs, found in ``y`` when the caller gave none.

``Incremental.fit`` passes ``classes`` as dask-ml's does: the sorted distinct
labels of ``y`` (lazily, for a dask ``y``), one list per output for a
multi-output classifier; labels the caller gave, by ``classes`` or a
pipeline's ``<step>__classes``, win.
"""

from __future__ import annotations

import inspect

import dask
import dask.array as da
import dask.bag as db
import dask.dataframe as dd
import numpy as np

from ..fit.checks import per_output, tags_of
from ..graph.blocks import coerce
from ..graph.pipelines import final_estimator

__all__ = ["sorted_labels", "with_classes"]


def with_classes(estimator, y, fit_kwargs):
    """Add the labels of ``y`` as ``classes`` when an unfitted classifier's partial_fit needs them.

    For dask ``y`` the labels are a lazy value, computed once inside the fit
    (so a lazy fit computes nothing); for in-memory ``y``, ``numpy.unique``.
    A pipeline's last step is the one asked (``classes`` goes to it), and
    ``classes`` given for it by name (``<step>__classes``) win. A classifier
    of several outputs (``MultiOutputClassifier``) gets one list of labels
    per column of ``y``; other 2-D targets (multilabel) none.
    """
    final = final_estimator(estimator)
    given = {"classes"} | ({f"{estimator.steps[-1][0]}__classes"} if final is not estimator else set())
    if (
        y is None
        or given.intersection(fit_kwargs)
        or hasattr(final, "classes_")
        or getattr(tags_of(final), "estimator_type", None) != "classifier"
        or not callable(getattr(final, "partial_fit", None))
        or "classes" not in inspect.signature(final.partial_fit).parameters
    ):
        return fit_kwargs
    columns = y.shape[1] if getattr(y, "ndim", 1) == 2 else None
    if per_output(final) and columns is not None:
        return {**fit_kwargs, "classes": [_labels(_column(y, j)) for j in range(columns)]}
    if columns is not None and columns != 1:  # multilabel: nothing to find
        return fit_kwargs
    return {**fit_kwargs, "classes": _labels(y)}


def _column(y, j):
    """Column ``j`` of a 2-D ``y`` (array or frame, dask or in memory)."""
    return y.iloc[:, j] if hasattr(y, "iloc") else y[:, j]


def _labels(y):
    """The sorted distinct labels of ``y``: lazy for a dask collection."""
    if isinstance(y, da.Array):
        return dask.delayed(sorted_labels, pure=True)(da.unique(y))
    if isinstance(y, (dd.Series, dd.DataFrame)):
        return dask.delayed(sorted_labels, pure=True)(y.drop_duplicates())
    if isinstance(y, db.Bag):
        return dask.delayed(sorted_labels, pure=True)(y.distinct())
    return sorted_labels(coerce(y, "y"))


def sorted_labels(values):
    """The sorted distinct values of ``values`` as a numpy array.

    Examples
    --------
    >>> sorted_labels([2, 0, 2]).tolist()
    [0, 2]
    """
    return np.unique(np.asarray(values))
