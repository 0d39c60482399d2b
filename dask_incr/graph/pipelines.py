"""Pipelines: a scikit-learn ``Pipeline`` that learns block by block.

scikit-learn's ``Pipeline`` has no ``partial_fit`` (1.9). dask_incr fits one
whose steps learn incrementally: each block goes through the first step's
``partial_fit``, then its ``transform``, and so on to the last step's
``partial_fit`` (:func:`dask_incr.graph.steps.pipeline_partial_fit_step`). This
module says which pipelines can learn that way, which step function a fit
runs, and where each fit keyword goes — all before any work.
"""

from __future__ import annotations

from sklearn.pipeline import Pipeline

from .steps import is_skipped, is_stateless, partial_fit_step, pipeline_partial_fit_step

__all__ = ["final_estimator", "is_pipeline", "refused_step", "route_fit_kwargs", "step_function"]


def is_pipeline(estimator):
    """Whether ``estimator`` is a scikit-learn ``Pipeline`` (an instance).

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> is_pipeline(make_pipeline(StandardScaler())), is_pipeline(StandardScaler())
    (True, False)
    """
    return isinstance(estimator, Pipeline)


def step_function(estimator):
    """The step function a fit of ``estimator`` runs: one for pipelines, one for the rest.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> step_function(make_pipeline(StandardScaler())).__name__, step_function(StandardScaler()).__name__
    ('pipeline_partial_fit_step', 'partial_fit_step')
    """
    return pipeline_partial_fit_step if is_pipeline(estimator) else partial_fit_step


def final_estimator(estimator):
    """The estimator whose ``partial_fit`` gets ``y``'s labels: a pipeline's last step, else itself.

    Examples
    --------
    >>> from sklearn.linear_model import SGDClassifier
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> type(final_estimator(make_pipeline(StandardScaler(), SGDClassifier()))).__name__
    'SGDClassifier'
    """
    return estimator.steps[-1][1] if is_pipeline(estimator) else estimator


def first_estimator(estimator):
    """The step that reads a pipeline's ``X`` first (its first step not skipped), or ``estimator`` itself.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import MinMaxScaler, StandardScaler
    >>> type(first_estimator(make_pipeline("passthrough", StandardScaler(), MinMaxScaler()))).__name__
    'StandardScaler'
    """
    if not is_pipeline(estimator):
        return estimator
    for _, step in estimator.steps:
        if not is_skipped(step):
            return first_estimator(step)
    return estimator


def refused_step(pipeline):
    """Why a pipeline cannot learn block by block, naming the first step at fault; ``None`` if it can.

    A step can learn incrementally (``partial_fit``), be stateless
    (scikit-learn's tag ``requires_fit=False``) or be skipped (``None``,
    ``"passthrough"``); every step but the last must also ``transform``.

    Examples
    --------
    >>> from sklearn.decomposition import PCA
    >>> from sklearn.linear_model import SGDClassifier
    >>> from sklearn.pipeline import Pipeline
    >>> print(refused_step(Pipeline([("pca", PCA()), ("sgd", SGDClassifier())])))
    pipeline step 'pca' (PCA) has no partial_fit and must be fitted, so the pipeline cannot learn block by block; \
use a step that learns incrementally (e.g. IncrementalPCA, StandardScaler) or a stateless one (FunctionTransformer)
    >>> refused_step(Pipeline([("sgd", SGDClassifier())])) is None
    True
    """
    if not pipeline.steps:
        return "the pipeline has no steps"
    last_name = pipeline.steps[-1][0]
    for name, step in pipeline.steps:
        if is_skipped(step):
            continue
        label = f"pipeline step {name!r} ({type(step).__name__})"
        if not is_stateless(step) and not callable(getattr(step, "partial_fit", None)):
            return (
                f"{label} has no partial_fit and must be fitted, so the pipeline cannot learn block by block; "
                "use a step that learns incrementally (e.g. IncrementalPCA, StandardScaler) "
                "or a stateless one (FunctionTransformer)"
            )
        if name != last_name and not callable(getattr(step, "transform", None)):
            return f"{label} has no transform, so the steps after it cannot be given its output"
    return None


def route_fit_kwargs(pipeline, fit_kwargs):
    """Fit keywords of a pipeline, per step: ``step__param`` to that step, ``classes`` to the last.

    As scikit-learn's ``Pipeline.fit`` routes them; ``classes`` without a
    prefix is a convenience for the last step (the classifier).

    Returns
    -------
    dict
        Step name -> that step's keyword arguments (steps without any are left out).

    Raises
    ------
    TypeError
        A keyword without a step prefix (other than ``classes``), or whose
        prefix names no step; ``classes`` given both ways.

    Examples
    --------
    >>> from sklearn.linear_model import SGDClassifier
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> pipe = make_pipeline(StandardScaler(), SGDClassifier())
    >>> route_fit_kwargs(pipe, {"classes": [0, 1], "standardscaler__sample_weight": None})
    {'sgdclassifier': {'classes': [0, 1]}, 'standardscaler': {'sample_weight': None}}
    >>> route_fit_kwargs(pipe, {"alpha": 1.0})
    Traceback (most recent call last):
    ...
    TypeError: Pipeline fit keyword 'alpha' names no step: write it as <step>__alpha, e.g. sgdclassifier__alpha \
(steps: standardscaler, sgdclassifier)
    """
    names = [name for name, _ in pipeline.steps]
    if "classes" in fit_kwargs and f"{names[-1]}__classes" in fit_kwargs:
        raise TypeError(f"classes is given twice, as classes and as {names[-1]}__classes: pass one of them")
    routed = {}
    for key, value in fit_kwargs.items():
        if key == "classes":
            routed.setdefault(names[-1], {})["classes"] = value
            continue
        name, _, param = key.partition("__")
        if not param or name not in names:
            raise TypeError(
                f"Pipeline fit keyword {key!r} names no step: write it as <step>__{param or key}, "
                f"e.g. {names[-1]}__{param or key} (steps: {', '.join(names)})"
            )
        routed.setdefault(name, {})[param] = value
    return routed
