"""Facade: ``ParallelPostFit``, fit in memory, predict block by block.

As :class:`dask_ml.wrappers.ParallelPostFit`: ``fit`` trains the wrapped
estimator on what it is given (in memory, a sample of the data), then
``predict``, ``predict_proba``, ``predict_log_proba``, ``decision_function``,
``transform`` and ``score`` map it over the blocks of dask collections
lazily, through :class:`dask_incr.blockwise.BlockwiseMethods` (the methods
:class:`dask_incr.Incremental` has).
"""

from __future__ import annotations

import dask
from dask.delayed import Delayed
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from .._validation import type_name
from ..blockwise import BlockwiseMethods
from ..fit.scoring import check_scoring

__all__ = ["ParallelPostFit"]


def _is_estimator_instance(estimator, method):
    """Whether ``estimator`` is an instance with ``method`` (a ``Delayed`` seems to have every attribute)."""
    return not isinstance(estimator, (type, Delayed)) and hasattr(estimator, method)


def _fitted_elsewhere(estimator):
    """Whether the wrapped ``estimator`` is an instance scikit-learn calls fitted."""
    if not _is_estimator_instance(estimator, "fit"):
        return False
    try:
        check_is_fitted(estimator)
    except NotFittedError:
        return False
    return True


class ParallelPostFit(BlockwiseMethods, MetaEstimatorMixin, BaseEstimator):
    """Fit an estimator on data in memory; predict, transform and score dask collections block by block.

    Parameters
    ----------
    estimator : estimator
        Cloned by ``fit``; never changed (dask-ml fits it in place). An
        estimator fitted elsewhere predicts, transforms and scores without ``fit``
        (as with dask-ml).
    scoring : str or callable, optional
        Metric of :meth:`score` (a name known to
        :func:`sklearn.metrics.get_scorer`, or a scorer); by default the
        estimator's own ``score``.
    predict_meta, predict_proba_meta, transform_meta : numpy or pandas object, optional
        An empty object of the type and dtype the method returns for one
        block; without it the output type is found by calling the method on
        one row of zeros.

    Attributes
    ----------
    estimator_ : estimator
        The fitted copy. Its learned attributes (``coef_``, ``classes_``, …)
        can be read on the wrapper too.

    Examples
    --------
    >>> import dask.array as da
    >>> from sklearn.linear_model import LogisticRegression
    >>> from dask_incr.datasets import make_classification
    >>> X, y = make_classification(n_samples=1000, chunks=250, random_state=0)
    >>> clf = ParallelPostFit(LogisticRegression()).fit(X[:250].compute(), y[:250].compute())
    >>> clf.predict(X).chunks
    ((250, 250, 250, 250),)
    >>> 0.5 < clf.score(X, y) <= 1
    True
    """

    meta = None  # dask-ml's ParallelPostFit has no single ``meta`` (Incremental's older template)

    def __init__(self, estimator=None, scoring=None, predict_meta=None, predict_proba_meta=None, transform_meta=None):
        self.estimator = estimator
        self.scoring = scoring
        self.predict_meta = predict_meta
        self.predict_proba_meta = predict_proba_meta
        self.transform_meta = transform_meta

    def __sklearn_is_fitted__(self):
        return "estimator_" in self.__dict__ or _fitted_elsewhere(self.estimator)

    @property
    def _fitted_attribute(self):
        # As dask-ml's, an estimator fitted elsewhere predicts as it is, without fit.
        return "estimator_" if "estimator_" in self.__dict__ else "estimator"

    def __getattr__(self, name):
        # The fitted estimator's learned attributes read through the wrapper (as dask-ml copies them over).
        if name.endswith("_") and not name.startswith("__") and "estimator_" in self.__dict__:
            return getattr(self.__dict__["estimator_"], name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def fit(self, X, y=None, **kwargs):
        """Fit a copy of the estimator on ``X`` and ``y`` (in memory; dask collections are computed first).

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.preprocessing import StandardScaler
        >>> ParallelPostFit(StandardScaler()).fit(np.array([[1.0], [3.0]])).mean_.tolist()
        [2.0]
        """
        return self._fit("fit", X, y, kwargs)

    def partial_fit(self, X, y=None, **kwargs):
        """One ``partial_fit`` call of the estimator (of the fitted copy after the first call).

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.preprocessing import StandardScaler
        >>> wrapper = ParallelPostFit(StandardScaler()).partial_fit(np.array([[1.0]]))
        >>> int(wrapper.partial_fit(np.array([[3.0]])).n_samples_seen_)
        2
        """
        return self._fit("partial_fit", X, y, kwargs)

    def _fit(self, method, X, y, kwargs):
        if not _is_estimator_instance(self.estimator, method):
            raise TypeError(
                f"ParallelPostFit.{method} needs an estimator instance with {method}, got {type_name(self.estimator)}"
            )
        check_scoring(self.scoring)
        # dask-ml hands the data to the estimator as it is; data in memory is what fit means here.
        X, y, kwargs = dask.compute(X, y, kwargs)
        start = self.__dict__.get("estimator_") if method == "partial_fit" else None
        model = clone(self.estimator) if start is None else start
        args = (X,) if y is None else (X, y)
        getattr(model, method)(*args, **kwargs)
        self.estimator_ = model
        return self
