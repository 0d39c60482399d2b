"""Scoring each epoch: what it costs next to training, and how much of it runs beside training (issue 13).

Two learners:

* a sleepy one — ``--fit-time`` s per training block, ``--score-time`` s per
  validation block (it sleeps, releasing the GIL, like a learner in native
  code) — so the cost of scoring and the part hidden beside the next epoch's
  steps can be read against known sums;
* ``SGDClassifier`` on generated blocks, with the validation blocks given
  (so the training blocks are the same with and without scoring).

Cases, each ``--epochs`` passes: the plain fit (one graph), the same fit run
epoch by epoch (``return_history=True``, nothing scored), and with
``validation=`` scored after every epoch — on the threaded scheduler, where
scoring runs beside the next epoch, and on the synchronous one, where it
cannot. "scoring cost" is the extra time over the epoch-by-epoch fit; for the
sleepy learner, "hidden" is the share of the scoring work (epochs × validation
blocks × score time) that did not add to the wall time.

    python bench/scoring.py            # 40 + 8 blocks, 5 epochs, 3 repeats
    python bench/scoring.py --quick    # a smoke run
"""

from __future__ import annotations

import argparse
import time

import common  # noqa: F401
import dask
import dask.array as da
import numpy as np
from common import SleepyEstimator, lazy_blocks, md_table, median
from sklearn.linear_model import SGDClassifier

from dask_incr import fit_blocks

ROWS, COLS = 1_000, 50


class SleepyScorer(SleepyEstimator):
    """SleepyEstimator whose ``score`` takes ``score_time`` s per block."""

    def __init__(self, fit_time=0.1, score_time=0.1):
        super().__init__(fit_time)
        self.score_time = score_time

    def score(self, X, y=None):
        time.sleep(self.score_time)
        return float(np.asarray(X)[:, 0].mean())


def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--blocks", type=int, default=40, help="training blocks")
    p.add_argument("--val-blocks", type=int, default=8, help="validation blocks")
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--fit-time", type=float, default=0.05)
    p.add_argument("--score-time", type=float, default=0.05)
    p.add_argument("--sgd-rows", type=int, default=20_000, help="rows per block of the SGDClassifier case")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--quick", action="store_true", help="tiny sizes, three repeats")
    args = p.parse_args(argv)
    if args.quick:
        args.blocks, args.val_blocks, args.epochs, args.repeats = 8, 2, 3, 3
        args.fit_time = args.score_time = 0.02
        args.sgd_rows = 2_000
    return args


def sgd_data(n_blocks, rows, seed):
    X = da.random.default_rng(seed).normal(size=(n_blocks * rows, COLS), chunks=(rows, COLS))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    return X, y


def cases_for(make, X, y, X_val, y_val, epochs, fit_kwargs):
    def run(scheduler, **kwargs):
        def go():
            with dask.config.set(scheduler=scheduler):
                return fit_blocks(make(), X, y, epochs=epochs, **kwargs, **fit_kwargs)

        return go

    return {
        "plain fit (one graph)": ("threads", run("threads")),
        "epoch by epoch, nothing scored": ("threads", run("threads", return_history=True)),
        "scored every epoch": ("threads", run("threads", validation=(X_val, y_val), return_history=True)),
        "plain fit (one graph), sync": ("sync", run("sync")),
        "epoch by epoch, nothing scored, sync": ("sync", run("sync", return_history=True)),
        "scored every epoch, sync": ("sync", run("sync", validation=(X_val, y_val), return_history=True)),
    }


def measure(cases, repeats):
    for _, run in cases.values():  # warm up: first calls, imports, thread pools
        run()
    times = {case: [] for case in cases}
    for _ in range(repeats):
        for case, (_, run) in cases.items():  # interleaved
            start = time.perf_counter()
            run()
            times[case].append(time.perf_counter() - start)
    return {case: median(values) for case, values in times.items()}


def table(times, cases, scoring_work=None):
    rows = []
    for case, (scheduler, _) in cases.items():
        suffix = ", sync" if scheduler == "sync" else ""
        staged = times["epoch by epoch, nothing scored" + suffix]
        plain = times["plain fit (one graph)" + suffix]
        t = times[case]
        extra = t - staged if case.startswith("scored") else None
        hidden = 1 - extra / scoring_work if (extra is not None and scoring_work) else None
        rows.append([
            case, scheduler, t, t / plain,
            "" if extra is None else extra,
            "" if extra is None else extra / staged,
            "" if hidden is None else f"{100 * hidden:.0f} %",
        ])
    headers = ["case", "scheduler", "median wall s", "/ plain fit", "scoring cost s", "/ training", "hidden"]
    return md_table(headers, rows)


def main(argv=None):
    args = parse(argv)
    n, v, epochs = args.blocks, args.val_blocks, args.epochs
    X = lazy_blocks(n, ROWS, COLS)
    X_val = lazy_blocks(v, ROWS, COLS, seed_offset=10_000)
    sleepy = cases_for(
        lambda: SleepyScorer(args.fit_time, args.score_time), X, None, X_val, None, epochs, {}
    )
    sleepy_times = measure(sleepy, args.repeats)
    work = epochs * v * args.score_time
    X_sgd, y_sgd = sgd_data(n, args.sgd_rows, 0)
    Xv_sgd, yv_sgd = sgd_data(v, args.sgd_rows, 1)
    sgd = cases_for(
        lambda: SGDClassifier(random_state=0), X_sgd, y_sgd, Xv_sgd, yv_sgd, epochs, {"classes": [0, 1]}
    )
    sgd_times = measure(sgd, args.repeats)
    return (
        f"### Scoring each epoch: {n} training + {v} validation blocks, {epochs} epochs\n\n"
        f"Median of {args.repeats} run(s) after a warm-up, cases interleaved. "
        "\"scoring cost\" = wall time minus the same fit "
        "run epoch by epoch without scoring; \"/ training\" divides it by that fit's time.\n\n"
        f"Sleepy learner ({args.fit_time} s per training block, {args.score_time} s per validation block; "
        f"training work {n * epochs * args.fit_time:.2f} s, scoring work {work:.2f} s; \"hidden\" = share of "
        "the scoring work that did not add to the wall time):\n\n"
        + table(sleepy_times, sleepy, work)
        + f"\n\nSGDClassifier, blocks of {args.sgd_rows} × {COLS}, generated lazily "
        "(each validation block is generated again at each scoring):\n\n"
        + table(sgd_times, sgd)
    )


if __name__ == "__main__":
    print(main())
