"""Block-wise maps: a fitted estimator's method over each block of a dask collection, lazily.

One task per row block of a dask Array (column chunks joined in the task),
per partition of a dask DataFrame, Series or Bag; the output's type, shape and
dtype come from a ``meta`` template or from calling the method on one row.
:mod:`dask_incr.blockwise` builds the wrapper's methods and scores on these.
"""

from __future__ import annotations

import math

import dask
import dask.array as da
import dask.bag as db
import dask.dataframe as dd
import numpy as np
import pandas as pd
from dask.base import tokenize
from scipy import sparse

__all__ = ["apply_block", "apply_partition", "apply_records", "check_meta", "predict_blocks"]


def predict_blocks(estimator, method, X, meta=None):
    """``estimator.<method>`` over each block of ``X``: lazy for dask input.

    Returns a dask Array (row chunks of X) for a dask Array; for a dask
    DataFrame or Series, a collection of the type the method returns on one
    partition — a dask Array (one chunk per partition, sizes unknown) for
    numpy output, as dask-ml's wrappers return, a dask Series or DataFrame for
    pandas output — or of ``meta``'s type when given; for a dask Bag, a dask
    Array shaped like ``meta`` when given, else a dask Bag of one result per
    record (e.g. texts in, labels out); for in-memory data, the estimator's
    own result.

    Examples
    --------
    >>> from sklearn.preprocessing import StandardScaler
    >>> X = da.arange(12.0, chunks=4).reshape(6, 2)
    >>> scaler = StandardScaler().fit(X.compute())
    >>> predict_blocks(scaler, "transform", X).chunks
    ((2, 2, 2), (2,))
    """
    if isinstance(X, da.Array):
        return _map_array(estimator, method, X, meta)
    if isinstance(X, (dd.DataFrame, dd.Series)):
        return _map_frame(estimator, method, X, meta)
    if isinstance(X, db.Bag):
        return _map_bag(estimator, method, X, meta)
    return getattr(estimator, method)(X)


def check_meta(meta, method):
    """Refuse an output template that is not an array, frame or sparse matrix (a str would set the dtype to text)."""
    if meta is None or isinstance(meta, (np.ndarray, pd.Series, pd.DataFrame)) or sparse.issparse(meta):
        return
    parameter = _META_PARAMETER.get(method, "meta")
    raise TypeError(
        f"{parameter} must be an empty output template (a numpy array, pandas Series or DataFrame, or scipy.sparse "
        f"matrix), got {type(meta).__name__}"
    )



def apply_block(block, estimator, method, tail, out_dtype, sparse_format=None):
    """``estimator.<method>(block)`` for one block of a dask Array.

    A block of 0 rows gives an empty result of the right shape and dtype,
    without calling the estimator (scikit-learn refuses empty input). With
    ``sparse_format`` (e.g. ``"csr"``) the output is a scipy.sparse matrix
    of that format, as the lazy array promised.

    Examples
    --------
    >>> from sklearn.preprocessing import StandardScaler
    >>> scaler = StandardScaler().fit(np.ones((2, 3)))
    >>> apply_block(np.zeros((0, 3)), scaler, "transform", (3,), float).shape
    (0, 3)
    """
    if sparse_format is not None:
        if block.shape[0] == 0:
            return sparse.csr_matrix((0, *tail), dtype=out_dtype).asformat(sparse_format)
        out = getattr(estimator, method)(block)
        return sparse.csr_matrix(out).asformat(sparse_format).astype(out_dtype, copy=False)
    if block.shape[0] == 0:
        return np.empty((0,) + tuple(tail), dtype=out_dtype)
    out = _as_promised(getattr(estimator, method)(block), estimator, method, 1 + len(tail))
    # the dtype the lazy array promised (predict_meta may ask for another one)
    return out.astype(out_dtype, copy=False)


def _as_promised(out, estimator, method, ndim):
    """``out`` as an array, refused when its dimensions differ from the lazy output's (a meta of the wrong shape)."""
    out = np.asarray(out)
    if out.ndim != ndim:
        raise ValueError(
            f"{type(estimator).__name__}.{method} returned a {out.ndim}-D block but its meta promised {ndim}-D; "
            f"give a meta with the output's dimensions, e.g. np.empty({(0,) + out.shape[1:]}, dtype={out.dtype.name!r})"
        )
    return out


def apply_partition(part, estimator, method, template):
    """``estimator.<method>(part)`` for one partition, shaped like ``template``.

    A pandas ``template`` gives a Series or DataFrame indexed like ``part``,
    a numpy one an array of its dtype; an empty partition gives an empty one.

    Examples
    --------
    >>> from sklearn.preprocessing import StandardScaler
    >>> part = pd.DataFrame({"a": [1.0, 3.0]}, index=[5, 6])
    >>> scaler = StandardScaler().fit(part)
    >>> apply_partition(part, scaler, "transform", pd.DataFrame({"a": []}))
         a
    5 -1.0
    6  1.0
    """
    if len(part) == 0:
        return template.iloc[:0] if hasattr(template, "iloc") else template[:0]
    out = getattr(estimator, method)(part)
    if isinstance(template, pd.Series):
        return pd.Series(np.asarray(out), index=part.index, name=template.name).astype(template.dtype)
    if isinstance(template, pd.DataFrame):
        return pd.DataFrame(np.asarray(out), index=part.index, columns=template.columns).astype(template.dtypes)
    if isinstance(template, np.ndarray):  # the dimensions and dtype the lazy array promised
        return _as_promised(out, estimator, method, template.ndim).astype(template.dtype, copy=False)
    return out


def _probe(estimator, method, X):
    """An empty output of the method on ``X``'s blocks, found with input of ``X``'s own kind.

    The method is called on ``X``'s meta (no rows) and, when the estimator
    refuses empty input, on one row of ``X``'s dtype (:func:`sample_row`):
    numbers for numbers, text for text. Returns an empty numpy array or
    scipy.sparse matrix whose shape after the rows and dtype are the output's.
    """
    empty = np.empty((0,) + X.shape[1:], dtype=X.dtype)
    try:
        out = getattr(estimator, method)(empty)
    except Exception:  # most estimators refuse 0 rows: try one
        out = getattr(estimator, method)(sample_row(X))
    if sparse.issparse(out):
        return out[:0]
    if not hasattr(out, "shape"):
        raise TypeError(
            f"{type(estimator).__name__}.{method} returns {type(out).__name__}, not an array; "
            "it cannot be mapped over blocks"
        )
    values = np.asarray(out)
    return np.empty((0,) + values.shape[1:], dtype=values.dtype)


def sample_row(X):
    """One row of ``X``'s dtype and shape: zeros for numbers, empty strings for text and objects.

    Examples
    --------
    >>> sample_row(da.ones((4, 2), chunks=2)).tolist(), sample_row(da.from_array(np.array(["a b", "c"]))).tolist()
    ([[0.0, 0.0]], [''])
    """
    dtype = np.dtype(X.dtype)
    fill = "" if dtype.kind in "OUS" else 0
    return np.full((1,) + X.shape[1:], fill, dtype=dtype)


def _map_array(estimator, method, X, meta):
    # A given meta is the output's template, used as it is; else the output is probed.
    template = _probe(estimator, method, X) if meta is None else meta
    tail = template.shape[1:]
    dtype = template.dtype if sparse.issparse(template) else np.asarray(template).dtype
    sparse_format = template.format if sparse.issparse(template) else None
    in_index = "ij"[: X.ndim]
    out_index = "i" + "klmn"[: len(tail)]
    if sparse_format is not None:
        out_meta = sparse.csr_matrix((0, *tail), dtype=dtype).asformat(sparse_format)
    else:
        out_meta = np.empty((0,) * len(out_index), dtype=dtype)
    # concatenate=True joins a block's column chunks inside its task: no rechunk tasks.
    return da.blockwise(
        apply_block,
        out_index,
        X,
        in_index,
        concatenate=True,
        new_axes=dict(zip(out_index[1:], tail)),
        dtype=dtype,
        meta=out_meta,
        name=f"{method}-{tokenize(estimator, method, X, tail, dtype, sparse_format)}",
        estimator=estimator,
        method=method,
        tail=tail,
        out_dtype=dtype,
        sparse_format=sparse_format,
    )


def _frame_output(estimator, method, X):
    """An empty output of the method on X's partitions, of the type the method returns.

    The method is called on one row of X's sample partition. numpy output
    gives an empty array, so the map is a dask Array (what dask-ml's wrappers
    return); pandas output (``set_output(transform="pandas")``) an empty
    Series or DataFrame; sparse output an empty matrix of its format.
    """
    out = getattr(estimator, method)(X._meta_nonempty.iloc[:1])
    if isinstance(out, (pd.Series, pd.DataFrame)) or sparse.issparse(out):
        return out[:0]
    values = np.asarray(out)
    return np.empty((0,) + values.shape[1:], dtype=values.dtype)


#: The wrapper parameter that gives each method's output template.
_META_PARAMETER = {
    "predict": "predict_meta",
    "predict_proba": "predict_proba_meta",
    "predict_log_proba": "predict_proba_meta",
    "transform": "transform_meta",
}


def apply_records(records, estimator, method):
    """``estimator.<method>`` of one Bag partition (a list of records): a list, one result per record.

    Examples
    --------
    >>> from sklearn.feature_extraction.text import HashingVectorizer
    >>> len(apply_records(["a b", "c"], HashingVectorizer(n_features=4), "transform")), apply_records([], None, "x")
    (2, [])
    """
    records = list(records)
    if not records:
        return []
    return list(getattr(estimator, method)(records))


def _map_bag(estimator, method, X, meta):
    """Per partition of a Bag: a dask Array of unknown chunk sizes shaped like ``meta``, else a Bag of results.

    A Bag's records are only known by computing them, so an array's type and
    shape come from ``meta`` alone; without it the results stay records.
    """
    if meta is None:
        return X.map_partitions(apply_records, estimator, method, token=f"{method}-{tokenize(estimator, method, X)}")
    apply = dask.delayed(apply_partition, pure=True)
    shape = (math.nan, *meta.shape[1:])
    chunks = [
        da.from_delayed(apply(part, estimator, method, meta), shape=shape, dtype=meta.dtype, meta=meta)
        for part in X.to_delayed()
    ]
    return da.concatenate(chunks)


def _map_frame(estimator, method, X, meta):
    template = meta if meta is not None else _frame_output(estimator, method, X)
    return X.map_partitions(
        apply_partition,
        estimator,
        method,
        template,
        meta=template,
        token=f"{method}-{tokenize(estimator, method, X, template)}",
    )
