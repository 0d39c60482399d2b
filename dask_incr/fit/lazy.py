"""Lazy models: a ``Delayed`` estimator as the start of a fit.

``fit_blocks(lazy, X, y)`` continues the model that ``lazy`` will compute
(the result of ``fit_blocks(..., compute=False)``, of
``Incremental.lazy_fit`` or ``dask.delayed(estimator)``): its key is the
starting model of the chain, so the fit is one graph, lazy or computed.

What a ``Delayed`` holds is only known once it is computed; before that,
:func:`lazy_template` finds the estimator a dask_incr graph was built from, or
the object of ``dask.delayed(obj)``, so the checks, the step function and the
routing of a pipeline's keywords can be decided before any work. A fit that
decides between epochs (validation, early stopping, checkpoints, history)
needs the model's value, and refuses a lazy start (:func:`check_lazy_start`).
A lazy fit merges the model's graph into its own (:func:`start_nodes`); a
computed fit, run window by window, computes it once before the first window
(:func:`dask_incr.fit.windows.run_windows`).
"""

from __future__ import annotations

from dask.delayed import Delayed
from dask.task_spec import DataNode, Task, TaskRef

from ..graph.chain import model_node
from ..graph.fold import input_graph
from ..graph.pipelines import is_pipeline

__all__ = ["check_lazy_start", "is_lazy", "lazy_template", "model_kind", "start_nodes"]


def is_lazy(estimator):
    """Whether ``estimator`` is a ``Delayed`` (a model computed later).

    Examples
    --------
    >>> import dask
    >>> from sklearn.linear_model import SGDRegressor
    >>> is_lazy(dask.delayed(SGDRegressor())), is_lazy(SGDRegressor())
    (True, False)
    """
    return isinstance(estimator, Delayed)


def lazy_template(lazy):
    """``(template, exact)``: what is known of the model ``lazy`` computes, without computing it.

    ``exact`` is ``True`` when ``template`` is the value itself (the object of
    ``dask.delayed(obj)``). For the result of a dask_incr fit (a chain of
    steps, ``Incremental.lazy_fit``) ``template`` is the estimator the first
    step started from: the value is of its kind, but fitted (``exact`` is
    ``False``). Anything else gives ``(None, False)``: nothing is known.

    Examples
    --------
    >>> import dask
    >>> import dask.array as da
    >>> from sklearn.preprocessing import StandardScaler
    >>> from dask_incr import fit_blocks
    >>> lazy_template(dask.delayed(StandardScaler()))
    (StandardScaler(), True)
    >>> lazy = fit_blocks(StandardScaler(), da.ones((4, 2), chunks=2), compute=False)
    >>> lazy_template(lazy)
    (StandardScaler(), False)
    >>> lazy_template(dask.delayed(sum)([1, 2]))
    (None, False)
    """
    graph = input_graph([lazy])
    node, exact, seen = graph.get(lazy.key), True, set()
    while True:
        if isinstance(node, DataNode):
            return _estimator_or_none(node.value, exact)
        if isinstance(node, TaskRef):
            if node.key in seen:  # not a graph dask would run; nothing to learn from it
                return None, False
            seen.add(node.key)
            node = graph.get(node.key)
        elif isinstance(node, Task) and _is_own_step(node.func) and node.args:
            node, exact = node.args[0], False  # a step's first argument is the model it updates
        elif isinstance(node, (Task, type(None))):
            return None, False
        else:
            return _estimator_or_none(node, exact)


def _is_own_step(func):
    """Whether ``func`` is one of dask_incr's task functions (steps, copies, the fitted wrapper)."""
    return getattr(func, "__module__", "").startswith("dask_incr.")


def _estimator_or_none(value, exact):
    if callable(getattr(value, "partial_fit", None)) or is_pipeline(value):
        return value, exact
    return None, False


def model_kind(estimator):
    """The object that tells what kind of model ``estimator`` is: itself, or a lazy one's template.

    A ``Delayed`` whose template is unknown stays as it is (it is fitted as
    a plain estimator, not as a pipeline).

    Examples
    --------
    >>> import dask
    >>> from sklearn.preprocessing import StandardScaler
    >>> model_kind(dask.delayed(StandardScaler()))
    StandardScaler()
    """
    if not is_lazy(estimator):
        return estimator
    template, _ = lazy_template(estimator)
    return estimator if template is None else template


def check_lazy_start(estimators, options, *, validation=None, history=False):
    """Refuse a lazy starting model where the fit needs the model's value before it runs.

    Early stopping, validation, checkpoints and a history run the fit epoch
    by epoch from the model's value. A ``Delayed`` could be computed first,
    but that work would come before the fit's own checks: the caller
    decides instead, and the ``TypeError`` names the option.

    Examples
    --------
    >>> import dask
    >>> from sklearn.preprocessing import StandardScaler
    >>> from dask_incr.fit.options import FitOptions
    >>> check_lazy_start([StandardScaler()], FitOptions(), validation=(1, 2))
    >>> check_lazy_start([dask.delayed(StandardScaler())], FitOptions(), validation=(1, 2))
    Traceback (most recent call last):
    ...
    TypeError: the estimator is a dask Delayed (a model computed later), and validation= runs the fit epoch by ...
    """
    if not any(is_lazy(estimator) for estimator in estimators):
        return
    staged = [
        name
        for name, used in (
            ("early_stopping=True", options.early_stopping),
            ("validation=", validation is not None),
            ("checkpoint_dir=", options.checkpoint_dir is not None),
            ("return_history=True", history),
        )
        if used
    ]
    if staged:
        raise TypeError(
            f"the estimator is a dask Delayed (a model computed later), and {staged[0]} runs the fit epoch by "
            "epoch from the model's value; compute the model first (fit_blocks(lazy.compute(), ...)), "
            f"or continue it lazily without {staged[0]}"
        )


def start_nodes(estimators):
    """``(models, needed)``: each starting model as a task argument (a lazy one by its key), and the graphs needed.

    Examples
    --------
    >>> import dask
    >>> from sklearn.preprocessing import StandardScaler
    >>> lazy = dask.delayed(StandardScaler())
    >>> models, needed = start_nodes([StandardScaler(), lazy])
    >>> models[0], models[1].key == lazy.key, needed == [lazy]
    (StandardScaler(), True, True)
    """
    nodes = [model_node(estimator) if is_lazy(estimator) else (estimator, []) for estimator in estimators]
    return [node for node, _ in nodes], [graph for _, needed in nodes for graph in needed]

