"""Many models, one pass (issue 14): fit_blocks_many and the halving search.

1. K = 1, 4, 16 SGDRegressor models over N blocks (threads): blocks loaded
   (a counting loader), wall time and peak RSS above baseline of
   ``fit_blocks_many`` against K separate ``fit_blocks`` runs and K dask-ml
   ``Incremental`` fits.
2. ``SuccessiveHalvingSearchCV``: dask_incr's against dask-ml's on an
   in-process ``LocalCluster`` (2 workers × 1 thread; in-process so the loader's
   counter sees every load), same data, candidates and budget: wall time,
   blocks read, peak RSS, best score (each on its own held-out data, as each
   library splits it), ``partial_fit`` calls. dask-ml's may fail with dask
   2026.8; the error is then recorded.

    python bench/many.py            # 200 blocks
    python bench/many.py --quick    # 200 blocks of 0.4 MB, one run, a small search
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback

import common  # noqa: F401  (puts the checkout on sys.path)
import dask
import dask.array as da
import numpy as np
from common import RSSSampler, limit_malloc_caching, md_table, median
from counting import counted_block, linear_target, loads, peak, reset_peak
from sklearn.linear_model import SGDClassifier, SGDRegressor

from dask_incr import SuccessiveHalvingSearchCV, fit_blocks, fit_blocks_many


def counted_data(n_blocks, rows, cols):
    X = da.map_blocks(
        counted_block,
        rows,
        cols,
        chunks=((rows,) * n_blocks, (cols,)),
        dtype=float,
        meta=np.empty((0, 0)),
        name=f"counted-{n_blocks}-{rows}-{cols}",
    )
    return X, X.map_blocks(linear_target, drop_axis=1, dtype=float)


def measure(run):
    """``(seconds, blocks loaded, peak RSS MiB above baseline, most blocks alive, error, result)`` of one call.

    On failure ``result`` is the traceback.
    """
    before = loads()
    reset_peak()
    try:
        with RSSSampler() as rss:
            start = time.perf_counter()
            result = run()
            seconds = time.perf_counter() - start
        return seconds, loads() - before, rss.peak_above_baseline / 2**20, peak(), None, result
    except Exception as error:  # a reference that fails: record why
        error_text = f"{type(error).__name__}: {str(error)[:100]}"
        return None, loads() - before, None, None, error_text, traceback.format_exc()


def many_models(args):
    X, y = counted_data(args.blocks, args.rows, args.cols)
    block_mib = args.rows * args.cols * 8 / 2**20

    def models(k):
        return [SGDRegressor(alpha=10.0 ** -(i % 6), random_state=i) for i in range(k)]

    def dask_ml_fits(k):
        from dask_ml.wrappers import Incremental

        return [Incremental(m, shuffle_blocks=False).fit(X, y).estimator_ for m in models(k)]

    cases = {
        "fit_blocks_many": lambda k: fit_blocks_many(models(k), X, y),
        "K × fit_blocks": lambda k: [fit_blocks(m, X, y) for m in models(k)],
        "K × dask-ml Incremental": dask_ml_fits,
    }
    rows = []
    with dask.config.set(scheduler="threads"):
        for run in cases.values():  # warm up: thread pools, imports, first allocations
            measure(lambda: run(1))
        for k in args.models:
            times = {case: [] for case in cases}
            found = {}
            for _ in range(args.repeats):
                for case, run in cases.items():
                    seconds, n_loads, rss, alive, error, _ = measure(lambda: run(k))
                    times[case].append(seconds)
                    found[case] = (n_loads, rss, alive, error)
            reference = median(times["K × fit_blocks"])
            for case in cases:
                n_loads, rss, alive, error = found[case]
                t = median(times[case])
                rows.append([
                    k, case, n_loads, n_loads / args.blocks, t, t / reference if reference else None,
                    rss, rss / block_mib if rss is not None else None, alive, error or "",
                ])
    headers = [
        "K", "fit", "blocks loaded", "loads / block", "median s", "/ K × fit_blocks", "peak RSS MiB",
        "RSS / block", "most blocks alive", "error",
    ]
    return (
        f"### Many models: K SGDRegressor over {args.blocks} blocks of {args.rows} × {args.cols} "
        f"({block_mib:.2f} MiB), threads\n\n"
        f"Median of {args.repeats} run(s), cases interleaved, after a warm-up run of each with K=1. 'blocks loaded' "
        "counts the loader's calls in the last run; 'most blocks alive' is the loader's live-block counter "
        "(weakref.finalize); peak RSS is this process's, above the baseline, sampled every 20 ms (noisy at this "
        "block size).\n\n"
        + md_table(headers, rows)
    )


def search_comparison(args):
    from distributed import Client, LocalCluster

    n_blocks = args.search_blocks
    X, target = counted_data(n_blocks, args.rows, args.cols)
    y = (target > 0).astype(int)
    parameters = {"alpha": list(np.logspace(-6, 0, 13)), "penalty": ["l2", "l1", "elasticnet"]}
    common_params = dict(
        n_initial_parameters=args.candidates,
        n_initial_iter=args.initial_iter,
        aggressiveness=3,
        random_state=0,
    )

    def ours():
        search = SuccessiveHalvingSearchCV(SGDClassifier(random_state=0), parameters, **common_params)
        return search.fit(X, y, classes=[0, 1])

    def theirs():
        from dask_ml.model_selection import SuccessiveHalvingSearchCV as DaskMLSearch

        search = DaskMLSearch(SGDClassifier(random_state=0), parameters, **common_params)
        return search.fit(X, y, classes=[0, 1])

    rows = []
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
            Client(cluster):
        searches = {"dask_incr SuccessiveHalvingSearchCV": ours, "dask-ml SuccessiveHalvingSearchCV": theirs}
        for name, run in searches.items():
            seconds, n_loads, rss, alive, error, result = measure(run)
            if error is None:
                calls = int(np.sum(result.cv_results_["partial_fit_calls"]))
                best = {key: getattr(value, "item", lambda v=value: v)() for key, value in result.best_params_.items()}
                rows.append([name, seconds, n_loads, rss, alive, result.best_score_, str(best), calls, ""])
            else:
                rows.append([name, None, n_loads, None, None, None, "", None, error])
                print(result, file=sys.stderr)
    headers = [
        "search", "s", "blocks loaded", "peak RSS MiB", "most blocks alive", "best score", "best params",
        "partial_fit calls", "error",
    ]
    return (
        f"### Halving search: {args.candidates} SGDClassifier candidates, n_initial_iter={args.initial_iter}, "
        f"aggressiveness=3, {n_blocks} blocks of {args.rows} × {args.cols}, LocalCluster(2 workers × 1 thread, "
        "in-process)\n\n"
        "One run each. 'blocks loaded' counts every load (training and scoring); each best score is on that "
        "library's own held-out data (dask_incr: one whole block; dask-ml: rows split off by train_test_split).\n\n"
        + md_table(headers, rows)
    )


def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--blocks", type=int, default=200)
    p.add_argument("--rows", type=int, default=2000)
    p.add_argument("--cols", type=int, default=50)
    p.add_argument("--models", type=lambda s: [int(k) for k in s.split(",")], default=[1, 4, 16])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--search-blocks", type=int, default=100)
    p.add_argument("--candidates", type=int, default=27)
    p.add_argument("--initial-iter", type=int, default=3)
    p.add_argument("--quick", action="store_true", help="200 blocks of 1000 × 50, one run; search: 9 candidates")
    args = p.parse_args(argv)
    if args.quick:
        args.rows, args.cols, args.repeats = 1000, 50, 1
        args.search_blocks, args.candidates, args.initial_iter = 40, 9, 1
    return args


def main(argv=None):
    args = parse(argv)
    limit_malloc_caching()
    return "\n\n".join([many_models(args), search_comparison(args)])


if __name__ == "__main__":
    print(main())
