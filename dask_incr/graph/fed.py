"""Fed: whether a fit's steps have fed ``partial_fit`` a row yet, carried by the model itself.

A fit in which no block had a row must fail rather than return an unfitted
model, and block sizes may be unknown until run time (a filtered dataframe).
The steps pass the model on wrapped in :class:`NothingFed` until a block has
a row; the step that ends the fit raises if it is still wrapped — no task
more. This is the bottom layer: it imports nothing of dask_incr.
"""

from __future__ import annotations

__all__ = ["NothingFed", "model_so_far", "passed_on"]


class NothingFed:
    """A model that no block of its fit has fed a row yet: what a step passes on after empty blocks only.

    The step that starts a fit (step 0) and every step after it that meets an
    empty block hand this on instead of the model, so that the step that
    ends the fit (``require_rows``) can tell that no ``partial_fit`` ran and
    raise, rather than return an unfitted model. The first block with rows
    unwraps it.

    Examples
    --------
    >>> NothingFed("model").model
    'model'
    """

    __slots__ = ("model",)

    def __init__(self, model):
        self.model = model

    def __reduce__(self):
        return NothingFed, (self.model,)


def model_so_far(model, step):
    """``(model, fed)``: the model a step starts from, and whether an earlier step of its fit fed it a row.

    Step 0 starts the fit: nothing is fed yet.

    Examples
    --------
    >>> model_so_far("m", 0), model_so_far("m", 3), model_so_far(NothingFed("m"), 3)
    (('m', False), ('m', True), ('m', False))
    """
    if isinstance(model, NothingFed):
        return model.model, False
    return model, step != 0


def passed_on(model, fed, *, step, require_rows):
    """What a step whose block had no rows returns: the model if anything was fed, else ``NothingFed``.

    With ``require_rows`` (the step that ends the fit, or an epoch) a fit that
    fed nothing raises ``ValueError``.

    Examples
    --------
    >>> passed_on("m", True, step=2, require_rows=True)
    'm'
    >>> passed_on("m", False, step=2, require_rows=True)
    Traceback (most recent call last):
    ...
    ValueError: no rows were fed: every block of X that steps 0 to 2 read had 0 rows ...
    """
    if fed:
        return model
    if require_rows:
        raise ValueError(
            f"no rows were fed: every block of X that steps 0 to {step} read had 0 rows (e.g. a filter that "
            "matches nothing, on a dataframe whose partition sizes are unknown), so partial_fit was never called"
        )
    return NothingFed(model)
