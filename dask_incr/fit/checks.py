"""Checks: what an estimator's ``partial_fit`` can take, against the inputs, before any work.

The functional layer's runner calls :func:`check_estimator` once the inputs'
kinds are known (:func:`dask_incr.graph.blocks.check_input`) and before anything is
built or computed; the prediction methods call :func:`check_dimensions`.
Messages keep scikit-learn's wording where its own checks expect it.
"""

from __future__ import annotations

import inspect
import math
import numbers

import dask.dataframe as dd
import numpy as np
from sklearn.utils import get_tags

from .._validation import NotIncrementalError, check_incremental, type_name
from ..graph import pipelines
from ..graph.fold import holds_collections
from .lazy import is_lazy, lazy_template

__all__ = ["check_dimensions", "check_estimator", "check_estimators", "check_pipeline", "per_output", "tags_of"]


def check_estimator(estimator, y=None, fit_kwargs=None, *, sample_weight=None, X=None, fitted=False):
    """Refuse, before any work, what the estimator's ``partial_fit`` cannot take.

    Checks that ``estimator`` is an instance with ``partial_fit`` (see
    :func:`check_incremental`), that every
    fit keyword is a parameter of it, that a supervised estimator gets ``y``
    and that an unfitted classifier whose ``partial_fit`` takes ``classes``
    is given them, as a 1-D list of labels. With ``X``, its number of
    dimensions must be one the estimator's tags accept (2-D for most; 1-D for
    text vectorizers) and, for a fitted estimator, its number of columns the
    one it has seen.

    Examples
    --------
    >>> from sklearn.linear_model import SGDClassifier
    >>> check_estimator(SGDClassifier(), [0, 1], {"classes": [0, 1]})
    >>> check_estimator(SGDClassifier(), [0, 1], {"clases": [0, 1]})
    Traceback (most recent call last):
    ...
    TypeError: SGDClassifier.partial_fit() got an unexpected keyword argument 'clases';
    it takes X, y, classes, sample_weight

    A ``Pipeline`` is checked step by step (see :func:`check_pipeline`).

    A ``Delayed`` estimator (a lazy model) is checked through what is known
    of it before compute (:func:`dask_incr.fit.lazy.lazy_template`): the
    object of ``dask.delayed(obj)`` fully; the estimator a dask_incr fit
    started from as a fitted one (``fitted``: ``classes`` are not required);
    anything else not at all.
    """
    if is_lazy(estimator):
        template, exact = lazy_template(estimator)
        if template is not None:
            check_estimator(template, y, fit_kwargs, sample_weight=sample_weight, X=X, fitted=fitted or not exact)
        return
    check_incremental(estimator)
    if pipelines.is_pipeline(estimator):
        check_pipeline(estimator, y, fit_kwargs, sample_weight=sample_weight, X=X, fitted=fitted)
        return
    fit_kwargs = fit_kwargs or {}
    name = type(estimator).__name__
    try:
        parameters = inspect.signature(estimator.partial_fit).parameters
    except (TypeError, ValueError):  # no signature to read: trust the caller
        return
    takes_any = any(p.kind is p.VAR_KEYWORD for p in parameters.values())
    passed = set(fit_kwargs) | ({"sample_weight"} if sample_weight is not None else set())
    unknown = sorted(passed - set(parameters)) if not takes_any else []
    if unknown:
        raise TypeError(
            f"{name}.partial_fit() got an unexpected keyword argument {unknown[0]!r}; "
            f"it takes {', '.join(parameters)}"
        )
    tags = tags_of(estimator)
    check_dimensions(estimator, X, tags=tags)
    _check_features_seen(estimator, X)
    _check_classes(fit_kwargs.get("classes"), per_output=per_output(estimator))
    if y is None and tags is not None and tags.target_tags.required:
        raise ValueError(f"{name} requires y to be passed, but the target y is None")
    if (
        "classes" in parameters
        and "classes" not in fit_kwargs
        and getattr(tags, "estimator_type", None) == "classifier"
        and not hasattr(estimator, "classes_")
        and not fitted
    ):
        example = "[0, 1]"
        if per_output(estimator):
            example = "[[0, 1], [0, 1, 2]], one list of labels per output (column of y)"
        raise ValueError(
            f"{name}.partial_fit needs classes= on its first call (all the labels y may hold); "
            f"pass e.g. classes={example} (Incremental.fit finds them in y)"
        )


def check_estimators(estimators, y=None, fit_kwargs=None, *, sample_weight=None, X=None):
    """:func:`check_estimator` of each of ``estimators``; a list of at least one.

    An error names the position of the estimator it is about.

    Examples
    --------
    >>> from sklearn.linear_model import SGDRegressor
    >>> check_estimators([SGDRegressor(), SGDRegressor], [0.0])
    Traceback (most recent call last):
    ...
    dask_incr._validation.NotIncrementalError: estimators[1]: pass an estimator instance, not the class ...
    """
    if not isinstance(estimators, (list, tuple)):
        raise TypeError(f"estimators must be a list or tuple of estimators, got {type_name(estimators)}")
    if not estimators:
        raise ValueError("estimators is empty: pass at least one estimator")
    for k, estimator in enumerate(estimators):
        try:
            check_estimator(estimator, y, fit_kwargs, sample_weight=sample_weight, X=X)
        except (TypeError, ValueError) as error:
            # dask_incr's own message, told which estimator it is about
            raise type(error)(f"estimators[{k}]: {error}") from error


def check_pipeline(pipeline, y=None, fit_kwargs=None, *, sample_weight=None, X=None, fitted=False):
    """Refuse, before any work, a ``Pipeline`` that cannot learn block by block, naming the step at fault.

    Every step must learn incrementally, be stateless or be skipped (see
    :func:`dask_incr.graph.pipelines.refused_step`); the fit keywords, routed as
    scikit-learn routes them (``step__param``; ``classes`` to the last step),
    must suit each step's ``partial_fit`` (see :func:`check_estimator`).
    ``sample_weight`` goes to the last step; ``X``'s dimensions are checked
    against the first step that reads it.

    Examples
    --------
    >>> from sklearn.decomposition import PCA
    >>> from sklearn.linear_model import SGDClassifier
    >>> from sklearn.pipeline import make_pipeline
    >>> check_pipeline(make_pipeline(PCA(), SGDClassifier()), [0, 1], {"classes": [0, 1]})
    Traceback (most recent call last):
    ...
    dask_incr._validation.NotIncrementalError: pipeline step 'pca' (PCA) has no partial_fit and must be fitted, ...
    """
    refusal = pipelines.refused_step(pipeline)
    if refusal is not None:
        raise NotIncrementalError(refusal)
    routed = pipelines.route_fit_kwargs(pipeline, fit_kwargs or {})
    last_name = pipeline.steps[-1][0]
    first = True
    for name, step in pipeline.steps:
        kwargs = routed.get(name, {})
        if pipelines.is_skipped(step):
            continue
        if pipelines.is_stateless(step):
            if kwargs or (name == last_name and sample_weight is not None):
                passed = sorted(kwargs) or ["sample_weight"]
                raise TypeError(
                    f"pipeline step {name!r} ({type(step).__name__}) is not fitted, so it takes no fit "
                    f"keywords; got {passed[0]!r}"
                )
            first = False
            continue
        try:
            weight = sample_weight if name == last_name else None
            check_estimator(step, y, kwargs, sample_weight=weight, X=X if first else None, fitted=fitted)
        except (TypeError, ValueError) as error:
            error.add_note(f"[in pipeline step {name!r} ({type(step).__name__})]")
            raise
        first = False


def per_output(estimator):
    """Whether ``estimator`` is a classifier of several outputs that takes ``classes`` per output.

    Its scikit-learn tags say it cannot fit a single output
    (``MultiOutputClassifier``): its ``classes`` hold one list of labels
    per column of ``y``.

    Examples
    --------
    >>> from sklearn.linear_model import SGDClassifier
    >>> from sklearn.multioutput import MultiOutputClassifier
    >>> per_output(MultiOutputClassifier(SGDClassifier())), per_output(SGDClassifier())
    (True, False)
    """
    tags = tags_of(estimator)
    return tags is not None and tags.estimator_type == "classifier" and not tags.target_tags.single_output


def _check_classes(classes, *, per_output=False):
    """Refuse ``classes`` that cannot list labels (a str would be taken as its characters, a scalar fails later).

    ``per_output``: one 1-D list of labels per output.
    """
    if classes is None or holds_collections(classes):  # np.ndim would compute them
        return
    if per_output:
        lists = isinstance(classes, (list, tuple)) or (isinstance(classes, np.ndarray) and classes.ndim == 2)
        if lists and len(classes) and all(_is_label_list(labels) for labels in classes):
            return
        raise TypeError(
            "classes must hold one 1-D list of labels per output (column of y), e.g. [[0, 1], [0, 1, 2]], "
            f"got {classes!r}"
        )
    if not _is_label_list(classes):
        raise TypeError(f"classes must be a 1-D list or array of all the labels, e.g. [0, 1], got {classes!r}")


def _is_label_list(labels):
    return not isinstance(labels, (str, bytes)) and np.ndim(labels) == 1


def _check_features_seen(estimator, X):
    """Refuse an ``X`` whose known number of columns differs from what a fitted estimator has seen."""
    seen = getattr(estimator, "n_features_in_", None)
    if isinstance(X, dd.DataFrame):
        width = len(X.columns)
    else:
        shape = getattr(X, "shape", None) if not isinstance(X, dd.Series) else None
        width = shape[1] if shape is not None and len(shape) == 2 and not math.isnan(shape[1]) else None
    if isinstance(seen, numbers.Integral) and width is not None and width != seen:
        name = type(estimator).__name__  # and scikit-learn's own wording
        raise ValueError(f"X has {width} features, but {name} is expecting {seen} features as input.")


def check_dimensions(estimator, X, *, tags=None):
    """Refuse an ``X`` whose number of dimensions the estimator's input tags rule out.

    ``tags`` are the estimator's, when the caller has read them already
    (scikit-learn's ``get_tags`` is not free: a fit reads them once).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import SGDRegressor
    >>> check_dimensions(SGDRegressor(), np.ones((3, 2)))
    >>> check_dimensions(SGDRegressor(), np.ones(3))
    Traceback (most recent call last):
    ...
    ValueError: SGDRegressor expects 2-D X, got a 1-D numpy.ndarray. Reshape your data: ...
    """
    first = pipelines.first_estimator(estimator)  # a pipeline's X is read by its first step
    if tags is None or first is not estimator:
        tags = tags_of(first)
    name = type(first).__name__
    ndim = getattr(X, "ndim", None)  # Bags and lists of records have none
    if tags is None or not isinstance(ndim, int) or ndim == 0:
        return
    inputs = tags.input_tags
    accepted = {1: inputs.one_d_array or inputs.string or inputs.dict, 2: inputs.two_d_array, 3: inputs.three_d_array}
    if not any(accepted.values()) or accepted.get(ndim, False):
        return
    wanted = " or ".join(f"{d}-D" for d, ok in accepted.items() if ok)
    hint = ". Reshape your data: X.reshape(-1, 1) for a single feature (X.to_frame() for a Series)" if ndim == 1 else ""
    raise ValueError(f"{name} expects {wanted} X, got a {ndim}-D {type_name(X)}{hint}")


def tags_of(estimator):
    """scikit-learn tags of ``estimator``, or ``None`` for objects without any.

    Examples
    --------
    >>> from sklearn.linear_model import SGDRegressor
    >>> tags_of(SGDRegressor()).target_tags.required, tags_of(object())
    (True, None)
    """
    try:
        return get_tags(estimator)
    except (AttributeError, TypeError, ValueError):
        return None
