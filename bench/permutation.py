"""Permutation: a global row permutation ``X[perm], y[perm]`` of lazily generated data (issue 21).

Every output block takes rows from every source chunk, so every chunk is
needed by every block. dask_incr holds such tasks only within the blocks' own
bound and has each step read the rest again (with a ``RereadWarning``), as a
plain loop over ``X[perm].blocks[i]`` does. Cases, each in a fresh process:

* **loop** — ``dask.compute(X[perm].blocks[i], y[perm].blocks[i])`` then
  ``partial_fit``, serially;
* **dask_incr** — ``fit_blocks`` on threads (default read-ahead) and on the
  synchronous scheduler;
* **dask_incr, shuffled blocks and rows** — the fit without the permutation,
  ``shuffle_blocks=True, shuffle_rows=True``: what the warning suggests.

Per case: wall, peak RSS above the baseline, source chunks generated (the
extra reads: the data has ``--chunks`` of them) and the most alive at once.

    python bench/permutation.py               # 24 chunks of 20 MB
    python bench/permutation.py --quick
"""

from __future__ import annotations

import argparse
import time
import warnings

import common  # noqa: F401
import numpy as np
from common import (
    RSSSampler,
    block_tracker_made,
    block_tracker_peak,
    block_tracker_reset,
    lazy_blocks,
    limit_malloc_caching,
    md_table,
    median,
    run_isolated,
)

CLASSES = np.array([0, 1])


def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--chunks", type=int, default=24, help="source chunks (and blocks)")
    p.add_argument("--rows", type=int, default=50_000, help="rows per chunk")
    p.add_argument("--cols", type=int, default=50)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--quick", action="store_true")
    args = p.parse_args(argv)
    if args.quick:
        args.chunks, args.rows, args.repeats = 12, 10_000, 1
    return args


def data(chunks, rows, cols, permute):
    """X (tracked source chunks), y from X's first column; globally permuted if ``permute``."""
    X = lazy_blocks(chunks, rows, cols, kind="normal", track=True)
    y = (X[:, 0] > 0).astype(np.int64)
    if permute:
        perm = np.random.default_rng(0).permutation(X.shape[0])
        X, y = X[perm], y[perm]
    return X, y


def estimator():
    from sklearn.linear_model import SGDClassifier

    return SGDClassifier(random_state=0)


def loop(X, y):
    import dask

    model = estimator()
    for i in range(X.numblocks[0]):
        Xi, yi = dask.compute(X.blocks[i], y.blocks[i], scheduler="sync")
        model.partial_fit(Xi, yi, classes=CLASSES)
    return model


def ours(scheduler, **options):
    def run(X, y):
        import dask

        from dask_incr import RereadWarning, fit_blocks

        with dask.config.set(scheduler=scheduler), warnings.catch_warnings():
            warnings.simplefilter("ignore", RereadWarning)
            return fit_blocks(estimator(), X, y, classes=CLASSES, **options)

    return run


CASES = {
    "loop over X[perm].blocks[i] (serial)": (True, loop),
    "dask_incr (threads)": (True, ours("threads")),
    "dask_incr (sync)": (True, ours("sync")),
    "dask_incr, no permutation, shuffle_blocks + shuffle_rows (threads)": (
        False,
        ours("threads", shuffle_blocks=True, shuffle_rows=True, random_state=0),
    ),
}


def measure(case, chunks, rows, cols):
    """One case in this (fresh) process: wall, peak RSS above baseline, chunks made, most alive."""
    limit_malloc_caching()
    import dask_incr  # noqa: F401  (imported before measuring)

    permute, run = CASES[case]
    X, y = data(chunks, rows, cols, permute)
    block_tracker_reset()
    with RSSSampler() as rss:
        start = time.perf_counter()
        run(X, y)
        wall = time.perf_counter() - start
    return wall, rss.peak_above_baseline, block_tracker_made(), block_tracker_peak()


def main(argv=None):
    args = parse(argv)
    results = {case: [] for case in CASES}
    for _ in range(args.repeats):
        for case in CASES:
            status, result, _ = run_isolated(measure, (case, args.chunks, args.rows, args.cols), timeout=3600)
            results[case].append(result if status == "ok" else status)
    table = []
    for case, runs in results.items():
        ok = [r for r in runs if not isinstance(r, str)]
        if not ok:
            table.append([case, runs[0], "", "", ""])
            continue
        made = median([r[2] for r in ok])
        table.append([case, median([r[0] for r in ok]), median([r[1] for r in ok]) / 2**20, made,
                      made / args.chunks, median([r[3] for r in ok])])
    chunk_mb = args.rows * args.cols * 8 / 2**20
    headers = ["case", "wall s", "peak RSS MiB", "chunks generated", "reads of the data", "most chunks alive"]
    return (
        f"### Permutation: SGDClassifier on X[perm], y[perm], {args.chunks} source chunks of "
        f"{args.rows:,} × {args.cols} ({chunk_mb:.0f} MiB each, {args.chunks * chunk_mb / 1024:.1f} GiB)\n\n"
        f"Each case in a fresh process, median of {args.repeats} rounds. Every block of X[perm] takes rows "
        "from every source chunk: dask_incr holds what fits in the blocks' own bound and reads the rest "
        "again at every step, as the loop does (the loop's reads are the reference); the last row is "
        "what the warning suggests instead.\n\n" + md_table(headers, table)
    )


if __name__ == "__main__":
    print(main())
