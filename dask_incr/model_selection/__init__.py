"""Adaptive hyper-parameter searches over streamed blocks, as in ``dask_ml.model_selection``.

Every candidate learns with ``partial_fit`` block by block; the models still
in the race are trained together, each block read once for all of them.
"""

from ._successive_halving import SuccessiveHalvingSearchCV

__all__ = ["SuccessiveHalvingSearchCV"]
