"""Bounded memory on the input graphs users build (issue 11): live source chunks, reads, peak RSS.

Sixty source chunks, each made by a tracked loader (``common.make_block``:
counts the chunks alive and made, in whichever process makes them), reshaped
the ways users reshape data, then fitted by a learner slower than the loader,
so that idle threads or workers load ahead if anything lets them:

- ``rechunk 1 -> 1.5``: row chunks 1.5 × the source's (a block needs 2 chunks);
- ``rechunk 1 -> 3``: fewer, larger blocks (a block needs 3 chunks);
- ``map_overlap depth 1``: each block reads a halo from its neighbours (3 chunks);
- ``y from a reduction``: ``y = X[:, 0] > X[:, 0].mean()`` (one pass before the chain);
- ``repartition 60 -> 90`` / ``60 -> 40``: a dask DataFrame, X and y from one frame.

For each: in order and shuffled, 1 and 3 epochs, on threads (4 threads) and
on a LocalCluster (2 worker processes × 2 threads); dask_incr at its default
read-ahead and dask-ml's ``Incremental`` (3 epochs = 3 ``partial_fit`` calls).
Columns: the chunks one block needs (``per block``), the bound
``(k + 1) × per block``, the peak of source chunks alive (on the cluster the
merged from every worker's timestamped events), chunks read ÷ chunks per pass
(1 = each read once per epoch), peak RSS above baseline.

    python bench/shapes.py [--quick] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os

import common
import dask
import dask.dataframe as dd
import pandas as pd
from common import (
    MB,
    RSSSampler,
    SleepyEstimator,
    block_events_drain,
    block_tracker_made,
    block_tracker_reset,
    make_block,
    md_table,
    median,
    peak_of_events,
)

from dask_incr import fit_blocks
from dask_incr.fit.runner import read_ahead

N_SOURCES = 60


def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", type=int, default=500, help="rows per source chunk")
    p.add_argument("--cols", type=int, default=250, help="columns (8 bytes each)")
    p.add_argument("--fit-time", type=float, default=0.01, help="seconds per partial_fit")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--quick", action="store_true", help="tiny sizes, one run, threads only")
    return p.parse_args(argv)


def tracked_frame(i, rows, cols):
    """Source partition ``i``: a frame over a tracked block (no copy: the block lives as long as the frame)."""
    block = make_block(rows, cols, i, track=True)
    columns = [f"c{j}" for j in range(cols)]
    return pd.DataFrame(block, columns=columns, index=range(i * rows, (i + 1) * rows), copy=False)


def source_array(rows, cols):
    return common.lazy_blocks(N_SOURCES, rows, cols, track=True)


def source_frame(rows, cols):
    meta = pd.DataFrame({f"c{j}": pd.Series([], dtype=float) for j in range(cols)})
    divisions = [i * rows for i in range(N_SOURCES)] + [N_SOURCES * rows - 1]
    load = dask.delayed(tracked_frame, pure=True)
    parts = [load(i, rows, cols, dask_key_name=(f"source-frame-{rows}-{cols}", i)) for i in range(N_SOURCES)]
    return dd.from_delayed(parts, meta=meta, divisions=divisions)


def _halo(block):
    return block


def shapes(rows, cols):
    """name -> (builder of (X, y), source chunks one block needs)."""

    def rechunked(factor):
        def build():
            X = source_array(rows, cols).rechunk((int(rows * factor), cols))
            return X, (X[:, 0] > 0.5).astype(int)

        return build

    def overlapped():
        X = source_array(rows, cols).map_overlap(_halo, depth={0: 1, 1: 0}, boundary="none", dtype=float)
        return X, (X[:, 0] > 0.5).astype(int)

    def reduced():
        X = source_array(rows, cols)
        return X, (X[:, 0] > X[:, 0].mean()).astype(int)

    def repartitioned(n):
        def build():
            df = source_frame(rows, cols).repartition(npartitions=n)
            return df[[f"c{j}" for j in range(1, cols)]], (df["c0"] > 0.5).astype(int)

        return build

    return {
        "rechunk 1 -> 1.5": (rechunked(1.5), 2),
        "rechunk 1 -> 3": (rechunked(3), 3),
        "map_overlap depth 1": (overlapped, 3),
        "y from a reduction": (reduced, 1),
        "repartition 60 -> 90": (repartitioned(90), 2),
        "repartition 60 -> 40": (repartitioned(40), 2),
    }


def fit_ours(X, y, shuffle, epochs):
    return fit_blocks(SleepyEstimator(FIT_TIME), X, y, shuffle_blocks=shuffle, epochs=epochs, random_state=0)


def fit_dask_ml(X, y, shuffle, epochs):
    from dask_ml.wrappers import Incremental

    model = Incremental(SleepyEstimator(FIT_TIME), shuffle_blocks=shuffle, random_state=0)
    for _ in range(epochs):
        model.partial_fit(X, y)
    return model


FIT_TIME = 0.01


def _reset(dask_worker=None):
    block_events_drain()
    return block_tracker_reset()


def _counts(dask_worker=None):
    return block_events_drain(), block_tracker_made()


def measure(fit, build, shuffle, epochs, client):
    X, y = build()
    if client is None:
        block_tracker_reset()
        with RSSSampler() as rss:
            fit(X, y, shuffle, epochs)
        events, made = _counts()
        peak = peak_of_events(events)
    else:
        client.run(_reset)
        pids = list(client.run(os.getpid).values())
        with RSSSampler(pids) as rss:
            fit(X, y, shuffle, epochs)
        counts = client.run(_counts).values()
        peak = peak_of_events([event for c in counts for event in c[0]])
        made = sum(c[1] for c in counts)
    return peak, made, rss.peak_above_baseline / MB


def main(argv=None):
    global FIT_TIME
    args = parse(argv)
    if args.quick:
        args.rows, args.cols, args.repeats, args.fit_time = 50, 20, 1, 0.002
    FIT_TIME = args.fit_time
    common.limit_malloc_caching()
    cases = shapes(args.rows, args.cols)
    schedulers = ["threads"] if args.quick else ["threads", "LocalCluster"]
    fitters = {"dask_incr": fit_ours, "dask-ml": fit_dask_ml}
    rows_out = []
    for scheduler in schedulers:
        if scheduler == "threads":
            context, client = dask.config.set(scheduler="threads", num_workers=4), None
            k = read_ahead("auto", dask.threaded.get)
        else:
            from distributed import Client, LocalCluster

            cluster = LocalCluster(n_workers=2, threads_per_worker=2, processes=True, dashboard_address=None)
            client = Client(cluster)
            context = client
            k = read_ahead("auto", client.get)
        with context:
            for shape, (build, per_block) in cases.items():
                for shuffle in (False, True):
                    for epochs in (1, 3):
                        for fitter, fit in fitters.items():
                            try:
                                runs = [measure(fit, build, shuffle, epochs, client) for _ in range(args.repeats)]
                            except Exception as error:  # dask-ml cannot fit some inputs: say so
                                message = f"fails: {type(error).__name__}: {str(error)[:60]}"
                                rows_out.append([scheduler, shape, "shuffled" if shuffle else "in order", epochs,
                                                 fitter, per_block, "—", message, "—", "—", "—"])
                                continue
                            peak = max(r[0] for r in runs)
                            reads = median([r[1] for r in runs]) / (N_SOURCES * epochs)
                            rss = median([r[2] for r in runs])
                            bound = (k + 1) * per_block if fitter == "dask_incr" else None
                            rows_out.append([
                                scheduler, shape, "shuffled" if shuffle else "in order", epochs, fitter,
                                per_block, bound if bound is not None else "—", peak,
                                ("yes" if peak <= bound else "**no**") if bound is not None else "—",
                                reads, rss,
                            ])
        if client is not None:
            client.close()
            cluster.close()
    headers = [
        "scheduler", "input", "order", "epochs", "fit", "per block", "bound (k+1)×", "peak live chunks",
        "within?", "reads / chunk / epoch", "peak RSS MiB",
    ]
    chunk_mb = args.rows * args.cols * 8 / 1e6
    return (
        f"### Input graphs users build: live source chunks and reads ({N_SOURCES} source chunks of "
        f"{args.rows} × {args.cols}, {chunk_mb:.1f} MB; fit {args.fit_time * 1e3:.0f} ms per block)\n\n"
        f"dask_incr at its default read-ahead (k = 1 on threads, 2 on the cluster); peak live chunks is the "
        f"largest of {args.repeats} runs, reads and RSS their medians. On the cluster the peak is read from "
        "every worker's timestamped make / free events, merged. The pass a reduction needs before the chain "
        "is dask's own compute of it (one chunk per thread), not bounded by `prefetch`. "
        "'reads / chunk / epoch' counts every source chunk made (a reduction's pass before the chain included).\n\n"
        + md_table(headers, rows_out)
    )


if __name__ == "__main__":
    print(main())
