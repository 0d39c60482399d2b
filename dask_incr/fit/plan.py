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
from dask.delayed import Delayed
from dask.task_spec import Task, TaskRef

from ..graph import localize
from ..graph.blocks import align_blocks
from ..graph.chain import assemble, chain, input_graph
from ..graph.orders import held_out_blocks, plan_order, resolve_seed, row_seeds
from ..graph.steps import gated, partial_fit_step, snapshot

__all__ = [
    "Prepared",
    "chain_names",
    "estimator_token",
    "fed_ends",
    "planned_order",
    "prepare",
    "snapshot_key",
    "window_graph",
]


def estimator_token(estimator):
    """A deterministic token of an estimator's class and state, computed without loading it back.

    ``dask.base.tokenize`` checks an object from ``__main__`` by pickling it
    with cloudpickle and loading it again, which rebinds the class's methods
    to a copy of the module's globals; here the bytes are only hashed. A
    ``Delayed`` model is named by its key, which dask derives from what makes it.

    Examples
    --------
    >>> from sklearn.linear_model import SGDRegressor
    >>> estimator_token(SGDRegressor(alpha=1.0)) == estimator_token(SGDRegressor(alpha=1.0))
    True
    >>> estimator_token(SGDRegressor(alpha=1.0)) == estimator_token(SGDRegressor(alpha=2.0))
    False
    """
    if isinstance(estimator, Delayed):
        return tokenize("delayed", estimator.key)
    try:
        data = pickle.dumps(estimator, protocol=5)
    except Exception:
        data = cloudpickle.dumps(estimator, protocol=5)
    return hashlib.sha1(data).hexdigest()


@dataclass(frozen=True)
class Prepared:
    """A fit of one or more models resolved once: blocks, order, names and input analysis.

    ``estimators`` start the chains, one chain each, named ``names``, whose
    steps run ``steps`` (one function per chain) with ``fit_kwargs`` (one
    dict per chain); ``name`` names the graph layer that holds them (the one
    chain's name when there is one). ``step_inputs`` hold one input tuple per
    step, read by the same step of every chain; ``graph`` is the input
    collections' task-spec graph and ``analysis`` what
    :func:`dask_incr.graph.localize.analyse` made of it. ``block_inputs`` hold the
    input tuple of every block and ``block_rows`` their rows (``nan`` where
    unknown); ``held_out`` the blocks kept for validation (never in
    ``order``); ``identity`` a token of everything that makes the fitted
    models (estimators, data, order, seeds, fit kwargs, step functions), the
    same whatever the scheduler and read-ahead.
    """

    estimators: tuple
    names: tuple
    name: str
    step_inputs: list
    order: list
    row_seeds: list | None
    seed: int | None
    graph: dict
    analysis: localize.InputAnalysis
    fit_kwargs: tuple
    prefetch: int | None
    steps: tuple
    block_inputs: list = ()
    block_rows: tuple = ()
    held_out: tuple = ()
    identity: str = ""

    @property
    def n_epochs(self):
        """Passes over the training blocks."""
        return len(self.order) // self.epoch_steps

    @property
    def epoch_steps(self):
        """Steps per epoch: one per training block."""
        return len(self.block_inputs) - len(self.held_out)


def prepare(
    estimators, X, y, sample_weight, options, fit_kwargs, prefetch, *, steps=None, many=False, hold_out=False
):
    """Resolve the blocks, the order and the names of a fit of ``estimators``; analyse its input graph.

    The blocks, order and analysis are shared by every estimator's chain.
    ``fit_kwargs`` holds one dict per estimator (a pipeline's routed as
    scikit-learn routes them); ``steps`` the function each chain's steps run
    (default :func:`dask_incr.partial_fit_step`; see
    :func:`dask_incr.graph.pipelines.step_function`); ``many`` names the chains as
    :func:`chain_names` does for several. With ``hold_out``,
    ``options.validation_fraction`` of the blocks, chosen by the seed (see
    :func:`dask_incr.graph.orders.held_out_blocks`), are kept out of the order for
    validation. Raises before any compute when the inputs disagree.

    Examples
    --------
    >>> import dask.array as da
    >>> from sklearn.preprocessing import StandardScaler
    >>> from dask_incr.fit.options import FitOptions
    >>> fit = prepare([StandardScaler()], da.ones((4, 2), chunks=2), None, None, FitOptions(epochs=2), [{}], 1)
    >>> fit.order, fit.name.startswith("fit-"), fit.names == (fit.name,)
    ([0, 1, 0, 1], True, True)
    """
    Xb, yb, wb = align_blocks(X, y, sample_weight)
    if Xb.known_sizes and sum(Xb.sizes) == 0:
        raise ValueError("X has no rows to fit")
    random_state, held_out, training = options.random_state, (), list(range(Xb.n_blocks))
    if hold_out:  # one seed draws the held-out blocks and the shuffles
        if options.order is not None:
            raise ValueError("an explicit order cannot hold out validation blocks: pass validation=(X_val, y_val)")
        random_state = resolve_seed(random_state)
        held_out = tuple(held_out_blocks(Xb.n_blocks, options.validation_fraction, random_state))
        training = [i for i in training if i not in held_out]
    positions, seeds, seed = planned_order(len(training), options.replace(random_state=random_state))
    order = [training[i] for i in positions]
    seed = random_state if hold_out else seed
    per_block = [tuple(b.nodes[i] if b is not None else None for b in (Xb, yb, wb)) for i in range(Xb.n_blocks)]
    step_inputs = [per_block[i] for i in order]
    sources = [b.source if b is not None else None for b in (Xb, yb, wb)]
    steps = tuple(steps) if steps is not None else (partial_fit_step,) * len(estimators)
    fit_kwargs = tuple(fit_kwargs)
    common = tokenize(sources, order, seeds, held_out, prefetch)
    names = chain_names(estimators, [tokenize(common, kw, step) for kw, step in zip(fit_kwargs, steps)], many=many)
    name = names[0] if not many else "fit-many-" + tokenize(names)
    identity = tokenize(
        [estimator_token(e) for e in estimators], sources, order, seeds, held_out, fit_kwargs, steps, many
    )
    collections = [b.collection for b in (Xb, yb, wb) if b is not None and b.collection is not None]
    graph = input_graph(collections)
    analysis = localize.analyse(graph, step_inputs, order)
    return Prepared(
        tuple(estimators),
        names,
        name,
        step_inputs,
        order,
        seeds,
        seed,
        graph,
        analysis,
        fit_kwargs,
        prefetch,
        steps,
        per_block,
        tuple(Xb.sizes),
        held_out,
        identity,
    )


def snapshot_key(name, step):
    """The key of the copy of model step ``step`` of the chain ``name`` (see :func:`window_graph`).

    Examples
    --------
    >>> snapshot_key("fit-abc", 3)
    ('snapshot-fit-abc', 3)
    """
    return (f"snapshot-{name}", step)


def chain_names(estimators, commons, *, many=True):
    """One ``fit-<token>`` name per estimator; ``commons`` tokenize everything else of each chain.

    A single fit's name (``many=False``) depends on its estimator and
    its ``commons`` only; with ``many`` each name also holds its position, so
    two equal estimators still get chains of their own, and keys no single
    fit has.

    Examples
    --------
    >>> from sklearn.linear_model import SGDRegressor
    >>> one = chain_names([SGDRegressor()], ["data"], many=False)
    >>> two = chain_names([SGDRegressor(), SGDRegressor()], ["data", "data"])
    >>> len(set(one + two)), two == chain_names([SGDRegressor(), SGDRegressor()], ["data", "data"])
    (3, True)
    """
    if not many:
        return ("fit-" + tokenize(estimator_token(estimators[0]), commons[0]),)
    return tuple(
        "fit-" + tokenize(estimator_token(estimator), common, "many", k)
        for k, (estimator, common) in enumerate(zip(estimators, commons, strict=True))
    )


def planned_order(n_blocks, options):
    """``(order, row_seeds, seed)`` of a fit over ``n_blocks``: ``options.order`` or planned from the options.

    Examples
    --------
    >>> from dask_incr.fit.options import FitOptions
    >>> planned_order(3, FitOptions(order=[2, 2, 0]))
    ([2, 2, 0], None, None)
    >>> planned_order(2, FitOptions(order=[2]))
    Traceback (most recent call last):
    ...
    ValueError: order[0] is block 2, but X has 2 blocks (0 to 1)
    """
    if options.order is None:
        return plan_order(
            n_blocks,
            shuffle_blocks=options.shuffle_blocks,
            shuffle_rows=options.shuffle_rows,
            epochs=options.epochs,
            random_state=options.random_state,
        )
    for step, block in enumerate(options.order):
        if block >= n_blocks:
            raise ValueError(f"order[{step}] is block {block}, but X has {n_blocks} blocks (0 to {n_blocks - 1})")
    order = list(options.order)
    seed = resolve_seed(options.random_state) if options.shuffle_rows else None
    return order, (row_seeds(len(order), random_state=seed) if options.shuffle_rows else None), seed


def fed_ends(prepared, snapshots=(), *, epoch_ends=False):
    """The steps whose model is exposed, so that a fit that fed no row must fail there.

    The fit's last step, the ``snapshots`` and, with ``epoch_ends`` (a fit
    scored between epochs), the last step of every epoch: every epoch visits
    the same training blocks, so one that fed nothing means all do.

    Examples
    --------
    >>> import dask.array as da
    >>> from sklearn.preprocessing import StandardScaler
    >>> from dask_incr.fit.options import FitOptions
    >>> fit = prepare([StandardScaler()], da.ones((4, 2), chunks=2), None, None, FitOptions(epochs=2), [{}], 1)
    >>> sorted(fed_ends(fit)), sorted(fed_ends(fit, epoch_ends=True))
    ([3], [1, 3])
    """
    n_steps = len(prepared.order)
    per_epoch = range(prepared.epoch_steps - 1, n_steps, prepared.epoch_steps) if epoch_ends else ()
    return frozenset((n_steps - 1, *snapshots, *per_epoch))


def window_graph(
    prepared,
    steps,
    models,
    *,
    kwargs_nodes,
    extra=(),
    values=None,
    signal=None,
    tails=range(0),
    snapshots=(),
    epoch_ends=False,
):
    """The graph of ``steps`` of a prepared fit, each chain starting from its model of ``models``.

    ``kwargs_nodes`` are the fit kwargs of each chain, as task arguments.

    ``values`` stand for precomputed shared input keys (see
    :func:`dask_incr.graph.localize.copies`); ``signal(i)`` is the signal of
    model step ``i`` (of every chain) before ``steps``; the signals of the
    ``tails`` steps are added, for a next window to wait on. The last step
    of the fit, the ``snapshots`` and, with ``epoch_ends``, the last step of
    every epoch raise when no block of the fit had a row (their models are
    exposed). The copies of
    the input are built once, for all chains; a signal waits on the step of
    every chain, so loading ahead follows the slowest. Each step of
    ``snapshots`` (but the last of ``steps``) gets, in every chain, a copy
    task (:func:`snapshot_key`) that the next step waits on: steps update the
    model in place, so the copy is what keeps that model's value. Returns
    ``graph, keys``: the keys of the last models (one per chain), then
    those of the tail signals.
    """
    token = tokenize(prepared.name)
    inputs, layer = localize.copies(
        prepared.analysis,
        prepared.step_inputs,
        steps,
        token=token,
        name=prepared.names,
        prefetch=prepared.prefetch,
        signal=signal,
        values=values,
    )
    row_seeds = prepared.row_seeds or [None] * len(prepared.order)
    ends = fed_ends(prepared, snapshots, epoch_ends=epoch_ends)
    for model, name, step, kwargs_node in zip(models, prepared.names, prepared.steps, kwargs_nodes, strict=True):
        layer.update(
            chain(
                model,
                inputs,
                name,
                step=step,
                fit_kwargs=kwargs_node,
                blocks=prepared.order[steps.start : steps.stop],
                row_seeds=row_seeds[steps.start : steps.stop],
                start=steps.start,
                ends=ends,
            )
        )
    for i in snapshots:
        if i + 1 not in steps or i not in steps:
            continue
        for name in prepared.names:
            key, after = snapshot_key(name, i), layer[(name, i + 1)]
            layer[key] = Task(key, snapshot, TaskRef((name, i)))
            waited = Task(None, gated, TaskRef((name, i)), TaskRef(key))
            layer[after.key] = Task(after.key, after.func, waited, *after.args[1:], **after.kwargs)
    signals = [localize.signal_key(token, i) for i in tails]
    for key in signals:
        layer[key] = localize.signal_task(key, prepared.names, key[1])
    lasts = [(name, steps.stop - 1) for name in prepared.names]
    return assemble(prepared.name, layer, prepared.graph, extra), [*lasts, *signals]
