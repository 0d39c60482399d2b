"""Checks of what the facade's fit is given that name a dask-ml habit as the cause."""

from __future__ import annotations

import dask

from .._validation import type_name

__all__ = ["check_x_not_loaded"]


def check_x_not_loaded(X, y, sample_weight):
    """Refuse X in memory with y or sample_weight lazy, naming the usual cause: an earlier Pipeline step.

    ``make_pipeline(StandardScaler(), Incremental(SGDClassifier()))`` gives
    ``Incremental`` the scaler's output, a numpy array of all of X (the scaler
    loaded it), while y is still a dask collection.

    Examples
    --------
    >>> import dask.array as da
    >>> import numpy as np
    >>> check_x_not_loaded(np.ones((4, 2)), da.ones(4, chunks=2), None)
    Traceback (most recent call last):
    ...
    TypeError: X is in memory (a numpy.ndarray) but y is a dask.array.core.Array. ...
    """
    if dask.is_dask_collection(X):
        return
    for label, value in (("y", y), ("sample_weight", sample_weight)):
        if dask.is_dask_collection(value):
            raise TypeError(
                f"X is in memory (a {type_name(X)}) but {label} is a {type_name(value)}. In a Pipeline, an "
                "earlier step such as StandardScaler loads all of a dask X into a numpy array before "
                "Incremental sees it: wrap the whole pipeline instead, "
                "Incremental(make_pipeline(StandardScaler(), SGDClassifier())), so that every block goes "
                "through every step. Otherwise pass X and y both as dask collections or both in memory."
            )
