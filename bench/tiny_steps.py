"""Per-step cost on tiny generated blocks, above a plain loop: ours on threads and on sync, dask-ml on threads.

Tiny blocks (10 × 3, SGDRegressor), so what is measured is the machinery of a
step, not learning. The blocks are generated lazily (one generator task per
block, ``common.lazy_blocks``; ``y`` is a slice of each block), so every block
is a real load task — not ``da.from_array``, whose blocks are already in
memory and are fitted on the synchronous scheduler whatever is configured
(see docs/memory.rst). Each run is one computed fit in a fresh process
(``long_fits.run_case``): ``fit_blocks`` at its defaults on the threaded and
on the synchronous scheduler, and dask-ml's ``Incremental(shuffle_blocks=False)``
on threads, timed from the call to the fitted model; the plain loop runs
``partial_fit`` over the same blocks already in memory, in the same process.
The cases are interleaved in every repeat, so noise reaches them alike.

Targets: ours on threads ≤ 1.15 × ours on sync, and ≤ 0.7 × dask-ml on threads
(per step above the loop).

    python bench/tiny_steps.py [--repeats 5] [--blocks 2000,20000] [--quick]
"""

from __future__ import annotations

import argparse
import sys

import common  # noqa: F401
from common import md_table, median, met, run_isolated
from long_fits import COLS, ROWS, run_case

CASES = [("dask_incr", "threads"), ("dask_incr", "sync"), ("dask-ml", "threads")]


def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeats", type=int, default=5, help="runs per case (medians are reported)")
    p.add_argument("--blocks", default="2000,20000", help="numbers of blocks, comma-separated")
    p.add_argument("--timeout", type=float, default=600.0, help="seconds per run")
    p.add_argument("--quick", action="store_true", help="small sizes, one run: a smoke test")
    return p.parse_args(argv)


def measure(n_blocks, repeats, timeout):
    """Per case, the list of (fit seconds, loop seconds) of the runs that finished, and the last status."""
    runs = {case: [] for case in CASES}
    status = dict.fromkeys(CASES, "ok")
    for _ in range(repeats):
        for code, scheduler in CASES:  # interleaved: every repeat runs every case once
            result_status, result, _ = run_isolated(
                run_case, (code, "generated", n_blocks, 1, scheduler), timeout=timeout
            )
            status[(code, scheduler)] = result_status
            if result_status == "ok":
                runs[(code, scheduler)].append(result)
    return runs, status


def above_loop(results, n_blocks):
    """Median ms per step above the plain loop, and the loop's own ms per step."""
    if not results:
        return float("nan"), float("nan")
    fit, loop = median([r[0] for r in results]), median([r[1] for r in results])
    return (fit - loop) / n_blocks * 1e3, loop / n_blocks * 1e3


def main(argv=None):
    args = parse(argv)
    sizes = [200] if args.quick else [int(n) for n in args.blocks.split(",") if n]
    repeats = 1 if args.quick else args.repeats
    headers = ["blocks", "plain loop ms/step", "ours threads", "ours sync", "dask-ml threads",
               "threads / sync", "≤ 1.15", "ours / dask-ml (threads)", "≤ 0.7", "runs"]
    rows = []
    for n_blocks in sizes:
        runs, status = measure(n_blocks, repeats, args.timeout)
        (threads, loop), (sync, _), (dask_ml, _) = (above_loop(runs[case], n_blocks) for case in CASES)
        counts = "/".join(str(len(runs[case])) for case in CASES)
        failed = [f"{code} {scheduler}: {status[(code, scheduler)]}" for code, scheduler in CASES
                  if status[(code, scheduler)] != "ok"]
        rows.append([n_blocks, loop, threads, sync, dask_ml, threads / sync, met(threads / sync, 1.15),
                     threads / dask_ml, met(threads / dask_ml, 0.7), "; ".join([counts, *failed])])
        print(md_table(headers, rows[-1:]).splitlines()[-1], file=sys.stderr, flush=True)
    return (
        f"### Tiny steps: per-step cost above a plain loop ({ROWS} × {COLS} generated blocks, SGDRegressor)\n\n"
        f"Milliseconds per step above a plain `partial_fit` loop over the same blocks in memory; medians of "
        f"{repeats} runs per case, each a fresh process, cases interleaved. Ours = `fit_blocks` at its defaults "
        "(one load task per step, gated on the model step); dask-ml = `Incremental(shuffle_blocks=False)`, one "
        "`partial_fit` call. Runs: ours threads / ours sync / dask-ml.\n\n"
        + md_table(headers, rows)
    )


if __name__ == "__main__":
    print(main())
