"""Overlap: does loading block i+1 run while block i is being fitted? (issue 4)

Each block takes ``--load-time`` s to load (the loader sleeps, like I/O) and
``--fit-time`` s to fit. A serial loop pays Σload + Σfit; a perfect pipeline
pays max(Σload, Σfit) (plus one load or fit to fill it). Target: dask_incr with
prefetch 1 on the threads scheduler ≤ 1.1 × max(Σload, Σfit).

    python bench/overlap.py --blocks 40 --repeats 5
"""

from __future__ import annotations

import argparse
import time

import common  # noqa: F401
import dask
import dask.array as da
from common import SleepyEstimator, lazy_blocks, make_block, md_table, median, met

from dask_incr import fit_blocks

ROWS, COLS = 1_000, 100  # 0.8 MB blocks: the test is about time, not memory


def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--blocks", type=int, default=40)
    p.add_argument("--load-time", type=float, default=0.1)
    p.add_argument("--fit-time", type=float, default=0.1)
    p.add_argument("--repeats", type=int, default=5)
    return p.parse_args(argv)


def serial_loop(n_blocks, load_time, fit_time):
    model = SleepyEstimator(fit_time)
    for i in range(n_blocks):
        model.partial_fit(make_block(ROWS, COLS, i, load_time))
    return model


def main(argv=None):
    args = parse(argv)
    n, load, fit = args.blocks, args.load_time, args.fit_time
    X = lazy_blocks(n, ROWS, COLS, load_time=load)
    y = da.zeros(n * ROWS, chunks=ROWS)

    def incr(k, scheduler):
        def run():
            with dask.config.set(scheduler=scheduler):
                return fit_blocks(SleepyEstimator(fit), X, y, prefetch=k)
        return run

    def dask_ml(scheduler):
        from dask_ml.wrappers import Incremental

        def run():
            with dask.config.set(scheduler=scheduler):
                return Incremental(SleepyEstimator(fit), shuffle_blocks=False).fit(X, y).estimator_
        return run

    cases = {
        "serial loop (load, then fit)": ("python", lambda: serial_loop(n, load, fit)),
        "dask_incr k=0": ("threads", incr(0, "threads")),
        "dask_incr k=1": ("threads", incr(1, "threads")),
        "dask_incr k=2": ("threads", incr(2, "threads")),
        "dask_incr k=1 (sync)": ("sync", incr(1, "sync")),
        "dask-ml Incremental": ("threads", dask_ml("threads")),
    }
    times = {case: [] for case in cases}
    for _ in range(args.repeats):
        for case, (_, run) in cases.items():
            start = time.perf_counter()
            model = run()
            times[case].append(time.perf_counter() - start)
            assert model.n_blocks_ == n
    ideal = max(n * load, n * fit)
    pipeline = n * max(load, fit) + min(load, fit)
    rows = []
    for case, (scheduler, _) in cases.items():
        t = median(times[case])
        is_target = case == "dask_incr k=1"
        rows.append([
            case, scheduler, t, t / ideal, t / median(times["serial loop (load, then fit)"]),
            "≤ 1.1 × ideal" if is_target else "", met(t / ideal, 1.1) if is_target else "",
        ])
    headers = ["case", "scheduler", "median wall s", "/ ideal", "/ serial loop", "target", "met?"]
    return (
        f"### Overlap: {n} blocks, load {load} s + fit {fit} s per block\n\n"
        f"Median of {args.repeats} runs, cases interleaved. Ideal = max(Σload, Σfit) = {ideal:.2f} s; "
        f"a real two-stage pipeline cannot beat n·max + min = {pipeline:.2f} s "
        f"({pipeline / ideal:.3f} × ideal). Serial = Σload + Σfit = {n * (load + fit):.2f} s.\n\n"
        + md_table(headers, rows)
    )


if __name__ == "__main__":
    print(main())
