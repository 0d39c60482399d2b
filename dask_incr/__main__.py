"""Demo: ``python -m dask_incr`` fits an SGDClassifier block by block.

Generates a lazy classification dataset of many blocks (never all in memory),
fits it with a progress bar, prints accuracy and timing, and draws the first
steps of the chain when graphviz's ``dot`` is installed.
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import time

import dask
from sklearn.linear_model import SGDClassifier

from . import fit_blocks
from .datasets import make_classification


def make_data(n_blocks, rows_per_block, n_features, seed):
    """A lazy classification problem: ``n_blocks`` blocks to fit, 2 more held out.

    Each block is generated on its own from its own seed when a step needs it.
    """
    X, y = make_classification(
        n_samples=(n_blocks + 2) * rows_per_block,
        n_features=n_features,
        chunks=rows_per_block,
        random_state=seed,
    )
    split = n_blocks * rows_per_block
    return X[:split], y[:split], X[split:], y[split:]


def picture_tools_missing():
    """Why the chain cannot be drawn here, or ``None`` when it can."""
    if importlib.util.find_spec("graphviz") is None:
        return "the `graphviz` Python package is missing; `pip install graphviz`"
    if shutil.which("dot") is None:
        return (
            "graphviz's `dot` program is not installed; install it with `apt-get install graphviz` "
            "(Debian/Ubuntu), `brew install graphviz` (macOS) or `conda install graphviz`"
        )
    return None


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m dask_incr", description=__doc__)
    parser.add_argument("--blocks", type=int, default=200)
    parser.add_argument("--rows", type=int, default=10_000, help="rows per block")
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--picture", default="fit-chain.png", help="where to draw the chain")
    args = parser.parse_args(argv)

    X, y, X_test, y_test = make_data(args.blocks, args.rows, args.features, seed=0)
    print(
        f"data: {X.shape[0]:,} rows x {X.shape[1]} features in {X.numblocks[0]} blocks "
        f"of {X.nbytes / X.numblocks[0] / 1e6:.1f} MB (lazy: {X.nbytes / 1e6:.0f} MB in all)"
    )
    estimator = SGDClassifier(random_state=0)
    start = time.perf_counter()
    model = fit_blocks(estimator, X, y, classes=[0, 1], progress=True)
    elapsed = time.perf_counter() - start
    print(f"fitted {X.numblocks[0]} blocks in {elapsed:.2f} s ({1e3 * elapsed / X.numblocks[0]:.1f} ms per block)")

    X_test, y_test = dask.compute(X_test, y_test)
    print(f"accuracy on held-out data: {model.score(X_test, y_test):.3f}")

    missing = picture_tools_missing()
    if missing:
        print(f"the chain is not drawn: {missing}")
        return
    lazy = fit_blocks(estimator, X[: 4 * args.rows], y[: 4 * args.rows], classes=[0, 1], compute=False)
    dask.visualize(lazy, filename=args.picture)
    print(f"the chain of the first 4 steps is drawn in {args.picture}")


if __name__ == "__main__":
    main()
