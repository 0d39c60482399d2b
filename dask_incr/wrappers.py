"""Facade: ``Incremental``, a scikit-learn meta-estimator over :func:`~dask_incr.fit_blocks`.

``fit`` and ``partial_fit`` train the wrapped estimator block by block through
the functional layer; ``predict``, ``predict_proba``, ``predict_log_proba``,
``decision_function`` and ``transform`` map the fitted estimator over the
blocks of a dask collection, lazily, and ``score`` computes a metric from
those lazy predictions. Each method exists only when the wrapped estimator has
it, so ``hasattr`` tells the truth to Pipeline and GridSearchCV.
"""

from __future__ import annotations

import inspect
from copy import deepcopy

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
from scipy import sparse
from dask.base import tokenize
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone
from sklearn.metrics import get_scorer
from sklearn.utils import get_tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from .core import check_incremental, compute_with_progress, fit_blocks, plan_fit, read_ahead
from .orders import resolve_seed

__all__ = ["Incremental", "call_seed", "fitted_wrapper", "apply_block", "apply_partition"]

# Options of fit_blocks that Incremental sets from its own parameters; passing
# them to fit() as if they were partial_fit arguments is a mistake worth naming.
_FIT_OPTIONS = frozenset(
    name
    for name, p in inspect.signature(fit_blocks).parameters.items()
    if p.kind is p.KEYWORD_ONLY and name != "sample_weight"
)


def call_seed(seed, call):
    """The shuffling seed of the ``call``-th fit of a chain of ``partial_fit`` calls.

    Call 0 (``fit``, or the first ``partial_fit``) uses ``seed`` itself, so
    ``Incremental(est, random_state=s).fit(X, y)`` visits the blocks in the
    order ``fit_blocks(est, X, y, shuffle_blocks=True, random_state=s)`` does.
    Later calls use a seed derived from the pair ``(seed, call)`` with
    :class:`numpy.random.SeedSequence`: reproducible, and different on every call.

    Examples
    --------
    >>> call_seed(7, 0)
    7
    >>> call_seed(7, 1) == call_seed(7, 1) != call_seed(7, 2)
    True
    """
    if call == 0:
        return seed
    return int(np.random.SeedSequence((seed, call)).generate_state(1, np.uint64)[0])


def _estimator_has(attr):
    """``available_if`` check: the fitted estimator, or else the wrapped one, has ``attr``."""

    def check(self):
        fitted = self.__dict__.get("estimator_")
        return hasattr(fitted if fitted is not None else self.estimator, attr)

    return check


def _can_score(self):
    return self.scoring is not None or _estimator_has("score")(self)


class Incremental(MetaEstimatorMixin, BaseEstimator):
    """Train an estimator block by block with ``partial_fit``; predict block by block.

    A drop-in replacement for :class:`dask_ml.wrappers.Incremental`: ``fit``
    feeds each row block of a dask Array or DataFrame to
    ``estimator.partial_fit``, one after another, through
    :func:`dask_incr.fit_blocks`; numpy and pandas data are one block. The
    prediction methods map the fitted estimator over the blocks of a dask
    collection lazily and return dask collections; on in-memory data they
    return what the estimator returns.

    Parameters
    ----------
    estimator : estimator with ``partial_fit``
        Cloned by ``fit``; never changed.
    scoring : str or callable, optional
        Metric of :meth:`score`: a name known to
        :func:`sklearn.metrics.get_scorer` or a scorer
        ``scoring(estimator, X, y)``. By default the estimator's own ``score``
        (classifiers and regressors whose ``score`` is scikit-learn's accuracy
        or R² are scored from lazy predictions; other scores load X).
    shuffle_blocks : bool, default True
        Visit the blocks in a random order on every pass.
    random_state : None, int, RandomState or Generator
        Seed of the shuffles. With an int, ``fit`` is reproducible and a
        sequence of ``partial_fit`` calls is too, each call visiting its own
        order (see :func:`call_seed`). The seed of a sequence of
        ``partial_fit`` calls is drawn at its first call.
    assume_equal_chunks : bool, default True
        Accepted for compatibility with dask-ml; y and sample_weight are
        always checked against X's row blocks and realigned when needed.
    predict_meta, predict_proba_meta, transform_meta : numpy or pandas object, optional
        An empty object of the type and dtype that ``predict``,
        ``predict_proba`` (and ``predict_log_proba``) and ``transform`` return
        for one block. Without it the output type is found by calling the
        method on one row of zeros.
    epochs : int, default 1
        Passes over the data per ``fit`` or ``partial_fit`` call.
    prefetch : int or None, default 1
        Blocks loaded ahead of the one being fitted (``None``: unbounded;
        none on the synchronous scheduler, see :func:`dask_incr.core.read_ahead`).
    shuffle_rows : bool, default False
        Also shuffle the rows inside each block.
    meta : numpy or pandas object, optional
        The single output template of older dask-ml releases: used by
        ``predict`` and ``transform`` when ``predict_meta`` /
        ``transform_meta`` are not given.

    Attributes
    ----------
    estimator_ : estimator
        The fitted copy. Its learned attributes (``coef_``, ``classes_``,
        ``n_features_in_``, …) can be read on the wrapper too.
    order_ : list of int
        The blocks visited by the last ``fit`` or ``partial_fit`` call, one
        entry per ``partial_fit`` step.
    seed_ : int or None
        The seed that produced ``order_`` (``None`` when nothing was
        shuffled): ``fit_blocks(..., random_state=seed_)`` replays the call.
    n_calls_ : int
        Fits that built ``estimator_``: 1 after ``fit``, +1 per ``partial_fit``.

    See Also
    --------
    dask_incr.fit_blocks : the functional form.

    Examples
    --------
    >>> from sklearn.linear_model import SGDClassifier
    >>> from dask_incr.datasets import make_classification
    >>> X, y = make_classification(chunks=25, random_state=0)
    >>> clf = Incremental(SGDClassifier(random_state=0), random_state=0)
    >>> clf.fit(X, y, classes=[0, 1]).coef_.shape
    (1, 20)
    >>> sorted(clf.order_)
    [0, 1, 2, 3]
    >>> clf.predict(X)  # lazy, one task per block
    dask.array<predict, shape=(100,), dtype=int64, chunksize=(25,), chunktype=numpy.ndarray>
    >>> 0.5 < clf.score(X, y) <= 1
    True
    """

    def __init__(
        self,
        estimator=None,
        scoring=None,
        shuffle_blocks=True,
        random_state=None,
        assume_equal_chunks=True,
        predict_meta=None,
        predict_proba_meta=None,
        transform_meta=None,
        *,
        epochs=1,
        prefetch=1,
        shuffle_rows=False,
        meta=None,
    ):
        # dask-ml's parameters come first, positionally, in dask-ml's order;
        # ours are keyword-only.
        self.estimator = estimator
        self.scoring = scoring
        self.shuffle_blocks = shuffle_blocks
        self.random_state = random_state
        self.assume_equal_chunks = assume_equal_chunks
        self.predict_meta = predict_meta
        self.predict_proba_meta = predict_proba_meta
        self.transform_meta = transform_meta
        self.epochs = epochs
        self.prefetch = prefetch
        self.shuffle_rows = shuffle_rows
        self.meta = meta

    # -- learned attributes -------------------------------------------------

    def __getattr__(self, name):
        # Only reached when normal lookup fails. Public learned attributes
        # (trailing underscore) are read from the fitted estimator; private
        # and dunder names never are, so copy, pickle and clone see a plain
        # object, and nothing is found before fit.
        if name.endswith("_") and not name.startswith("_"):
            fitted = self.__dict__.get("estimator_")
            if fitted is not None and hasattr(fitted, name):
                return getattr(fitted, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __sklearn_is_fitted__(self):
        return "estimator_" in self.__dict__

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = _tags_of(self.estimator)
        if inner is None:
            return tags
        tags.estimator_type = inner.estimator_type
        tags.classifier_tags = deepcopy(inner.classifier_tags)
        tags.regressor_tags = deepcopy(inner.regressor_tags)
        tags.transformer_tags = deepcopy(inner.transformer_tags)
        tags.target_tags = deepcopy(inner.target_tags)
        # In-memory data goes to the estimator as it is.
        tags.input_tags = deepcopy(inner.input_tags)
        tags.non_deterministic = inner.non_deterministic
        return tags

    # -- fitting ------------------------------------------------------------

    def fit(self, X, y=None, **fit_kwargs):
        """Fit a clone of ``estimator`` with one ``partial_fit`` per row block.

        Parameters
        ----------
        X : dask Array, DataFrame or Series, or numpy / pandas data
        y : dask or in-memory data, optional
        **fit_kwargs
            Passed to every ``partial_fit`` call; ``sample_weight`` is split
            along X's row blocks. A classifier whose ``partial_fit`` takes
            ``classes`` gets the labels found in ``y`` unless ``classes`` is
            given (which saves a pass over ``y``).

        Returns
        -------
        self

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.linear_model import SGDRegressor
        >>> X, y = np.arange(20.0).reshape(10, 2), np.arange(10.0)
        >>> Incremental(SGDRegressor(random_state=0)).fit(X, y).n_features_in_
        2
        """
        check_incremental(self.estimator)
        start = clone(self.estimator)
        self._check_call(start, y, fit_kwargs)
        fit_kwargs = self._with_classes(start, _array_like(y), fit_kwargs)
        return self._fit(start, X, y, fit_kwargs, call=0)

    def partial_fit(self, X, y=None, **fit_kwargs):
        """One more pass over ``X``, continuing from ``estimator_``.

        The first call starts from a clone of ``estimator`` (and so equals
        :meth:`fit`); each later call shuffles with its own seed derived from
        ``random_state`` and the call count (see :func:`call_seed`).

        Parameters
        ----------
        X, y, **fit_kwargs
            As for :meth:`fit`; classifiers need ``classes`` on the first call.

        Returns
        -------
        self

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.linear_model import SGDClassifier
        >>> X, y = np.arange(20.0).reshape(10, 2), np.arange(10) % 2
        >>> clf = Incremental(SGDClassifier(random_state=0), random_state=0)
        >>> clf.partial_fit(X, y, classes=[0, 1]).partial_fit(X, y).n_calls_
        2
        """
        if self.__sklearn_is_fitted__():
            start, call = self.estimator_, self.n_calls_
        else:
            check_incremental(self.estimator)
            start, call = clone(self.estimator), 0
        self._check_call(start, y, fit_kwargs)
        return self._fit(start, X, y, fit_kwargs, call=call)

    def lazy_fit(self, X, y=None, **fit_kwargs):
        """The graph of :meth:`fit`, not yet run: a ``Delayed`` fitted ``Incremental``.

        Nothing is computed and ``self`` is not changed. Computing the result
        gives a new fitted wrapper, equal to ``clone(self).fit(X, y, ...)``
        with the same seed. ``dask.visualize(result)`` draws the chain of
        ``partial_fit_step`` tasks, one per block, ending in the wrapper.

        Examples
        --------
        >>> from sklearn.linear_model import SGDClassifier
        >>> from dask_incr.datasets import make_classification
        >>> X, y = make_classification(n_samples=60, chunks=20, random_state=0)
        >>> lazy = Incremental(SGDClassifier(), random_state=0).lazy_fit(X, y, classes=[0, 1])
        >>> lazy.key.startswith("incremental-")
        True
        >>> lazy.compute().order_
        [2, 1, 0]
        """
        check_incremental(self.estimator)
        start = clone(self.estimator)
        self._check_call(start, y, fit_kwargs)
        fit_kwargs = self._with_classes(start, _array_like(y), fit_kwargs)
        model, state = self._run(start, X, y, fit_kwargs, call=0, compute=False)
        template = clone(self)
        name = "incremental-" + tokenize(model.key, template, state)
        return dask.delayed(fitted_wrapper, pure=True)(template, model, state, dask_key_name=name)

    def _fit(self, start, X, y, fit_kwargs, *, call):
        model, state = self._run(start, X, y, fit_kwargs, call=call, compute=True)
        # Only now, after success: a failed fit leaves the wrapper as it was.
        self.__dict__.update(state, estimator_=model)
        return self

    def _check_call(self, start, y, fit_kwargs):
        """Refuse what fit_blocks would misread, and a bad ``scoring``, before any work."""
        _check_scoring(self.scoring)
        tags = _tags_of(start)
        if y is None and tags is not None and tags.target_tags.required:
            raise ValueError(f"{type(start).__name__} requires y to be passed, but the target y is None")
        reserved = sorted(_FIT_OPTIONS.intersection(fit_kwargs))
        if reserved:
            raise TypeError(
                f"{reserved[0]!r} is not an argument of {type(start).__name__}.partial_fit; "
                f"set it on the wrapper: Incremental(..., {reserved[0]}=...) or use dask_incr.fit_blocks"
            )

    def _run(self, start, X, y, fit_kwargs, *, call, compute):
        X, y = _array_like(X), _array_like(y)
        shuffled = self.shuffle_blocks or self.shuffle_rows
        base_seed = None
        if shuffled:
            # A chain of partial_fit calls keeps the seed its first shuffled call drew.
            base_seed = self.__dict__.get("_base_seed") if call else None
            if base_seed is None:
                base_seed = resolve_seed(self.random_state)
        seed = call_seed(base_seed, call) if shuffled else None
        plan = plan_fit(
            start,
            X,
            y,
            shuffle_blocks=self.shuffle_blocks,
            shuffle_rows=self.shuffle_rows,
            epochs=self.epochs,
            random_state=seed,
            prefetch=read_ahead(self.prefetch, X, y, *fit_kwargs.values()) if compute else self.prefetch,
            **fit_kwargs,
        )
        order = plan.order
        model = compute_with_progress(plan.result) if compute else plan.result
        state = {"order_": order, "seed_": seed, "n_calls_": call + 1, "_base_seed": base_seed}
        return model, state

    @staticmethod
    def _with_classes(estimator, y, fit_kwargs):
        """Add ``classes`` found in ``y`` when a classifier's partial_fit needs them."""
        if (
            y is None
            or "classes" in fit_kwargs
            or getattr(_tags_of(estimator), "estimator_type", None) != "classifier"
            or "classes" not in inspect.signature(estimator.partial_fit).parameters
            or (getattr(y, "ndim", 1) == 2 and y.shape[1] != 1)  # multi-output
        ):
            return fit_kwargs
        return {**fit_kwargs, "classes": _labels(y)}

    # -- prediction -----------------------------------------------------------

    @available_if(_estimator_has("predict"))
    def predict(self, X):
        """Predict for each block of ``X``.

        Returns a dask Array (row chunks of X) for a dask Array, a dask Series
        or DataFrame for a dask DataFrame (``predict_meta`` sets its type),
        and the estimator's own result for in-memory data.

        Examples
        --------
        >>> import dask.array as da
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
        >>> from sklearn.preprocessing import StandardScaler
        >>> Incremental(StandardScaler()).fit(np.ones((3, 2))).get_feature_names_out().tolist()
        ['x0', 'x1']
        """
        check_is_fitted(self)
        return self.estimator_.get_feature_names_out(input_features)

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
        >>> from sklearn.linear_model import SGDClassifier
        >>> X, y = np.arange(20.0).reshape(10, 2), np.arange(10) % 2
        >>> clf = Incremental(SGDClassifier(random_state=0), scoring="accuracy").fit(X, y)
        >>> 0 <= clf.score(X, y) <= 1
        True
        """
        check_is_fitted(self)
        kwargs = {} if sample_weight is None else {"sample_weight": sample_weight}
        lazy = any(dask.is_dask_collection(v) for v in (X, y, sample_weight))
        scoring = self.scoring if self.scoring is not None else _mixin_scoring(self.estimator_)
        if scoring is None:
            if lazy:
                X, y, kwargs = dask.compute(X, y, kwargs)
            return self.estimator_.score(X, y, **kwargs)
        scorer = get_scorer(scoring)
        if not lazy:
            return scorer(self, X, y, **kwargs)
        y, kwargs = dask.compute(y, kwargs)
        return scorer(_Computed(self), X, y, **kwargs)

    def _apply(self, method, X, meta):
        check_is_fitted(self)
        if meta is None and method in ("predict", "transform"):
            meta = self.meta
        estimator = self.estimator_
        if isinstance(X, da.Array):
            return _map_array(estimator, method, X, meta)
        if isinstance(X, (dd.DataFrame, dd.Series)):
            return _map_frame(estimator, method, X, meta)
        return getattr(estimator, method)(X)


def fitted_wrapper(template, estimator, state):
    """A fitted copy of an unfitted ``Incremental``: the last task of :meth:`Incremental.lazy_fit`.

    Examples
    --------
    >>> from sklearn.preprocessing import StandardScaler
    >>> w = fitted_wrapper(Incremental(StandardScaler()), StandardScaler(), {"order_": [0]})
    >>> w.order_, hasattr(w, "estimator_")
    ([0], True)
    """
    wrapper = clone(template)  # the template may be shared by reference; never mutate it
    wrapper.__dict__.update(state, estimator_=estimator)
    return wrapper


def _tags_of(estimator):
    """scikit-learn tags of ``estimator``, or ``None`` for objects without any
    (any object with ``partial_fit`` can be wrapped, not only scikit-learn's)."""
    try:
        return get_tags(estimator)
    except (AttributeError, TypeError, ValueError):
        return None


def _check_scoring(scoring):
    """Refuse a ``scoring`` that :meth:`Incremental.score` could not use, at fit time.

    Names must be known to :func:`sklearn.metrics.get_scorer`; a callable must
    be a scorer ``(estimator, X, y)``, not a metric ``(y_true, y_pred)``. No
    ``score`` method is asked of the estimator.

    Examples
    --------
    >>> from sklearn.metrics import accuracy_score
    >>> _check_scoring(accuracy_score)
    Traceback (most recent call last):
    ...
    ValueError: scoring=accuracy_score looks like a metric function rather than a scorer...
    """
    if scoring is None:
        return
    if isinstance(scoring, str):
        get_scorer(scoring)  # ValueError naming the unknown scoring value
        return
    if not callable(scoring):
        raise TypeError(f"scoring must be None, a metric name or a scorer callable, got {scoring!r}")
    try:
        first = next(iter(inspect.signature(scoring).parameters), None)
    except (TypeError, ValueError):  # no signature to read: trust the caller
        return
    if first in ("y_true", "labels_true", "y"):
        name = getattr(scoring, "__name__", repr(scoring))
        raise ValueError(
            f"scoring={name} looks like a metric function rather than a scorer: a scorer is "
            f"called as scorer(estimator, X, y); wrap the metric with sklearn.metrics.make_scorer({name})"
        )


def _mixin_scoring(estimator):
    """The metric name of scikit-learn's own ``score`` of classifiers and regressors."""
    from sklearn.base import ClassifierMixin, RegressorMixin

    score = getattr(type(estimator), "score", None)
    if score is ClassifierMixin.score:
        return "accuracy"
    if score is RegressorMixin.score:
        return "r2"
    return None


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
            return dask.compute(value(X))[0]

        computed.__name__ = name  # scorers call the method again by its name
        return computed


def _array_like(data):
    """In-memory data the blocks layer can slice: array-likes without a shape become
    numpy arrays, sparse formats without row indexing become CSR."""
    if data is None or dask.is_dask_collection(data):
        return data
    if sparse.issparse(data):
        return data if data.format in ("csr", "csc", "lil", "dok") else data.tocsr()
    if hasattr(data, "shape") and hasattr(data, "__getitem__"):
        return data
    return np.asarray(data)


def _labels(y):
    """The sorted distinct labels of ``y`` (dask or in memory)."""
    if isinstance(y, da.Array):
        (labels,) = dask.compute(da.unique(y))
    elif isinstance(y, (dd.Series, dd.DataFrame)):
        (labels,) = dask.compute(y.drop_duplicates())
    else:
        labels = y
    return np.unique(np.asarray(labels))


# -- block-wise application -----------------------------------------------------


def apply_block(block, estimator, method, tail, out_dtype):
    """``estimator.<method>(block)`` for one block of a dask Array.

    A block of 0 rows gives an empty result of the right shape and dtype,
    without calling the estimator (scikit-learn refuses empty input).

    Examples
    --------
    >>> from sklearn.preprocessing import StandardScaler
    >>> scaler = StandardScaler().fit(np.ones((2, 3)))
    >>> apply_block(np.zeros((0, 3)), scaler, "transform", (3,), float).shape
    (0, 3)
    """
    if block.shape[0] == 0:
        return np.empty((0,) + tuple(tail), dtype=out_dtype)
    # the dtype the lazy array promised (predict_meta may ask for another one)
    return np.asarray(getattr(estimator, method)(block)).astype(out_dtype, copy=False)


def apply_partition(part, estimator, method, template):
    """``estimator.<method>(part)`` for one partition, shaped like ``template``.

    A pandas ``template`` gives a Series or DataFrame indexed like ``part``;
    an empty partition gives an empty one.

    Examples
    --------
    >>> from sklearn.preprocessing import StandardScaler
    >>> part = pd.DataFrame({"a": [1.0, 3.0]}, index=[5, 6])
    >>> scaler = StandardScaler().fit(part)
    >>> apply_partition(part, scaler, "transform", pd.DataFrame({"a": []}))
         a
    5 -1.0
    6  1.0
    """
    if len(part) == 0:
        return template.iloc[:0] if hasattr(template, "iloc") else template[:0]
    out = getattr(estimator, method)(part)
    if isinstance(template, pd.Series):
        return pd.Series(np.asarray(out), index=part.index, name=template.name).astype(template.dtype)
    if isinstance(template, pd.DataFrame):
        return pd.DataFrame(np.asarray(out), index=part.index, columns=template.columns).astype(template.dtypes)
    return out


def _probe(estimator, method, X):
    """The method's output on one row of zeros: tells shape after the rows and dtype."""
    sample = np.zeros((1,) + X.shape[1:], dtype=X.dtype)
    out = getattr(estimator, method)(sample)
    if not hasattr(out, "shape"):
        raise TypeError(
            f"{type(estimator).__name__}.{method} returns {type(out).__name__}, not an array; "
            "it cannot be mapped over blocks"
        )
    return np.asarray(out)


def _map_array(estimator, method, X, meta):
    if meta is not None and np.ndim(meta) <= 1:
        tail, dtype = (), np.asarray(meta).dtype
    else:
        probe = _probe(estimator, method, X)
        tail, dtype = probe.shape[1:], (probe.dtype if meta is None else np.asarray(meta).dtype)
    in_index = "ij"[: X.ndim]
    out_index = "i" + "klmn"[: len(tail)]
    # concatenate=True joins a block's column chunks inside its task: no rechunk tasks.
    return da.blockwise(
        apply_block,
        out_index,
        X,
        in_index,
        concatenate=True,
        new_axes=dict(zip(out_index[1:], tail)),
        dtype=dtype,
        meta=np.empty((0,) * len(out_index), dtype=dtype),
        name=f"{method}-{tokenize(estimator, method, X, tail, dtype)}",
        estimator=estimator,
        method=method,
        tail=tail,
        out_dtype=dtype,
    )


def _frame_meta(estimator, method, X):
    """An empty pandas Series or DataFrame of the method's output on X's partitions."""
    sample = X._meta_nonempty.iloc[:1]
    out = getattr(estimator, method)(sample)
    values = np.asarray(out)
    index = X._meta.index
    if values.ndim == 1:
        return pd.Series(values[:0], index=index, name=None)
    columns = getattr(out, "columns", None)
    if columns is None:
        columns = _column_names(estimator, method, values.shape[1])
    return pd.DataFrame(values[:0], index=index, columns=columns)


def _column_names(estimator, method, width):
    names = None
    if method == "transform" and hasattr(estimator, "get_feature_names_out"):
        try:
            names = list(estimator.get_feature_names_out())
        except (AttributeError, ValueError, TypeError):
            names = None
    elif hasattr(estimator, "classes_"):
        names = list(np.asarray(estimator.classes_))
    return names if names is not None and len(names) == width else list(range(width))


def _map_frame(estimator, method, X, meta):
    template = meta if meta is not None else _frame_meta(estimator, method, X)
    return X.map_partitions(
        apply_partition,
        estimator,
        method,
        template,
        meta=template,
        token=f"{method}-{tokenize(estimator, method, X, template)}",
    )

