"""Shared fixtures and the Hypothesis profiles of the suite."""

import os

import dask
import pytest
from hypothesis import HealthCheck, settings

# "ci" (the default): bounded examples, no deadline (dask's thread start-up and
# scikit-learn's first-call costs make per-example timing noisy).
settings.register_profile(
    "ci",
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
    print_blob=True,
)
settings.register_profile("dev", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(params=["sync", "threads"])
def scheduler(request):
    """Run the test body on each local scheduler."""
    with dask.config.set(scheduler=request.param):
        yield request.param


# --- the oracle: a plain Python loop of partial_fit ---------------------------------

import copy  # noqa: E402
import pickle  # noqa: E402

import dask.dataframe as dd  # noqa: E402
import numpy as np  # noqa: E402

from dask_incr.orders import row_permutation  # noqa: E402
from dask_incr.steps import n_rows, take_rows  # noqa: E402


def blocks_of(data, n_blocks=None):
    """The computed row blocks of a dask collection (whole rows), or [data]."""
    if data is None:
        return [None] * (n_blocks or 1)
    if not dask.is_dask_collection(data):
        return [data]
    if _is_frame(data):
        return [data.partitions[i].compute(scheduler="sync") for i in range(data.npartitions)]
    return [data.blocks[i].compute(scheduler="sync") for i in range(data.numblocks[0])]


def manual_fit(estimator, X, y=None, sample_weight=None, *, order=None, seeds=None, **fit_kwargs):
    """What ``fit_blocks`` must equal: a loop over the same blocks in the same order."""
    X_blocks = blocks_of(X)
    y_blocks, w_blocks = (_blocks_like(d, X, X_blocks) for d in (y, sample_weight))
    fit_kwargs = {k: (v.compute() if dask.is_dask_collection(v) else v) for k, v in fit_kwargs.items()}
    order = range(len(X_blocks)) if order is None else order
    model = copy.deepcopy(estimator)
    for step, block in enumerate(order):
        Xi, yi, wi = X_blocks[block], y_blocks[block], w_blocks[block]
        if n_rows(Xi) == 0:
            continue
        if seeds is not None:
            perm = row_permutation(n_rows(Xi), seeds[step])
            Xi, yi, wi = (take_rows(d, perm) for d in (Xi, yi, wi))
        kwargs = dict(fit_kwargs)
        if wi is not None:
            kwargs["sample_weight"] = wi
        if yi is None:
            model.partial_fit(Xi, **kwargs)
        else:
            model.partial_fit(Xi, yi, **kwargs)
    return model


def _is_frame(data):
    return isinstance(data, (dd.DataFrame, dd.Series))


def _blocks_like(data, X, X_blocks):
    """Blocks of y or sample_weight holding the same rows as X's blocks."""
    if data is None:
        return [None] * len(X_blocks)
    if _is_frame(data) or (dask.is_dask_collection(data) and _is_frame(X)):
        return blocks_of(data)
    if dask.is_dask_collection(data):
        data = data.compute(scheduler="sync")
    return _split_like(data, X_blocks)


def _split_like(data, X_blocks):
    stops = np.cumsum([n_rows(b) for b in X_blocks])
    starts = np.r_[0, stops[:-1]]
    return [take_rows(data, slice(a, b)) for a, b in zip(starts, stops)]


def assert_same_model(actual, expected, path="model"):
    """Every learned attribute identical, bit for bit (NaNs equal)."""
    assert type(actual) is type(expected), f"{path}: {type(actual)} != {type(expected)}"
    _assert_same(vars(actual), vars(expected), path)


def _assert_same(a, b, path, depth=0):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        np.testing.assert_array_equal(a, b, err_msg=path, strict=True)
    elif isinstance(a, np.random.RandomState):
        _assert_same(a.get_state(legacy=False), b.get_state(legacy=False), path, depth + 1)
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), f"{path}: keys {sorted(a)} != {sorted(b)}"
        for key in a:
            _assert_same(a[key], b[key], f"{path}.{key}", depth + 1)
    elif isinstance(a, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b), f"{path}: {a!r} != {b!r}"
        for i, (x, y) in enumerate(zip(a, b)):
            _assert_same(x, y, f"{path}[{i}]", depth + 1)
    elif isinstance(a, float) and isinstance(b, float) and np.isnan(a) and np.isnan(b):
        pass
    elif hasattr(a, "__dict__") and not callable(a) and depth < 4 and type(a).__module__.split(".")[0] in ("sklearn", "tests", "numpy"):
        assert type(a) is type(b), f"{path}: {type(a)} != {type(b)}"
        _assert_same(vars(a), vars(b), path, depth + 1)
    elif not hasattr(a, "__dict__") and type(a).__module__.startswith("sklearn"):  # Cython objects
        assert type(a) is type(b) and pickle.dumps(a) == pickle.dumps(b), f"{path}: {a!r} != {b!r}"
    elif hasattr(a, "equals"):  # pandas
        assert a.equals(b), f"{path}: {a!r} != {b!r}"
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"
