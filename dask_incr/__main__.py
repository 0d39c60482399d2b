"""Demo: ``python -m dask_incr`` fits an SGDClassifier block by block.

Generates a lazy classification dataset of many blocks (never all in memory),
fits it with a progress bar, prints accuracy and timing, and draws the first
steps of the chain when graphviz's ``dot`` is installed.
"""

from __future__ import annotations

import argparse
import pathlib
import time

import dask
from dask.callbacks import Callback
from sklearn.linear_model import SGDClassifier

from . import fit_blocks
from .datasets import make_classification
from .graph.picture import draw_chain, missing_tools

DESCRIPTION = """\
Fit an SGDClassifier block by block on a lazily generated classification
dataset (no block exists until a step needs it), with a progress bar; print
the accuracy on two held-out blocks and the time per block, and draw the
first steps of the chain (needs graphviz's dot program)."""

#: Steps of the chain the picture shows.
PICTURE_STEPS = 6

#: The picture formats the demo writes (graphviz renders many more; these two are shown by any browser).
PICTURE_FORMATS = (".png", ".svg")


def plural(count, noun):
    """``"1 block"``, ``"2 blocks"``.

    Examples
    --------
    >>> plural(1, "block"), plural(2, "block"), plural(1_000, "row")
    ('1 block', '2 blocks', '1,000 rows')
    """
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def size(n_bytes):
    """A size for people: kB below a tenth of a MB, else MB.

    Examples
    --------
    >>> size(48_000), size(1_600_000)
    ('48 kB', '1.6 MB')
    """
    return f"{n_bytes / 1e3:,.0f} kB" if n_bytes < 1e5 else f"{n_bytes / 1e6:,.1f} MB"


def count_of(minimum, what):
    """An argparse ``type``: an integer of at least ``minimum``, refused in one line otherwise.

    Examples
    --------
    >>> count_of(2, "features")("3")
    3
    >>> count_of(2, "features")("1")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: 1 is too few: at least 2 features are needed
    """

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            verb = "is" if minimum == 1 else "are"
            raise argparse.ArgumentTypeError(f"{value} is too few: at least {plural(minimum, what)} {verb} needed")
        return value

    parse.__name__ = what  # argparse names the type in its messages
    return parse


def picture_path(text):
    """An argparse ``type``: a .png or .svg file in an existing folder, refused in one line otherwise.

    Examples
    --------
    >>> picture_path("chain.svg")
    'chain.svg'
    >>> picture_path("chain")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: 'chain' does not end in .png or .svg
    """
    path = pathlib.Path(text)
    if not text.strip() or path.name.lower() in PICTURE_FORMATS:  # "" or ".png": no name, or a hidden file
        raise argparse.ArgumentTypeError(f"{text!r} is no file name: give one such as chain.png")
    if path.suffix.lower() not in PICTURE_FORMATS:
        raise argparse.ArgumentTypeError(f"{text!r} does not end in {' or '.join(PICTURE_FORMATS)}")
    if not path.parent.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r}: the folder {str(path.parent)!r} does not exist")
    return text


class TaskSpan(Callback):
    """Seconds from the first task's start to the last task's end on the local schedulers.

    Unlike a clock around the call, it leaves out the progress bar's polling
    (its last 0.1 s tick) and the building of the graph.
    """

    def __init__(self):
        super().__init__()
        self.first = self.last = None

    def _pretask(self, key, dsk, state):
        if self.first is None:
            self.first = time.perf_counter()

    def _posttask(self, key, result, dsk, state, worker_id):
        self.last = time.perf_counter()

    @property
    def seconds(self):
        return 0.0 if self.first is None else self.last - self.first


def make_parser():
    """The demo's command line: every option with its help and its default.

    Examples
    --------
    >>> make_parser().parse_args(["--blocks", "3"]).blocks
    3
    """
    parser = argparse.ArgumentParser(
        prog="python -m dask_incr",
        description=DESCRIPTION,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--blocks", type=count_of(1, "block"), default=200, help="row blocks to fit, one step each")
    parser.add_argument("--rows", type=count_of(1, "row"), default=10_000, help="rows per block")
    parser.add_argument(
        "--features", type=count_of(2, "feature"), default=20, help="columns of X; at least 2, the informative ones"
    )
    parser.add_argument(
        "--picture",
        type=picture_path,
        default="fit-chain.png",
        help="the .png or .svg file, in a folder that exists, to draw the chain in",
    )
    return parser


def make_data(n_blocks, rows_per_block, n_features, seed):
    """A lazy classification problem: ``n_blocks`` blocks to fit, 2 more held out.

    Each block is generated on its own from its own seed when a step needs it.
    """
    X, y = make_classification(
        n_samples=(n_blocks + 2) * rows_per_block,
        n_features=n_features,
        n_informative=2,
        n_redundant=min(2, n_features - 2),  # the rest of the columns, up to 2, are combinations of the 2
        chunks=rows_per_block,
        random_state=seed,
    )
    split = n_blocks * rows_per_block
    return X[:split], y[:split], X[split:], y[split:]


def main(argv=None):
    args = make_parser().parse_args(argv)
    missing = missing_tools()
    if missing:
        print(f"note: the chain will not be drawn: {missing}")

    X, y, X_test, y_test = make_data(args.blocks, args.rows, args.features, seed=0)
    n_blocks = X.numblocks[0]
    print(
        f"data: {plural(X.shape[0], 'row')} x {plural(X.shape[1], 'feature')} in {plural(n_blocks, 'block')} "
        f"of {size(X.nbytes / n_blocks)} (lazy: {size(X.nbytes)} in all)"
    )
    estimator = SGDClassifier(random_state=0)
    with TaskSpan() as span:
        model = fit_blocks(estimator, X, y, classes=[0, 1], progress=True)
    elapsed = span.seconds
    print(f"fitted {plural(n_blocks, 'block')} in {elapsed:.2f} s ({1e3 * elapsed / n_blocks:.1f} ms per block)")

    X_test, y_test = dask.compute(X_test, y_test)
    print(f"accuracy on {plural(len(y_test), 'held-out row')}: {model.score(X_test, y_test):.3f}")

    if missing:
        return
    lazy = fit_blocks(estimator, X, y, classes=[0, 1], compute=False)  # the same fit, not run
    draw_chain(lazy, filename=args.picture, max_steps=PICTURE_STEPS)
    shown = min(PICTURE_STEPS, n_blocks)
    print(f"the chain is drawn in {args.picture} (its first {shown} of {plural(n_blocks, 'step')})")


if __name__ == "__main__":
    main()
