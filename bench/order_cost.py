"""Why ``dask.order`` grows faster than the chain: it counts paths, not tasks.

``dask.order`` first computes, for every task, its "total dependencies" with
``dask.order.ndependencies``: one plus the sum over its dependencies. That is
the number of *paths* to the task, not the number of tasks below it. A gated
chain has two paths from step ``i - 1 - k`` to step ``i`` (through the chain,
and through the gate of block ``i``), so the count grows like a Fibonacci
sequence (k = 1) or 2^i (k = 0): a number of about ``n`` bits at step ``n``.
Adding such numbers costs O(n) per task, so ordering is quadratic in the end,
whatever the graph builder does. Without gates (``prefetch=None``) the counts
stay small, but the blocks are roots again, ordering is far slower and memory
is unbounded. A bare chain of as many tasks is the floor for comparison.

For each chain length this prints the time of ``dask.order.order`` (with the
garbage collector on, as at compute time, and off), the time of
``ndependencies`` alone, and the size in bits of the largest count.

    python bench/order_cost.py --sizes 10000,30000,100000 --unbounded-sizes 1000,3000,10000
"""

from __future__ import annotations

import argparse
import gc
import time

import dask.order
from common import md_table, median
from dask.core import get_deps
from dask.task_spec import Task, TaskRef
from scaling import inputs
from sklearn.linear_model import SGDRegressor

from dask_incr import fit_blocks


def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="10000,30000,100000", help="gated chains (prefetch=1)")
    p.add_argument("--unbounded-sizes", default="1000,3000,10000", help="ungated chains (prefetch=None)")
    p.add_argument("--repeats", type=int, default=3)
    return p.parse_args(argv)


def seconds(fn, *, gc_enabled=True):
    gc.collect()
    if not gc_enabled:
        gc.disable()
    try:
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start
    finally:
        gc.enable()


def _noop(*args):
    return None


def bare_chain(n_tasks):
    """A reference with nothing to order: task j needs task j - 1 only."""
    return {
        ("link", j): Task(("link", j), _noop, *([TaskRef(("link", j - 1))] if j else []))
        for j in range(n_tasks)
    }


def measure(n, prefetch, repeats):
    if prefetch == "bare":
        graph = bare_chain(4 * n)  # as many tasks as a gated chain of n steps
    else:
        X, y = inputs(n)
        graph = dict(fit_blocks(SGDRegressor(), X, y, prefetch=prefetch, compute=False).__dask_graph__())
    dependencies, dependents = get_deps(graph)
    _, total = dask.order.ndependencies(dependencies, dependents)
    return {
        "tasks": len(graph),
        "order": median([seconds(lambda: dask.order.order(graph)) for _ in range(repeats)]),
        "order, GC off": median([seconds(lambda: dask.order.order(graph), gc_enabled=False) for _ in range(repeats)]),
        "ndependencies": median(
            [seconds(lambda: dask.order.ndependencies(dependencies, dependents)) for _ in range(repeats)]
        ),
        "bits": max(total.values()).bit_length(),
    }


def main(argv=None):
    args = parse(argv)
    rows = []
    for prefetch, sizes in ((1, args.sizes), ("bare", args.sizes), (None, args.unbounded_sizes)):
        for n in (int(s) for s in sizes.split(",") if s):
            m = measure(n, prefetch, args.repeats)
            rows.append([
                "bare chain, 4 tasks per step" if prefetch == "bare" else f"prefetch={prefetch}",
                n, m["tasks"], m["order"], m["order"] / n * 1e6, m["order, GC off"], m["ndependencies"], m["bits"],
            ])
    headers = [
        "chain", "steps", "tasks", "dask.order s", "µs/step", "dask.order, GC off s", "ndependencies s",
        "largest path count, bits",
    ]
    return (
        "### Ordering cost: dask.order counts paths\n\n"
        f"Medians of {args.repeats} runs. SGDRegressor chain on blocks of 10 × 3 as in the scaling table. "
        "`ndependencies` is the first pass of `dask.order`; its counts are numbers of paths, which "
        "double (roughly) at every gated step, so their size in bits grows with the chain and their sums "
        "make ordering quadratic. The bare chain (every task needs only the one before it, as many tasks "
        "as the gated chain) is the floor: what dask.order costs on this machine when there is nothing "
        "to decide.\n\n" + md_table(headers, rows)
    )


if __name__ == "__main__":
    print(main())
