"""The suite's one oracle and one model comparator.

:func:`manual_fit` is what every fit must equal: a plain Python loop of
``partial_fit`` over the computed row blocks, in a given order. It is
independent of the code it checks: it imports nothing from dask_incr, computes
the blocks through dask's public API, slices in-memory ``y`` and
``sample_weight`` along X's blocks itself, and shuffles rows with the
documented specification of ``dask_incr.graph.orders.row_permutation``,
``np.random.default_rng(seed).permutation(n_rows)``.

:func:`assert_same_model` compares two fitted models bit for bit.
"""

import copy
import pickle

import dask
import dask.array as da
import dask.bag as db
import dask.dataframe as dd
import numpy as np
from scipy import sparse
from threadpoolctl import threadpool_limits

__all__ = ["assert_same_model", "blocks_of", "manual_fit", "manual_pipeline_fit"]


def blocks_of(data, n_blocks=None):
    """The computed row blocks of a dask collection (whole rows), or ``[data]``.

    ``None`` gives ``n_blocks`` (default 1) ``None`` blocks. A Bag's blocks are
    lists.

    >>> [b.tolist() for b in blocks_of(da.arange(5, chunks=3))]
    [[0, 1, 2], [3, 4]]
    """
    if data is None:
        return [None] * (n_blocks or 1)
    if not dask.is_dask_collection(data):
        return [data]
    if isinstance(data, da.Array):
        parts = [data.blocks[i] for i in range(data.numblocks[0])]
    elif isinstance(data, (dd.DataFrame, dd.Series)):
        parts = [data.partitions[i] for i in range(data.npartitions)]
    elif isinstance(data, db.Bag):
        return [list(part) for part in dask.compute(*data.to_delayed())]
    else:
        raise TypeError(f"the oracle does not know how to split a {type(data).__name__}")
    return list(dask.compute(*parts))


def manual_fit(
    estimator, X, y=None, sample_weight=None, *, order=None, seeds=None, blas_threads=None, **fit_kwargs
):
    """What a fit must equal: a loop of ``partial_fit`` over the same blocks in the same order.

    Parameters
    ----------
    estimator
        Deep-copied; the copy is fitted and returned.
    X, y, sample_weight
        Dask collections or in-memory data. y and sample_weight that are dask
        Arrays are realigned to X's row blocks; in-memory ones are sliced
        along them; frames and Bags pair partition by partition.
    order : sequence of int, optional
        The block of each step (default: every block once, in order).
    seeds : sequence of int, optional
        Per-step seeds of the in-block row shuffle.
    blas_threads : int, optional
        Run the loop with this many BLAS / OpenMP threads (distributed's
        nanny workers run one; reductions over more threads differ in the
        last bits).
    **fit_kwargs
        Passed to every ``partial_fit``; dask collections among them (nested
        in lists too) are computed first.

    Empty blocks are skipped.

    >>> from sklearn.preprocessing import StandardScaler
    >>> int(manual_fit(StandardScaler(), da.arange(6.0, chunks=3).reshape(6, 1), order=[1, 0]).n_samples_seen_)
    6
    """
    X_blocks = blocks_of(X)
    y_blocks, w_blocks = (_blocks_like(data, X, X_blocks) for data in (y, sample_weight))
    (fit_kwargs,) = dask.compute(fit_kwargs)
    order = range(len(X_blocks)) if order is None else order
    model = copy.deepcopy(estimator)
    with threadpool_limits(blas_threads):
        for step, block in enumerate(order):
            Xi, yi, wi = X_blocks[block], y_blocks[block], w_blocks[block]
            rows = _n_rows(Xi)
            if rows == 0:
                continue
            if seeds is not None:
                permutation = np.random.default_rng(seeds[step]).permutation(rows)
                Xi, yi, wi = (_rows(data, permutation) for data in (Xi, yi, wi))
            kwargs = dict(fit_kwargs)
            if wi is not None:
                kwargs["sample_weight"] = wi
            if yi is None:
                model.partial_fit(Xi, **kwargs)
            else:
                model.partial_fit(Xi, yi, **kwargs)
    return model


def manual_pipeline_fit(pipeline, X, y=None, sample_weight=None, *, order=None, seeds=None, step_kwargs=None):
    """What a pipeline fit must equal: per block, each step's partial_fit then transform, by hand.

    ``pipeline`` is deep-copied. Steps that are None or "passthrough" are
    skipped; a step whose scikit-learn tags say ``requires_fit=False`` is
    only transformed. ``step_kwargs`` maps a step name to its partial_fit
    keywords; ``sample_weight`` (split along X's blocks) goes to the last step.
    ``seeds``: per-step seeds of the in-block row shuffle, as for :func:`manual_fit`.

    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> X = da.arange(6.0, chunks=3).reshape(6, 1)
    >>> int(manual_pipeline_fit(make_pipeline(StandardScaler()), X, order=[1, 0])[0].n_samples_seen_)
    6
    """
    from sklearn.utils import get_tags

    X_blocks = blocks_of(X)
    y_blocks, w_blocks = (_blocks_like(data, X, X_blocks) for data in (y, sample_weight))
    step_kwargs = step_kwargs or {}
    model = copy.deepcopy(pipeline)
    order = range(len(X_blocks)) if order is None else order
    for step_index, block in enumerate(order):
        Xi, yi, wi = X_blocks[block], y_blocks[block], w_blocks[block]
        rows = _n_rows(Xi)
        if rows == 0:
            continue
        if seeds is not None:
            permutation = np.random.default_rng(seeds[step_index]).permutation(rows)
            Xi, yi, wi = (_rows(data, permutation) for data in (Xi, yi, wi))
        for position, (name, step) in enumerate(model.steps):
            if step is None or (isinstance(step, str) and step == "passthrough"):
                continue
            last = position == len(model.steps) - 1
            if get_tags(step).requires_fit:
                kwargs = dict(step_kwargs.get(name, {}))
                if last and wi is not None:
                    kwargs["sample_weight"] = wi
                if yi is None:
                    step.partial_fit(Xi, **kwargs)
                else:
                    step.partial_fit(Xi, yi, **kwargs)
            if not last:
                Xi = step.transform(Xi)
    return model


def _n_rows(block):
    shape = getattr(block, "shape", None)
    return shape[0] if shape is not None else len(block)


def _rows(block, index):
    """Rows ``index`` (a slice or an integer array) of a block; ``None`` stays ``None``."""
    if block is None:
        return None
    if hasattr(block, "iloc"):
        return block.iloc[index]
    if isinstance(block, list):
        return block[index] if isinstance(index, slice) else [block[i] for i in index]
    if sparse.issparse(block) and block.format not in ("csr", "csc", "lil", "dok"):
        block = block.tocsr()  # COO, BSR and DIA cannot index rows
    return block[index]


def _is_frame(data):
    return isinstance(data, (dd.DataFrame, dd.Series))


def _blocks_like(data, X, X_blocks):
    """Blocks of y or sample_weight holding the same rows as X's blocks."""
    if data is None:
        return [None] * len(X_blocks)
    if dask.is_dask_collection(data) and (not isinstance(data, da.Array) or not isinstance(X, da.Array)):
        return blocks_of(data)  # partitions pair with X's partitions
    if dask.is_dask_collection(data):
        (data,) = dask.compute(data)
    stops = np.cumsum([_n_rows(block) for block in X_blocks]).astype(int).tolist()
    return [_rows(data, slice(start, stop)) for start, stop in zip([0, *stops[:-1]], stops)]


def assert_same_model(actual, expected, *, allow_unfitted=False):
    """Every attribute of the two models identical, bit for bit (NaNs equal).

    Nested scikit-learn, numpy and test objects are compared attribute by
    attribute (cycles, such as Birch's linked leaves, are followed once).
    Refuses to compare two unfitted models (nothing learned, nothing checked)
    unless ``allow_unfitted``.
    """
    assert type(actual) is type(expected), f"model: {type(actual)} != {type(expected)}"
    if not allow_unfitted:
        learned = [name for name in vars(expected) if name.endswith("_") and not name.startswith("_")]
        assert learned, f"the expected {type(expected).__name__} learned nothing: the comparison would be vacuous"
    _assert_same(vars(actual), vars(expected), "model", set())


def _assert_same(a, b, path, seen):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        np.testing.assert_array_equal(a, b, err_msg=path, strict=True)
    elif isinstance(a, np.random.RandomState):
        _assert_same(a.get_state(legacy=False), b.get_state(legacy=False), path, seen)
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), f"{path}: keys {sorted(a)} != {sorted(b)}"
        for key in a:
            _assert_same(a[key], b[key], f"{path}.{key}", seen)
    elif isinstance(a, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b), f"{path}: {a!r} != {b!r}"
        for i, (x, y) in enumerate(zip(a, b)):
            _assert_same(x, y, f"{path}[{i}]", seen)
    elif isinstance(a, float) and isinstance(b, float) and np.isnan(a) and np.isnan(b):
        pass
    elif sparse.issparse(a):
        assert sparse.issparse(b) and a.shape == b.shape and (a != b).nnz == 0, f"{path}: {a!r} != {b!r}"
    elif hasattr(a, "__dict__") and not callable(a) and _is_plain_object(a):
        assert type(a) is type(b), f"{path}: {type(a)} != {type(b)}"
        if (id(a), id(b)) not in seen:
            seen.add((id(a), id(b)))
            _assert_same(vars(a), vars(b), path, seen)
    elif not hasattr(a, "__dict__") and type(a).__module__.startswith("sklearn"):  # Cython objects
        assert type(a) is type(b) and pickle.dumps(a) == pickle.dumps(b), f"{path}: {a!r} != {b!r}"
    elif hasattr(a, "equals"):  # pandas
        assert a.equals(b), f"{path}: {a!r} != {b!r}"
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


def _is_plain_object(value):
    """scikit-learn's, numpy's and the tests' own objects: compared attribute by attribute."""
    module = type(value).__module__
    return module.split(".")[0] in ("sklearn", "numpy") or module.startswith(("test_", "tests", "estimators"))
