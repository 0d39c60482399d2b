"""A counter of the blocks (or source chunks) a test's loader made that are still alive.

Shared by the memory-bound tests. A loaded object is counted from the moment the
loader makes it until the garbage collector frees it (``weakref.finalize``); a
view or slice keeps its source alive, so it keeps the count up too.
"""

import threading
import time
import weakref

import dask
import dask.array as da
import numpy as np
from sklearn.base import BaseEstimator


class LiveCounter:
    """Counts what a loader made: alive now (``live``), at most (``peak``), and which (``loaded``)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.live = self.peak = 0
        self.loaded = []
        self.times = []  # time.perf_counter() at each load

    @property
    def loads(self):
        """How many objects were made in all."""
        return len(self.loaded)

    def track(self, data, label=None):
        """Count ``data`` as alive until it is freed; ``label`` is recorded in ``loaded``."""
        with self.lock:
            self.live += 1
            self.loaded.append(label)
            self.times.append(time.perf_counter())
            self.peak = max(self.peak, self.live)
        weakref.finalize(data, self._release)
        return data

    def loads_during(self, spans):
        """How many loads were made while one of ``spans`` (``(start, end)`` times) ran."""
        return sum(any(start < t < end for start, end in spans) for t in self.times)

    def _release(self):
        with self.lock:
            self.live -= 1


class LiveBlocks(LiveCounter):
    """Makes 50 × 3 blocks, counting those still alive."""

    def load(self, block, seed):
        return self.track(np.random.default_rng(seed).normal(size=(50, 3)), block)


class SlowLearner(BaseEstimator):
    """An incremental learner slower than the loader."""

    def partial_fit(self, X, y=None):
        time.sleep(0.01)
        self.total_ = getattr(self, "total_", 0.0) + float(np.sum(X))
        return self


class FitSpans(BaseEstimator):
    """A learner slower than the loader that records when each of its fits ran (``spans_``) and the rows it saw.

    With :meth:`LiveCounter.loads_during` it tells whether loading overlapped fitting.
    """

    def partial_fit(self, X, y=None, sample_weight=None):
        start = time.perf_counter()
        time.sleep(0.02)
        self.spans_ = [*getattr(self, "spans_", []), (start, time.perf_counter())]
        self.rows_ = getattr(self, "rows_", 0) + len(X)
        return self


def tracked_array(counter, n_blocks):
    blocks = [
        da.from_delayed(dask.delayed(counter.load, pure=False)(i, i), shape=(50, 3), dtype=float)
        for i in range(n_blocks)
    ]
    return da.concatenate(blocks)
