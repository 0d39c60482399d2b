"""Steps: the functions that run inside the tasks of a fit.

They are small, module-level and named for what they do, so graphs pickle to
any worker and read well in :func:`dask.visualize`. This is the bottom layer:
it imports nothing else of dask_incr but the pure :mod:`dask_incr.graph.orders`
and :mod:`dask_incr.graph.fed`.
"""

from __future__ import annotations

import copy

import numpy as np
from scipy import sparse
from sklearn.utils import get_tags

from .fed import model_so_far, passed_on
from .orders import row_permutation

__all__ = ["partial_fit_step", "pipeline_partial_fit_step"]


def n_rows(data):
    """Number of rows of a block: the one row counter of dask_incr (``None`` for no input).

    Examples
    --------
    >>> n_rows(np.zeros((3, 2))), n_rows([["a"], ["b"]]), n_rows(None)
    (3, 2, None)
    """
    if data is None:
        return None
    shape = getattr(data, "shape", None)
    if shape is not None:
        return shape[0] if len(shape) else None
    return len(data)


def take_rows(data, index):
    """Rows ``index`` (a slice or integer array) of a block; ``None`` stays ``None``.

    Examples
    --------
    >>> take_rows(np.arange(4), [3, 0]).tolist(), take_rows(["a", "b", "c"], np.array([2, 0]))
    ([3, 0], ['c', 'a'])
    """
    if data is None:
        return None
    if hasattr(data, "iloc"):
        return data.iloc[index]
    if isinstance(data, list):  # a Bag partition
        return data[index] if isinstance(index, slice) else [data[i] for i in index]
    return data[index]


def concat_parts(parts, grid):
    """Join the chunks of one row block back into whole rows.

    Parameters
    ----------
    parts : list of numpy.ndarray or scipy.sparse matrices
        The block's chunks in C order over the non-row axes.
    grid : tuple of int
        Number of chunks along each non-row axis.

    Examples
    --------
    >>> a, b = np.zeros((2, 1)), np.ones((2, 2))
    >>> concat_parts([a, b], (2,)).tolist()
    [[0.0, 1.0, 1.0], [0.0, 1.0, 1.0]]
    """
    if any(sparse.issparse(part) for part in parts):
        # 2-D by construction: scipy's sparse formats have no third axis.
        return sparse.hstack(parts, format="csr")
    nested = parts
    for size in reversed(grid[1:]):
        nested = [nested[i : i + size] for i in range(0, len(nested), size)]
    return np.block(nested)


def model_done(*models):
    """Signal that model steps have finished, without carrying the models.

    Loading of a later block waits on this tiny task (see ``prefetch``), so
    a model itself is never shipped to, or pickled for, a loading task. With
    several chains fed by the same blocks it takes the step of each, so
    loading ahead waits on the slowest.

    Examples
    --------
    >>> model_done("any model") is None, model_done("one", "another") is None
    (True, True)
    """
    return None


def load_inputs(plan, *values):
    """Run a step's private input tasks in this one task, and return the inputs the step reads.

    ``plan`` is ``(tasks, external)``: the tasks, each after those it reads,
    the last one gathering the step's inputs into a tuple; and the keys they
    read from outside, whose ``values`` follow. One task per step instead of
    one per input (X's block, y's slice of it, sample_weight): a scheduler
    hand-off fewer for each (see :func:`dask_incr.graph.copies.fused_loads`).

    Examples
    --------
    >>> from dask.task_spec import Task, TaskRef
    >>> block = Task("block", np.arange, TaskRef("n"))
    >>> first = Task("first", np.take, TaskRef("block"), 0)
    >>> gather = Task("gather", tuple_of, TaskRef("block"), TaskRef("first"))
    >>> X, y = load_inputs(((block, first, gather), ("n",)), 3)
    >>> X.tolist(), int(y)
    ([0, 1, 2], 0)
    """
    tasks, external = plan
    results = dict(zip(external, values))
    for task in tasks:
        results[task.key] = task({key: results[key] for key in task.dependencies})
    return results[tasks[-1].key]


def tuple_of(*parts):
    """The inputs a load gives its step, as one value.

    Examples
    --------
    >>> tuple_of(1, None)
    (1, None)
    """
    return parts


def snapshot(model):
    """A copy of ``model``: the value an exposed model key keeps while later steps update theirs.

    Examples
    --------
    >>> model = {"coef": [1.0]}
    >>> copied = snapshot(model)
    >>> copied == model and copied is not model and copied["coef"] is not model["coef"]
    True
    """
    return copy.deepcopy(model)


def gated(value, *signals):
    """Return ``value``; the ``signals`` are dependencies that only order the task.

    Examples
    --------
    >>> gated(3, None, None)
    3
    """
    return value


def partial_fit_step(
    model,
    X,
    y=None,
    sample_weight=None,
    *,
    fit_kwargs=None,
    step=0,
    block=0,
    row_seed=None,
    copy_model=False,
    require_rows=False,
):
    """Run one ``partial_fit`` of a chain and return the updated model.

    This is the step protocol of :func:`dask_incr.build_chain`: a custom step
    takes the same arguments and returns the model.

    Parameters
    ----------
    model : estimator
        The model of the previous step. Updated in place (exactly one task
        reads each model key), except when ``copy_model`` is set: the first
        step copies the estimator it is given so that object never changes.
    X, y, sample_weight : block data or None
        One row block; ``y`` and ``sample_weight`` are optional.
    fit_kwargs : dict, optional
        Extra keyword arguments of every ``partial_fit`` call.
    step, block : int
        Position in the chain and index of the block, for error messages.
    row_seed : int, optional
        When given, rows of X, y and sample_weight are shuffled together with
        :func:`dask_incr.graph.orders.row_permutation`.
    copy_model : bool
        Deep-copy ``model`` before fitting.
    require_rows : bool
        This step ends the fit (or an epoch): raise ``ValueError`` if no
        step up to this one had a row.

    Returns
    -------
    estimator
        The model after this block. Blocks of 0 rows leave it as it is;
        while no block of the fit has had a row, it is passed on wrapped in
        :class:`dask_incr.graph.fed.NothingFed`.

    Raises
    ------
    Exception
        What ``partial_fit`` raised, the same object, with a note saying at
        which step and block it happened.

    Examples
    --------
    >>> from sklearn.linear_model import SGDRegressor
    >>> X, y = np.arange(8.0).reshape(4, 2), np.arange(4.0)
    >>> est = SGDRegressor(random_state=0)
    >>> fitted = partial_fit_step(est, X, y, copy_model=True)
    >>> fitted is est, hasattr(est, "coef_"), fitted.coef_.shape
    (False, False, (2,))
    """
    if copy_model:
        model = copy.deepcopy(model)
    model, fed = model_so_far(model, step)
    block_rows = rows_of_block(X, y, sample_weight, step=step, block=block, row_seed=row_seed)
    if block_rows is None:
        return passed_on(model, fed, step=step, require_rows=require_rows)
    X, y, sample_weight = block_rows
    kwargs = dict(fit_kwargs or {})
    if sample_weight is not None:
        kwargs["sample_weight"] = sample_weight
    try:
        if y is None:
            model.partial_fit(X, **kwargs)
        else:
            model.partial_fit(X, y, **kwargs)
    except Exception as error:
        # The user's exception as it is (type, attributes, traceback), told where.
        error.add_note(f"[in partial_fit at step {step} (block {block})]")
        raise
    return model


def rows_of_block(X, y, sample_weight, *, step, block, row_seed):
    """The rows a step fits: ``(X, y, sample_weight)`` checked and shuffled, or ``None`` for no rows.

    Examples
    --------
    >>> rows_of_block(np.zeros((0, 2)), None, None, step=0, block=0, row_seed=None) is None
    True
    >>> rows_of_block(np.arange(3), np.arange(2), None, step=4, block=1, row_seed=None)
    Traceback (most recent call last):
    ...
    ValueError: step 4 (block 1): X has 3 rows but y has 2; inputs must have the same rows in every block
    """
    rows = n_rows(X)
    for label, data in (("y", y), ("sample_weight", sample_weight)):
        if data is not None and n_rows(data) != rows:
            raise ValueError(
                f"step {step} (block {block}): X has {rows} rows but {label} has "
                f"{n_rows(data)}; inputs must have the same rows in every block"
            )
    if rows == 0:
        return None
    if row_seed is not None:
        perm = row_permutation(rows, row_seed)
        X, y, sample_weight = (take_rows(d, perm) for d in (X, y, sample_weight))
    return X, y, sample_weight


def is_skipped(transformer):
    """Whether a pipeline step is ``None`` or ``"passthrough"``: nothing to fit or apply.

    Examples
    --------
    >>> is_skipped("passthrough"), is_skipped(None), is_skipped(np.zeros(1))
    (True, True, False)
    """
    return transformer is None or (isinstance(transformer, str) and transformer == "passthrough")


def is_stateless(transformer):
    """Whether a pipeline step learns nothing: scikit-learn's tags say it ``requires_fit=False``.

    Such a step (``FunctionTransformer``, ``HashingVectorizer``, ...) is applied
    to every block as it is and never fitted.

    Examples
    --------
    >>> from sklearn.preprocessing import FunctionTransformer, StandardScaler
    >>> is_stateless(FunctionTransformer(np.log1p)), is_stateless(StandardScaler())
    (True, False)
    """
    try:
        return not get_tags(transformer).requires_fit
    except (AttributeError, TypeError, ValueError):  # not a scikit-learn estimator: no tags to read
        return False


def pipeline_partial_fit_step(
    model,
    X,
    y=None,
    sample_weight=None,
    *,
    fit_kwargs=None,
    step=0,
    block=0,
    row_seed=None,
    copy_model=False,
    require_rows=False,
):
    """One block through a scikit-learn ``Pipeline``: each step's ``partial_fit``, then its ``transform``.

    The step protocol of :func:`partial_fit_step`, for a ``Pipeline`` model:
    the block goes through the first step's ``partial_fit`` (given ``y``),
    then its ``transform``, and so on; the last step gets ``partial_fit``
    only. Steps that are ``None`` or ``"passthrough"`` are skipped; stateless
    steps (see :func:`is_stateless`) are applied with ``transform`` and never
    fitted.

    Parameters
    ----------
    model : sklearn.pipeline.Pipeline
        Updated in place, except when ``copy_model`` is set.
    X, y, sample_weight : block data or None
        ``sample_weight`` goes to the last step only.
    fit_kwargs : dict, optional
        Step name -> keyword arguments of that step's ``partial_fit``
        (already routed: see :func:`dask_incr.graph.pipelines.route_fit_kwargs`).
    step, block, row_seed, copy_model, require_rows
        As for :func:`partial_fit_step`.

    Returns
    -------
    Pipeline
        The pipeline after this block. Blocks of 0 rows leave it as it is.

    Raises
    ------
    Exception
        What a step's ``partial_fit`` or ``transform`` raised, the same
        object, with a note naming the pipeline step, the chain step and the block.

    Examples
    --------
    >>> from sklearn.linear_model import SGDRegressor
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> X, y = np.arange(8.0).reshape(4, 2), np.arange(4.0)
    >>> pipe = make_pipeline(StandardScaler(), SGDRegressor(random_state=0))
    >>> fitted = pipeline_partial_fit_step(pipe, X, y, copy_model=True)
    >>> fitted is pipe, int(fitted[0].n_samples_seen_), fitted[-1].coef_.shape
    (False, 4, (2,))
    """
    if copy_model:
        model = copy.deepcopy(model)
    model, fed = model_so_far(model, step)
    block_rows = rows_of_block(X, y, sample_weight, step=step, block=block, row_seed=row_seed)
    if block_rows is None:
        return passed_on(model, fed, step=step, require_rows=require_rows)
    X, y, sample_weight = block_rows
    routed = fit_kwargs or {}
    *transformers, (last_name, last) = model.steps
    for name, transformer in transformers:
        if is_skipped(transformer):
            continue
        if not is_stateless(transformer):
            _pipeline_call(transformer.partial_fit, X, y, routed.get(name, {}), name, step, block)
        X = _pipeline_call(transformer.transform, X, None, {}, name, step, block)
    if is_skipped(last) or is_stateless(last):
        return model
    kwargs = dict(routed.get(last_name, {}))
    if sample_weight is not None:
        kwargs["sample_weight"] = sample_weight
    _pipeline_call(last.partial_fit, X, y, kwargs, last_name, step, block)
    return model


def _pipeline_call(method, X, y, kwargs, name, step, block):
    """``method(X[, y], **kwargs)`` of a pipeline step; an exception gets a note saying where."""
    try:
        return method(X, **kwargs) if y is None else method(X, y, **kwargs)
    except Exception as error:
        owner = type(method.__self__).__name__
        error.add_note(
            f"[in {owner}.{method.__name__} of pipeline step {name!r} at step {step} (block {block})]"
        )
        raise
