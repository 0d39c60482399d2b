"""Memory: peak RSS and blocks held while fitting many large blocks (issue 4).

N blocks of ~20 MB are generated lazily (``np.full``, fast and touching every
page); the learner takes ``--fit-time`` s per block. Peak RSS above the
baseline is sampled every 20 ms (the sum over the worker processes on a
``LocalCluster(processes=True)``, sampled from the client), next to the largest
number of blocks alive at once (a counter in the loader, decremented when the
array is freed). dask_incr with prefetch k = 0, 1, 2 runs side by side with
``dask_ml.wrappers.Incremental`` on each scheduler. Target: peak ≤ (k + 3)
blocks for dask_incr on every scheduler.

    python bench/memory.py --blocks 200 --repeats 3
"""

from __future__ import annotations

import argparse
import gc
import os
import time

import common  # noqa: F401  (puts the source tree on sys.path if needed)
import dask
import dask.array as da
from common import MB, RSSSampler, SleepyEstimator, fmt, lazy_blocks, md_table, median, met

from dask_incr import fit_blocks

ROWS, COLS = 25_000, 100  # 20,000,000 bytes = 19.07 MiB per block
CASES = ["dask_incr k=0", "dask_incr k=1", "dask_incr k=2", "dask-ml Incremental"]


def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--blocks", type=int, default=200, help="blocks on sync/threads/LocalCluster(threads)")
    p.add_argument("--proc-blocks", type=int, default=100, help="blocks on LocalCluster(processes)")
    p.add_argument("--rows", type=int, default=ROWS, help="rows per block (100 float64 columns)")
    p.add_argument("--fit-time", type=float, default=0.1)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument(
        "--schedulers", default="sync,threads,cluster-threads,cluster-processes",
        help="comma-separated subset of sync,threads,cluster-threads,cluster-processes",
    )
    p.add_argument("--curve", default="25,50,100", help="extra block counts for the plot (threads; '' to skip)")
    p.add_argument("--plot", default=os.path.join(common.HERE, "memory.png"))
    return p.parse_args(argv)


def one_fit(case, X, y, fit_time):
    model = SleepyEstimator(fit_time)
    if case.startswith("dask_incr"):
        return fit_blocks(model, X, y, prefetch=int(case.rsplit("=", 1)[1]))
    from dask_ml.wrappers import Incremental

    return Incremental(model, shuffle_blocks=False).fit(X, y).estimator_


class Local:
    """Run on a local scheduler; memory and block counts of this process."""

    def __init__(self, scheduler):
        self.scheduler = scheduler

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass

    def pids(self):
        return [os.getpid()]

    def reset(self):
        gc.collect()
        time.sleep(0.2)
        common.block_tracker_reset()

    def peak_blocks(self):
        return common.block_tracker_peak()

    def run(self, fn, *args):
        with dask.config.set(scheduler=self.scheduler):
            return fn(*args)


class Cluster(Local):
    """Run on a LocalCluster; RSS summed over the workers' processes."""

    def __init__(self, processes):
        self.processes = processes

    def __enter__(self):
        from distributed import Client, LocalCluster

        if self.processes:
            self.cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
        else:
            self.cluster = LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None)
        self.client = Client(self.cluster)
        self.client.run(common.limit_malloc_caching)
        return self

    def __exit__(self, *exc):
        self.client.close()
        self.cluster.close()

    def pids(self):
        if not self.processes:
            return [os.getpid()]
        return list(self.client.run(os.getpid).values())

    def reset(self):
        gc.collect()
        self.client.run(gc.collect)
        time.sleep(0.5)
        self.client.run(common.block_tracker_reset)
        common.block_tracker_reset()

    def peak_blocks(self):
        # Per-process peaks, summed: exact for one process, an upper bound for two.
        if not self.processes:  # the worker shares this process and its counter
            return common.block_tracker_peak()
        return sum(self.client.run(common.block_tracker_peak).values())

    def run(self, fn, *args):
        return fn(*args)


def environment(name):
    return {
        "sync": lambda: Local("sync"),
        "threads": lambda: Local("threads"),
        "cluster-threads": lambda: Cluster(processes=False),
        "cluster-processes": lambda: Cluster(processes=True),
    }[name]()


def measure(env, case, n_blocks, rows, fit_time):
    X = lazy_blocks(n_blocks, rows, 100, track=True)
    y = da.zeros(n_blocks * rows, chunks=rows)
    env.reset()
    with RSSSampler(env.pids()) as sampler:
        start = time.perf_counter()
        model = env.run(one_fit, case, X, y, fit_time)
        seconds = time.perf_counter() - start
    assert model.n_blocks_ == n_blocks, (case, model.n_blocks_)
    return seconds, sampler.peak_above_baseline, env.peak_blocks()


def main(argv=None):
    args = parse(argv)
    common.limit_malloc_caching()
    block_bytes = args.rows * 100 * 8
    rows, curve = [], {case: {} for case in CASES}
    for name in args.schedulers.split(","):
        n_blocks = args.proc_blocks if name == "cluster-processes" else args.blocks
        results = {case: [] for case in CASES}
        with environment(name) as env:
            for _ in range(args.repeats):
                for case in CASES:  # interleaved: the cases share the machine's noise
                    results[case].append(measure(env, case, n_blocks, args.rows, args.fit_time))
            if name == "threads" and args.curve:
                for n in [int(v) for v in args.curve.split(",")]:
                    for case in ("dask_incr k=1", "dask-ml Incremental"):
                        curve[case][n] = measure(env, case, n, args.rows, args.fit_time)[1]
        for case in CASES:
            seconds = median([r[0] for r in results[case]])
            peak = median([r[1] for r in results[case]])
            blocks = max(r[2] for r in results[case])
            if name == "threads" and case in ("dask_incr k=1", "dask-ml Incremental"):
                curve[case][n_blocks] = peak
            k = int(case.rsplit("=", 1)[1]) if case.startswith("dask_incr") else None
            target = (k + 3) if k is not None else None
            rows.append([
                case, name, n_blocks, seconds, peak / MB, peak / block_bytes, blocks,
                f"≤ {target} blocks" if target else "(reference)",
                met(peak / block_bytes, target) if target else "—",
            ])
    headers = [
        "case", "scheduler", "blocks", "median time s", "peak RSS MiB", "peak / block",
        "max blocks alive", "target", "met?",
    ]
    text = (
        f"### Memory: {args.blocks} blocks × {block_bytes / 1e6:.0f} MB, fit {args.fit_time} s/block\n\n"
        f"Median of {args.repeats} runs (cases interleaved); peak RSS above baseline, sampled every 20 ms "
        f"(LocalCluster(processes=True): summed over the 2 worker processes, {args.proc_blocks} blocks). "
        "'max blocks alive' is the max over runs of the loader's live-block counter "
        "(for 2 worker processes: the sum of the two per-process peaks, an upper bound).\n\n"
        + md_table(headers, rows)
    )
    if curve["dask_incr k=1"]:
        text += "\n\n" + plot_curve(curve, block_bytes, args.plot)
    return text


def plot_curve(curve, block_bytes, path):
    sizes = sorted(set(curve["dask_incr k=1"]) | set(curve["dask-ml Incremental"]))
    table = md_table(
        ["blocks (threads)"] + [str(n) for n in sizes],
        [[case] + [fmt(curve[case].get(n, float("nan")) / MB) for n in sizes] for case in curve if curve[case]],
    )
    text = "Peak RSS above baseline (MiB) against the number of blocks, threads scheduler " \
           "(single runs except the largest size, which is the median above):\n\n" + table
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return text + "\n\n(matplotlib not installed: no plot)"
    fig, ax = plt.subplots(figsize=(6, 4))
    for case, points in curve.items():
        if points:
            xs = sorted(points)
            ax.plot(xs, [points[n] / MB for n in xs], marker="o", label=case)
    ax.axhline(4 * block_bytes / MB, color="grey", linestyle=":", label="target k=1: 4 blocks")
    ax.set_xlabel("number of blocks")
    ax.set_ylabel("peak RSS above baseline (MiB)")
    ax.set_title("Peak memory, threads scheduler, fit 0.1 s/block")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return text + f"\n\n![peak memory vs blocks]({os.path.basename(path)})"


if __name__ == "__main__":
    print(main())
