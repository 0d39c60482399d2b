"""Sizeof: an honest ``dask.sizeof`` for scikit-learn estimators.

Dask sizes an object it does not know with ``sys.getsizeof``, so every
estimator counts as a few dozen bytes whatever arrays it holds. A distributed
scheduler then ships a large model to each block rather than the small block
to the model, and a worker's memory accounting misses the model entirely.

Importing this module registers :func:`estimator_sizeof` for
``sklearn.base.BaseEstimator`` with ``dask.sizeof.sizeof``; importing
``dask_incr`` imports it, in the client and in every worker that runs a fit
step (the step functions are unpickled from ``dask_incr``).
"""

from __future__ import annotations

import sys

import numpy as np
from dask.sizeof import sizeof
from sklearn.base import BaseEstimator

__all__ = ["MAX_DEPTH", "MAX_OBJECTS", "estimator_sizeof"]

#: How deep the walk goes through attributes, containers and nested estimators.
MAX_DEPTH = 8
#: How many objects the walk visits at most; the rest is not counted.
MAX_OBJECTS = 10_000

_CONTAINERS = (list, tuple, set, frozenset)
# What an object that cannot be sized counts for.
_UNSIZEABLE = 64
# Packages whose objects dask.sizeof already sizes by their buffers.
_SIZED_ELSEWHERE = ("builtins", "numpy", "pandas", "scipy", "pyarrow")


def estimator_sizeof(estimator):
    """Bytes held by ``estimator``: its numpy arrays and other data, recursively.

    Walks ``vars(estimator)`` through lists, tuples, sets, dicts, nested
    estimators and other objects' attributes (an optimizer's moment arrays, a
    pipeline's steps), counting each object once. Leaves are sized by
    ``dask.sizeof.sizeof`` (numpy and pandas objects by their buffers). The walk
    stops at :data:`MAX_DEPTH` levels and :data:`MAX_OBJECTS` objects, so
    sizing stays cheap beside a ``partial_fit`` call whatever the model.

    Examples
    --------
    >>> from sklearn.preprocessing import StandardScaler
    >>> scaler = StandardScaler().fit(np.zeros((3, 1000)))
    >>> estimator_sizeof(scaler) > 3 * 1000 * 8  # mean_, var_, scale_
    True
    >>> sizeof(scaler) == estimator_sizeof(scaler)
    True
    """
    seen = set()
    total = 0
    stack = [(estimator, 0)]
    while stack and len(seen) < MAX_OBJECTS:
        obj, depth = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, np.ndarray):
            # A view counts its own extent only: its base is counted where it is held.
            total += obj.nbytes
            continue
        children = _children(obj)
        if children is None:
            total += _leaf_sizeof(obj)
            continue
        total += sys.getsizeof(obj)
        if depth < MAX_DEPTH:  # deeper containers count for their own shallow size
            stack.extend((child, depth + 1) for child in children)
    return int(total)


def _children(obj):
    """What ``obj`` holds, when the walk should look inside it; else ``None``."""
    if isinstance(obj, (str, bytes, bytearray, int, float, complex, bool, type(None))):
        return None
    if isinstance(obj, dict):
        return [*obj.keys(), *obj.values()]
    if isinstance(obj, _CONTAINERS):
        return list(obj)
    attributes = getattr(obj, "__dict__", None)
    if isinstance(attributes, dict) and (isinstance(obj, BaseEstimator) or _is_plain_object(obj)):
        return list(attributes.values())
    return None


def _is_plain_object(obj):
    """A Python object whose attributes are its data (not a type, module or function)."""
    if isinstance(obj, type) or callable(obj):
        return False
    return type(obj).__module__.partition(".")[0] not in _SIZED_ELSEWHERE


def _leaf_sizeof(obj):
    if isinstance(obj, BaseEstimator):  # one without __dict__: no new walk
        return sys.getsizeof(obj)
    try:
        return sizeof(obj)
    except Exception:  # sizing runs after every task: it must never fail one
        return _UNSIZEABLE


def _register():
    sizeof.register(BaseEstimator, estimator_sizeof)
    # Dispatch caches each class's resolved implementation: an estimator class
    # sized before this import would keep dask's shallow default.
    for cls in list(sizeof._lookup):
        if isinstance(cls, type) and cls is not BaseEstimator and issubclass(cls, BaseEstimator):
            del sizeof._lookup[cls]


_register()
