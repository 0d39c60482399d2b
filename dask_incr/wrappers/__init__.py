"""Meta-estimators that wrap a scikit-learn estimator, as in ``dask_ml.wrappers``.

:class:`Incremental` fits its estimator block by block with ``partial_fit``;
:class:`ParallelPostFit` fits it on data in memory. Both predict, transform
and score dask collections block by block.
"""

from ._incremental import Incremental
from ._parallel_post_fit import ParallelPostFit

__all__ = ["Incremental", "ParallelPostFit"]
