"""Graph: the hand-built chain of ``partial_fit`` steps, public for library authors.

:func:`build_chain` turns a model and one entry of block inputs per step into a
HighLevelGraph layer with keys ``(name, i)``: step ``i`` depends on the model
key ``(name, i - 1)`` and on the keys of its own block. Any order — in order,
shuffled, several epochs — is just another list of step inputs fed to it.

Memory is bounded by *prefetch*: the tasks that only one block needs are placed
under per-step keys in the fit layer, and the root ones among them wait until
model step ``i - 1 - prefetch`` is done. So at most ``prefetch + 1`` blocks are
held at once, on every scheduler, and a block visited again in a later epoch is
loaded again rather than kept in memory between its visits. Tasks shared by
several blocks and data already in memory (persisted inputs) are left as they are.
"""

from __future__ import annotations

import contextlib
import gc
import math
import numbers

import dask
import toolz
from dask.base import tokenize
from dask.delayed import Delayed
from dask.highlevelgraph import HighLevelGraph
from dask.task_spec import Alias, GraphNode, Task, TaskRef
from dask.utils import ensure_dict

# The one private dask import: turns legacy tuple tasks and raw values of an
# input graph into task-spec nodes so their dependencies can be walked
# (pinned by tests/test_graph.py::test_private_dask_api).
from dask._task_spec import convert_legacy_graph

from .steps import model_done, partial_fit_step

__all__ = ["build_chain", "gated", "gc_paused", "holds_collections"]


@contextlib.contextmanager
def gc_paused():
    """Pause the cyclic garbage collector while a graph is built.

    Building allocates several task objects per step and none of them is
    garbage yet; the collector's repeated passes over them were two thirds of
    the build time (75 -> 21 us per step at 10,000 steps). A collector the
    caller had disabled stays disabled.

    Examples
    --------
    >>> import gc
    >>> with gc_paused():
    ...     gc.isenabled()
    False
    >>> gc.isenabled()
    True
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def gated(value, *signals):
    """Return ``value``; the ``signals`` are dependencies that only order the task."""
    return value


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
):
    """Build the chain of fit steps as a HighLevelGraph.

    Parameters
    ----------
    model : estimator, key, TaskRef, distributed.Future or Delayed
        The starting model. An object is copied by the first step, so it is
        never changed; a key, ``TaskRef``, ``Future`` or ``Delayed`` refers to
        a model computed elsewhere in the graph (its value is copied too).
    step_inputs : sequence of tuple
        One ``(X, y, sample_weight)`` per step; each item a key, a task-spec
        node (``TaskRef``, ``Task``) or ``None``.
    name : str, optional
        Name of the layer and of the step keys ``(name, i)``. Defaults to
        ``"fit-" + tokenize(...)`` of every argument.
    step : callable, default :func:`dask_incr.steps.partial_fit_step`
        ``step(model, X, y, sample_weight, *, fit_kwargs, step, block,
        row_seed, copy_model) -> model``.
    fit_kwargs : dict, optional
        Passed to every step. Dask collections among the values are computed
        once, as a dependency, before the first step.
    dependencies : sequence
        The dask collections the step inputs refer to, and task-spec nodes
        (e.g. ``DataNode``) to place in the layer.
    blocks : sequence of int, optional
        The block index of each step, for error messages and for telling which
        steps read the same data (default: ``range(len(step_inputs))``).
    row_seeds : sequence of int or None, optional
        Per-step seeds of the in-block row shuffle.
    prefetch : int or None, default None
        How many blocks may be loaded ahead of the step being fitted. ``None``
        leaves loading unbounded (blocks are then graph roots).

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
    >>> sorted(graph.layers["fit-demo"][key].dependencies, key=str)
    [('arange-...', 0), ('fit-demo', 0), ('ones_like-...', 0, 0)]
    >>> Delayed(key, graph, layer="fit-demo").compute().coef_.shape
    (2,)
    """
    with gc_paused():
        return _build_chain(model, step_inputs, name, step, fit_kwargs, dependencies, blocks, row_seeds, prefetch)


def _build_chain(model, step_inputs, name, step, fit_kwargs, dependencies, blocks, row_seeds, prefetch):
    n_steps = len(step_inputs)
    if n_steps == 0:
        raise ValueError("build_chain needs at least one step")
    blocks = list(range(n_steps)) if blocks is None else list(blocks)
    row_seeds = [None] * n_steps if row_seeds is None else list(row_seeds)
    if len(blocks) != n_steps or len(row_seeds) != n_steps:
        raise ValueError(
            f"blocks ({len(blocks)}) and row_seeds ({len(row_seeds)}) need one entry per step ({n_steps})"
        )
    if prefetch is not None and (not isinstance(prefetch, numbers.Integral) or isinstance(prefetch, bool) or prefetch < 0):
        raise ValueError(f"prefetch must be None or an integer >= 0, got {prefetch!r}")
    step_inputs = [tuple(_as_node(item) for item in inputs) for inputs in step_inputs]
    dependencies = list(dependencies)
    model_node = _model_node(model, dependencies)
    kwargs_node = _kwargs_node(fit_kwargs, dependencies)
    if name is None:
        name = "fit-" + tokenize(model, step_inputs, step, fit_kwargs, blocks, row_seeds, prefetch)
    token = tokenize(name)  # derived keys stay unique whatever names callers choose

    collections = [d for d in dependencies if not isinstance(d, GraphNode)]
    layer = {d.key: d for d in dependencies if isinstance(d, GraphNode)}
    inputs_graph = None
    if prefetch is not None or len(set(blocks)) < n_steps:
        inputs_graph = convert_legacy_graph(ensure_dict(_graph(name, {}, collections)))
        step_inputs = _localize(step_inputs, blocks, inputs_graph, token, name, prefetch, layer)

    previous = model_node
    for i, ((X, y, sample_weight), block, seed) in enumerate(zip(step_inputs, blocks, row_seeds)):
        key = (name, i)
        layer[key] = Task(
            key,
            step,
            previous,
            X,
            y,
            sample_weight,
            fit_kwargs=kwargs_node,
            step=i,
            block=block,
            row_seed=seed,
            copy_model=i == 0,
        )
        previous = TaskRef(key)
    final = (name, n_steps - 1)
    if inputs_graph is None:
        return _graph(name, layer, collections), final
    # The input tasks that were copied per step are dropped; what the chain
    # still needs of the inputs (shared tasks, data in memory) is one layer.
    inputs_name = f"inputs-{token}"
    needed = _needed(inputs_graph, layer)
    graph = HighLevelGraph({name: layer, inputs_name: needed}, {name: {inputs_name}, inputs_name: set()})
    return graph, final


def _needed(graph, layer):
    """The part of ``graph`` that the tasks of ``layer`` depend on."""
    needed = {}
    stack = [dep for node in layer.values() for dep in node.dependencies if dep not in layer]
    while stack:
        key = stack.pop()
        if key in needed or key not in graph:
            continue
        needed[key] = graph[key]
        stack.extend(needed[key].dependencies)
    return needed


def _as_node(item):
    if item is None or isinstance(item, (GraphNode, TaskRef)):
        return item
    return TaskRef(item)


def _model_node(model, dependencies):
    if isinstance(model, Delayed):
        dependencies.append(model)
        return TaskRef(model.key)
    if isinstance(model, TaskRef):  # distributed.Future is a TaskRef too
        return model
    if isinstance(model, (str, tuple)):
        return TaskRef(model)
    return model


def holds_collections(obj):
    """Whether ``obj`` is, or holds in lists, tuples, sets or dicts, a dask collection.

    Examples
    --------
    >>> import dask.array as da
    >>> holds_collections({"classes": [da.zeros(()), 1]}), holds_collections({"classes": [0, 1]})
    (True, False)
    """
    if dask.is_dask_collection(obj):
        return True
    if isinstance(obj, dict):
        return any(holds_collections(v) for v in obj.values())
    if isinstance(obj, (list, tuple, set, frozenset)):
        return any(holds_collections(v) for v in obj)
    return False


def _kwargs_node(fit_kwargs, dependencies):
    fit_kwargs = dict(fit_kwargs or {})
    if holds_collections(fit_kwargs):
        computed = dask.delayed(fit_kwargs, pure=True)
        dependencies.append(computed)
        return TaskRef(computed.key)
    return fit_kwargs


def _graph(name, layer, collections):
    """A HighLevelGraph of ``layer`` on top of the collections' own layers."""
    layers, deps = {name: layer}, {name: set()}
    for collection in toolz.unique(collections, key=id):
        graph = collection.__dask_graph__()
        if isinstance(graph, HighLevelGraph):
            layers.update(graph.layers)
            deps.update(graph.dependencies)
            deps[name].update(collection.__dask_layers__())
        else:  # dask-expr collections hand out a plain dict
            input_name = f"input-{tokenize(collection)}"
            layers[input_name], deps[input_name] = graph, set()
            deps[name].add(input_name)
    return HighLevelGraph(layers, deps)


def _private_keys(graph, roots_by_block):
    """Per block, the computing tasks of ``graph`` that no other block needs."""
    shared = object()
    owner = {}
    for block, roots in roots_by_block.items():
        stack = list(roots)
        while stack:
            key = stack.pop()
            node = graph.get(key)
            seen = owner.get(key, None)
            if node is None or seen is shared or (seen is not None and seen == block):
                continue
            owner[key] = block if seen is None else shared
            stack.extend(node.dependencies)
    private = {block: [] for block in roots_by_block}
    for key, block in owner.items():
        if block is not shared and isinstance(graph[key], (Task, Alias)):
            private[block].append(key)
    return private


def _renamed(key, token, step):
    if isinstance(key, tuple):
        return (f"{key[0]}-{token}", step) + key[1:]
    return (f"{key}-{token}", step)


# Inlined tasks are evaluated recursively by ``Task.__call__``; a few dozen
# levels keep far from Python's recursion limit (about 400 levels fail).
MAX_NESTING = 32


def _references(node, key):
    """How many times ``node`` reads ``key``; infinite when that cannot be told."""
    if isinstance(node, TaskRef):
        return int(node.key == key)
    if not isinstance(node, Task):  # Task and its containers (List, Dict, ...) keep parts in args
        return math.inf if key in node.dependencies else 0
    count = sum(
        _references(part, key)
        for part in (*node.args, *node.kwargs.values())
        if isinstance(part, (GraphNode, TaskRef))
    )
    return math.inf if count == 0 and key in node.dependencies else count


def _fused(graph, keys, referenced):
    """Block-private tasks with aliases resolved and one-reader tasks inlined.

    ``keys`` are the tasks only this block needs; ``referenced`` the ones the
    step reads directly. An alias of another private task is replaced by its
    target, and a private task read once, by exactly one other private task
    (and not by the step), is nested inside that task, so a chain such as
    ``zeros -> add`` is one task per step rather than two. Nothing is computed
    twice: a private task has no reader outside the block, and a task read by
    several tasks, or twice by one (``t + t``), stays on its own. Nesting stops
    at ``MAX_NESTING`` levels.

    Returns ``nodes, aliases``: ``{key: node}`` of the tasks that remain, in an
    order where dependencies come first, and ``{alias: key}`` of the aliases
    that were resolved.
    """
    keys = set(keys)
    aliases = {}
    for key in keys:
        target = key
        while type(graph[target]) is Alias and graph[target].target in keys:
            target = graph[target].target
        if target != key:
            aliases[key] = target
    local = {key: graph[key] for key in keys - aliases.keys()}
    if aliases:
        local = {key: node.substitute(aliases) for key, node in local.items()}
        referenced = {aliases.get(key, key) for key in referenced}
    readers = {key: [] for key in local}
    for key, node in local.items():
        for dep in node.dependencies & local.keys():
            readers[dep].append(key)
    candidates = {
        key
        for key, users in readers.items()
        if key not in referenced and len(users) == 1 and type(local[key]) is Task and type(local[users[0]]) is Task
    }
    # Dependencies first (Kahn's order), so a task's inlined inputs are ready.
    pending = {key: len(node.dependencies & local.keys()) for key, node in local.items()}
    ready = [key for key, n in pending.items() if n == 0]
    nodes, depth, inlined = {}, {}, set()
    while ready:
        key = ready.pop()
        node = local[key]
        subs = {
            dep: nodes[dep]
            for dep in node.dependencies & candidates
            if depth[dep] < MAX_NESTING and _references(node, dep) == 1
        }
        nodes[key] = node.substitute(subs) if subs else node
        depth[key] = 1 + max((depth[dep] for dep in subs), default=0)
        inlined.update(subs)
        for user in readers[key]:
            pending[user] -= 1
            if pending[user] == 0:
                ready.append(user)
    return {key: node for key, node in nodes.items() if key not in inlined}, aliases


def _localize(step_inputs, blocks, graph, token, name, prefetch, layer):
    """Give each step its own copy of the tasks only its block needs.

    Root copies wait on ``(prefetch-<token>, i - 1 - prefetch)``, a tiny task
    that runs once model step ``i - 1 - prefetch`` is done.
    """
    roots_by_block = {}
    for inputs, block in zip(step_inputs, blocks):
        roots = roots_by_block.setdefault(block, set())
        for node in inputs:
            if node is not None:
                roots.update(node.dependencies if isinstance(node, GraphNode) else (node.key,))
    private = {
        block: _fused(graph, keys, roots_by_block[block]) for block, keys in _private_keys(graph, roots_by_block).items()
    }
    private_roots = {
        block: {key for key, node in nodes.items() if not (node.dependencies & nodes.keys())}
        for block, (nodes, _) in private.items()
    }
    localized = []
    for i, (inputs, block) in enumerate(zip(step_inputs, blocks)):
        nodes, aliases = private[block]
        if not nodes:
            localized.append(inputs)
            continue
        subs = {key: _renamed(key, token, i) for key in nodes}
        subs.update((alias, subs[target]) for alias, target in aliases.items() if target in subs)
        wait_for = i - 1 - prefetch if prefetch is not None else -1
        signal = None
        if wait_for >= 0:
            signal = TaskRef((f"prefetch-{token}", wait_for))
            layer[signal.key] = Task(signal.key, model_done, TaskRef((name, wait_for)))
        roots = private_roots[block]
        for key, node in nodes.items():
            if signal is not None and key in roots:
                # A root depends on nothing private, so it needs no substitution.
                inner = TaskRef(node.target) if isinstance(node, Alias) else node
                layer[subs[key]] = Task(subs[key], gated, inner, signal)
            else:
                layer[subs[key]] = node.substitute(subs, key=subs[key])
        localized.append(tuple(None if n is None else n.substitute(subs) for n in inputs))
    return localized
