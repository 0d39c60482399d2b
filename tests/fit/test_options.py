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
        ({"early_stopping": "on"}, TypeError, r"early_stopping must be True or False, got 'on' \(str\)"),
        ({"validation_fraction": 1.5}, ValueError, "validation_fraction must be > 0 and < 1, got 1.5"),
        ({"validation_fraction": None}, TypeError, r"validation_fraction must be a real number, got None \(NoneType\)"),
        ({"n_iter_no_change": 0}, ValueError, "n_iter_no_change must be >= 1"),
        ({"tol": -1e-3}, ValueError, "tol must be None or a number >= 0"),
        ({"tol": float("inf")}, ValueError, "tol must be finite"),
        ({"scoring": "no such metric"}, ValueError, "no such metric"),
        ({"restore_best": "yes"}, TypeError, "restore_best must be True or False"),
        ({"checkpoint_dir": b"dir"}, TypeError, r"checkpoint_dir must be None, a str or an os.PathLike, got b'dir' \(bytes\)"),
        ({"resume": True}, ValueError, "resume=True needs checkpoint_dir"),
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
    stopping = FitOptions(validation_fraction=np.float32(0.25), n_iter_no_change=np.int8(2), tol=0)
    assert type(stopping.validation_fraction) is float and type(stopping.n_iter_no_change) is int
    assert type(stopping.tol) is float and FitOptions(tol=None).tol is None
    assert not FitOptions().staged and FitOptions(early_stopping=True).staged and FitOptions(checkpoint_dir="d").staged
