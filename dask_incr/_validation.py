"""Argument checks and type names, owned in one place: the bottom of dask_incr.

Every layer validates what it is given with these, so a wrong input gets the
same words wherever it is passed. This module imports nothing else of
dask_incr.
"""

from __future__ import annotations

import numbers

import numpy as np
from dask.delayed import Delayed
from sklearn.pipeline import Pipeline

__all__ = [
    "NotIncrementalError",
    "check_count",
    "check_flag",
    "check_incremental",
    "check_prefetch",
    "check_real",
    "check_seed",
    "type_name",
]


def type_name(value):
    """The qualified type name of ``value``, for messages.

    Examples
    --------
    >>> type_name(None), type_name({}), type_name(np.zeros(1))
    ('None', 'dict', 'numpy.ndarray')
    """
    if value is None:
        return "None"
    cls = type(value)
    return cls.__name__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__name__}"


class NotIncrementalError(TypeError, ValueError):
    """The estimator cannot learn block by block (no ``partial_fit``).

    Both a ``TypeError`` (a wrong kind of object) and a ``ValueError`` (what
    dask-ml raises), so either ``except`` clause catches it.

    Examples
    --------
    >>> from sklearn.svm import SVC
    >>> try:
    ...     check_incremental(SVC())
    ... except ValueError as error:
    ...     print(type(error).__name__, isinstance(error, TypeError))
    NotIncrementalError True
    """


def check_incremental(estimator):
    """Raise :class:`NotIncrementalError` unless ``estimator`` is an instance with ``partial_fit``.

    A scikit-learn ``Pipeline`` passes here: its steps are checked by
    :func:`dask_incr.fit.checks.check_pipeline`. A dask ``Delayed`` does not:
    only :func:`dask_incr.fit_blocks` and :func:`dask_incr.fit_blocks_many`
    take a lazy model (see :mod:`dask_incr.fit.lazy`).

    Examples
    --------
    >>> from sklearn.linear_model import SGDClassifier
    >>> check_incremental(SGDClassifier())
    >>> check_incremental(SGDClassifier)
    Traceback (most recent call last):
    ...
    dask_incr._validation.NotIncrementalError: pass an estimator instance, not the class SGDClassifier; ...
    """
    if isinstance(estimator, Delayed):  # its attributes are lazy too: partial_fit would seem to be there
        raise NotIncrementalError(
            f"got a dask Delayed ({estimator.key!r}), a model computed later, where an estimator is needed; "
            "pass an estimator (e.g. lazy.compute()), or continue the lazy model with "
            "dask_incr.fit_blocks(lazy, X, y) or dask_incr.fit_blocks_many"
        )
    if isinstance(estimator, type):
        raise NotIncrementalError(
            f"pass an estimator instance, not the class {estimator.__name__}; e.g. {estimator.__name__}()"
        )
    if not callable(getattr(estimator, "partial_fit", None)) and not isinstance(estimator, Pipeline):
        raise NotIncrementalError(
            f"{type_name(estimator)} has no partial_fit method, so it cannot learn block by block; "
            "use an estimator that supports incremental learning (e.g. SGDClassifier, MiniBatchKMeans, IncrementalPCA)"
        )


def check_flag(value, name):
    """Refuse anything but a bool (numpy's included) for a yes/no option.

    Examples
    --------
    >>> check_flag(True, "compute")
    >>> check_flag("no", "compute")
    Traceback (most recent call last):
    ...
    TypeError: compute must be True or False, got 'no' (str)
    """
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r} ({type(value).__name__})")


def check_count(value, name, *, minimum):
    """``value`` as an int: ``TypeError`` unless it is an integer, ``ValueError`` below ``minimum``.

    Examples
    --------
    >>> check_count(3, "epochs", minimum=1)
    3
    >>> check_count(True, "epochs", minimum=1)
    Traceback (most recent call last):
    ...
    TypeError: epochs must be an integer, got True (bool)
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def check_real(value, name):
    """``value`` as a finite float: ``TypeError`` unless it is a real number (not a bool).

    Examples
    --------
    >>> check_real(1, "tol")
    1.0
    >>> check_real("0.1", "tol")
    Traceback (most recent call last):
    ...
    TypeError: tol must be a real number, got '0.1' (str)
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r} ({type(value).__name__})")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return value


def check_prefetch(value):
    """``value`` as a read-ahead: an int >= 0, ``None`` (unbounded) or ``"auto"``.

    Examples
    --------
    >>> check_prefetch("auto"), check_prefetch(None), check_prefetch(np.int64(2))
    ('auto', None, 2)
    >>> check_prefetch("fast")
    Traceback (most recent call last):
    ...
    TypeError: prefetch must be an integer >= 0, None or 'auto', got 'fast' (str)
    """
    if value is None or (isinstance(value, str) and value == "auto"):
        return value
    if isinstance(value, str):
        raise TypeError(f"prefetch must be an integer >= 0, None or 'auto', got {value!r} (str)")
    return check_count(value, "prefetch", minimum=0)


def check_seed(random_state):
    """Refuse a ``random_state`` that cannot seed, without drawing from it.

    ``ValueError``, as scikit-learn's ``check_random_state`` raises for the
    same mistake.

    Examples
    --------
    >>> check_seed(0), check_seed(None)
    (None, None)
    >>> check_seed("0")
    Traceback (most recent call last):
    ...
    ValueError: str cannot be used to seed: random_state must be None, an int >= 0, ...
    """
    if random_state is None or isinstance(random_state, (np.random.RandomState, np.random.Generator)):
        return
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, (bool, np.bool_)):
        if random_state < 0:
            raise ValueError(f"random_state must be a non-negative integer, got {random_state}")
        return
    # "cannot be used to seed", as scikit-learn and dask-ml word it, so their users' checks still match.
    raise ValueError(
        f"{type_name(random_state)} cannot be used to seed: random_state must be None, an int >= 0, "
        "a numpy RandomState or a numpy Generator"
    )
