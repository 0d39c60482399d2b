"""Facade: ``Incremental``, a scikit-learn meta-estimator over the functional layer.

``fit`` and ``partial_fit`` build :class:`~dask_incr.fit.options.FitOptions` from
the wrapper's parameters and hand the fit to :func:`dask_incr.fit.runner.run_fit`;
the prediction methods and ``score`` are :mod:`dask_incr.blockwise`'s block-wise
maps. Each method exists only when the wrapped estimator has it, so
``hasattr`` tells the truth to Pipeline and GridSearchCV.
"""

from __future__ import annotations

from copy import deepcopy

import dask
import numpy as np
from dask.base import tokenize
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone

from .._validation import check_incremental
from ..blockwise import BLOCKWISE_METHODS, BlockwiseMethods, missing_method_error
from ..fit.checkpoint import load_checkpoint
from ..fit.checks import tags_of
from ..fit.options import OPTION_NAMES, FitOptions
from ..fit.runner import run_fit
from ..fit.scoring import check_scoring
from ..graph.blocks import check_input
from ..graph.orders import resolve_seed
from ._checks import check_x_not_loaded
from ._classes import with_classes

__all__ = ["Incremental"]


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


class Incremental(BlockwiseMethods, MetaEstimatorMixin, BaseEstimator):
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
        for one block, used as it is. Without it the output type is found by
        calling the method on input of X's own kind: its meta (no rows), else
        one row of its dtype (zeros for numbers, empty strings for text).
    epochs : int, default 1
        Passes over the data per ``fit`` or ``partial_fit`` call.
    prefetch : int, None or "auto", default "auto"
        Blocks loaded ahead of the one being fitted (``None``: unbounded;
        ``"auto"``: one on the local schedulers, two on a distributed cluster;
        none on the synchronous scheduler, see :func:`dask_incr.fit.runner.read_ahead`).
    shuffle_rows : bool, default False
        Also shuffle the rows inside each block.
    meta : numpy or pandas object, optional
        The single output template of older dask-ml releases: used by
        ``predict`` and ``transform`` when ``predict_meta`` /
        ``transform_meta`` are not given.
    early_stopping, validation_fraction, n_iter_no_change, tol, restore_best, checkpoint_dir, resume
        Scoring after each epoch, stopping and checkpoints, as for
        :func:`dask_incr.fit_blocks` (``scoring`` is the validation metric
        too). ``resume`` applies to ``fit`` and a first ``partial_fit``;
        each call writes its own checkpoints. See :doc:`/stopping`.

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
    history_ : list of dict
        One entry per epoch of the last ``fit`` or ``partial_fit`` call:
        ``epoch``, ``steps``, ``samples``, ``fit_seconds`` and ``score``
        (``None`` when nothing was scored); see :func:`dask_incr.plot_history`.

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
        prefetch="auto",
        shuffle_rows=False,
        meta=None,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=5,
        tol=1e-3,
        restore_best=True,
        checkpoint_dir=None,
        resume=False,
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
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.restore_best = restore_best
        self.checkpoint_dir = checkpoint_dir
        self.resume = resume

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
        if name in BLOCKWISE_METHODS:  # the wrapped estimator lacks it: say why
            raise missing_method_error(self, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __sklearn_is_fitted__(self):
        return "estimator_" in self.__dict__

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = tags_of(self.estimator)
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

    def fit(self, X, y=None, validation=None, **fit_kwargs):
        """Fit a clone of ``estimator`` with one ``partial_fit`` per row block.

        Parameters
        ----------
        X : dask Array, DataFrame, Series or Bag, or in-memory data
        y : dask or in-memory data, optional
        validation : tuple, optional
            ``(X_val, y_val)`` or ``(X_val, y_val, sample_weight_val)``, scored
            after each epoch (with ``early_stopping``, instead of held-out blocks).
        **fit_kwargs
            Passed to every ``partial_fit`` call; ``sample_weight`` is split
            along X's row blocks. A classifier whose ``partial_fit`` takes
            ``classes`` gets the labels found in ``y`` (one pass over ``y``
            inside the fit) unless ``classes`` is given.

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
        model, state = self._run(X, y, fit_kwargs, call=0, compute=True, find_classes=True, validation=validation)
        # Only now, after success: a failed fit leaves the wrapper as it was.
        self.__dict__.update(state, estimator_=model)
        return self

    def partial_fit(self, X, y=None, validation=None, **fit_kwargs):
        """One more pass over ``X``, continuing from ``estimator_``.

        The first call starts from a clone of ``estimator`` (and so equals
        :meth:`fit`); each later call shuffles with its own seed derived from
        ``random_state`` and the call count (see :func:`call_seed`).

        Parameters
        ----------
        X, y, validation, **fit_kwargs
            As for :meth:`fit`.

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
        call = self.n_calls_ if self.__sklearn_is_fitted__() else 0
        model, state = self._run(X, y, fit_kwargs, call=call, compute=True, find_classes=False, validation=validation)
        self.__dict__.update(state, estimator_=model)
        return self

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
        model, state = self._run(X, y, fit_kwargs, call=0, compute=False, find_classes=True)
        template = clone(self)
        name = "incremental-" + tokenize(model.key, template, state)
        return dask.delayed(fitted_wrapper, pure=True)(template, model, state, dask_key_name=name)

    def _run(self, X, y, fit_kwargs, *, call, compute, find_classes, validation=None):
        """Check everything cheap, then fit through the functional layer's runner."""
        X, y = check_input(X, "X", optional=False), check_input(y, "y")  # what the data are comes first
        check_x_not_loaded(X, y, fit_kwargs.get("sample_weight"))
        if call == 0:
            check_incremental(self.estimator)
        options = self._options()
        if call:  # a checkpoint is of the call that wrote it: later partial_fit calls start afresh
            options = options.replace(resume=False)
        if call and options.early_stopping and validation is None:
            raise ValueError(
                "partial_fit with early_stopping=True needs validation=(X_val, y_val) after the first call: "
                "each call would hold out other blocks, so blocks held out before would be trained on"
            )
        check_scoring(self.scoring)
        reserved = sorted(OPTION_NAMES.intersection(fit_kwargs) | {"compute"}.intersection(fit_kwargs))
        if reserved:
            name = type(self.estimator).__name__
            raise TypeError(
                f"{reserved[0]!r} is not an argument of {name}.partial_fit; "
                f"set it on the wrapper: Incremental(..., {reserved[0]}=...) or use dask_incr.fit_blocks"
            )
        start = self.estimator_ if call else clone(self.estimator)
        seed, base_seed = None, None
        if options.shuffled:
            # A chain of partial_fit calls keeps the seed its first shuffled call drew.
            base_seed = self.__dict__.get("_base_seed") if call else None
            if base_seed is None and self.random_state is None and options.resume and not call:
                base_seed = getattr(load_checkpoint(options.checkpoint_dir), "seed", None)
            if base_seed is None:
                base_seed = resolve_seed(self.random_state)
            seed = call_seed(base_seed, call)
        fit_kwargs = dict(fit_kwargs)
        sample_weight = fit_kwargs.pop("sample_weight", None)
        if find_classes:  # fit sees all the data; a partial_fit call sees one part of a stream
            fit_kwargs = with_classes(start, y, fit_kwargs)
        plan = run_fit(
            start,
            X,
            y,
            sample_weight=sample_weight,
            options=options.replace(random_state=seed),
            fit_kwargs=fit_kwargs,
            compute=compute,
            validation=validation,
            history=compute,
        )
        state = {"order_": plan.order, "seed_": plan.seed, "n_calls_": call + 1, "_base_seed": base_seed}
        if compute:
            state["history_"] = plan.history
        return plan.result, state

    def _options(self):
        """The wrapper's parameters as validated fit options."""
        return FitOptions(
            shuffle_blocks=self.shuffle_blocks,
            shuffle_rows=self.shuffle_rows,
            epochs=self.epochs,
            random_state=self.random_state,
            prefetch=self.prefetch,
            scoring=self.scoring,
            early_stopping=self.early_stopping,
            validation_fraction=self.validation_fraction,
            n_iter_no_change=self.n_iter_no_change,
            tol=self.tol,
            restore_best=self.restore_best,
            checkpoint_dir=self.checkpoint_dir,
            resume=self.resume,
        )


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
