"""Plan: a fit resolved once — blocks, order, chains, input analysis — before any graph is built.

:func:`read_blocks` reads the inputs and analyses the input graph once (what
the runner needs to choose where the fit runs); :func:`prepare` then names
the chains for the read-ahead and gating chosen. The graphs themselves —
every window of a long fit, every lazy fit — are built by the one fold,
:func:`dask_incr.graph.fold.fold`, from the :class:`Prepared` fit.
"""

from __future__ import annotations

import functools
import hashlib
import pickle
import sys
import warnings
from dataclasses import dataclass, fields

import cloudpickle
import dask.array as da
from dask.base import tokenize
from dask.delayed import Delayed

from ..graph import holding, pipelines
from ..graph.blocks import align_blocks
from ..graph.fold import Chain, ChainInputs, chain_inputs, fit_kwargs_node
from ..graph.orders import held_out_blocks, plan_order, resolve_seed, row_seeds
from .lazy import model_kind, start_nodes

__all__ = [
    "FitInputs",
    "Prepared",
    "chain_names",
    "estimator_token",
    "fit_identity",
    "planned_order",
    "prepare",
    "read_blocks",
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
class FitInputs:
    """The blocks of a fit, its order and its input graph, read and analysed once.

    Attributes
    ----------
    inputs : dask_incr.graph.fold.ChainInputs
        One input tuple ``(X, y, sample_weight)`` per step, read by the same
        step of every chain, and the input graph's analysis.
    order : list of int
        The block of each step.
    row_seeds : list of int or None
        Per-step seeds of the in-block row shuffle.
    seed : int or None
        The seed that reproduces the order and the row seeds.
    block_inputs : list of tuple
        The input tuple of every block.
    block_rows : tuple of float
        Rows per block (``nan`` where unknown).
    held_out : tuple of int
        The blocks kept for validation (never in ``order``).
    sources : list
        What the inputs are (for tokens).
    """

    inputs: ChainInputs
    order: list
    row_seeds: list | None
    seed: int | None
    block_inputs: list
    block_rows: tuple
    held_out: tuple
    sources: list

    @property
    def in_memory(self):
        """Whether every block is already in memory: nothing to load, nothing to reduce."""
        return self.inputs.analysis.in_memory

    @property
    def n_epochs(self):
        """Passes over the training blocks."""
        return len(self.order) // self.epoch_steps

    @property
    def epoch_steps(self):
        """Steps per epoch: one per training block."""
        return len(self.block_inputs) - len(self.held_out)


@dataclass(frozen=True)
class Prepared(FitInputs):
    """A fit of one or more models resolved once: its :class:`FitInputs`, and the chains that read them.

    Attributes
    ----------
    chains : tuple of dask_incr.graph.fold.Chain
        One per estimator: its name, its estimator (the model before the
        first step; a lazy one's key), its step function and its fit kwargs
        (a pipeline's routed as scikit-learn routes them) as a task argument.
    kwargs_needs : tuple of Delayed
        The fit kwargs holding dask collections, each chain's as one
        ``Delayed`` its ``fit_kwargs`` refers to (computed once, first).
    model_needs : tuple of Delayed
        The lazy starting models (``Delayed`` estimators) whose keys chains
        start from (see :mod:`dask_incr.fit.lazy`): merged into a lazy fit's
        graph, computed once before the first window of a computed one.
    name : str
        The graph layer that holds the chains (the one chain's name when
        there is one).
    prefetch : int or None
        Blocks read ahead of the step being fitted.
    signals : bool
        Whether loads wait on signal tasks (a distributed cluster) or on the
        model steps themselves (the local schedulers).
    identity : dict
        What makes the fitted models besides the order and the seed, by part
        (:func:`fit_identity`), the same whatever the scheduler and read-ahead.
    """

    chains: tuple
    kwargs_needs: tuple
    model_needs: tuple
    name: str
    prefetch: int | None
    signals: bool
    identity: dict


def read_blocks(request):
    """The :class:`FitInputs` of a request: blocks, order, held-out blocks and the analysed input graph.

    With ``request.hold_out``, ``options.validation_fraction`` of the blocks,
    chosen by the seed (see :func:`dask_incr.graph.orders.held_out_blocks`),
    are kept out of the order for validation. Raises before any compute
    when the inputs disagree.

    Examples
    --------
    >>> import dask.array as da
    >>> from sklearn.preprocessing import StandardScaler
    >>> from dask_incr.fit.options import FitOptions
    >>> from dask_incr.fit.request import fit_request
    >>> request = fit_request([StandardScaler()], da.ones((4, 2), chunks=2), options=FitOptions(epochs=2))
    >>> fit = read_blocks(request)
    >>> fit.order, fit.epoch_steps, fit.in_memory
    ([0, 1, 0, 1], 2, False)
    """
    options = request.options
    Xb, yb, wb = align_blocks(request.X, request.y, request.sample_weight)
    if Xb.known_sizes and sum(Xb.sizes) == 0:
        raise ValueError("X has no rows to fit")
    random_state, held_out, training = options.random_state, (), list(range(Xb.n_blocks))
    if request.hold_out:  # one seed draws the held-out blocks and the shuffles
        if options.order is not None:
            raise ValueError("an explicit order cannot hold out validation blocks: pass validation=(X_val, y_val)")
        random_state = resolve_seed(random_state)
        held_out = tuple(held_out_blocks(Xb.n_blocks, options.validation_fraction, random_state))
        training = [i for i in training if i not in held_out]
    positions, seeds, seed = planned_order(len(training), options.replace(random_state=random_state))
    order = [training[i] for i in positions]
    per_block = [tuple(b.nodes[i] if b is not None else None for b in (Xb, yb, wb)) for i in range(Xb.n_blocks)]
    collections = [b.collection for b in (Xb, yb, wb) if b is not None and b.collection is not None]
    return FitInputs(
        inputs=_analysed([per_block[i] for i in order], order, collections, request),
        order=order,
        row_seeds=seeds,
        seed=random_state if request.hold_out else seed,
        block_inputs=per_block,
        block_rows=tuple(Xb.sizes),
        held_out=held_out,
        sources=[b.source if b is not None else None for b in (Xb, yb, wb)],
    )


def prepare(request, fit, *, prefetch, signals):
    """The :class:`Prepared` fit of ``request`` over ``fit`` (its :func:`read_blocks`): the chains, named.

    A single fit's chain is named by its estimator and everything that
    changes its graph (data, order, seeds, fit kwargs, step function,
    read-ahead and gating); several estimators' chains are also named by
    their position (see :func:`chain_names`).

    Examples
    --------
    >>> import dask.array as da
    >>> from sklearn.preprocessing import StandardScaler
    >>> from dask_incr.fit.request import fit_request
    >>> request = fit_request([StandardScaler()], da.ones((4, 2), chunks=2))
    >>> prepared = prepare(request, read_blocks(request), prefetch=1, signals=False)
    >>> prepared.name.startswith("fit-"), [chain.name for chain in prepared.chains] == [prepared.name]
    (True, True)
    """
    estimators = request.estimators
    kinds = [model_kind(estimator) for estimator in estimators]  # a lazy model's template, when known
    # A pipeline's keywords are routed to its steps as scikit-learn routes them.
    kwargs = [
        pipelines.route_fit_kwargs(kind, request.fit_kwargs) if pipelines.is_pipeline(kind) else request.fit_kwargs
        for kind in kinds
    ]
    steps = [pipelines.step_function(kind) for kind in kinds]
    common = tokenize(fit.sources, fit.order, fit.row_seeds, fit.held_out, prefetch, signals)
    names = chain_names(
        estimators, [tokenize(common, kw, step) for kw, step in zip(kwargs, steps)], many=request.many
    )
    nodes = [fit_kwargs_node(kw, lazy=request.lazy_kwargs) for kw in kwargs]
    models, model_needs = start_nodes(estimators)  # a lazy model starts its chain by its key
    return Prepared(
        **{field.name: getattr(fit, field.name) for field in fields(FitInputs)},
        chains=tuple(Chain(*chain) for chain in zip(names, models, steps, (node for node, _ in nodes))),
        kwargs_needs=tuple(need for _, needs in nodes for need in needs),
        model_needs=tuple(model_needs),
        name=names[0] if not request.many else "fit-many-" + tokenize(names),
        prefetch=prefetch,
        signals=signals,
        identity=fit_identity(request, fit, kwargs, steps),
    )


def fit_identity(request, fit, kwargs, steps):
    """What the fitted models depend on besides the order, by part: the words a refused checkpoint names.

    Tokens where a value would be large (the estimators and their step
    functions, the data, the fit kwargs, the stopping rule with its
    validation data); the values themselves where they are short to show
    (the held-out blocks, the shuffles). The seed and the order are compared
    apart (:func:`dask_incr.fit.checkpoint.differences`): a longer fit starts
    with a shorter one's steps. Read-ahead, gating and the scheduler are not
    parts: they never change the models.

    Examples
    --------
    >>> import dask.array as da
    >>> from sklearn.preprocessing import StandardScaler
    >>> from dask_incr.fit.request import fit_request
    >>> request = fit_request([StandardScaler()], da.ones((4, 2), chunks=2))
    >>> sorted(prepare(request, read_blocks(request), prefetch=1, signals=False).identity)
    ['shuffle_blocks', 'shuffle_rows', 'the data', 'the estimator', 'the fit kwargs', 'the held-out blocks',
     'the stopping rule']
    """
    options = request.options
    rule = (options.early_stopping, options.tol, options.n_iter_no_change, estimator_token(options.scoring))
    return {
        "the estimator": tokenize([estimator_token(e) for e in request.estimators], steps, request.many),
        "the data": tokenize(fit.sources),
        "the held-out blocks": tuple(fit.held_out),
        "the fit kwargs": tokenize(kwargs),
        "shuffle_blocks": options.shuffle_blocks,
        "shuffle_rows": options.shuffle_rows,
        "the stopping rule": tokenize(rule, request.validation),
    }


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


def _analysed(step_inputs, order, collections, request):
    """The analysed inputs of a fit, holding shared tasks only within the blocks' own bound (warned once).

    The bound is ``prefetch + 1`` of the largest blocks of X, y and
    sample_weight (``"auto"`` counts one block ahead, ``None`` no bound),
    with sizes read from the inputs as given: optimising an array keeps its
    keys but drops its layers' chunk sizes. See :mod:`dask_incr.graph.holding`.
    """
    inputs = (request.X, request.y, request.sample_weight)
    layers = holding.layer_chunks([value for value in inputs if isinstance(value, da.Array)])
    nbytes = functools.partial(holding.chunk_nbytes, layers=layers)
    prefetch = request.options.prefetch
    budget = holding.hold_budget(holding.block_nbytes(inputs), 1 if isinstance(prefetch, str) else prefetch)
    hold = functools.partial(holding.held_shared, nbytes=nbytes, budget=budget)
    analysed = chain_inputs(step_inputs, order, collections, hold=hold)
    if analysed.analysis.reread:
        message = holding.reread_warning(analysed.analysis.reread, nbytes, budget, len(order))
        warnings.warn(message, stacklevel=_caller_level())
    return analysed


def _caller_level():
    """The ``stacklevel`` that points a warning of its caller at the first frame outside dask_incr."""
    frame, level = sys._getframe(2), 2
    while frame is not None and frame.f_globals.get("__name__", "").startswith("dask_incr"):
        frame, level = frame.f_back, level + 1
    return level
