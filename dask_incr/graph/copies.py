"""Copies: the tasks of any range of steps built from an input analysis — per-run copies, loads, gates.

Each narrow task of :func:`dask_incr.graph.localize.analyse` is copied under
new keys, one copy per *run* of consecutive steps that need it (in order,
neighbours that share a chunk are consecutive steps, so the chunk is read once
and released after its last reader; where the steps that need it are apart,
shuffled blocks or epochs, each step reads it again rather than hold it). A
run's root copies are gated: they wait on model step ``r - 1 - prefetch``
(``r`` the run's first step) — through ``(prefetch-<token>, step)``, a tiny
signal task, on a distributed cluster (so the model never travels to a
loader), or on the model step itself on the local schedulers, where nothing
travels and a task fewer per step counts. The copies only one step reads are
fused into one load task per step (:func:`fused_loads`).
"""

from __future__ import annotations

from operator import getitem

from dask.task_spec import Alias, DataNode, GraphNode, Task, TaskRef

from .localize import reads
from .steps import gated, load_inputs, model_done, tuple_of

__all__ = ["copies", "fused_loads", "signal_key", "signal_task"]


def _run_start(analysis, key, step, first):
    """The first step of the run of consecutive steps needing ``key`` that holds ``step``."""
    owners, blocks = analysis.consumers[key], analysis.blocks
    while step > first and blocks[step - 1] in owners:
        step -= 1
    return step


def _renamed(key, token, step):
    if isinstance(key, tuple):
        return (f"{key[0]}-{token}", step) + key[1:]
    return (f"{key}-{token}", step)


def copies(analysis, step_inputs, steps, *, token, name, prefetch, signals=True, signal=None, values=None):
    """The per-run copies and gates of ``steps``, and the step inputs that read them.

    Parameters
    ----------
    analysis : InputAnalysis
    step_inputs : sequence of tuple
        The inputs of every step of the fit (indexed by step).
    steps : range
        The steps to build; a run never reaches before ``steps.start``.
    token : str
        Makes the new keys unique to this fit.
    name : str or tuple of str
        Name of the chain: model step ``i`` is ``(name, i)``; with several
        chains reading the same copies, their names (a gate then waits
        on step ``i`` of every chain).
    prefetch : int or None
        Copies of run ``r`` wait on model step ``r - 1 - prefetch``; ``None``
        leaves them ungated.
    signals : bool, default True
        Wait on a small signal task of the model step (the model never
        travels to a loader); ``False``: on the model step itself.
    signal : callable, optional
        ``signal(i)`` -> the signal node of model step ``i``, for steps
        before ``steps.start`` (built elsewhere); by default such steps are
        not waited on.
    values : dict, optional
        Shared key -> a node holding its precomputed value (a ``DataNode``,
        or a ``Future``), read instead of the key.

    Returns
    -------
    inputs : list of tuple
        The inputs of each step of ``steps``, reading the copies.
    layer : dict
        The copies, loads and signal tasks. The copies only one step reads
        are fused into one load task per step (see :func:`fused_loads`).

    Examples
    --------
    >>> import dask.array as da
    >>> from dask_incr.graph.fold import input_graph
    >>> from dask_incr.graph.localize import analyse
    >>> X = da.random.default_rng(0).normal(size=(4, 2), chunks=2)
    >>> y = X[:, 0]
    >>> inputs = [(TaskRef((X.name, i, 0)), TaskRef((y.name, i))) for i in range(2)]
    >>> analysis = analyse(input_graph([X, y]), inputs, [0, 1])
    >>> _, layer = copies(analysis, inputs, range(2), token="t", name="fit-a", prefetch=0, signals=False)
    >>> sorted(layer)  # one load per step (X's block and y's slice of it), the second one gated
    [('load-t', 0), ('load-t', 1)]
    >>> sorted(layer[("load-t", 1)].dependencies)
    [('fit-a', 0)]
    """
    names = (name,) if isinstance(name, str) else tuple(name)
    gates = _Gates(token, names, prefetch, signals, steps.start, signal)
    layer, localized = {}, []
    replace = {**analysis.replace, **(values or {})}
    for i in steps:
        layer.update(_step_copies(analysis, i, steps.start, token, gates, values or {}))
        localized.append(_localized_inputs(analysis, step_inputs[i], i, steps.start, token, replace))
    localized, layer = fused_loads(localized, layer, steps, token)
    return localized, {**layer, **gates.layer}


class _Gates:
    """The nodes a run's root copies wait on, and the signal tasks that makes."""

    def __init__(self, token, names, prefetch, signals, first, signal):
        self.token, self.names, self.prefetch, self.signals = token, names, prefetch, signals
        self.first, self.signal, self.layer = first, signal, {}

    def of(self, run):
        """The nodes the roots of run ``run`` wait on (none: not gated)."""
        if self.prefetch is None or run - 1 - self.prefetch < 0:
            return ()
        wait_for = run - 1 - self.prefetch
        if wait_for < self.first:  # a step of an earlier window: its signal, if it is still running
            node = self.signal(wait_for) if self.signal is not None else None
            return () if node is None else (node,)
        if not self.signals:
            return tuple(TaskRef((name, wait_for)) for name in self.names)
        key = signal_key(self.token, wait_for)
        if key not in self.layer:
            self.layer[key] = signal_task(key, self.names, wait_for)
        return (TaskRef(key),)


def _step_copies(analysis, i, first, token, gates, values):
    """The copies whose run starts at step ``i``, roots gated."""
    layer = {}
    for key in analysis.needs.get(analysis.blocks[i], ()):
        run = _run_start(analysis, key, i, first)
        if run != i or key in values:
            continue  # built by the run's first step, or computed already
        new_key = _renamed(key, token, run)
        node = analysis.nodes[key]
        subs = {
            dep: _renamed(dep, token, _run_start(analysis, dep, i, first))
            for dep in node.dependencies
            if dep in analysis.nodes
        }
        own_run = any(sub[1] == run for sub in subs.values())
        subs.update((dep, values[dep]) for dep in node.dependencies if dep in values)
        waits = () if own_run else gates.of(run)
        if type(node) is Alias:  # a copy of an alias is a task of its own key (Alias.substitute keeps the key)
            target = subs.get(node.target, node.target)
            target = target if isinstance(target, (GraphNode, TaskRef)) else TaskRef(target)
            layer[new_key] = Task(new_key, gated, target, *waits)
        elif waits:
            layer[new_key] = Task(new_key, gated, node.substitute(subs), *waits)
        else:
            layer[new_key] = node.substitute(subs, key=new_key)
    return layer


def _localized_inputs(analysis, inputs, i, first, token, replace):
    """Step ``i``'s inputs reading the copies (and in-memory values riding inside)."""
    subs = {}
    for node in inputs:
        for key in reads(node) if node is not None else ():
            target = replace.get(key, key)
            if isinstance(target, (GraphNode, TaskRef)):
                subs[key] = target
            elif target in analysis.nodes:
                subs[key] = _renamed(target, token, _run_start(analysis, target, i, first))
    return tuple(_substituted(node, subs) for node in inputs)


def fused_loads(inputs, layer, steps, token):
    """Fuse the copies only step ``i`` reads into one load task per step, for the ``inputs`` of ``steps``.

    A step on a tiny block was a task per private input (X's block, y's
    slice of it, sample_weight), each a scheduler hand-off; they become one
    task ``(load-<token>, i)`` (:func:`dask_incr.graph.steps.load_inputs`)
    that runs them in order and returns those inputs as a tuple; the step
    reads its parts. (``dask.task_spec.Task.fuse`` would do the same through
    ``dask.order`` of the subgraph at every call: about 1 ms per step.) Copies a
    run of several steps shares stay tasks of their own. Returns ``inputs,
    layer`` with the loads in place of the fused copies.

    Examples
    --------
    >>> x, y = ("x-t", 0), ("y-t", 0)  # copies made for step 0
    >>> layer = {x: Task(x, abs, -1), y: Task(y, abs, -2)}
    >>> inputs, fused = fused_loads([(TaskRef(x), TaskRef(y))], layer, range(1), "t")
    >>> list(fused), [part.func.__name__ for part in inputs[0]]
    ([('load-t', 0)], ['getitem', 'getitem'])
    """
    readers = _readers(inputs, layer, steps)
    made_for = {}
    for key in layer:  # a copy's key holds its run's first step
        made_for.setdefault(key[1], set()).add(key)
    fused_inputs = []
    for i, step_inputs in zip(steps, inputs):
        private = _private(made_for.get(i, set()), readers, i)
        if len(private) < 2:  # nothing to save: one copy is one task already
            fused_inputs.append(step_inputs)
            continue
        reading = [position for position, node in enumerate(step_inputs) if _reads_any(node, private)]
        key = (f"load-{token}", i)
        gather = Task(("gather", key), tuple_of, *(step_inputs[p] for p in reading))
        tasks = (*_dependencies_first({k: layer.pop(k) for k in private}), gather)
        external = tuple(sorted({dep for task in tasks for dep in task.dependencies} - private, key=str))
        layer[key] = Task(key, load_inputs, DataNode(None, (tasks, external)), *(TaskRef(k) for k in external))
        parts = {p: Task(None, getitem, TaskRef(key), n) for n, p in enumerate(reading)}
        fused_inputs.append(tuple(parts.get(p, node) for p, node in enumerate(step_inputs)))
    return fused_inputs, layer


def _readers(inputs, layer, steps):
    """Copy key -> the steps reading it as an input, and the copies reading it."""
    readers = {key: set() for key in layer}
    for i, step_inputs in zip(steps, inputs):
        for node in step_inputs:
            for key in reads(node) if node is not None else ():
                if key in readers:
                    readers[key].add(("step", i))
    for key, node in layer.items():
        for dep in node.dependencies:
            if dep in readers:
                readers[dep].add(key)
    return readers


def _private(made, readers, i):
    """Of the copies ``made`` for step ``i``, those nothing but step ``i`` and each other read."""
    private = set(made)
    while True:  # a copy read from outside (or by nothing) keeps what it reads outside too
        outside = {
            key
            for key in private
            if not readers[key] or any(r != ("step", i) and r not in private for r in readers[key])
        }
        if not outside:
            return private
        private -= outside


def _dependencies_first(tasks):
    """The tasks of ``{key: task}``, each after the ones of them it reads."""
    ordered, done = [], set()

    def visit(key):
        stack = [(key, False)]
        while stack:
            current, expanded = stack.pop()
            if current in done:
                continue
            if expanded:
                done.add(current)
                ordered.append(tasks[current])
                continue
            stack.append((current, True))
            stack.extend((dep, False) for dep in tasks[current].dependencies if dep in tasks and dep not in done)

    for key in sorted(tasks, key=str):
        visit(key)
    return ordered


def _reads_any(node, keys):
    return node is not None and bool(keys) and any(key in keys for key in reads(node))


def _substituted(node, subs):
    if node is None or not subs:
        return node
    if isinstance(node, TaskRef) and isinstance(subs.get(node.key), (GraphNode, TaskRef)):
        return subs[node.key]  # data in memory rides inside the step task
    return node.substitute(subs)


def signal_task(key, names, step):
    """The signal task ``key``: done once model step ``step`` of every chain in ``names`` (or of chain ``names``) is.

    Examples
    --------
    >>> sorted(signal_task(("prefetch-t", 3), ("fit-a", "fit-b"), 3).dependencies)
    [('fit-a', 3), ('fit-b', 3)]
    """
    names = (names,) if isinstance(names, str) else names
    return Task(key, model_done, *(TaskRef((name, step)) for name in names))


def signal_key(token, step):
    """The key of the signal that model step ``step`` is done."""
    return (f"prefetch-{token}", step)
