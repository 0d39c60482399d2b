"""Steps: the functions that run inside the tasks of a fit.

They are small, module-level and named for what they do, so graphs pickle to
any worker and read well in :func:`dask.visualize`. This is the bottom layer:
it imports nothing else of dask_incr but the pure :mod:`dask_incr.orders`.
"""

from __future__ import annotations

import copy

import numpy as np
from scipy import sparse

from .orders import row_permutation

__all__ = ["NotIncrementalError", "check_incremental", "partial_fit_step", "type_name"]


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
    """


def check_incremental(estimator):
    """Raise :class:`NotIncrementalError` unless ``estimator`` is an instance with ``partial_fit``.

    Examples
    --------
    >>> from sklearn.linear_model import SGDClassifier
    >>> check_incremental(SGDClassifier())
    >>> check_incremental(SGDClassifier)
    Traceback (most recent call last):
    ...
    dask_incr.steps.NotIncrementalError: pass an estimator instance, not the class SGDClassifier; e.g. SGDClassifier()
    """
    if isinstance(estimator, type):
        raise NotIncrementalError(
            f"pass an estimator instance, not the class {estimator.__name__}; e.g. {estimator.__name__}()"
        )
    if not callable(getattr(estimator, "partial_fit", None)):
        raise NotIncrementalError(
            f"{type_name(estimator)} has no partial_fit method, so it cannot learn block by block; "
            "use an estimator that supports incremental learning (e.g. SGDClassifier, MiniBatchKMeans, IncrementalPCA)"
        )


def n_rows(data):
    """Number of rows of a block: the one row counter of dask_incr (``None`` for no input).

    Examples
    --------
    >>> n_rows(np.zeros((3, 2))), n_rows([["a"], ["b"]]), n_rows(None)
    (3, 2, None)
    """
    if data is None:
        return None
    shape = getattr(data, "shape", None)
    if shape is not None:
        return shape[0] if len(shape) else None
    return len(data)


def take_rows(data, index):
    """Rows ``index`` (a slice or integer array) of a block; ``None`` stays ``None``.

    Examples
    --------
    >>> take_rows(np.arange(4), [3, 0]).tolist(), take_rows(["a", "b", "c"], np.array([2, 0]))
    ([3, 0], ['c', 'a'])
    """
    if data is None:
        return None
    if hasattr(data, "iloc"):
        return data.iloc[index]
    if isinstance(data, list):  # a Bag partition
        return data[index] if isinstance(index, slice) else [data[i] for i in index]
    return data[index]


def concat_parts(parts, grid):
    """Join the chunks of one row block back into whole rows.

    Parameters
    ----------
    parts : list of numpy.ndarray or scipy.sparse matrices
        The block's chunks in C order over the non-row axes.
    grid : tuple of int
        Number of chunks along each non-row axis.

    Examples
    --------
    >>> a, b = np.zeros((2, 1)), np.ones((2, 2))
    >>> concat_parts([a, b], (2,)).tolist()
    [[0.0, 1.0, 1.0], [0.0, 1.0, 1.0]]
    """
    if any(sparse.issparse(part) for part in parts):
        # 2-D by construction: scipy's sparse formats have no third axis.
        return sparse.hstack(parts, format="csr")
    nested = parts
    for size in reversed(grid[1:]):
        nested = [nested[i : i + size] for i in range(0, len(nested), size)]
    return np.block(nested)


def model_done(model):
    """Signal that a model step has finished, without carrying the model.

    Loading of a later block waits on this tiny task (see ``prefetch``), so
    the model itself is never shipped to, or pickled for, a loading task.

    Examples
    --------
    >>> model_done("any model") is None
    True
    """
    return None


def gated(value, *signals):
    """Return ``value``; the ``signals`` are dependencies that only order the task.

    Examples
    --------
    >>> gated(3, None, None)
    3
    """
    return value


def partial_fit_step(
    model, X, y=None, sample_weight=None, *, fit_kwargs=None, step=0, block=0, row_seed=None, copy_model=False
):
    """Run one ``partial_fit`` of a chain and return the updated model.

    This is the step protocol of :func:`dask_incr.build_chain`: a custom step
    takes the same arguments and returns the model.

    Parameters
    ----------
    model : estimator
        The model of the previous step. Updated in place (exactly one task
        reads each model key), except when ``copy_model`` is set: the first
        step copies the estimator it is given so that object never changes.
    X, y, sample_weight : block data or None
        One row block; ``y`` and ``sample_weight`` are optional.
    fit_kwargs : dict, optional
        Extra keyword arguments of every ``partial_fit`` call.
    step, block : int
        Position in the chain and index of the block, for error messages.
    row_seed : int, optional
        When given, rows of X, y and sample_weight are shuffled together with
        :func:`dask_incr.orders.row_permutation`.
    copy_model : bool
        Deep-copy ``model`` before fitting.

    Returns
    -------
    estimator
        The model after this block. Blocks of 0 rows leave it as it is.

    Raises
    ------
    Exception
        What ``partial_fit`` raised, the same object, with a note saying at
        which step and block it happened.

    Examples
    --------
    >>> from sklearn.linear_model import SGDRegressor
    >>> X, y = np.arange(8.0).reshape(4, 2), np.arange(4.0)
    >>> est = SGDRegressor(random_state=0)
    >>> fitted = partial_fit_step(est, X, y, copy_model=True)
    >>> fitted is est, hasattr(est, "coef_"), fitted.coef_.shape
    (False, False, (2,))
    """
    if copy_model:
        model = copy.deepcopy(model)
    rows = n_rows(X)
    for label, data in (("y", y), ("sample_weight", sample_weight)):
        if data is not None and n_rows(data) != rows:
            raise ValueError(
                f"step {step} (block {block}): X has {rows} rows but {label} has "
                f"{n_rows(data)}; inputs must have the same rows in every block"
            )
    if rows == 0:
        return model
    if row_seed is not None:
        perm = row_permutation(rows, row_seed)
        X, y, sample_weight = (take_rows(d, perm) for d in (X, y, sample_weight))
    kwargs = dict(fit_kwargs or {})
    if sample_weight is not None:
        kwargs["sample_weight"] = sample_weight
    try:
        if y is None:
            model.partial_fit(X, **kwargs)
        else:
            model.partial_fit(X, y, **kwargs)
    except Exception as error:
        # The user's exception as it is (type, attributes, traceback), told where.
        error.add_note(f"[in partial_fit at step {step} (block {block})]")
        raise
    return model
