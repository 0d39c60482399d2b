"""dask_incr: train scikit-learn estimators block by block over Dask collections.

Each row block of a Dask collection is fed to the estimator's ``partial_fit``,
one after another, as a hand-built Dask graph: the model travels to the data
and only a few blocks are ever in memory.
"""

from .core import fit_blocks
from .graph import build_chain
from .orders import block_order, row_permutation, row_seeds
from .wrappers import Incremental
from . import datasets

__all__ = ["Incremental", "fit_blocks", "build_chain", "block_order", "row_seeds", "row_permutation"]
__version__ = "0.1.0"
