"""Adaptive hyper-parameter searches over streamed blocks, as in ``dask_ml.model_selection``.

Every candidate learns with ``partial_fit`` block by block; the models still
in the race — in every Hyperband bracket — are trained together on one clock,
each block read once per step for all of them, and scored together, the
held-out data read once per scoring round for all of them.
"""

from ._hyperband import HyperbandSearchCV
from ._incremental import IncrementalSearchCV, InverseDecaySearchCV
from ._successive_halving import SuccessiveHalvingSearchCV

__all__ = ["HyperbandSearchCV", "IncrementalSearchCV", "InverseDecaySearchCV", "SuccessiveHalvingSearchCV"]
