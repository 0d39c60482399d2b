"""Graph: the hand-built chain of ``partial_fit`` steps, public for library authors.

:func:`build_chain` turns a model and one entry of block inputs per step into a
HighLevelGraph layer with keys ``(name, i)``: step ``i`` depends on the model
key ``(name, i - 1)`` and on the inputs of its own block. Any order — in order,
shuffled, several epochs — is just another list of step inputs fed to it. It is
a thin wrapper of :func:`dask_incr.graph.fold.fold`, the code every fit runs, so
it builds exactly what :func:`dask_incr.fit_blocks` builds. How the input graph
is copied and gated so that memory stays bounded is
:mod:`dask_incr.graph.localize`'s job.
"""

from __future__ import annotations

from collections.abc import Mapping

import dask
import toolz
from dask.base import tokenize
from dask.delayed import Delayed
from dask.task_spec import GraphNode, TaskRef
from dask.utils import ensure_dict

from .._validation import check_flag, check_incremental, check_prefetch, type_name
from .fold import Chain, chain_inputs, fit_kwargs_node, fold
from .steps import partial_fit_step

__all__ = ["build_chain"]


def build_chain(
    model,
    step_inputs,
    *,
    name=None,
    step=partial_fit_step,
    fit_kwargs=None,
    dependencies=(),
    blocks=None,
    row_seeds=None,
    prefetch=None,
    signals=True,
):
    """Build the chain of fit steps as a HighLevelGraph.

    Parameters
    ----------
    model : estimator, key, TaskRef, distributed.Future or Delayed
        The starting model. The first step copies it, so it is never changed;
        a key, ``TaskRef``, ``Future`` or ``Delayed`` refers to a model
        computed elsewhere (its value is copied too).
    step_inputs : sequence of tuple
        One ``(X, y, sample_weight)`` per step; each item a key, a task-spec
        node (``TaskRef``, ``Task``, ``DataNode``) or ``None``.
    name : str, optional
        Name of the layer and of the step keys ``(name, i)``. Defaults to
        ``"fit-" + tokenize(...)`` of every argument.
    step : callable, default :func:`dask_incr.partial_fit_step`
        ``step(model, X, y, sample_weight, *, fit_kwargs, step, block,
        row_seed, copy_model) -> model``.
    fit_kwargs : dict, optional
        Passed to every step. Dask collections among the values are computed
        once, as a dependency, before the first step.
    dependencies : sequence
        The dask collections the step inputs refer to.
    blocks : sequence of int, optional
        The block index of each step, for error messages and for telling which
        steps read the same data (default: ``range(len(step_inputs))``).
    row_seeds : sequence of int or None, optional
        Per-step seeds of the in-block row shuffle.
    prefetch : int, None or "auto", default None
        How many blocks may be loaded ahead of the step being fitted. ``None``
        leaves loading unbounded; ``"auto"`` reads one block ahead (the local
        schedulers' default: the graph does not know where it will run).
    signals : bool, default True
        Gated loads wait on a small signal task of the model step, so that on
        a distributed cluster the model never travels to a loader; ``False``:
        on the model step itself, one task fewer per step, for the local
        schedulers (where nothing travels). :func:`dask_incr.fit_blocks`
        picks ``False`` unless the fit runs on a distributed client.

    Returns
    -------
    graph : HighLevelGraph
    key : tuple
        ``(name, len(step_inputs) - 1)``, the fitted model.

    Examples
    --------
    >>> import dask.array as da
    >>> from dask.delayed import Delayed
    >>> from sklearn.linear_model import SGDRegressor
    >>> X, y = da.ones((6, 2), chunks=3), da.arange(6.0, chunks=3)
    >>> inputs = [((X.name, i, 0), (y.name, i), None) for i in (1, 0)]
    >>> graph, key = build_chain(SGDRegressor(), inputs, name="fit-demo", dependencies=[X, y])
    >>> key
    ('fit-demo', 1)
    >>> Delayed(key, graph, layer="fit-demo").compute().coef_.shape
    (2,)
    """
    check_chain_arguments(model, step_inputs, name=name, step=step, fit_kwargs=fit_kwargs, dependencies=dependencies)
    check_flag(signals, "signals")
    step_inputs = [tuple(_as_node(item) for item in inputs) for inputs in step_inputs]
    n_steps = len(step_inputs)
    blocks = list(range(n_steps)) if blocks is None else list(blocks)
    row_seeds = [None] * n_steps if row_seeds is None else list(row_seeds)
    if n_steps == 0:
        raise ValueError("build_chain needs at least one step")
    if len(blocks) != n_steps or len(row_seeds) != n_steps:
        raise ValueError(f"blocks ({len(blocks)}) and row_seeds ({len(row_seeds)}) need one entry per step ({n_steps})")
    prefetch = check_prefetch(prefetch)  # the same check, and words, as FitOptions
    if prefetch == "auto":  # no scheduler is known here: the local schedulers' read-ahead
        prefetch = 1
    if name is None:
        name = "fit-" + tokenize(model, step_inputs, step, fit_kwargs, blocks, row_seeds, prefetch, signals)
    start, model_deps = model_node(model)
    kwargs_node, kwargs_deps = fit_kwargs_node(fit_kwargs)
    inputs = chain_inputs(step_inputs, blocks, dependencies)
    _check_keys_held(step_inputs, inputs.graph, dependencies)
    chain = Chain(name, start, step, kwargs_node)
    graph, (key,) = fold(
        inputs, [chain], row_seeds=row_seeds, prefetch=prefetch, signals=signals, collections=model_deps + kwargs_deps
    )
    return graph, key


def check_chain_arguments(model, step_inputs, *, name, step, fit_kwargs, dependencies):
    """Refuse, naming the type passed, arguments :func:`build_chain` cannot build from.

    Examples
    --------
    >>> from sklearn.linear_model import SGDRegressor
    >>> check_chain_arguments(SGDRegressor(), ["x"], name=None, step=partial_fit_step, fit_kwargs=None, dependencies=())
    Traceback (most recent call last):
    ...
    TypeError: step_inputs[0] must be a tuple (X, y, sample_weight) of keys, task-spec nodes or None, got str
    """
    if not callable(step):
        raise TypeError(f"step must be a callable step(model, X, y, sample_weight, ...), got {type_name(step)}")
    if step is partial_fit_step and not isinstance(model, (str, tuple, TaskRef, Delayed)):
        check_incremental(model)
    if name is not None and not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type_name(name)}")
    if fit_kwargs is not None and not isinstance(fit_kwargs, Mapping):
        raise TypeError(f"fit_kwargs must be a dict of keyword arguments, got {type_name(fit_kwargs)}")
    if dask.is_dask_collection(dependencies) or not isinstance(dependencies, (list, tuple)):
        raise TypeError(f"dependencies must be a list of dask collections, got {type_name(dependencies)}; e.g. [X, y]")
    for i, collection in enumerate(dependencies):
        if not dask.is_dask_collection(collection):
            raise TypeError(f"dependencies[{i}] must be a dask collection, got {type_name(collection)}")
    for i, inputs in enumerate(step_inputs):
        if not isinstance(inputs, (tuple, list)):
            raise TypeError(
                f"step_inputs[{i}] must be a tuple (X, y, sample_weight) of keys, task-spec nodes or None, "
                f"got {type_name(inputs)}"
            )
        if step is partial_fit_step and len(inputs) != 3:
            raise ValueError(f"step_inputs[{i}] has {len(inputs)} items; each step reads (X, y, sample_weight)")


def _check_keys_held(step_inputs, inputs, collections):
    """Refuse a step input that names a key none of the dependencies holds (it would fail at run time)."""
    missing = {
        (i, item.key)
        for i, entry in enumerate(step_inputs)
        for item in entry
        if type(item) is TaskRef and item.key not in inputs  # a distributed Future lives on the cluster
    }
    if not missing:
        return
    # Persisted keys (futures on a cluster) are not tasks of the converted graph: look in the raw graphs.
    held = set().union(*(ensure_dict(c.__dask_graph__()).keys() for c in toolz.unique(collections, key=id)))
    for i, key in sorted((pair for pair in missing if pair[1] not in held), key=str):
        raise ValueError(f"step_inputs[{i}] reads the key {key!r}, which none of the dependencies holds")


def _as_node(item):
    if item is None or isinstance(item, (GraphNode, TaskRef)):
        return item
    return TaskRef(item)


def model_node(model):
    """The starting model as a task argument, and the collections it needs (a ``Delayed`` model's graph).

    Examples
    --------
    >>> import dask
    >>> lazy = dask.delayed(dict)(a=1)
    >>> node, needed = model_node(lazy)
    >>> node.key == lazy.key, needed == [lazy], model_node("plain")[1]
    (True, True, [])
    """
    if isinstance(model, Delayed):
        return TaskRef(model.key), [model]
    if isinstance(model, TaskRef):  # distributed.Future is a TaskRef too
        return model, []
    if isinstance(model, (str, tuple)):
        return TaskRef(model), []
    return model, []


