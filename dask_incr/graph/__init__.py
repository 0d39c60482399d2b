"""The low-level library: orders, blocks, the task functions and the chain builder.

:func:`build_chain` is the public fold: one ``partial_fit`` step per entry of
block inputs, keys ``(name, i)``, step ``i`` reading the model of step
``i - 1``. The orders (:func:`block_order`, :func:`row_seeds`) are plain
functions of a seed; the step functions run inside the tasks; the picture
draws a lazy fit.
"""

from .chain import build_chain
from .holding import RereadWarning
from .orders import block_order, row_permutation, row_seeds
from .picture import draw_chain
from .steps import partial_fit_step, pipeline_partial_fit_step

__all__ = [
    "RereadWarning",
    "block_order",
    "build_chain",
    "draw_chain",
    "partial_fit_step",
    "pipeline_partial_fit_step",
    "row_permutation",
    "row_seeds",
]
