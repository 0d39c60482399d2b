"""dask_incr: train scikit-learn estimators block by block over Dask collections.

Each row block of a Dask collection is fed to the estimator's ``partial_fit``,
one after another, as a hand-built Dask graph: the model travels to the data
and only a few blocks are ever in memory.
"""

from . import (
    datasets,
    sizeof,  # noqa: F401  (registers an honest dask.sizeof for estimators)
)
from .fit import FitPlan, NotIncrementalError, fit_blocks, plan_fit
from .graph import build_chain
from .many import fit_blocks_many
from .options import FitOptions
from .orders import block_order, row_permutation, row_seeds
from .picture import draw_chain
from .search import SuccessiveHalvingSearchCV
from .steps import partial_fit_step, pipeline_partial_fit_step
from .stopping import plot_history
from .wrappers import Incremental

__all__ = [
    "FitOptions",
    "FitPlan",
    "Incremental",
    "NotIncrementalError",
    "SuccessiveHalvingSearchCV",
    "block_order",
    "build_chain",
    "datasets",
    "draw_chain",
    "fit_blocks",
    "fit_blocks_many",
    "partial_fit_step",
    "pipeline_partial_fit_step",
    "plan_fit",
    "plot_history",
    "row_permutation",
    "row_seeds",
]
__version__ = "0.2.0"
