"""Train more: a checkpoint resumed with a larger ``epochs`` continues it and equals the longer fit (issue 21).

Anything else that differs from the fit that wrote the checkpoint is refused
before any compute, with a message naming what differs.
"""

import os
import pickle

import dask
import dask.array as da
import numpy as np
import pytest
from oracle import assert_same_model, manual_fit
from sklearn.linear_model import SGDClassifier

from dask_incr import Incremental, fit_blocks, plan_fit
from dask_incr.fit.checkpoint import CHECKPOINT_FILE, Checkpoint, load_checkpoint
from dask_incr.fit.options import FitOptions
from dask_incr.fit.runner import run_fit

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

SHUFFLED = {"shuffle_blocks": True, "shuffle_rows": True, "random_state": 7}


def refuse_to_compute(*args, **kwargs):
    raise AssertionError("something was computed")


@pytest.fixture
def data():
    X = da.random.default_rng(0).normal(size=(120, 3), chunks=20)  # 6 blocks
    return X, (X[:, 0] > 0).astype(int)


def fit(X, y, **kwargs):
    return fit_blocks(SGDClassifier(random_state=0), X, y, classes=[0, 1], **kwargs)


@pytest.mark.parametrize("shuffles", [SHUFFLED, {}], ids=["shuffled", "in-order"])
def test_more_epochs_continue_the_checkpoint_and_equal_the_longer_fit(scheduler, data, tmp_path, shuffles):
    X, y = data
    fit(X, y, epochs=2, checkpoint_dir=tmp_path, **shuffles)
    longer, history = fit(X, y, epochs=4, checkpoint_dir=tmp_path, resume=True, return_history=True, **shuffles)
    straight, straight_history = fit(X, y, epochs=4, return_history=True, **shuffles)
    assert_same_model(longer, straight)
    assert [entry["epoch"] for entry in history] == [entry["epoch"] for entry in straight_history] == [1, 2, 3, 4]
    assert load_checkpoint(tmp_path).epoch == 4


def test_the_continuation_is_the_loop_over_the_new_epochs_from_the_checkpoint(data, tmp_path):
    X, y = data
    two = fit(X, y, epochs=2, checkpoint_dir=tmp_path, **SHUFFLED)
    plan = plan_fit(SGDClassifier(random_state=0), X, y, classes=[0, 1], epochs=4, **SHUFFLED)
    more = fit(X, y, epochs=4, checkpoint_dir=tmp_path, resume=True, **SHUFFLED)
    # epochs 3 and 4 of the 4-epoch order (6 blocks each), from epoch 2's model
    expected = manual_fit(two, X, y, order=plan.order[12:], seeds=plan.row_seeds[12:], classes=[0, 1])
    assert_same_model(more, expected)
    assert load_checkpoint(tmp_path).epoch == 4 and load_checkpoint(tmp_path).epoch_steps == 6


def test_epochs_as_many_as_the_checkpoint_ran_compute_nothing(data, tmp_path):
    X, y = data
    first = fit(X, y, epochs=3, checkpoint_dir=tmp_path, **SHUFFLED)
    with dask.config.set(scheduler=refuse_to_compute):
        again = fit(X, y, epochs=3, checkpoint_dir=tmp_path, resume=True, **SHUFFLED)
    assert_same_model(again, first)


def test_an_interrupted_longer_fit_continues_too(data, tmp_path):
    # 2 epochs, then 4 from its checkpoint, then 6 from that one: as one 6-epoch fit.
    X, y = data
    fit(X, y, epochs=2, checkpoint_dir=tmp_path, **SHUFFLED)
    fit(X, y, epochs=4, checkpoint_dir=tmp_path, resume=True, **SHUFFLED)
    six = fit(X, y, epochs=6, checkpoint_dir=tmp_path, resume=True, **SHUFFLED)
    assert_same_model(six, fit(X, y, epochs=6, **SHUFFLED))


def test_random_state_none_continues_with_the_checkpoints_seed(data, tmp_path):
    X, y = data
    shuffles = {"shuffle_blocks": True, "shuffle_rows": True}
    fit(X, y, epochs=2, checkpoint_dir=tmp_path, **shuffles)
    seed = load_checkpoint(tmp_path).seed
    more = fit(X, y, epochs=4, checkpoint_dir=tmp_path, resume=True, **shuffles)
    assert_same_model(more, fit(X, y, epochs=4, random_state=seed, **shuffles))


def test_a_checkpoint_early_stopping_ended_is_done_as_the_longer_fit_is(data, tmp_path):
    # tol so large that no epoch after the first improves: with n_iter_no_change=1 the fit stops after
    # epoch 2, whatever epochs asks. Resuming with more epochs runs nothing, and equals the longer fit.
    X, y = data
    rule = {"early_stopping": True, "tol": 1e9, "n_iter_no_change": 1, "restore_best": False, **SHUFFLED}
    fit(X, y, epochs=4, checkpoint_dir=tmp_path, **rule)
    assert load_checkpoint(tmp_path).stopped and load_checkpoint(tmp_path).epoch == 2
    with dask.config.set(scheduler=refuse_to_compute):
        more, history = fit(X, y, epochs=8, checkpoint_dir=tmp_path, resume=True, return_history=True, **rule)
    straight, straight_history = fit(X, y, epochs=8, return_history=True, **rule)
    assert_same_model(more, straight)
    assert history == [dict(entry, fit_seconds=h["fit_seconds"]) for entry, h in zip(straight_history, history)]


def refusal_reasons(error):
    """The phrases a refused checkpoint's message gives, one per difference."""
    message = str(error.value)
    assert "is of another fit: " in message and "checkpoint_dir" in message
    return message.split("is of another fit: ")[1].split(". A checkpoint")[0].split("; ")


@pytest.mark.parametrize(
    "change, reasons",
    [
        ({"estimator": SGDClassifier(random_state=1)}, ["the estimator differs"]),
        ({"X": "other"}, ["the data differs"]),
        ({"random_state": 8}, ["the seed differs (7 in the checkpoint, 8 here)"]),
        ({"shuffle_blocks": False}, ["shuffle_blocks differs (True in the checkpoint, False here)"]),
        ({"shuffle_rows": False}, ["shuffle_rows differs (True in the checkpoint, False here)"]),
        ({"classes": [0, 1, 2]}, ["the fit kwargs differs"]),
        ({"epochs": 1}, ["epochs=1 is fewer than the 2 epochs the checkpoint ran"]),
        ({"tol": 0.5}, ["the stopping rule differs"]),
        (
            {"estimator": SGDClassifier(random_state=1), "random_state": 8},
            ["the estimator differs", "the seed differs (7 in the checkpoint, 8 here)"],
        ),
    ],
)
def test_any_other_difference_is_refused_naming_it(data, tmp_path, change, reasons):
    X, y = data
    fit(X, y, epochs=2, checkpoint_dir=tmp_path, **SHUFFLED)
    kwargs = dict(SHUFFLED, epochs=3, classes=[0, 1], checkpoint_dir=tmp_path, resume=True)
    estimator = change.pop("estimator", SGDClassifier(random_state=0))
    if change.pop("X", None):
        X = X + 1
    kwargs.update(change)
    with dask.config.set(scheduler=refuse_to_compute), pytest.raises(ValueError) as error:
        fit_blocks(estimator, X, y, **kwargs)
    assert refusal_reasons(error) == reasons


def test_an_explicit_order_continues_when_it_starts_with_the_steps_run(data, tmp_path):
    X, y = data

    def fit_in(order, **checkpoint):
        options = FitOptions(order=order, shuffle_rows=True, random_state=7, **checkpoint)
        return run_fit(SGDClassifier(random_state=0), X, y, options=options, fit_kwargs={"classes": [0, 1]}).result

    fit_in([0, 1, 2, 3, 4, 5] * 2, checkpoint_dir=tmp_path)
    longer = [0, 1, 2, 3, 4, 5] * 2 + [5, 3, 1, 0, 2, 4]
    assert_same_model(fit_in(longer, checkpoint_dir=tmp_path, resume=True), fit_in(longer))
    with dask.config.set(scheduler=refuse_to_compute), pytest.raises(ValueError) as error:
        fit_in([5, 4, 3, 2, 1, 0] * 3, checkpoint_dir=tmp_path, resume=True)
    assert refusal_reasons(error) == ["the order of the 18 steps the checkpoint ran differs (their blocks or row seeds)"]


def test_the_held_out_blocks_differ_when_validation_fraction_does(data, tmp_path):
    X, y = data
    rule = {"early_stopping": True, "tol": None, **SHUFFLED}
    fit(X, y, epochs=2, checkpoint_dir=tmp_path, validation_fraction=0.2, **rule)
    with dask.config.set(scheduler=refuse_to_compute), pytest.raises(ValueError, match="the held-out blocks"):
        fit(X, y, epochs=3, checkpoint_dir=tmp_path, resume=True, validation_fraction=0.4, **rule)


def test_early_stopping_with_held_out_blocks_continues(data, tmp_path):
    X, y = data
    rule = {"early_stopping": True, "tol": None, **SHUFFLED}
    fit(X, y, epochs=2, checkpoint_dir=tmp_path, **rule)
    more, history = fit(X, y, epochs=4, checkpoint_dir=tmp_path, resume=True, return_history=True, **rule)
    straight, straight_history = fit(X, y, epochs=4, return_history=True, **rule)
    assert_same_model(more, straight)
    assert [h["score"] for h in history] == [h["score"] for h in straight_history]


def test_incremental_trains_more_from_its_checkpoint(data, tmp_path):
    X, y = data
    options = {"shuffle_blocks": True, "shuffle_rows": True, "random_state": 3, "checkpoint_dir": str(tmp_path)}
    Incremental(SGDClassifier(random_state=0), epochs=2, **options).fit(X, y)
    more = Incremental(SGDClassifier(random_state=0), epochs=4, resume=True, **options).fit(X, y)
    straight = Incremental(SGDClassifier(random_state=0), epochs=4, **dict(options, checkpoint_dir=None)).fit(X, y)
    assert_same_model(more.estimator_, straight.estimator_)
    assert more.order_ == straight.order_ and len(more.history_) == 4


def test_a_checkpoint_of_an_older_format_is_refused_clearly(data, tmp_path):
    X, y = data
    old = object.__new__(Checkpoint)  # what format 1 pickled: the class and its fields
    old.__dict__.update(
        identity="abc", seed=7, epoch=2, model=None, best_model=None, stopping=None, history=[], stopped=False, format=1
    )
    with open(os.path.join(tmp_path, CHECKPOINT_FILE), "wb") as file:
        pickle.dump(old, file)
    with pytest.raises(ValueError, match=r"format 1.*this version of dask_incr reads format 2") as error:
        fit(X, y, epochs=3, checkpoint_dir=tmp_path, resume=True, **SHUFFLED)
    assert "remove it" in str(error.value)


def test_a_file_that_is_no_checkpoint_is_refused(tmp_path):
    with open(os.path.join(tmp_path, CHECKPOINT_FILE), "wb") as file:
        pickle.dump({"not": "a checkpoint"}, file)
    with pytest.raises(ValueError, match="is not a dask_incr checkpoint"):
        load_checkpoint(tmp_path)


def test_the_caller_estimator_is_unchanged(data, tmp_path):
    X, y = data
    fit(X, y, epochs=2, checkpoint_dir=tmp_path, **SHUFFLED)
    estimator = SGDClassifier(random_state=0)
    fit_blocks(estimator, X, y, classes=[0, 1], epochs=3, checkpoint_dir=tmp_path, resume=True, **SHUFFLED)
    assert not hasattr(estimator, "coef_")
    assert np.isfinite(load_checkpoint(tmp_path).model.coef_).all()
