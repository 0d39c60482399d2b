"""Plan: a fit resolved once — blocks, order, name, input analysis — and its graphs.

:func:`prepare` reads the inputs and the input graph once; :func:`window_graph`
builds the graph of any range of steps from that, so a long fit can be built
window by window and a short one in a single graph.
"""

from __future__ import annotations

import hashlib
import pickle
from dataclasses import dataclass

import cloudpickle
from dask.base import tokenize
from dask.task_spec import Task, TaskRef

from . import localize
from .blocks import align_blocks
from .graph import assemble, chain, input_graph
from .orders import held_out_blocks, plan_order, resolve_seed
from .steps import gated, model_done, partial_fit_step, snapshot

__all__ = ["Prepared", "estimator_token", "prepare", "snapshot_key", "window_graph"]


def estimator_token(estimator):
    """A deterministic token of an estimator's class and state, computed without loading it back.

    ``dask.base.tokenize`` checks an object from ``__main__`` by pickling it
    with cloudpickle and loading it again, which rebinds the class's methods
    to a copy of the module's globals; here the bytes are only hashed.

    Examples
    --------
    >>> from sklearn.linear_model import SGDRegressor
    >>> estimator_token(SGDRegressor(alpha=1.0)) == estimator_token(SGDRegressor(alpha=1.0))
    True
    >>> estimator_token(SGDRegressor(alpha=1.0)) == estimator_token(SGDRegressor(alpha=2.0))
    False
    """
    try:
        data = pickle.dumps(estimator, protocol=5)
    except Exception:
        data = cloudpickle.dumps(estimator, protocol=5)
    return hashlib.sha1(data).hexdigest()


@dataclass(frozen=True)
class Prepared:
    """A fit resolved once: its blocks, order, name and input analysis.

    ``estimator`` starts the chain; ``step_inputs`` hold one input tuple per
    step; ``graph`` is the input collections' task-spec graph and
    ``analysis`` what :func:`dask_incr.localize.analyse` made of it.
    ``block_inputs`` hold the input tuple of every block and ``block_rows``
    their rows (``nan`` where unknown); ``held_out`` the blocks kept for
    validation (never in ``order``); ``identity`` a token of everything that
    makes the fitted models (estimator, data, order, seeds, fit kwargs), the
    same whatever the scheduler and read-ahead.
    """

    estimator: object
    step_inputs: list
    order: list
    row_seeds: list | None
    seed: int | None
    name: str
    graph: dict
    analysis: localize.InputAnalysis
    fit_kwargs: dict
    prefetch: int | None
    block_inputs: list = ()
    block_rows: tuple = ()
    held_out: tuple = ()
    identity: str = ""
    step: object = partial_fit_step

    @property
    def n_epochs(self):
        """Passes over the training blocks."""
        return len(self.order) // self.epoch_steps

    @property
    def epoch_steps(self):
        """Steps per epoch: one per training block."""
        return len(self.block_inputs) - len(self.held_out)


def prepare(
    estimator, X, y, sample_weight, options, fit_kwargs, prefetch, *, step=partial_fit_step, hold_out=False
):
    """Resolve the blocks, the order and the name of a fit; analyse its input graph.

    ``step`` is the function every step of the chain runs (see
    :func:`dask_incr.pipelines.step_function`). With ``hold_out``,
    ``options.validation_fraction`` of the blocks, chosen by the seed (see
    :func:`dask_incr.orders.held_out_blocks`), are kept out of the order for
    validation. Raises before any compute when the inputs disagree.

    Examples
    --------
    >>> import dask.array as da
    >>> from sklearn.preprocessing import StandardScaler
    >>> from dask_incr.options import FitOptions
    >>> fit = prepare(StandardScaler(), da.ones((4, 2), chunks=2), None, None, FitOptions(epochs=2), {}, 1)
    >>> fit.order, fit.name.startswith("fit-")
    ([0, 1, 0, 1], True)
    """
    Xb, yb, wb = align_blocks(X, y, sample_weight)
    if Xb.known_sizes and sum(Xb.sizes) == 0:
        raise ValueError("X has no rows to fit")
    random_state, held_out, training = options.random_state, (), list(range(Xb.n_blocks))
    if hold_out:  # one seed draws the held-out blocks and the shuffles
        random_state = resolve_seed(random_state)
        held_out = tuple(held_out_blocks(Xb.n_blocks, options.validation_fraction, random_state))
        training = [i for i in training if i not in held_out]
    positions, seeds, seed = plan_order(
        len(training),
        shuffle_blocks=options.shuffle_blocks,
        shuffle_rows=options.shuffle_rows,
        epochs=options.epochs,
        random_state=random_state,
    )
    order = [training[i] for i in positions]
    seed = random_state if hold_out else seed
    per_block = [tuple(b.nodes[i] if b is not None else None for b in (Xb, yb, wb)) for i in range(Xb.n_blocks)]
    step_inputs = [per_block[i] for i in order]
    sources = [b.source if b is not None else None for b in (Xb, yb, wb)]
    identity = tokenize(estimator_token(estimator), sources, order, seeds, fit_kwargs, held_out, step)
    name = "fit-" + tokenize(identity, prefetch)
    collections = [b.collection for b in (Xb, yb, wb) if b is not None and b.collection is not None]
    graph = input_graph(collections)
    analysis = localize.analyse(graph, step_inputs, order)
    return Prepared(
        estimator,
        step_inputs,
        order,
        seeds,
        seed,
        name,
        graph,
        analysis,
        fit_kwargs,
        prefetch,
        per_block,
        tuple(Xb.sizes),
        held_out,
        identity,
        step,
    )


def snapshot_key(name, step):
    """The key of the copy of model step ``step`` of the chain ``name`` (see :func:`window_graph`).

    Examples
    --------
    >>> snapshot_key("fit-abc", 3)
    ('snapshot-fit-abc', 3)
    """
    return (f"snapshot-{name}", step)


def window_graph(
    prepared, steps, model, *, kwargs_node, extra=(), values=None, signal=None, tails=range(0), snapshots=()
):
    """The graph of ``steps`` of a prepared fit, starting from ``model``.

    ``values`` stand for precomputed shared input keys (see
    :func:`dask_incr.localize.copies`); ``signal(i)`` is the signal of
    a model step before ``steps``; the signals of the ``tails`` steps are
    added, for a next window to wait on. Each step of ``snapshots`` (but the
    last of ``steps``) gets a copy task, :func:`snapshot_key`, that the next
    step waits on: steps update the model in place, so the copy is what keeps
    that model's value. Returns ``graph, keys``: the key of the last model,
    then those of the tail signals.
    """
    token = tokenize(prepared.name)
    inputs, layer = localize.copies(
        prepared.analysis,
        prepared.step_inputs,
        steps,
        token=token,
        name=prepared.name,
        prefetch=prepared.prefetch,
        signal=signal,
        values=values,
    )
    row_seeds = prepared.row_seeds or [None] * len(prepared.order)
    layer.update(
        chain(
            model,
            inputs,
            prepared.name,
            step=prepared.step,
            fit_kwargs=kwargs_node,
            blocks=prepared.order[steps.start : steps.stop],
            row_seeds=row_seeds[steps.start : steps.stop],
            start=steps.start,
        )
    )
    for i in snapshots:
        if i + 1 not in steps or i not in steps:
            continue
        key, after = snapshot_key(prepared.name, i), layer[(prepared.name, i + 1)]
        layer[key] = Task(key, snapshot, TaskRef((prepared.name, i)))
        waited = Task(None, gated, TaskRef((prepared.name, i)), TaskRef(key))
        layer[after.key] = Task(after.key, after.func, waited, *after.args[1:], **after.kwargs)
    signals = [localize.signal_key(token, i) for i in tails]
    for key in signals:
        layer[key] = Task(key, model_done, TaskRef((prepared.name, key[1])))
    return assemble(prepared.name, layer, prepared.graph, extra), [(prepared.name, steps.stop - 1), *signals]


