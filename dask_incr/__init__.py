"""dask_incr: train scikit-learn estimators block by block over Dask collections.

Each row block of a Dask collection is fed to the estimator's ``partial_fit``,
one after another, as a hand-built Dask graph: the model travels to the data
and only a few blocks are ever in memory.

The package mirrors dask-ml's modules: :mod:`dask_incr.wrappers`
(``Incremental``), :mod:`dask_incr.model_selection` (the searches) and
:mod:`dask_incr.datasets`; below them :mod:`dask_incr.fit` (the functional
API) and :mod:`dask_incr.graph` (the graph builder).
"""

from . import datasets, model_selection, wrappers
from .fit import FitOptions, FitPlan, NotIncrementalError, fit_blocks, fit_blocks_many, plan_fit
from .fit.stopping import plot_history
from .graph import (
    block_order,
    build_chain,
    draw_chain,
    partial_fit_step,
    pipeline_partial_fit_step,
    row_permutation,
    row_seeds,
    sizeof,  # noqa: F401  (registers an honest dask.sizeof for estimators)
)
from .model_selection import (
    HyperbandSearchCV,
    IncrementalSearchCV,
    InverseDecaySearchCV,
    SuccessiveHalvingSearchCV,
)
from .wrappers import Incremental, ParallelPostFit

__all__ = [
    "FitOptions",
    "FitPlan",
    "HyperbandSearchCV",
    "Incremental",
    "IncrementalSearchCV",
    "InverseDecaySearchCV",
    "NotIncrementalError",
    "ParallelPostFit",
    "SuccessiveHalvingSearchCV",
    "block_order",
    "build_chain",
    "datasets",
    "draw_chain",
    "fit_blocks",
    "fit_blocks_many",
    "model_selection",
    "partial_fit_step",
    "pipeline_partial_fit_step",
    "plan_fit",
    "plot_history",
    "row_permutation",
    "row_seeds",
    "wrappers",
]
__version__ = "0.3.0"
