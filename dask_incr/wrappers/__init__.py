"""Meta-estimators that wrap a scikit-learn estimator, as in ``dask_ml.wrappers``.

:class:`Incremental` fits its estimator block by block with ``partial_fit``
and predicts, transforms and scores dask collections block by block.
"""

from ._incremental import Incremental

__all__ = ["Incremental"]
