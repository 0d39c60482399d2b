"""Datasets: lazy random problems whose blocks are generated independently (as :mod:`dask_ml.datasets`).

Each row block is made by its own task from its own random stream, spawned
from one :class:`numpy.random.SeedSequence`: block ``i`` of a dataset with
seed ``s`` uses ``SeedSequence(s, spawn_key=(1, i))``, and the small
parameters shared by all blocks (cluster centres, coefficients, ...) use
``spawn_key=(0,)``. So no block depends on another, the data never need to be
in memory at once, and the same seed and chunks give the same data on any
scheduler or machine. Rows are drawn block by block, so the data of a seed
depend on the chunks too. The signatures are dask-ml's; how each generator
relates to scikit-learn's and dask-ml's is in the docs (:doc:`/datasets`).
"""

from ._blobs import blobs_block, make_blobs
from ._classification import classification_block, cluster_vertices, make_classification
from ._frames import classification_frame_block, make_classification_df
from ._regression import counts_block, make_counts, make_regression, regression_block

__all__ = [
    "make_blobs",
    "make_classification",
    "make_classification_df",
    "make_counts",
    "make_regression",
    "blobs_block",
    "classification_block",
    "classification_frame_block",
    "cluster_vertices",
    "counts_block",
    "regression_block",
]
