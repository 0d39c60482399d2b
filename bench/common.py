"""Shared helpers of the benchmarks: estimators, lazy data, timing, RSS, tables.

Everything a worker process has to unpickle (estimators, block generators)
lives here, at module level, so the scripts work on a ``LocalCluster`` with
``processes=True`` too. The scripts import this module as ``common`` (they run
as ``python bench/<script>.py``, which puts ``bench/`` first on ``sys.path``;
spawned workers inherit that path).
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import multiprocessing
import os
import statistics
import sys
import threading
import time
import weakref

import numpy as np
from sklearn.base import BaseEstimator

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
try:  # the benchmarks measure the checkout they live in
    import dask_incr  # noqa: F401
except ImportError:  # not installed: use the source tree
    sys.path.insert(1, REPO)

__all__ = [
    "SleepyEstimator",
    "CountingEstimator",
    "make_block",
    "lazy_blocks",
    "block_tracker_reset",
    "block_tracker_peak",
    "block_tracker_made",
    "block_events_drain",
    "peak_of_events",
    "limit_malloc_caching",
    "RSSSampler",
    "median",
    "timed",
    "md_table",
    "run_isolated",
    "MB",
]

MB = 2**20


# --- estimators ---------------------------------------------------------------------


class SleepyEstimator(BaseEstimator):
    """A learner that takes ``fit_time`` seconds per block and reads every byte.

    ``partial_fit`` sums the block (so the data is really touched, as a real
    learner would) and sleeps (releasing the GIL, so a loader can overlap it).
    ``score`` exists because ``dask_ml.wrappers.Incremental`` insists on one.
    """

    def __init__(self, fit_time=0.1):
        self.fit_time = fit_time

    def partial_fit(self, X, y=None, sample_weight=None, **kwargs):
        start = time.perf_counter()
        self.total_ = getattr(self, "total_", 0.0) + float(np.asarray(X).sum())
        self.n_blocks_ = getattr(self, "n_blocks_", 0) + 1
        left = self.fit_time - (time.perf_counter() - start)
        if left > 0:
            time.sleep(left)
        return self

    def fit(self, X, y=None, **kwargs):
        return self.partial_fit(X, y, **kwargs)

    def score(self, X, y=None):
        return 0.0


class CountingEstimator(BaseEstimator):
    """The cheapest possible learner: counts rows (for per-step overhead)."""

    def partial_fit(self, X, y=None, sample_weight=None, **kwargs):
        self.n_rows_ = getattr(self, "n_rows_", 0) + len(X)
        return self

    def score(self, X, y=None):
        return 0.0


# --- lazily generated blocks, with a count of the blocks alive ---------------------

_tracker_lock = threading.Lock()
_alive = 0
_peak = 0
_made = 0
_events = []  # (time.monotonic(), +1 made / -1 freed): comparable across processes on one machine


def _block_freed():
    global _alive
    with _tracker_lock:
        _alive -= 1
        _events.append((time.monotonic(), -1))


def block_events_drain():
    """The (time, +1 / -1) events of tracked blocks made and freed since the last drain."""
    with _tracker_lock:
        events = list(_events)
        _events.clear()
        return events


def peak_of_events(events):
    """The largest number of blocks alive at once in (time, change) events, maybe from several processes.

    >>> peak_of_events([(0.0, 1), (2.0, -1), (1.0, 1), (3.0, -1)])
    2
    """
    live = peak = 0
    for _, change in sorted(events):
        live += change
        peak = max(peak, live)
    return peak


def block_tracker_reset():
    """Forget the peak and the count of blocks made; return the number of tracked blocks still alive."""
    global _peak, _made
    gc.collect()
    with _tracker_lock:
        _peak, _made = _alive, 0
        return _alive


def block_tracker_made():
    """How many tracked blocks were made since the last reset."""
    with _tracker_lock:
        return _made


def block_tracker_peak():
    """The largest number of tracked blocks alive at once since the last reset."""
    with _tracker_lock:
        return _peak


def make_block(rows, cols, seed, load_time=0.0, kind="fill", track=False):
    """One block of data, made in this process.

    ``kind="fill"`` writes the seed everywhere (cheap, touches every page);
    ``kind="normal"`` draws standard normals (a realistic generator).
    ``load_time`` pads the call to at least that many seconds (simulated I/O).
    """
    global _alive, _peak, _made
    start = time.perf_counter()
    if kind == "normal":
        block = np.random.default_rng(seed).standard_normal((rows, cols))
    else:
        block = np.full((rows, cols), float(seed % 7))
    if track:
        with _tracker_lock:
            _alive += 1
            _made += 1
            _peak = max(_peak, _alive)
            _events.append((time.monotonic(), 1))
        weakref.finalize(block, _block_freed)
    left = load_time - (time.perf_counter() - start)
    if left > 0:
        time.sleep(left)
    return block


def _block_from_id(rows, cols, load_time, kind, track, block_id=None, seed_offset=0):
    return make_block(rows, cols, block_id[0] + seed_offset, load_time, kind, track)


def lazy_blocks(n_blocks, rows, cols, *, load_time=0.0, kind="fill", track=False, seed_offset=0):
    """A dask array of ``n_blocks`` row blocks, each made by :func:`make_block` when needed."""
    import dask.array as da

    return da.map_blocks(
        _block_from_id,
        rows,
        cols,
        load_time,
        kind,
        track,
        seed_offset=seed_offset,
        chunks=((rows,) * n_blocks, (cols,)),
        dtype=np.float64,
        meta=np.empty((0, 0)),
        name=f"blocks-{n_blocks}-{rows}-{cols}-{load_time}-{kind}-{track}-{seed_offset}",
    )


def limit_malloc_caching():
    """Make freed blocks go back to the OS at once, so RSS tells the truth.

    glibc raises its mmap threshold (up to 32 MiB) after the first large free,
    after which 20 MB blocks come from the heap and freed ones stay in RSS.
    Fixing the threshold keeps every large block an mmap of its own.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
    libc.mallopt(M_MMAP_THRESHOLD, 1 << 20)
    libc.mallopt(M_TRIM_THRESHOLD, 1 << 20)
    return True


# --- measuring ---------------------------------------------------------------------


class RSSSampler:
    """Sample the summed RSS of some processes in a background thread.

    Use as a context manager; ``peak_above_baseline`` is in bytes. ``pids``
    defaults to this process.
    """

    def __init__(self, pids=None, interval=0.02):
        import psutil

        self.processes = [psutil.Process(pid) for pid in (pids or [os.getpid()])]
        self.interval = interval
        self.baseline = self._sample()
        self.peak = self.baseline
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self):
        total = 0
        for process in self.processes:
            with contextlib.suppress(Exception):
                total += process.memory_info().rss
        return total

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self._sample())
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._sample())

    @property
    def peak_above_baseline(self):
        return self.peak - self.baseline


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else float("nan")


def timed(fn, *args, **kwargs):
    """``(seconds, result)`` of one call."""
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


def fmt(value, digits=3):
    """A number for a table: ``nan`` becomes an em dash."""
    if value is None or (isinstance(value, float) and value != value):
        return "—"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    return f"{value:.{digits}g}" if abs(value) < 10 ** digits else f"{value:.0f}"


def md_table(headers, rows):
    """A markdown table.

    >>> print(md_table(["a", "b"], [[1, 2.5]]))
    | a | b |
    |---|---|
    | 1 | 2.5 |
    """
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(fmt(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def met(value, target):
    if value is None or value != value:
        return "—"
    return "yes" if value <= target else "**no**"


def _isolated_target(queue, fn, args):
    try:
        queue.put(("ok", fn(*args)))
    except MemoryError:
        queue.put(("MemoryError", None))
    except BaseException as exc:  # report, don't hang the parent
        queue.put((f"error: {type(exc).__name__}: {exc}"[:120], None))


def run_isolated(fn, args=(), *, timeout=120.0, rss_limit=6 * 2**30):
    """Run ``fn(*args)`` in a fresh process; kill it past ``timeout`` s or ``rss_limit`` bytes.

    Returns ``(status, result, peak_rss)``: status ``"ok"``, ``"timeout"``,
    ``"killed: RSS > …"`` or an error message. For references expected to blow
    up (dask-ml's ordering on long chains), so that they cannot take the
    machine down with them.
    """
    import psutil

    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_isolated_target, args=(queue, fn, args), daemon=True)
    process.start()
    watched = psutil.Process(process.pid)
    start, peak, status = time.monotonic(), 0, None
    while True:
        with contextlib.suppress(Exception):
            peak = max(peak, watched.memory_info().rss)
        if not queue.empty():
            status, result = queue.get()
            break
        if not process.is_alive():
            status, result = f"died (exit {process.exitcode})", None
            break
        if peak > rss_limit:
            status, result = f"killed: RSS > {rss_limit / 2**30:.0f} GiB", None
            break
        if time.monotonic() - start > timeout:
            status, result = f"timeout > {timeout:.0f} s", None
            break
        time.sleep(0.05)
    if process.is_alive():
        process.kill()
    process.join()
    return status, result, peak
