"""Scaling: cost per step of long chains of tiny blocks (issue 4).

SGDRegressor on blocks of 10 × 3, for 1k, 10k, 100k steps. For each size:
graph build time (``fit_blocks(compute=False)``, split into the inputs'
``dask.optimize`` and ``build_chain``), ``dask.order.order(dict(graph))``, and
the run (``.compute()``) on the sync and threads schedulers, next to a plain
Python loop of ``partial_fit`` over precomputed numpy blocks. dask-ml
(``dask_ml._partial.fit``, what ``Incremental.fit`` calls) runs in a separate
process with a time and memory cap, at the sizes it survives. Finally, graph
build alone at 10^6 steps (also capped, in its own process).

Targets: linear (100k costs ≤ 12 × 10k); ≤ 0.3 ms per step above the plain
loop at 10k; graph build ≤ 20 µs per step.

    python bench/scaling.py --sizes 1000,10000,100000 --dask-ml-sizes 1000,10000 --million 1000000
"""

from __future__ import annotations

import argparse
import gc
import time

import common  # noqa: F401
import dask
import dask.array as da
import dask.order
import numpy as np
from common import lazy_blocks, make_block, md_table, median, met, run_isolated
from sklearn.linear_model import SGDRegressor

from dask_incr import build_chain, fit_blocks

ROWS, COLS = 10, 3


def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="1000,10000,100000", help="chain lengths for dask_incr ('' to skip)")
    p.add_argument("--dask-ml-sizes", default="1000,10000", help="chain lengths for dask-ml ('' to skip)")
    p.add_argument("--million", type=int, default=1_000_000, help="build-only chain length (0 to skip)")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--timeout", type=float, default=240.0, help="seconds per capped dask-ml / build-only run")
    p.add_argument("--rss-limit-gib", type=float, default=8.0, help="memory cap of the capped runs")
    return p.parse_args(argv)


_fresh = iter(range(1, 10**9))


def inputs(n):
    """New X and y each call: dask interns expressions by name and caches their
    graphs, so reusing a name would time a cache hit."""
    offset = next(_fresh) * 10**7
    return lazy_blocks(n, ROWS, COLS, seed_offset=offset), da.zeros(n * ROWS, chunks=ROWS) + offset


def plain_loop(n):
    """Seconds of a Python loop of partial_fit over precomputed blocks."""
    X_blocks = [make_block(ROWS, COLS, i) for i in range(n)]
    y_block = np.zeros(ROWS)
    model = SGDRegressor()
    start = time.perf_counter()
    for block in X_blocks:
        model.partial_fit(block, y_block)
    return time.perf_counter() - start


def run_seconds(lazy):
    """Seconds to compute the built graph on each local scheduler."""
    runs = {}
    for scheduler in ("sync", "threads"):
        gc.collect()
        start = time.perf_counter()
        lazy.compute(scheduler=scheduler)
        runs[scheduler] = time.perf_counter() - start
    return runs


def order_seconds(graph):
    start = time.perf_counter()
    dask.order.order(dict(graph))
    return time.perf_counter() - start


def incr_once(n):
    """One measurement of every phase of dask_incr at n steps."""
    optimize, chain = build_parts(n)
    X, y = inputs(n)
    gc.collect()
    start = time.perf_counter()
    lazy = fit_blocks(SGDRegressor(), X, y, compute=False)
    build = time.perf_counter() - start
    order = order_seconds(lazy.__dask_graph__())
    runs = run_seconds(lazy)
    del lazy
    return dict(build=build, optimize=optimize, chain=chain, order=order, nogc=build_without_gc(n), **runs)


def build_parts(n):
    """Seconds of the two big parts of a build: the inputs' dask.optimize, build_chain."""
    X, y = inputs(n)
    gc.collect()
    start = time.perf_counter()
    (Xo, yo) = dask.optimize(X, y)
    optimize = time.perf_counter() - start
    steps = [((Xo.name, i, 0), (yo.name, i), None) for i in range(n)]
    gc.collect()
    start = time.perf_counter()
    build_chain(SGDRegressor(), steps, name=f"fit-bench-{n}", dependencies=[Xo, yo], prefetch=1)
    return optimize, time.perf_counter() - start


def build_without_gc(n):
    """fit_blocks(compute=False) with the cyclic GC off (diagnostic: how much is GC)."""
    X, y = inputs(n)
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        fit_blocks(SGDRegressor(), X, y, compute=False)
        return time.perf_counter() - start
    finally:
        gc.enable()


def dask_ml_once(n):
    """One measurement of dask-ml at n steps (run in its own process)."""
    from dask_ml._partial import fit

    X, y = inputs(n)
    start = time.perf_counter()
    lazy = fit(SGDRegressor(), X, y, compute=False, shuffle_blocks=False)
    build = time.perf_counter() - start
    order = order_seconds(lazy.__dask_graph__())
    runs = run_seconds(lazy)
    return dict(build=build, order=order, **runs)


def build_only(n):
    """Seconds to build (not run) a chain of n steps: fit_blocks(compute=False) and its parts."""
    X, y = inputs(n)
    gc.collect()
    start = time.perf_counter()
    lazy = fit_blocks(SGDRegressor(), X, y, compute=False)
    build = time.perf_counter() - start
    del lazy
    optimize, chain = build_parts(n)
    return dict(build=build, optimize=optimize, chain=chain, nogc=build_without_gc(n))


def incr_rows(args, sizes):
    """dask_incr's rows of the scaling table, its medians per size, and the plain loop's times."""
    rows, totals, loops = [], {}, {}
    for n in sizes:
        measured, loop = [], []
        for _ in range(args.repeats):
            loop.append(plain_loop(n))
            measured.append(incr_once(n))
        m = {key: median([r[key] for r in measured]) for key in measured[0]}
        loops[n] = median(loop)
        totals[n] = m
        for scheduler in ("sync", "threads"):
            per_step = (m["build"] + m[scheduler]) / n
            above = per_step - loops[n] / n
            rows.append([
                "dask_incr", n, scheduler, m["build"] / n * 1e6, m["optimize"] / n * 1e6, m["chain"] / n * 1e6,
                m["nogc"] / n * 1e6,
                m["order"], m[scheduler] / n * 1e3, loops[n] / n * 1e3, above * 1e3,
                met(above * 1e3, 0.3) if n == 10_000 else "",
                met(m["build"] / n * 1e6, 20),
            ])
    return rows, totals, loops


def dask_ml_rows(args, ml_sizes, totals, loops):
    """dask-ml's rows (each size in its own process, capped); its medians go into ``totals``."""
    rows = []
    rss_limit = args.rss_limit_gib * 2**30
    for n in ml_sizes:
        measured, status = [], "ok"
        for _ in range(args.repeats):
            status, result, peak = run_isolated(dask_ml_once, (n,), timeout=args.timeout, rss_limit=rss_limit)
            if status != "ok":
                break
            measured.append(result)
        loop = loops.get(n) or plain_loop(n)
        if not measured:
            rows.append(["dask-ml", n, "—", "—", "", "", "", "—", "—", loop / n * 1e3, "—", status, ""])
            continue
        m = {key: median([r[key] for r in measured]) for key in measured[0]}
        totals[("dask-ml", n)] = m
        for scheduler in ("sync", "threads"):
            above = (m["build"] + m[scheduler] - loop) / n
            rows.append([
                "dask-ml", n, scheduler, m["build"] / n * 1e6, "", "", "", m["order"], m[scheduler] / n * 1e3,
                loop / n * 1e3, above * 1e3,
                f"{status}, peak RSS {peak / 2**30:.1f} GiB"
                + (f" ({len(measured)} runs)" if len(measured) < args.repeats else ""),
                "",
            ])
    return rows


def scaling_section(args, rows):
    headers = [
        "code", "steps", "scheduler", "build µs/step", "of which optimize µs/step", "build_chain alone µs/step",
        "build, GC off µs/step", "dask.order s", "run ms/step", "plain loop ms/step", "(build+run) − loop, ms/step",
        "≤ 0.3 ms above loop @10k", "build ≤ 20 µs/step",
    ]
    return (
        f"### Scaling: SGDRegressor on {ROWS}×{COLS} blocks, prefetch=1\n\n"
        f"Medians of {args.repeats} runs. 'build' = `fit_blocks(compute=False)`; 'optimize' = "
        "`dask.optimize(X, y)` alone (done inside fit_blocks); 'build_chain alone' = `build_chain` on "
        "precomputed keys with prefetch=1; 'GC off' = fit_blocks(compute=False) with `gc.disable()`; "
        "'run' = `.compute()` of the built graph (includes dask's own "
        "conversion, ordering and execution); dask.order = `dask.order.order(dict(graph))` measured "
        "separately. dask-ml = `dask_ml._partial.fit(compute=False)` (what `Incremental.fit` runs), "
        f"in a separate process capped at {args.timeout:.0f} s and {args.rss_limit_gib:.0f} GiB.\n\n"
        + md_table(headers, rows)
    )


def linear_rows(sizes, ml_sizes, totals):
    """Time ratios between consecutive sizes, per phase, against 1.2 × the ratio of steps."""
    rows = []
    for a, b in zip(sizes, sizes[1:]):
        ta, tb = totals[a], totals[b]
        factor = b / a
        for part in ("build", "order", "sync", "threads"):
            ratio = tb[part] / ta[part]
            rows.append([f"{part}", f"{a} → {b}", ta[part], tb[part], ratio,
                         f"≤ {1.2 * factor:.0f}×", met(ratio, 1.2 * factor)])
        for scheduler in ("sync", "threads"):
            ratio = (tb["build"] + tb[scheduler]) / (ta["build"] + ta[scheduler])
            rows.append([f"build + run ({scheduler})", f"{a} → {b}", ta["build"] + ta[scheduler],
                         tb["build"] + tb[scheduler], ratio, f"≤ {1.2 * factor:.0f}×", met(ratio, 1.2 * factor)])
    for a, b in zip(ml_sizes, ml_sizes[1:]):
        if ("dask-ml", a) in totals and ("dask-ml", b) in totals:
            ta, tb = totals[("dask-ml", a)], totals[("dask-ml", b)]
            for part in ("build", "order", "sync", "threads"):
                rows.append([f"dask-ml {part}", f"{a} → {b}", ta[part], tb[part], tb[part] / ta[part],
                             "(reference)", ""])
    return rows


def million_section(args):
    """The graph build alone at ``args.million`` steps, in its own process."""
    rss_limit = args.rss_limit_gib * 2**30
    status, result, peak = run_isolated(build_only, (args.million,), timeout=args.timeout * 2, rss_limit=rss_limit)
    if status == "ok":
        row = [args.million, result["build"], result["build"] / args.million * 1e6,
               result["optimize"] / args.million * 1e6, result["chain"] / args.million * 1e6,
               result["nogc"] / args.million * 1e6,
               peak / 2**30, met(result["build"] / args.million * 1e6, 20)]
    else:
        row = [args.million, status, "—", "—", "—", "—", peak / 2**30, "—"]
    return (
        f"### Graph build alone at {args.million:,} steps (one run, own process)\n\n"
        + md_table(["steps", "fit_blocks(compute=False) s", "µs/step", "optimize µs/step",
                    "build_chain alone µs/step", "build, GC off µs/step", "peak RSS GiB", "≤ 20 µs/step"], [row])
    )


def main(argv=None):
    args = parse(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    ml_sizes = [int(s) for s in args.dask_ml_sizes.split(",") if s]
    rows, totals, loops = incr_rows(args, sizes)
    rows += dask_ml_rows(args, ml_sizes, totals, loops)
    sections = [scaling_section(args, rows)] if rows else []
    linear = linear_rows(sizes, ml_sizes, totals)
    if linear:
        sections.append(
            "### Scaling: linearity (dask_incr, seconds, medians)\n\n"
            + md_table(["phase", "steps", "time small s", "time large s", "ratio", "target", "met?"], linear)
        )
    if args.million:
        sections.append(million_section(args))
    return "\n\n".join(sections)


if __name__ == "__main__":
    print(main())
