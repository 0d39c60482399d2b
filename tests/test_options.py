"""FitOptions: one frozen object, validated when made."""

import dataclasses

import numpy as np
import pytest

from dask_incr import FitOptions


@pytest.mark.parametrize(
    "changes, error, message",
    [
        ({"shuffle_blocks": "no"}, TypeError, "shuffle_blocks must be True or False"),
        ({"shuffle_rows": 1}, TypeError, "shuffle_rows must be True or False"),
        ({"progress": None}, TypeError, "progress must be True or False"),
        ({"epochs": 0}, ValueError, "epochs must be >= 1"),
        ({"epochs": 2.0}, TypeError, "epochs must be an integer"),
        ({"prefetch": -1}, ValueError, "prefetch must be >= 0"),
        ({"prefetch": True}, TypeError, "prefetch must be an integer"),
        ({"window": 0}, ValueError, "window must be >= 1"),
        ({"random_state": "seed"}, ValueError, "str cannot be used to seed"),
        ({"order": []}, ValueError, "order must hold at least one block index"),
        ({"order": [0, -1]}, ValueError, r"order\[1\] must be >= 0, got -1"),
        ({"order": [0, 1.0]}, TypeError, r"order\[1\] must be an integer, got 1.0 \(float\)"),
        ({"order": "01"}, TypeError, "order must be a sequence of block indices, got '01' \\(str\\)"),
        ({"order": 3}, TypeError, "order must be a sequence of block indices, got 3 \\(int\\)"),
        ({"order": [0], "epochs": 2}, ValueError, "order gives the block of every step: leave shuffle_blocks=False"),
        ({"order": [0], "shuffle_blocks": True}, ValueError, "order gives the block of every step"),
    ],
)
def test_bad_options_are_refused_when_made(changes, error, message):
    with pytest.raises(error, match=message):
        FitOptions(**changes)
    with pytest.raises(error, match=message):
        FitOptions().replace(**changes)


def test_an_explicit_order_is_kept_as_a_tuple_of_ints():
    assert FitOptions(order=np.array([2, 0, 2])).order == (2, 0, 2)
    assert all(type(block) is int for block in FitOptions(order=np.array([2, 0])).order)


def test_options_are_frozen_and_normalised():
    options = FitOptions(epochs=np.int64(3), prefetch=None, shuffle_blocks=np.bool_(True))
    assert type(options.epochs) is int and options.epochs == 3 and options.shuffled
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.epochs = 4
