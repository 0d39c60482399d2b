"""Block-wise prediction and scoring of a fitted estimator over dask collections.

``predict``, ``predict_proba``, ``transform``, ... of a fitted estimator are
mapped over the row blocks of a dask Array (one task per block, column chunks
joined in the task) or the partitions of a dask DataFrame or Bag, lazily, by
:mod:`dask_incr.graph.mapping`. A score is computed from those lazy predictions and
``y`` in memory.
"""

from __future__ import annotations

import dask
from dask.base import get_scheduler
from dask.delayed import Delayed
from sklearn.metrics import get_scorer
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from .fit.checks import check_dimensions
from .fit.scoring import check_scoring, default_scoring
from .graph.blocks import check_input, check_same_rows
from .graph.mapping import apply_block, apply_partition, apply_records, check_meta, predict_blocks

__all__ = [
    "BlockwiseMethods",
    "apply_block",
    "apply_partition",
    "apply_records",
    "check_scoring",
    "predict_blocks",
    "score_blocks",
]


def score_blocks(model, estimator, scoring, X, y=None, sample_weight=None):
    """Score ``estimator`` (wrapped by ``model``) on ``X`` and ``y``, predicting block by block.

    With ``scoring`` (or a classifier's accuracy / regressor's R² by default)
    the predictions of ``model`` are computed block by block, then the metric
    on them and ``y`` in memory. Any other estimator's own ``score`` is given
    X in memory.

    Examples
    --------
    >>> import dask.array as da
    >>> from sklearn.linear_model import LinearRegression
    >>> X = da.arange(8.0, chunks=4).reshape(4, 2)
    >>> reg = LinearRegression().fit(X.compute(), [0.0, 1.0, 2.0, 3.0])
    >>> round(score_blocks(reg, reg, None, X, da.arange(4.0, chunks=2)), 6)
    1.0
    """
    X = check_input(X, "X", optional=False)
    y, sample_weight = check_input(y, "y"), check_input(sample_weight, "sample_weight")
    check_same_rows(X, y, "y")  # before the predictions are computed
    check_same_rows(X, sample_weight, "sample_weight")
    kwargs = {} if sample_weight is None else {"sample_weight": sample_weight}
    lazy = any(dask.is_dask_collection(v) for v in (X, y, sample_weight))
    scoring = scoring if scoring is not None else default_scoring(estimator)
    if scoring is None:
        if lazy:
            X, y, kwargs = dask.compute(X, y, kwargs, scheduler=get_scheduler(cls=Delayed))
        return estimator.score(X, y, **kwargs)
    scorer = get_scorer(scoring)
    if not lazy:
        return scorer(model, X, y, **kwargs)
    y, kwargs = dask.compute(y, kwargs, scheduler=get_scheduler(cls=Delayed))
    return scorer(_Computed(model), X, y, **kwargs)


class _Computed:
    """The fitted wrapper as a scorer sees it: prediction methods return computed values."""

    _METHODS = frozenset({"predict", "predict_proba", "predict_log_proba", "decision_function", "transform"})

    def __init__(self, wrapper):
        self._wrapper = wrapper

    def __getattr__(self, name):
        value = getattr(self._wrapper, name)
        if name not in self._METHODS:
            return value

        def computed(X):
            # A Bag's own default, processes, would pickle the model per partition
            # and needs a __main__ guard: compute as fits do (configured scheduler, else threads).
            return dask.compute(value(X), scheduler=get_scheduler(cls=Delayed))[0]

        computed.__name__ = name  # scorers call the method again by its name
        return computed


def _estimator_has(attr):
    """``available_if`` check: the fitted estimator, or else the wrapped one, has ``attr``."""

    def check(self):
        fitted = self.__dict__.get(self._fitted_attribute)
        return hasattr(fitted if fitted is not None else self.estimator, attr)

    return check


def _can_score(self):
    return self.scoring is not None or _estimator_has("score")(self)


class BlockwiseMethods:
    """The prediction methods and ``score`` of a fitted wrapper, block by block.

    A mixin for a meta-estimator that has ``estimator`` (unfitted), and once
    fitted ``estimator_``, plus ``scoring``, ``meta``, ``predict_meta``,
    ``predict_proba_meta`` and ``transform_meta`` parameters (as
    :class:`dask_incr.Incremental`). Each method exists only when the wrapped
    estimator has it. A class whose fitted estimator has another name (the
    searches' ``best_estimator_``) names it in ``_fitted_attribute``.
    """

    _fitted_attribute = "estimator_"

    @available_if(_estimator_has("predict"))
    def predict(self, X):
        """Predict for each block of ``X``.

        Returns a dask Array (row chunks of X) for a dask Array; for a dask
        DataFrame, a dask Array with one chunk per partition, as dask-ml's
        ``Incremental`` does (a pandas ``predict_meta`` gives a dask Series or
        DataFrame instead); for in-memory data, the estimator's own result.

        Examples
        --------
        >>> import dask.array as da
        >>> from dask_incr import Incremental
        >>> from sklearn.linear_model import SGDRegressor
        >>> X = da.ones((6, 2), chunks=(3, 1))
        >>> reg = Incremental(SGDRegressor(random_state=0)).fit(X, da.ones(6, chunks=3))
        >>> reg.predict(X).chunks
        ((3, 3),)
        """
        return self._apply("predict", X, self.predict_meta)

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities for each block of ``X``: one column per class.

        Examples
        --------
        >>> import dask.array as da
        >>> from dask_incr import Incremental
        >>> from sklearn.linear_model import SGDClassifier
        >>> X = da.arange(12.0, chunks=3).reshape(6, 2)
        >>> clf = Incremental(SGDClassifier(loss="log_loss", random_state=0))
        >>> clf.fit(X, da.arange(6, chunks=3) % 2).predict_proba(X).shape
        (6, 2)
        """
        return self._apply("predict_proba", X, self.predict_proba_meta)

    @available_if(_estimator_has("predict_log_proba"))
    def predict_log_proba(self, X):
        """Log of the class probabilities for each block of ``X``.

        Examples
        --------
        >>> import numpy as np
        >>> from dask_incr import Incremental
        >>> from sklearn.naive_bayes import GaussianNB
        >>> X, y = np.arange(12.0).reshape(6, 2), np.arange(6) % 2
        >>> Incremental(GaussianNB()).fit(X, y).predict_log_proba(X).shape
        (6, 2)
        """
        return self._apply("predict_log_proba", X, self.predict_proba_meta)

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X):
        """Confidence scores for each block of ``X``.

        Examples
        --------
        >>> import numpy as np
        >>> from dask_incr import Incremental
        >>> from sklearn.linear_model import SGDClassifier
        >>> X, y = np.arange(12.0).reshape(6, 2), np.arange(6) % 2
        >>> Incremental(SGDClassifier(random_state=0)).fit(X, y).decision_function(X).shape
        (6,)
        """
        return self._apply("decision_function", X, None)

    @available_if(_estimator_has("transform"))
    def transform(self, X):
        """Transform each block of ``X``.

        Examples
        --------
        >>> import dask.array as da
        >>> from dask_incr import Incremental
        >>> from sklearn.preprocessing import StandardScaler
        >>> X = da.arange(12.0, chunks=4).reshape(6, 2)
        >>> Incremental(StandardScaler()).fit(X).transform(X).mean(axis=0).compute().round(6).tolist()
        [0.0, 0.0]
        """
        return self._apply("transform", X, self.transform_meta)

    @available_if(_estimator_has("transform"))
    def fit_transform(self, X, y=None, **fit_kwargs):
        """:meth:`fit`, then :meth:`transform` of the same ``X`` (lazy for dask input).

        Examples
        --------
        >>> import numpy as np
        >>> from dask_incr import Incremental
        >>> from sklearn.preprocessing import MinMaxScaler
        >>> Incremental(MinMaxScaler()).fit_transform(np.array([[1.0], [3.0]])).ravel().tolist()
        [0.0, 1.0]
        """
        return self.fit(X, y, **fit_kwargs).transform(X)

    @available_if(_estimator_has("get_feature_names_out"))
    def get_feature_names_out(self, input_features=None):
        """Output feature names of the fitted estimator (for ``transform``).

        Examples
        --------
        >>> import numpy as np
        >>> from dask_incr import Incremental
        >>> from sklearn.preprocessing import StandardScaler
        >>> Incremental(StandardScaler()).fit(np.ones((3, 2))).get_feature_names_out().tolist()
        ['x0', 'x1']
        """
        check_is_fitted(self)
        return getattr(self, self._fitted_attribute).get_feature_names_out(input_features)

    @available_if(_can_score)
    def score(self, X, y=None, sample_weight=None):
        """Score the fitted estimator on ``X`` and ``y``.

        With ``scoring`` (or a classifier's accuracy / regressor's R² by
        default) the predictions are computed block by block, then the metric
        on them and ``y`` in memory. Any other estimator's own ``score`` is
        given X in memory.

        Examples
        --------
        >>> import numpy as np
        >>> from dask_incr import Incremental
        >>> from sklearn.linear_model import SGDClassifier
        >>> X, y = np.arange(20.0).reshape(10, 2), np.arange(10) % 2
        >>> clf = Incremental(SGDClassifier(random_state=0), scoring="accuracy").fit(X, y)
        >>> 0 <= clf.score(X, y) <= 1
        True
        """
        check_is_fitted(self)
        return score_blocks(self, getattr(self, self._fitted_attribute), self.scoring, X, y, sample_weight)

    def _apply(self, method, X, meta):
        check_is_fitted(self)
        fitted = getattr(self, self._fitted_attribute)
        X = check_input(X, "X", optional=False)
        check_dimensions(fitted, X)
        if meta is None and method in ("predict", "transform"):
            meta = self.meta
        check_meta(meta, method)
        return predict_blocks(fitted, method, X, meta)
