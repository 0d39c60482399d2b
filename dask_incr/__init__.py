"""dask_incr: train scikit-learn estimators block by block over Dask collections.

Each row block of a Dask collection is fed to the estimator's ``partial_fit``,
one after another, as a hand-built Dask graph: the model travels to the data
and only a few blocks are ever in memory.
"""

from . import sizeof  # noqa: F401  (registers an honest dask.sizeof for estimators)
from .core import FitPlan, fit_blocks, plan_fit
from .graph import build_chain
from .orders import block_order, row_permutation, row_seeds
from .wrappers import Incremental
from . import datasets

__all__ = [
    "Incremental",
    "fit_blocks",
    "plan_fit",
    "FitPlan",
    "build_chain",
    "block_order",
    "row_seeds",
    "row_permutation",
    "datasets",
]
__version__ = "0.1.0"
