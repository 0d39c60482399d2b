"""What the loads of a lazy fit wait on: read from the graph, independently of how it was built.

A load is gated by a model step either directly (the local schedulers) or
through a signal task that depends on it (a distributed cluster). Both read
the same here: the model steps each gated task waits on.
"""

from dask.task_spec import Task


def is_step(node):
    """Whether ``node`` is a chain step (built with the step protocol)."""
    return isinstance(node, Task) and {"step", "block", "copy_model"} <= set(node.kwargs)


def is_signal(key):
    return isinstance(key, tuple) and isinstance(key[0], str) and key[0].startswith("prefetch-")


def gates(graph):
    """Key of every task that is no step nor signal and waits on model steps -> those steps' keys, sorted."""
    steps = {key for key, node in graph.items() if is_step(node)}
    found = {}
    for key, node in graph.items():
        if key in steps or is_signal(key):
            continue
        waits = set()
        for dep in node.dependencies:
            if dep in steps:
                waits.add(dep)
            elif is_signal(dep):
                waits |= set(graph[dep].dependencies)
        if waits:
            found[key] = sorted(waits)
    return found


def gated_steps(graph):
    """The model step indices loads wait on, sorted (each once)."""
    return sorted({dep[1] for waits in gates(graph).values() for dep in waits})


def inner_tasks(node):
    """The tasks a load runs in one task (just itself for a task that is no load), its gather task left out."""
    if node.func.__name__ != "load_inputs":
        return {node.key: node}
    tasks, _ = node.args[0].value
    return {task.key: task for task in tasks if not (isinstance(task.key, tuple) and task.key[0] == "gather")}
