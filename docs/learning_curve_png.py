"""Draw docs/_static/learning_curve.png: the learning curve of a real fit with early stopping.

Run from the repository root: ``python docs/learning_curve_png.py``. The fit,
its history and the numbers quoted in docs/stopping.rst come from this run.
"""

import os

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402

from dask_incr import Incremental, plot_history  # noqa: E402
from dask_incr.datasets import make_classification  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))

X, y = make_classification(  # 20 blocks
    n_samples=20_000, n_features=20, n_informative=10, chunks=1_000, flip_y=0.05, random_state=0
)
clf = Incremental(
    MLPClassifier(hidden_layer_sizes=(32,), learning_rate_init=3e-4, random_state=0),
    random_state=0,
    epochs=50,
    early_stopping=True,
    validation_fraction=0.1,
    n_iter_no_change=5,
    tol=1e-3,
)
clf.fit(X, y)

if __name__ == "__main__":
    for entry in clf.history_:
        print(entry)
    ax = plot_history(clf.history_)
    ax.set_title(f"MLPClassifier, 2 of 20 blocks held out: stopped after {len(clf.history_)} of 50 epochs", fontsize=10)
    ax.figure.tight_layout()
    ax.figure.savefig(os.path.join(HERE, "_static", "learning_curve.png"), dpi=100)
    plt.close(ax.figure)
