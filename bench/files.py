"""Files: SGDClassifier on a parquet directory, X a subset of columns and y one column of the same frame (issue 21).

The bench writes the directory (``--gb`` of float64 data in ``--cols`` columns
plus an int label, ``--files`` files of several row groups each; kept in
``--dir`` between runs), then fits, each case in a fresh process, interleaved
over ``--repeats`` rounds:

* **loop** — a hand loop over the partitions: ``dask.compute(X.partitions[i],
  y.partitions[i])`` then ``partial_fit``, serially; it also times the reads
  (Σ read) and the fits (Σ fit) apart;
* **dask_incr** — ``fit_blocks`` on the threaded scheduler (default read-ahead);
* **dask-ml** — ``dask_ml.wrappers.Incremental(...).fit`` (no shuffling).

Per case: wall time, peak RSS above the process's baseline (sampled every
20 ms), bytes read through ``read``/``pread`` (``rchar`` of ``/proc/self/io``:
page-cache hits count, so a warm cache does not hide what was read).
Targets: peak RSS ≤ 1.5 × the loop's; wall ≤ 1.1 × max(Σ read, Σ fit), and
≤ 0.6 × the serial loop when reading and fitting cost about the same
(``--x-cols`` moves the balance: more columns, more to fit).

    python bench/files.py                 # ~3 GB, 3 rounds
    python bench/files.py --quick         # ~0.3 GB, 1 round
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import common  # noqa: F401
import numpy as np
from common import RSSSampler, limit_malloc_caching, md_table, median, met, run_isolated

CLASSES = np.array([0, 1])


def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--gb", type=float, default=3.0, help="size of the float columns on disk, uncompressed")
    p.add_argument("--cols", type=int, default=40)
    p.add_argument("--x-cols", type=int, default=10, help="columns of X (y is one more)")
    p.add_argument("--files", type=int, default=24)
    p.add_argument("--row-groups", type=int, default=4, help="row groups per file")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--dir", default=os.path.join(tempfile.gettempdir(), "dask_incr_bench_files"))
    p.add_argument("--quick", action="store_true", help="0.3 GB, one round")
    args = p.parse_args(argv)
    if args.quick:
        args.gb, args.files, args.repeats = 0.3, 8, 1
    return args


def write_dataset(path, gb, cols, files, row_groups):
    """The parquet directory (written once per size): float columns c0..., an int ``label``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = int(gb * 2**30 / (8 * cols) / files)
    path = os.path.join(path, f"{gb}gb-{cols}c-{files}f-{row_groups}g")
    if os.path.exists(os.path.join(path, "done")):
        return path, rows
    os.makedirs(path, exist_ok=True)
    for i in range(files):
        data = np.random.default_rng(i).standard_normal((rows, cols))
        columns = {f"c{j}": data[:, j] for j in range(cols)}
        columns["label"] = (data[:, 0] + 0.5 * data[:, 1] > 0).astype(np.int64)
        table = pa.table(columns)
        pq.write_table(table, os.path.join(path, f"part.{i:04d}.parquet"), row_group_size=-(-rows // row_groups))
    open(os.path.join(path, "done"), "w").close()
    return path, rows


def io_read_bytes():
    """Bytes this process passed through read syscalls so far (``rchar``), or nan."""
    try:
        with open("/proc/self/io") as f:
            fields = dict(line.split(": ") for line in f.read().splitlines())
        return int(fields["rchar"])
    except OSError:
        return float("nan")


def frame(path, x_cols):
    import dask.dataframe as dd

    df = dd.read_parquet(path)
    return df[[f"c{j}" for j in range(x_cols)]], df["label"]


def estimator():
    from sklearn.linear_model import SGDClassifier

    return SGDClassifier(random_state=0)


def loop(X, y):
    """The hand loop: returns the model and (Σ read, Σ fit) seconds."""
    import dask

    model, read, fit = estimator(), 0.0, 0.0
    for i in range(X.npartitions):
        start = time.perf_counter()
        Xi, yi = dask.compute(X.partitions[i], y.partitions[i], scheduler="sync")
        middle = time.perf_counter()
        model.partial_fit(Xi, yi, classes=CLASSES)
        read, fit = read + middle - start, fit + time.perf_counter() - middle
    return model, (read, fit)


def ours(X, y):
    import dask

    from dask_incr import fit_blocks

    with dask.config.set(scheduler="threads"):
        return fit_blocks(estimator(), X, y, classes=CLASSES), None


def dask_ml(X, y):
    import dask
    from dask_ml.wrappers import Incremental

    with dask.config.set(scheduler="threads"):
        return Incremental(estimator(), shuffle_blocks=False).fit(X, y, classes=CLASSES).estimator_, None


CASES = {
    "loop over partitions[i] (serial)": loop,
    "dask_incr fit_blocks (threads)": ours,
    "dask-ml Incremental": dask_ml,
}


def measure(case, path, x_cols):
    """Run one case in this (fresh) process: wall, peak RSS above baseline, bytes read, coef_, (Σ read, Σ fit)."""
    limit_malloc_caching()
    import dask_ml.wrappers  # noqa: F401  (imports read files and take memory: all done before measuring)
    import sklearn.linear_model  # noqa: F401

    import dask_incr  # noqa: F401

    X, y = frame(path, x_cols)
    before = io_read_bytes()
    with RSSSampler() as rss:
        start = time.perf_counter()
        model, split = CASES[case](X, y)
        wall = time.perf_counter() - start
    return wall, rss.peak_above_baseline, io_read_bytes() - before, model.coef_, split


def main(argv=None):
    args = parse(argv)
    path, rows = write_dataset(args.dir, args.gb, args.cols, args.files, args.row_groups)
    results = {case: [] for case in CASES}
    for _ in range(args.repeats):
        for case in CASES:
            status, result, _ = run_isolated(measure, (case, path, args.x_cols), timeout=3600, rss_limit=16 * 2**30)
            results[case].append(result if status == "ok" else status)
    table, loop_rows = [], [r for r in results[next(iter(CASES))] if not isinstance(r, str)]
    loop_wall = median([r[0] for r in loop_rows])
    loop_rss = median([r[1] for r in loop_rows])
    sum_read = median([r[4][0] for r in loop_rows])
    sum_fit = median([r[4][1] for r in loop_rows])
    reference = loop_rows[0][3] if loop_rows else None
    for case, runs in results.items():
        ok = [r for r in runs if not isinstance(r, str)]
        if not ok:
            table.append([case, runs[0], "", "", "", "", "", ""])
            continue
        wall, rss, read = median([r[0] for r in ok]), median([r[1] for r in ok]), median([r[2] for r in ok])
        same = "yes" if reference is not None and np.array_equal(ok[0][3], reference) else "no"
        table.append([
            case, wall, wall / loop_wall, rss / 2**20, read / 2**20, same,
            met(rss / loop_rss, 1.5), met(wall / max(sum_read, sum_fit), 1.1),
        ])
    headers = [
        "case", "wall s", "/ loop", "peak RSS MiB", "read MiB (rchar)", "same coef_",
        "RSS ≤ 1.5 × loop?", "wall ≤ 1.1 × max(Σ read, Σ fit)?",
    ]
    size = args.files * rows * (args.cols * 8) / 2**30
    return (
        f"### Files: SGDClassifier on parquet, {args.files} files × {args.row_groups} row groups, "
        f"{args.files * rows:,} rows × {args.cols} float columns ({size:.1f} GiB), X = {args.x_cols} columns, "
        f"y = one column of the same frame\n\n"
        f"Each case in a fresh process, median of {args.repeats} rounds. The serial loop spends "
        f"Σ read = {sum_read:.2f} s reading and Σ fit = {sum_fit:.2f} s fitting "
        f"(read/fit = {sum_read / sum_fit:.2f}); a fit that overlaps them perfectly takes max = "
        f"{max(sum_read, sum_fit):.2f} s, and ≤ 0.6 × the loop when they are about equal "
        f"(dask_incr / loop above).\n\n" + md_table(headers, table)
    )


if __name__ == "__main__":
    print(main())
