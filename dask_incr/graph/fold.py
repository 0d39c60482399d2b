"""The one fold: input graph -> analysis -> per-step copies -> chain of steps -> one HighLevelGraph.

:func:`fold` is the code every graph of dask_incr is built with: the public
:func:`dask_incr.build_chain` is a thin wrapper of it, every fit and every
window of a long fit calls it, and so does every validation scoring pass
(:func:`dask_incr.fit.score_chain.score_graph`, whose "step" scores a block).
:func:`chain_inputs` reads and analyses the input graph once, so a long fit
folds window after window from that one analysis.
"""

from __future__ import annotations

import contextlib
import gc
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import dask
import toolz

# The one private dask import: turns legacy tuple tasks and raw values of an
# input graph into task-spec nodes so their dependencies can be walked
# (pinned by tests/graph/test_chain.py::test_private_dask_api).
from dask._task_spec import convert_legacy_graph
from dask.base import tokenize
from dask.highlevelgraph import HighLevelGraph
from dask.task_spec import Task, TaskRef
from dask.utils import ensure_dict

from . import localize
from .copies import copies, signal_key, signal_task
from .steps import gated, partial_fit_step, snapshot

__all__ = ["Chain", "ChainInputs", "Window", "chain_inputs", "fold", "snapshot_key"]


@dataclass(frozen=True)
class ChainInputs:
    """What the steps of a fold read, and the input graph it comes from, analysed once.

    Attributes
    ----------
    step_inputs : list of tuple
        Per step, the task-spec nodes (``TaskRef``, ``Task``, ``DataNode``) or
        ``None`` it reads, e.g. ``(X, y, sample_weight)``.
    blocks : tuple of int
        The block of each step (steps of one block read the same inputs).
    graph : dict
        The input collections' task-spec graph.
    analysis : dask_incr.graph.localize.InputAnalysis
        What :func:`dask_incr.graph.localize.analyse` made of ``graph``.
    """

    step_inputs: list
    blocks: tuple
    graph: dict
    analysis: localize.InputAnalysis


@dataclass(frozen=True)
class Chain:
    """One chain of a fold: the keys ``(name, i)``, the model it starts from, what each step runs.

    Attributes
    ----------
    name : str
    model : estimator, TaskRef or distributed.Future
        The model before the first step (the first step copies a value).
    step : callable, default :func:`dask_incr.partial_fit_step`
        The step protocol: ``step(model, X, y, sample_weight, *, fit_kwargs,
        step, block, row_seed, copy_model) -> model``; a step that also takes
        ``require_rows`` is asked, where a model is exposed, to raise when no
        block of the fit had a row (see :func:`dask_incr.graph.fed.passed_on`).
    fit_kwargs : dict or TaskRef, optional
        Passed to every step (a ``TaskRef`` to a computed dict).
    """

    name: str
    model: object
    step: Callable = partial_fit_step
    fit_kwargs: object = None


@dataclass(frozen=True)
class Window:
    """Which steps a fold builds, and what it takes from the windows before it.

    Attributes
    ----------
    steps : range
        The steps to build.
    values : dict
        Shared (wide) input key -> a node holding its precomputed value
        (a ``DataNode``, or a ``Future``), read instead of the key.
    earlier : dict
        Model step before ``steps`` -> the node that says it is done (a
        signal's future), for the first loads of the window to wait on.
    tails : range
        Steps whose signals are added to the graph (and to the keys
        returned), for the next window's loads to wait on.
    """

    steps: range
    values: Mapping = field(default_factory=dict)
    earlier: Mapping = field(default_factory=dict)
    tails: range = range(0)


@contextlib.contextmanager
def gc_paused():
    """Pause the cyclic garbage collector while a graph is built.

    Building allocates several task objects per step and none of them is
    garbage yet; the collector's repeated passes over them cost more than the
    build itself. A collector the caller had disabled stays disabled.

    Examples
    --------
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


def chain_inputs(step_inputs, blocks, collections, *, hold=None):
    """The :class:`ChainInputs` of ``step_inputs``, reading the graphs of ``collections``.

    ``hold`` is the rule of :func:`dask_incr.graph.localize.analyse` for the
    tasks every block needs (default: hold them all).

    Examples
    --------
    >>> import dask.array as da
    >>> X = da.ones((4, 2), chunks=2)
    >>> inputs = chain_inputs([(TaskRef((X.name, i, 0)),) for i in (1, 0)], [1, 0], [X])
    >>> inputs.blocks, len(inputs.graph), sorted(inputs.analysis.needs)
    ((1, 0), 2, [0, 1])
    """
    with gc_paused():
        graph = input_graph(collections)
        analysis = localize.analyse(graph, step_inputs, blocks, hold=hold)
    return ChainInputs(list(step_inputs), tuple(blocks), graph, analysis)


def fold(
    inputs,
    chains,
    *,
    name=None,
    row_seeds=None,
    prefetch=None,
    signals=True,
    window=None,
    snapshots=(),
    ends=(),
    after=None,
    collections=(),
):
    """Build the chains of steps over ``inputs`` as one HighLevelGraph layer ``name``.

    Parameters
    ----------
    inputs : ChainInputs
    chains : sequence of Chain
        Each gets keys ``(chain.name, i)``; step ``i`` of every chain reads
        the same copy of step ``i``'s inputs.
    name : str, optional
        The layer's name (default: the one chain's name).
    row_seeds : sequence of int or None, optional
        Per step (of the whole fold), the seed of the in-block row shuffle.
    prefetch : int or None
        The loads of step ``i`` wait on model step ``i - 1 - prefetch``;
        ``None``: loads are not gated.
    signals : bool, default True
        Loads wait on a small signal task of that model step (on a cluster the
        model then never travels to a loader); ``False``: on the model step
        itself, one task fewer per step, for the local schedulers.
    window : Window, optional
        The steps to build (default: all of them).
    snapshots : sequence of int
        Steps (but the last of the window) whose model gets, in every chain,
        a copy task (:func:`snapshot_key`) the next step waits on: steps
        update the model in place, so the copy keeps that model's value.
    ends : sequence of int
        Steps whose model is exposed besides the fold's last and the
        ``snapshots`` (an epoch's end that is scored): there, and at those,
        a step function that takes ``require_rows`` gets ``require_rows=True``.
    after : dict, optional
        Tasks added to the layer after the chains (e.g. one reading the last model).
    collections : sequence
        Dask collections merged whole (a Delayed model, computed fit kwargs).

    Returns
    -------
    graph : HighLevelGraph
    keys : list
        The last model key of each chain, then the keys of the tail signals.

    Examples
    --------
    >>> import dask.array as da
    >>> from dask.delayed import Delayed
    >>> from sklearn.preprocessing import StandardScaler
    >>> X = da.ones((6, 2), chunks=2)
    >>> inputs = chain_inputs([(TaskRef((X.name, i, 0)), None, None) for i in range(3)], range(3), [X])
    >>> graph, keys = fold(inputs, [Chain("fit-demo", StandardScaler())], prefetch=1)
    >>> keys, int(Delayed(keys[0], graph, layer="fit-demo").compute().n_samples_seen_)
    ([('fit-demo', 2)], 6)
    """
    name = chains[0].name if name is None else name
    window = Window(range(len(inputs.step_inputs))) if window is None else window
    steps, names = window.steps, tuple(chain.name for chain in chains)
    row_seeds = [None] * len(inputs.step_inputs) if row_seeds is None else row_seeds
    token = tokenize(name)  # derived keys stay unique whatever names callers choose
    with gc_paused():
        step_inputs, layer = copies(
            inputs.analysis,
            inputs.step_inputs,
            steps,
            token=token,
            name=names,
            prefetch=prefetch,
            signals=signals,
            signal=window.earlier.get,
            values=window.values,
        )
        exposed = frozenset((len(inputs.step_inputs) - 1, *snapshots, *ends))
        for chain in chains:
            layer.update(_chain_tasks(chain, step_inputs, steps, inputs.blocks, row_seeds, exposed))
        layer.update(_snapshot_tasks(layer, names, steps, snapshots))
        tails = [signal_key(token, i) for i in window.tails]
        layer.update((key, signal_task(key, names, key[1])) for key in tails)
        layer.update(after or {})
        lasts = [(chain_name, steps.stop - 1) for chain_name in names]
        return assemble(name, layer, inputs.graph, collections), [*lasts, *tails]


def _chain_tasks(chain, step_inputs, steps, blocks, row_seeds, exposed):
    """The step tasks ``(chain.name, i)`` for ``i`` in ``steps``: each reads the model of the one before.

    The steps of ``exposed`` require rows fed, if the step function takes ``require_rows``.
    """
    tasks = {}
    previous = chain.model
    exposed = exposed if _takes_keyword(chain.step, "require_rows") else frozenset()
    for i, inputs in zip(steps, step_inputs):
        key = (chain.name, i)
        options = {
            "fit_kwargs": chain.fit_kwargs,
            "step": i,
            "block": blocks[i],
            "row_seed": row_seeds[i],
            "copy_model": i == steps.start,
        }
        if i in exposed:
            options["require_rows"] = True
        tasks[key] = Task(key, chain.step, previous, *inputs, **options)
        previous = TaskRef(key)
    return tasks


def _takes_keyword(function, name):
    """Whether ``function`` takes the keyword ``name`` (a custom step may not)."""
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False
    return name in parameters or any(p.kind is p.VAR_KEYWORD for p in parameters.values())


def snapshot_key(name, step):
    """The key of the copy of model step ``step`` of the chain ``name`` (see :func:`fold`).

    Examples
    --------
    >>> snapshot_key("fit-abc", 3)
    ('snapshot-fit-abc', 3)
    """
    return (f"snapshot-{name}", step)


def _snapshot_tasks(layer, names, steps, snapshots):
    """The copy tasks of ``snapshots`` and the next steps rewritten to wait on them."""
    tasks = {}
    for i in snapshots:
        if i + 1 not in steps or i not in steps:
            continue
        for name in names:
            key, after = snapshot_key(name, i), layer[(name, i + 1)]
            tasks[key] = Task(key, snapshot, TaskRef((name, i)))
            waited = Task(None, gated, TaskRef((name, i)), TaskRef(key))
            tasks[after.key] = Task(after.key, after.func, waited, *after.args[1:], **after.kwargs)
    return tasks


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


def fit_kwargs_node(fit_kwargs, lazy=None):
    """Fit kwargs as a task argument, and the collections it needs: dask collections in them become one.

    ``lazy`` says whether they hold dask collections, when the caller knows
    (``None``: look).

    Examples
    --------
    >>> import dask.array as da
    >>> fit_kwargs_node({"classes": [0, 1]})
    ({'classes': [0, 1]}, [])
    >>> node, needs = fit_kwargs_node({"classes": da.arange(2)})
    >>> type(node).__name__, len(needs)
    ('TaskRef', 1)
    """
    fit_kwargs = dict(fit_kwargs or {})
    if holds_collections(fit_kwargs) if lazy is None else lazy:
        computed = dask.delayed(fit_kwargs, pure=True)
        return TaskRef(computed.key), [computed]
    return fit_kwargs, []


def input_graph(collections):
    """The task-spec graph of ``collections``, merged: what the step inputs read.

    Examples
    --------
    >>> import dask.array as da
    >>> X = da.ones((4, 2), chunks=2)
    >>> len(input_graph([X]))  # one task per chunk
    2
    """
    merged = {}
    for collection in toolz.unique(collections, key=id):
        merged.update(ensure_dict(collection.__dask_graph__()))
    return convert_legacy_graph(merged)


def assemble(name, layer, inputs, collections=()):
    """One HighLevelGraph: the chain's ``layer`` over the part of ``inputs`` it reads.

    ``collections`` (a Delayed model, computed fit kwargs) are merged whole.

    Examples
    --------
    >>> from dask.task_spec import DataNode
    >>> graph = assemble("fit-x", {("fit-x", 0): Task(("fit-x", 0), abs, TaskRef("a"))}, {"a": DataNode("a", -1)})
    >>> sorted(graph.layers), dict(graph)[("fit-x", 0)].dependencies
    (['fit-x', 'inputs-...'], frozenset({'a'}))
    """
    needed = localize.needed(inputs, {dep for node in layer.values() for dep in node.dependencies} - layer.keys())
    extra = {}
    for collection in toolz.unique(collections, key=id):
        extra.update(ensure_dict(collection.__dask_graph__()))
    if extra:
        needed.update(convert_legacy_graph(extra))
    inputs_name = f"inputs-{tokenize(name)}"
    return HighLevelGraph({name: layer, inputs_name: needed}, {name: {inputs_name}, inputs_name: set()})
