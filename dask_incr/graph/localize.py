"""Localize: the input graph rewritten so memory stays bounded and ordering linear.

A step needs the tasks that compute its block. Left as they are, the roots of
those tasks are all ready at once and idle threads load far ahead of the serial
chain. So each task an input graph holds is given one of three treatments,
decided by how many blocks need it (its *consumers*):

* **narrow** — needed by a few blocks (one block's own loader, or a chunk that
  a rechunk, repartition or overlap halo shares between neighbours): copied
  under new keys, one copy per *run* of consecutive steps that need it. A
  copy's roots wait on ``(prefetch-<token>, r - 1 - prefetch)``, a tiny signal
  task that runs once model step ``r - 1 - prefetch`` is done (``r`` the run's
  first step). In order, neighbours that share a chunk are consecutive steps,
  so the chunk is read once and released after its last reader; where the
  steps that need it are apart (shuffled blocks, epochs), each step reads it
  again rather than hold it.
* **wide** — needed by more than half the blocks (and by more than
  :data:`FEW`): a reduction such as ``X.mean(axis=0)`` inside ``y``, or a
  small array every block is combined with. The wide tasks read by narrow ones
  (the *shared* frontier) are computed once, before the chain can start, and
  held; below them the blocks are read once more for that pass.
* **data** — values already in memory (``da.from_array``, persisted
  collections): a data node needed by narrow tasks rides inside the tasks
  that read it, so no step has a leaf of its own (that shape makes
  ``dask.order`` quadratic).

Private tasks are fused per copy: aliases are resolved and a task read once,
by exactly one other narrow task, is nested inside its reader (at most
:data:`MAX_NESTING` levels), so nothing is computed twice.

:func:`analyse` reads the input graph once and classifies its tasks;
:func:`dask_incr.graph.copies.copies` builds the copies, loads and gates of
any range of steps from that analysis, so a long fit can be built window by
window. Both return what they build.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from dask.task_spec import Alias, DataNode, GraphNode, Task, TaskRef

__all__ = ["FEW", "MAX_NESTING", "InputAnalysis", "analyse", "needed", "reads"]

#: A task needed by at most this many blocks is never treated as wide.
FEW = 4
# Inlined tasks are evaluated recursively by ``Task.__call__``; a few dozen
# levels keep far from Python's recursion limit.
MAX_NESTING = 32

_WIDE = None  # the consumer set of a wide task


@dataclass(frozen=True)
class InputAnalysis:
    """What each task of an input graph is, for one order of blocks.

    Attributes
    ----------
    blocks : tuple of int
        The block of each step.
    nodes : dict
        Narrow task key -> its node, aliases resolved and one-reader tasks
        inlined; dependencies before their readers.
    consumers : dict
        Narrow task key -> the frozenset of blocks that need it.
    needs : dict
        Block -> the narrow keys (of ``nodes``) that block needs.
    replace : dict
        Key -> what a reader gets instead: a resolved alias's target key, or
        the value node of in-memory data.
    shared : frozenset
        Wide keys that narrow tasks or steps read: computed once, kept as they are.
    """

    blocks: tuple
    nodes: dict
    consumers: dict
    needs: dict
    replace: dict
    shared: frozenset

    @property
    def in_memory(self):
        """Whether the steps read only data already in memory: no task to load a block, none to reduce.

        Examples
        --------
        >>> import dask.array as da, numpy as np
        >>> from dask.task_spec import TaskRef
        >>> from dask_incr.graph.fold import input_graph
        >>> def analysis(X):
        ...     return analyse(input_graph([X]), [(TaskRef((X.name, i, 0)),) for i in range(2)], [0, 1])
        >>> X = da.from_array(np.ones((6, 2)), chunks=(3, 2))
        >>> analysis(X).in_memory, analysis(X + 1).in_memory, analysis(X.persist()).in_memory
        (True, False, True)
        """
        return not self.nodes and not self.shared


def analyse(graph, step_inputs, blocks):
    """Classify the tasks of ``graph`` that the step inputs need.

    Parameters
    ----------
    graph : dict
        Key -> task-spec node: the input collections' graph.
    step_inputs : sequence of tuple
        Per step, the task-spec nodes (or ``None``) it reads.
    blocks : sequence of int
        The block of each step; steps of one block read the same inputs.

    Returns
    -------
    InputAnalysis

    Examples
    --------
    >>> import dask.array as da
    >>> from dask.task_spec import TaskRef
    >>> from dask_incr.graph.fold import input_graph
    >>> X = da.ones((6, 2), chunks=(3, 2)).rechunk((2, 2))
    >>> graph = input_graph([X])
    >>> inputs = [(TaskRef((X.name, i, 0)),) for i in range(3)]
    >>> analysis = analyse(graph, inputs, [0, 1, 2])
    >>> sources = [key for key in analysis.consumers if key[0].startswith("ones")]
    >>> sorted(sorted(analysis.consumers[key]) for key in sources)  # block 1 reads both
    [[0, 1], [1, 2]]
    """
    blocks = tuple(blocks)
    roots = {}
    for inputs, block in zip(step_inputs, blocks):
        keys = roots.setdefault(block, set())
        for node in inputs:
            if node is not None:
                keys.update(reads(node))
    sets, readers = _consumer_sets(graph, roots, len(roots))
    narrow = {key for key, owners in sets.items() if owners is not _WIDE}
    shared = frozenset(key for key, owners in sets.items() if owners is _WIDE)
    replace = {key: DataNode(None, graph[key].value) for key in narrow if type(graph[key]) is DataNode}
    tasks = narrow - replace.keys()
    for key in tasks:
        target = key
        while type(graph[target]) is Alias and graph[target].target in tasks:
            target = graph[target].target
        if target != key:
            replace[key] = target
    direct = {key for keys in roots.values() for key in keys if type(replace.get(key)) is not DataNode}
    direct = {replace.get(key, key) for key in direct}
    nodes = _fused(graph, tasks - replace.keys(), direct, replace)
    needs = {block: [] for block in roots}
    for key in nodes:
        for block in sets[key]:
            needs[block].append(key)
    consumers = {key: sets[key] for key in nodes}
    return InputAnalysis(blocks, nodes, consumers, needs, replace, shared)


def reads(node):
    """The keys a step input ``node`` reads."""
    return node.dependencies if isinstance(node, GraphNode) else (node.key,)


def _consumer_sets(graph, roots, n_blocks):
    """Per reachable key, the blocks that need it (``_WIDE`` when too many).

    Walks readers before their dependencies, so each edge is visited once per
    pass. Wide tasks that something narrow reads are cut, and the walk is
    repeated without descending into them: below a reduction, a block's own
    chunk is then needed by that block only. Returns ``sets, readers``.
    """
    limit = max(FEW, n_blocks // 2)
    direct = {}
    for block, keys in roots.items():
        for key in keys:
            direct.setdefault(key, []).append(block)
    cut = set()
    while True:
        order, readers = _readers_first(graph, direct, cut)
        sets = {}
        for key in order:
            owners = set(direct.get(key, ()))
            for reader in readers[key]:
                found = sets[reader]
                if found is _WIDE:
                    owners = _WIDE
                    break
                owners |= found
            sets[key] = _WIDE if owners is _WIDE or len(owners) > limit else frozenset(owners)
        candidates = [
            key
            for key, owners in sets.items()
            if owners is _WIDE and (key in direct or any(sets[r] is not _WIDE for r in readers[key]))
        ]
        frontier = set(candidates) - _below(graph, candidates, sets)
        if frontier <= cut:
            return {key: owners for key, owners in sets.items() if owners is not _WIDE or key in cut}, readers
        cut |= frontier


def _below(graph, keys, sets):
    """Wide keys that some of ``keys`` read, through wide tasks only.

    Only the topmost wide tasks are cut in a pass: below a reduction, a
    block's own chunk looks wide until the reduction is cut.
    """
    below = set()
    stack = [dep for key in keys for dep in graph[key].dependencies]
    while stack:
        key = stack.pop()
        if key in below or sets.get(key, 0) is not _WIDE:
            continue
        below.add(key)
        stack.extend(graph[key].dependencies)
    return below


def _readers_first(graph, direct, cut):
    """Reachable keys, each after all its readers (Kahn's order), and their readers."""
    readers = {}
    stack = [key for key in direct if key in graph]
    for key in stack:
        readers[key] = []
    while stack:
        key = stack.pop()
        if key in cut:
            continue
        for dep in graph[key].dependencies:
            if dep not in graph:
                continue  # an external key (a distributed future): left as it is
            if dep not in readers:
                readers[dep] = []
                stack.append(dep)
            readers[dep].append(key)
    pending = {key: len(users) for key, users in readers.items()}
    ready = [key for key, n in pending.items() if n == 0]
    order = []
    while ready:
        key = ready.pop()
        order.append(key)
        if key in cut:
            continue
        for dep in graph[key].dependencies:
            if dep in pending:
                pending[dep] -= 1
                if pending[dep] == 0:
                    ready.append(dep)
    return order, readers


def _references(node, key):
    """How many times ``node`` reads ``key``; infinite when that cannot be told."""
    if isinstance(node, TaskRef):
        return int(node.key == key)
    if not isinstance(node, Task):  # Task and its containers (List, Dict, ...) keep parts in args
        return math.inf if key in node.dependencies else 0
    count = sum(
        _references(part, key) for part in (*node.args, *node.kwargs.values()) if isinstance(part, (GraphNode, TaskRef))
    )
    return math.inf if count == 0 and key in node.dependencies else count


def _fused(graph, keys, direct, replace):
    """Narrow tasks with replacements applied and one-reader tasks inlined.

    A task read once, by exactly one other narrow task (and not by a step),
    is nested inside that reader: it has the same consumers, so the same
    copies. A task read by several tasks, or twice by one (``t + t``), stays
    on its own, so nothing is computed twice. Returns ``{key: node}`` with
    dependencies first.
    """
    local = {key: graph[key].substitute(replace) if replace else graph[key] for key in keys}
    readers = {key: [] for key in local}
    for key, node in local.items():
        for dep in node.dependencies & local.keys():
            readers[dep].append(key)
    candidates = {
        key
        for key, users in readers.items()
        if key not in direct and len(users) == 1 and type(local[key]) is Task and type(local[users[0]]) is Task
    }
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
    return {key: node for key, node in nodes.items() if key not in inlined}


def needed(graph, keys):
    """The part of ``graph`` that computing ``keys`` needs: those of them it holds, and what they read.

    Examples
    --------
    >>> from dask.task_spec import DataNode, Task, TaskRef
    >>> graph = {"a": DataNode("a", 1), "b": DataNode("b", 2), "c": Task("c", abs, TaskRef("a"))}
    >>> sorted(needed(graph, ["c"]))
    ['a', 'c']
    """
    found = {}
    stack = list(keys)
    while stack:
        key = stack.pop()
        if key in found or key not in graph:
            continue
        found[key] = graph[key]
        stack.extend(found[key].dependencies)
    return found
