"""The functional layer: fit estimators block by block, and plan fits before they run.

:func:`fit_blocks` fits one estimator, :func:`fit_blocks_many` several from
each block read once, :func:`plan_fit` builds a fit without running it. All
three validate their arguments into one :class:`FitOptions` and hand the fit
to the one runner (:mod:`dask_incr.fit.runner`).
"""

from .._validation import NotIncrementalError
from .api import fit_blocks, plan_fit
from .many import fit_blocks_many
from .options import FitOptions
from .runner import FitPlan

__all__ = ["FitOptions", "FitPlan", "NotIncrementalError", "fit_blocks", "fit_blocks_many", "plan_fit"]
