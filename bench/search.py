"""Hyperband over streamed blocks (issue 22): one read per step for every bracket.

HyperbandSearchCV (max_iter=81, SGDClassifier) over N blocks that load slowly
(a sleep in the loader, so loading can overlap fitting), threads scheduler,
against:

* **loop** — the same search as a plain Python loop: the same rules (the
  search's own decision loop, ``dask_incr.model_selection._loop.run_search``,
  is plain Python) with ``train`` loading each step's block by calling the
  loader and fitting every model on it in turn, and ``score`` loading the
  held-out block: the floor, no dask;
* **SHA by bracket** — ``SuccessiveHalvingSearchCV`` run once per Hyperband
  bracket (same n, r, max_iter, aggressiveness), one after another: what a
  search gets that reads the data for each bracket on its own.

Reported per case (medians): wall time, X blocks loaded (a counting loader),
peak RSS above baseline, most blocks alive at once; and for Hyperband at N
and 2N blocks, to show memory flat in the number of blocks. Targets: blocks
read <= 1.2 * max_iter + the scoring reads; wall <= 1.2 * the loop's.

    python bench/search.py            # 48 and 96 blocks of 2.4 MB, max_iter=81
    python bench/search.py --quick    # smoke run: 12 and 24 small blocks, max_iter=9
"""

from __future__ import annotations

import argparse
import sys
import time

import common  # noqa: F401  (puts the checkout on sys.path)
import dask
import dask.array as da
import numpy as np
from common import RSSSampler, limit_malloc_caching, md_table, median
from counting import counted_block, loads, peak, reset_peak
from sklearn.base import clone
from sklearn.linear_model import SGDClassifier

from dask_incr import HyperbandSearchCV, SuccessiveHalvingSearchCV
from dask_incr.model_selection._hyperband import hyperband_brackets
from dask_incr.model_selection._loop import run_search

PARAMETERS = {"alpha": np.logspace(-6, 0, 50), "penalty": ["l2", "l1", "elasticnet"]}


def slow_block(rows, cols, load_time, block_id=None):
    """A counted block that takes ``load_time`` seconds to load (sleeping: the GIL is free)."""
    time.sleep(load_time)
    return counted_block(rows, cols, block_id=block_id)


def label(block):
    return (block[:, 0] + 0.5 * block[:, 1] > 0).astype(int)


def data(n_blocks, rows, cols, load_time):
    X = da.map_blocks(
        slow_block, rows, cols, load_time, chunks=((rows,) * n_blocks, (cols,)), dtype=float,
        meta=np.empty((0, 0)), name=f"slow-{n_blocks}-{rows}-{cols}-{load_time}",
    )
    return X, X.map_blocks(label, drop_axis=1, dtype=int)


def hyperband(args, X, y):
    search = HyperbandSearchCV(SGDClassifier(random_state=0), PARAMETERS, max_iter=args.max_iter, random_state=0)
    return search.fit(X, y, classes=[0, 1])


def sha_by_bracket(args, X, y):
    searches = []
    for s, (n, r) in hyperband_brackets(args.max_iter, 3).items():
        sha = SuccessiveHalvingSearchCV(
            SGDClassifier(random_state=0), PARAMETERS, n_initial_parameters=n, n_initial_iter=r,
            max_iter=args.max_iter, aggressiveness=3, random_state=s,
        )
        searches.append(sha.fit(X, y, classes=[0, 1]))
    return searches


def plain_loop(args, n_blocks):
    """The same Hyperband as a plain loop: load a block, fit every model training on it; score in memory."""
    template = HyperbandSearchCV(SGDClassifier(random_state=0), PARAMETERS, max_iter=args.max_iter, random_state=0)
    groups = template._groups(0)
    estimators = {k: clone(template.estimator).set_params(**p) for g in groups for k, p in zip(g.ids, g.candidates)}
    test_block = n_blocks - 1
    train_blocks = list(range(n_blocks - 1))

    def load(b):
        return slow_block(args.rows, args.cols, args.load_time, block_id=(b, 0))

    def train(models, start, stop):
        models = [clone(m) if not hasattr(m, "coef_") else m for m in models]
        for step in range(start, stop):
            block = load(train_blocks[step % len(train_blocks)])
            target = label(block)
            for model in models:
                model.partial_fit(block, target, classes=[0, 1])
        return models

    def score(models):
        block = load(test_block)
        return [model.score(block, label(block)) for model in models]

    return run_search(groups, estimators, train, score, max_iter=args.max_iter)


def measure(run):
    before = loads()
    reset_peak()
    with RSSSampler() as rss:
        start = time.perf_counter()
        result = run()
        seconds = time.perf_counter() - start
    return seconds, loads() - before, rss.peak_above_baseline / 2**20, peak(), result


def compare(args):
    rows = []
    for n_blocks in (args.blocks, 2 * args.blocks):
        X, y = data(n_blocks, args.rows, args.cols, args.load_time)
        cases = [("Hyperband (dask_incr)", lambda: hyperband(args, X, y))]
        if n_blocks == args.blocks:
            cases += [
                ("plain loop (floor)", lambda: plain_loop(args, n_blocks)),
                ("SHA bracket by bracket", lambda: sha_by_bracket(args, X, y)),
            ]
        results = {name: [] for name, _ in cases}
        for _ in range(args.repeats):
            for name, run in cases:  # interleaved, so noise hits every case alike
                with dask.config.set(scheduler="threads"):
                    results[name].append(measure(run))
        for name, runs in results.items():
            steps = _steps(runs[-1][4])
            rows.append(
                [
                    name, n_blocks, median(r[0] for r in runs), median(r[1] for r in runs), steps,
                    median(r[2] for r in runs), median(r[3] for r in runs),
                ]
            )
    return rows


def _steps(result):
    if isinstance(result, list):
        return sum(len(search.train_order_) for search in result)
    return getattr(result, "steps", None) or len(result.train_order_)


def parse(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--blocks", type=int, default=48)
    parser.add_argument("--rows", type=int, default=15_000)
    parser.add_argument("--cols", type=int, default=20)
    parser.add_argument("--max-iter", type=int, default=81)
    parser.add_argument("--load-time", type=float, default=0.05)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.blocks, args.rows, args.max_iter, args.load_time, args.repeats = 12, 2_000, 9, 0.01, 1
    return args


def main(argv=None):
    args = parse(argv)
    limit_malloc_caching()
    rows = compare(args)
    block_mib = args.rows * args.cols * 8 / 2**20
    print("## Hyperband: every bracket on one pass (bench/search.py)\n")
    print(
        f"max_iter={args.max_iter}, aggressiveness=3, SGDClassifier, blocks of {block_mib:.2f} MiB that take "
        f"{args.load_time} s to load, threads scheduler, medians of {args.repeats} interleaved runs. "
        "'steps' is the length of the block order (the training reads); 'X blocks read' counts training "
        "and scoring loads. Targets: X blocks read <= 1.2 x max_iter + the scoring reads; wall <= 1.2 x the "
        "plain loop's; peak RSS flat from N to 2N blocks.\n"
    )
    headers = ["case", "blocks", "wall (s)", "X blocks read", "steps", "peak RSS (MiB)", "blocks alive (max)"]
    print(md_table(headers, rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
