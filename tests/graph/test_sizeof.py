"""Tests of dask_incr.graph.sizeof: dask.sizeof sizes estimators by the data they hold."""

import os
import pickle
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from dask.sizeof import sizeof
from sklearn.base import BaseEstimator
from sklearn.cluster import MiniBatchKMeans
from sklearn.linear_model import SGDClassifier, SGDRegressor
from sklearn.naive_bayes import GaussianNB
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from dask_incr.graph import sizeof as incr_sizeof
from dask_incr.graph.sizeof import MAX_DEPTH, MAX_OBJECTS, estimator_sizeof

RNG = np.random.default_rng(0)
X = RNG.normal(size=(300, 40))
Y_REG = X[:, 0] + 0.1 * RNG.normal(size=300)
Y_CLS = (Y_REG > 0).astype(int)


class Holder(BaseEstimator):
    """An estimator whose attributes the tests set by hand."""


def _array_bytes(obj, seen=None):
    """Bytes of the distinct numpy arrays reachable from obj (a test oracle)."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return 0
    seen.add(id(obj))
    if isinstance(obj, np.ndarray):
        return obj.nbytes
    if isinstance(obj, dict):
        return sum(_array_bytes(v, seen) for v in obj.values())
    if isinstance(obj, (list, tuple)):
        return sum(_array_bytes(v, seen) for v in obj)
    if hasattr(obj, "__dict__") and not isinstance(obj, type) and not callable(obj):
        return _array_bytes(vars(obj), seen)
    return 0


FITTED = {
    "SGDRegressor": lambda: SGDRegressor(random_state=0).partial_fit(X, Y_REG),
    "SGDClassifier": lambda: SGDClassifier(random_state=0).partial_fit(X, Y_CLS, classes=[0, 1]),
    "GaussianNB": lambda: GaussianNB().partial_fit(X, Y_CLS, classes=[0, 1]),
    "StandardScaler": lambda: StandardScaler().partial_fit(X),
    "MiniBatchKMeans": lambda: MiniBatchKMeans(n_clusters=200, n_init=1, random_state=0).partial_fit(X),
    "MLPRegressor": lambda: MLPRegressor(hidden_layer_sizes=(256, 256), random_state=0).partial_fit(X, Y_REG),
    "Pipeline": lambda: make_pipeline(StandardScaler(), SGDRegressor(random_state=0)).fit(X, Y_REG),
}


@pytest.mark.parametrize("name", sorted(FITTED))
def test_fitted_estimator_is_sized_by_its_arrays(name):
    model = FITTED[name]()
    arrays = _array_bytes(model)
    size = sizeof(model)
    assert size == estimator_sizeof(model)
    assert size >= arrays
    # What moves between workers is the pickle: the estimate is within 2x of it.
    pickled = len(pickle.dumps(model))
    assert pickled / 2 <= size <= 2 * pickled, (size, pickled)


def test_large_model_is_not_a_few_dozen_bytes():
    mlp = FITTED["MLPRegressor"]()
    # weights, and Adam's two moment estimates per weight
    weights = sum(a.nbytes for a in mlp.coefs_ + mlp.intercepts_)
    assert sizeof(mlp) >= 3 * weights
    assert sys.getsizeof(mlp) < 1000 < weights


def test_unfitted_estimator_is_small():
    assert sizeof(SGDClassifier()) < 4000
    assert sizeof(MLPRegressor()) < 4000


def test_shared_arrays_are_counted_once():
    data = np.zeros(100_000)
    alone, twice = Holder(), Holder()
    alone.a_ = data
    twice.a_, twice.b_, twice.c_ = data, data, [data, {"again": data}]
    assert data.nbytes <= sizeof(alone) < data.nbytes + 1000
    assert sizeof(twice) < data.nbytes + 2000


def test_pandas_attributes_are_sized_by_their_buffers():
    holder = Holder()
    holder.frame_ = pd.DataFrame({"a": np.zeros(50_000), "b": np.ones(50_000)})
    assert sizeof(holder) >= 2 * 50_000 * 8


def test_cycles_end():
    holder = Holder()
    holder.me_ = holder
    holder.loop_ = [holder, {"back": holder}]
    holder.data_ = np.zeros(1000)
    assert 8000 <= sizeof(holder) < 12_000


def test_depth_is_bounded():
    deep = shallow = np.zeros(10_000)
    for _ in range(MAX_DEPTH + 2):
        deep = [deep]
    for _ in range(MAX_DEPTH - 2):
        shallow = [shallow]
    holder_deep, holder_shallow = Holder(), Holder()
    holder_deep.x_, holder_shallow.x_ = deep, shallow
    assert sizeof(holder_shallow) >= 80_000
    assert sizeof(holder_deep) < 80_000


def test_object_count_is_bounded():
    holder = Holder()
    holder.parts_ = [np.zeros(10) for _ in range(3 * MAX_OBJECTS)]
    size = sizeof(holder)
    assert size < MAX_OBJECTS * (80 + 200)
    assert size >= (MAX_OBJECTS // 2) * 80


def test_an_attribute_that_cannot_be_sized_does_not_fail():
    class Unsizeable:
        __slots__ = ()

        def __sizeof__(self):
            raise RuntimeError("no size")

    holder = Holder()
    holder.odd_ = Unsizeable()
    holder.data_ = np.zeros(1000)
    assert sizeof(holder) >= 8000


def test_estimator_without_dict_does_not_recurse():
    class Slotted(BaseEstimator):
        __slots__ = ()

    assert 0 < sizeof(Slotted()) < 1000


def test_registration_overrides_a_class_sized_before_it():
    # dask's Dispatch caches a subclass's implementation on first use; an
    # estimator class sized before dask_incr was imported must not keep it.
    class Fresh(BaseEstimator):
        pass

    fresh = Fresh()
    fresh.data_ = np.zeros(10_000)
    saved = dict(sizeof._lookup)
    try:
        del sizeof._lookup[BaseEstimator]
        shallow = sizeof(fresh)
        assert sizeof._lookup.get(Fresh) is not estimator_sizeof
        incr_sizeof._register()
        honest = sizeof(fresh)
    finally:
        sizeof._lookup.clear()
        sizeof._lookup.update(saved)
    assert shallow < 1000
    assert honest >= 80_000


def test_importing_dask_incr_registers_it():
    # In a fresh interpreter, as in a worker that unpickles a fit step.
    code = (
        "import dask_incr, sys\n"
        "from dask.sizeof import sizeof\n"
        "from sklearn.linear_model import SGDRegressor\n"
        "assert 'dask_incr.graph.sizeof' in sys.modules\n"
        "print(sizeof.dispatch(SGDRegressor).__qualname__)\n"
    )
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=60, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "estimator_sizeof"
