"""The picture of a fit: its chain drawn left to right, with labels a reader understands.

``dask.visualize`` labels a task by its key's name (``fit``, ``normal``) and
its output by the rest of the key (``(2, 2, 0)``). :func:`chain_attributes`
gives every task of a lazy fit a label saying what it does and for which
block — ``partial_fit · block 3``, ``load X · block 3``, ``prefetch gate``
— in the form ``dask.visualize`` and :func:`dask.dot.to_graphviz` accept;
:func:`draw_chain` draws the first steps of a fit with them.
"""

from __future__ import annotations

import importlib.util
import os
import shutil

import dask
from dask.dot import to_graphviz
from dask.task_spec import GraphNode, Task, TaskRef
from dask.utils import key_split

from .._validation import type_name
from .fold import input_graph
from .localize import needed
from .steps import model_done, partial_fit_step, pipeline_partial_fit_step

__all__ = ["chain_attributes", "draw_chain", "missing_tools"]

#: What a step does, by its step function (a custom step shows its function's name).
STEP_VERBS = {partial_fit_step: "partial_fit", pipeline_partial_fit_step: "pipeline partial_fit"}
ROLES = ("X", "y", "sample_weight")

# Colours tell the kinds apart: blue learns, green loads, orange holds loading back.
STEP_STYLE = {"shape": "box", "style": "filled,bold", "fillcolor": "#cfe2ff", "color": "#1f4e9c", "group": "chain"}
LOAD_STYLE = {"shape": "box", "style": "rounded,filled", "fillcolor": "#dff0d8", "color": "#3c763d"}
UPSTREAM_STYLE = {"shape": "box", "style": "rounded,filled", "fillcolor": "#f4faf2", "color": "#8fbc8f"}
GATE_STYLE = {"shape": "box", "style": "rounded,filled,dashed", "fillcolor": "#ffe8c7", "color": "#c77700"}
OTHER_STYLE = {"shape": "box", "style": "rounded,filled", "fillcolor": "#eeeeee", "color": "#777777"}
MORE_STYLE = {"shape": "plaintext", "group": "chain"}


def missing_tools():
    """What is missing to render a picture, with the commands that install it; ``None`` when nothing is.

    Examples
    --------
    >>> missing_tools() is None or "install" in missing_tools()
    True
    """
    if importlib.util.find_spec("graphviz") is None:
        return "the graphviz Python package is missing: pip install graphviz (or pip install -e '.[picture]')"
    if shutil.which("dot") is None:
        return (
            "graphviz's dot program is missing: apt-get install graphviz (Debian/Ubuntu), "
            "brew install graphviz (macOS) or conda install graphviz"
        )
    return None


def chain_steps(graph):
    """The step tasks of a fit's graph, in chain order: tasks built with the step protocol.

    Examples
    --------
    >>> import dask.array as da
    >>> from dask_incr import fit_blocks
    >>> from sklearn.preprocessing import StandardScaler
    >>> lazy = fit_blocks(StandardScaler(), da.ones((6, 2), chunks=2), compute=False)
    >>> [task.kwargs["block"] for task in chain_steps(input_graph([lazy]))]
    [0, 1, 2]
    """
    steps = [node for node in graph.values() if _is_step(node)]
    return sorted(steps, key=lambda task: task.kwargs["step"])


def chain_attributes(graph):
    """Graphviz attributes of every task of a fit's ``graph``: labels and styles by what the task does.

    Parameters
    ----------
    graph : dict
        Key -> task-spec node, e.g. ``dask_incr.graph.fold.input_graph([lazy])``.

    Returns
    -------
    dict
        Key -> attributes. Pass it as both ``function_attributes`` and
        ``data_attributes`` of ``dask.visualize`` or
        :func:`dask.dot.to_graphviz`, with ``collapse_outputs=True`` (one
        node per task).

    Examples
    --------
    >>> import dask.array as da
    >>> from dask_incr import fit_blocks
    >>> from sklearn.preprocessing import StandardScaler
    >>> lazy = fit_blocks(StandardScaler(), da.ones((6, 2), chunks=2), compute=False)
    >>> sorted(attrs["label"] for attrs in chain_attributes(input_graph([lazy])).values())[:4]
    ['load X · block 0', 'load X · block 1', 'load X · block 2', 'partial_fit · block 0']
    """
    attributes, upstream_blocks = {}, {}
    for task in chain_steps(graph):
        step, block = task.kwargs["step"], task.kwargs["block"]
        verb = STEP_VERBS.get(task.func, getattr(task.func, "__name__", "step"))
        label = f"{verb} · block {block}" + ("" if step == block else f"\nstep {step}")
        attributes[task.key] = {"label": label, **STEP_STYLE}
        roles = {}  # a step's one load gives it X and y (and sample_weight) together
        # args: the previous model, then X, y, sample_weight
        for role, arg in zip(ROLES, task.args[1:]):
            for key in _dependency_keys(arg):
                roles.setdefault(key, []).append(role)
        for key, read in roles.items():
            attributes.setdefault(key, {"label": f"load {', '.join(read)} · block {block}", **LOAD_STYLE})
            for upstream in _upstream(graph, key):
                upstream_blocks.setdefault(upstream, set()).add(block)
    for key, blocks in upstream_blocks.items():
        if key not in attributes:
            # what one block's loading needs is that block's; what several read is shared
            where = f"block {min(blocks)}" if len(blocks) == 1 else "shared"
            attributes[key] = {"label": f"{key_split(key)} · {where}", **UPSTREAM_STYLE}
    for key, node in graph.items():
        if _is_gate(node):
            (after,) = [dep for dep in node.dependencies]
            attributes[key] = {"label": f"prefetch gate\nafter step {after[1]}", **GATE_STYLE}
        elif key not in attributes:
            attributes[key] = {"label": key_split(key), **OTHER_STYLE}
    return attributes


def draw_chain(lazy, filename=None, max_steps=8, rankdir="LR", format=None):
    """Draw the chain of a lazy fit left to right, its first ``max_steps`` steps when it is longer.

    Parameters
    ----------
    lazy : Delayed
        A fit not yet run: ``fit_blocks(..., compute=False)``,
        ``plan_fit(...).result`` or ``Incremental.lazy_fit(...)``.
    filename : str, optional
        Render the picture to this file (the format from its extension,
        e.g. ``chain.png``, ``chain.svg``; default ``png``). Rendering needs
        graphviz's ``dot`` program. Without a file name nothing is rendered.
    max_steps : int, default 8
        Steps drawn; a longer chain is drawn up to its step ``max_steps - 1``
        and ends in a note of how many steps follow.
    rankdir : str, default "LR"
        Graphviz's direction: ``"LR"`` left to right, ``"TB"`` top to bottom.
    format : str, optional
        The file format, when not given by ``filename``'s extension.

    Returns
    -------
    graphviz.Digraph
        Its ``source`` is the DOT text; in a notebook it displays itself.

    Raises
    ------
    TypeError
        ``lazy`` is not a dask collection.
    ValueError
        ``lazy`` holds no fit steps, or ``max_steps`` is not a positive integer.
    ImportError
        Without the graphviz Python package (``pip install graphviz``).
    RuntimeError
        A file was asked for and graphviz's ``dot`` is not installed
        (``apt-get install graphviz``).

    Examples
    --------
    >>> import dask.array as da
    >>> from dask_incr import fit_blocks
    >>> from sklearn.preprocessing import StandardScaler
    >>> lazy = fit_blocks(StandardScaler(), da.ones((40, 2), chunks=2), compute=False)  # 20 steps
    >>> source = draw_chain(lazy, max_steps=3).source
    >>> "partial_fit · block 2" in source, "block 3" in source, "17 more steps" in source
    (True, False, True)
    """
    if type(max_steps) is not int or max_steps < 1:
        raise ValueError(f"max_steps must be an integer >= 1, got {max_steps!r}")
    if not dask.is_dask_collection(lazy):
        raise TypeError(f"draw_chain needs a lazy fit, e.g. fit_blocks(..., compute=False); got {type_name(lazy)}")
    if importlib.util.find_spec("graphviz") is None:
        raise ImportError(f"drawing the chain needs graphviz: {missing_tools()}")
    graph = input_graph([lazy])
    steps = chain_steps(graph)
    if not steps:
        raise ValueError(f"{lazy!r} holds no fit steps to draw; pass the result of fit_blocks(..., compute=False)")
    drawn = dict(needed(graph, [steps[max_steps - 1].key])) if len(steps) > max_steps else dict(graph)
    attributes = chain_attributes(drawn)
    if len(steps) > max_steps:
        more = len(steps) - max_steps
        note = f"… {more} more step{'s' if more != 1 else ''}"
        drawn[note] = Task(note, more_steps, TaskRef(steps[max_steps - 1].key))
        attributes[note] = {"label": note, **MORE_STYLE}
    picture = to_graphviz(
        drawn,
        data_attributes=attributes,
        function_attributes=attributes,
        rankdir=rankdir,
        collapse_outputs=True,
        graph_attr={"nodesep": "0.25", "ranksep": "0.4"},
        node_attr={"fontsize": "12"},
        edge_attr={"color": "#555555"},
    )
    if filename is not None:
        _render(picture, filename, format)
    return picture


def more_steps(model):
    """Stands for the steps a picture leaves out (drawn, never run).

    Examples
    --------
    >>> more_steps("model")
    'model'
    """
    return model


def _render(picture, filename, format):
    missing = missing_tools()
    if missing is not None:
        raise RuntimeError(f"cannot render {filename}: {missing}")
    stem, extension = os.path.splitext(filename)
    format = format or extension[1:].lower() or "png"
    path = filename if extension else f"{filename}.{format}"
    with open(path, "wb") as file:
        file.write(picture.pipe(format=format))


def _dependency_keys(arg):
    if isinstance(arg, TaskRef):
        return [arg.key]
    if isinstance(arg, GraphNode):
        return sorted(arg.dependencies, key=str)
    return []


def _upstream(graph, key):
    """The loading tasks ``key`` depends on, transitively: up to a prefetch gate or a model step, never past it."""
    seen, stack = set(), [key]
    while stack:
        node = graph.get(stack.pop())
        for dep in getattr(node, "dependencies", ()):
            if dep not in seen and dep in graph and not _is_gate(graph[dep]) and not _is_step(graph[dep]):
                seen.add(dep)
                stack.append(dep)
    return seen


def _is_step(node):
    return isinstance(node, Task) and {"step", "block", "copy_model"} <= set(node.kwargs)


def _is_gate(node):
    return isinstance(node, Task) and node.func is model_done
