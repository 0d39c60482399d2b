"""Early stopping, validation, history, epoch snapshots and checkpoints.

The stopping rule is checked against scores fixed in advance (an estimator
whose score after epoch e is ``SCORES[e - 1]``); fitted models against the
oracle's loop over the same blocks; scores against scikit-learn's scorers
on the loop's models.
"""

import math
import sys

import dask
import dask.array as da
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from live import LiveBlocks, SlowLearner, tracked_array
from oracle import assert_same_model, blocks_of, manual_fit
from sklearn.base import BaseEstimator
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import accuracy_score, get_scorer

from dask_incr import Incremental, fit_blocks, plan_fit, plot_history
from dask_incr.fit.checkpoint import load_checkpoint
from dask_incr.fit.options import FitOptions
from dask_incr.fit.runner import run_fit
from dask_incr.fit.stopping import Stopping

# The validation score after epoch e is SCORES[e - 1]. With tol=0.01 and
# n_iter_no_change=3, scikit-learn's rule (an epoch improves when its score
# is >= best + tol; the best is the highest score) reads, epoch by epoch:
#   1: 0.1 best          2: 0.5 best, improved   3: 0.6 best, improved
#   4: 0.6005 best but < 0.61: 1 without         5: 0.55: 2 without
#   6: 0.58: 3 without -> stop after epoch 6; the best model is epoch 4's.
SCORES = [0.1, 0.5, 0.6, 0.6005, 0.55, 0.58, 0.9, 0.95, 0.97, 0.99]
STOP_EPOCH, BEST_EPOCH = 6, 4
RULE = {"tol": 0.01, "n_iter_no_change": 3}


class Scripted(BaseEstimator):
    """Learns the sum of what it sees; its score after epoch e is SCORES[e - 1]."""

    def __init__(self, blocks_per_epoch=4):
        self.blocks_per_epoch = blocks_per_epoch

    def partial_fit(self, X, y=None):
        self.calls_ = getattr(self, "calls_", 0) + 1
        self.total_ = getattr(self, "total_", 0.0) + float(np.sum(X))
        return self

    def score(self, X, y=None):
        return SCORES[self.calls_ // self.blocks_per_epoch - 1]


def refuse_to_compute(*args, **kwargs):
    raise AssertionError("something was computed")


@pytest.fixture
def data():
    X = da.random.default_rng(0).normal(size=(80, 3), chunks=20)  # 4 blocks
    X_val = da.random.default_rng(1).normal(size=(30, 3), chunks=10)  # 3 blocks
    return X, X_val


# -- the rule ---------------------------------------------------------------------------


@pytest.mark.parametrize("restore_best, epoch", [(True, BEST_EPOCH), (False, STOP_EPOCH)])
def test_stops_after_the_predicted_epoch_and_returns_the_predicted_model(scheduler, data, restore_best, epoch):
    X, X_val = data
    model, history = fit_blocks(
        Scripted(4), X, validation=(X_val, None), epochs=10, early_stopping=True, restore_best=restore_best,
        return_history=True, **RULE,
    )
    assert [entry["epoch"] for entry in history] == list(range(1, STOP_EPOCH + 1))
    assert [entry["score"] for entry in history] == SCORES[:STOP_EPOCH]
    assert model.calls_ == 4 * epoch
    assert_same_model(model, manual_fit(Scripted(4), X, order=list(range(4)) * epoch))


def test_tol_none_never_stops_and_keeps_the_best(data):
    X, X_val = data
    model, history = fit_blocks(
        Scripted(4), X, validation=(X_val, None), epochs=8, early_stopping=True, tol=None, return_history=True
    )
    assert len(history) == 8 and model.calls_ == 4 * 8  # epoch 8 scores 0.95, the best


def test_the_rule_counts_nan_as_no_improvement():
    state = Stopping().after(1, 0.5, tol=0.0).after(2, math.nan, tol=0.0)
    assert (state.best_epoch, state.no_improvement) == (1, 1)


def test_without_early_stopping_validation_draws_the_curve_and_all_epochs_run(data):
    X, X_val = data
    model, history = fit_blocks(Scripted(4), X, validation=(X_val, None), epochs=8, return_history=True, **RULE)
    assert [entry["score"] for entry in history] == SCORES[:8] and model.calls_ == 32


# -- the models: same as the loop, snapshots, hold-out ------------------------------------


def test_history_equals_a_manual_computation(scheduler):
    X = da.random.default_rng(0).normal(size=(120, 4), chunks=(25, 2))  # 5 blocks, the last of 20 rows
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    X_val = da.random.default_rng(1).normal(size=(50, 4), chunks=20)
    y_val = (X_val[:, 0] + X_val[:, 1] > 0).astype(int)
    clf = Incremental(SGDClassifier(random_state=0), random_state=3, epochs=3)
    clf.fit(X, y, validation=(X_val, y_val), classes=[0, 1])
    X_val_, y_val_ = dask.compute(X_val, y_val)
    rows = [len(block) for block in blocks_of(X)]
    assert len(clf.history_) == 3
    for epoch, entry in enumerate(clf.history_, start=1):
        order = clf.order_[: 5 * epoch]
        loop = manual_fit(SGDClassifier(random_state=0), X, y, order=order, classes=[0, 1])
        assert entry["epoch"] == epoch and entry["steps"] == 5 * epoch
        assert entry["samples"] == sum(rows[i] for i in order)
        assert entry["score"] == accuracy_score(y_val_, loop.predict(X_val_))
        assert entry["fit_seconds"] > 0
    assert_same_model(clf.estimator_, manual_fit(SGDClassifier(random_state=0), X, y, order=clf.order_, classes=[0, 1]))


@pytest.mark.parametrize("scoring", ["roc_auc", "neg_log_loss", "accuracy", get_scorer("f1")])
def test_validation_scores_are_the_scorers_on_the_loops_models(scoring):
    X = da.random.default_rng(0).normal(size=(90, 3), chunks=30)
    y = (X[:, 0] > 0).astype(int)
    X_val = da.random.default_rng(2).normal(size=(40, 3), chunks=15)
    y_val = (X_val[:, 0] > 0.2).astype(int)
    estimator = SGDClassifier(loss="log_loss", random_state=0)
    _, history = fit_blocks(
        estimator, X, y, classes=[0, 1], epochs=2, validation=(X_val, y_val), scoring=scoring, return_history=True
    )
    X_val_, y_val_ = dask.compute(X_val, y_val)
    scorer = get_scorer(scoring)
    for epoch, entry in enumerate(history, start=1):
        loop = manual_fit(estimator, X, y, order=[0, 1, 2] * epoch, classes=[0, 1])
        assert entry["score"] == pytest.approx(scorer(loop, X_val_, y_val_), rel=1e-12)


@pytest.mark.parametrize("shuffle", [False, True])
def test_two_epochs_models_from_one_graph_differ_and_each_equals_the_loop(shuffle):
    X = da.random.default_rng(0).normal(size=(60, 3), chunks=20)
    y = X[:, 0] * 2.0
    from sklearn.linear_model import SGDRegressor

    plan = plan_fit(SGDRegressor(random_state=0), X, y, epochs=3, shuffle_blocks=shuffle, random_state=1, keep_epochs=True)
    assert len(plan.epoch_models) == 3 and plan.epoch_models[-1].key == plan.result.key
    models = dask.compute(*plan.epoch_models, scheduler="threads")  # one graph
    for epoch, model in enumerate(models, start=1):
        assert_same_model(model, manual_fit(SGDRegressor(random_state=0), X, y, order=plan.order[: 3 * epoch]))
    assert not np.array_equal(models[0].coef_, models[1].coef_)


def test_a_plain_lazy_fit_has_no_snapshot_tasks():
    X = da.ones((40, 2), chunks=10)
    lazy = fit_blocks(Scripted(4), X, epochs=3, compute=False)
    assert not [key for key in dict(lazy.dask) if str(key[0]).startswith("snapshot-")]


def test_held_out_blocks_are_never_trained_on_and_are_what_is_scored(scheduler):
    X = da.random.default_rng(0).normal(size=(200, 3), chunks=20)  # 10 blocks
    y = (X[:, 0] > 0).astype(int)
    estimator = SGDClassifier(random_state=0)
    options = FitOptions(early_stopping=True, validation_fraction=0.2, tol=None, epochs=3, random_state=7, shuffle_blocks=True)
    plan = run_fit(estimator, X, y, options=options, fit_kwargs={"classes": [0, 1]})
    held = sorted(set(range(10)) - set(plan.order))
    assert len(held) == 2 and list(plan.held_out) == held  # ceil(0.2 * 10) blocks, none in the order
    assert sorted(plan.order[:8]) == sorted(set(range(10)) - set(held))
    X_blocks, y_blocks = blocks_of(X), blocks_of(y)
    X_val, y_val = np.concatenate([X_blocks[i] for i in held]), np.concatenate([y_blocks[i] for i in held])
    for epoch, entry in enumerate(plan.history, start=1):
        loop = manual_fit(estimator, X, y, order=plan.order[: 8 * epoch], classes=[0, 1])
        assert entry["score"] == accuracy_score(y_val, loop.predict(X_val))
    # tol=None never stops; the best epoch's model is returned
    best = max(range(3), key=lambda e: (plan.history[e]["score"], -e))
    assert_same_model(plan.result, manual_fit(estimator, X, y, order=plan.order[: 8 * (best + 1)], classes=[0, 1]))
    again = run_fit(estimator, X, y, options=options, fit_kwargs={"classes": [0, 1]})
    assert again.held_out == plan.held_out and again.order == plan.order, "the seed chooses the held-out blocks"


@pytest.mark.parametrize("epochs", [1, 3])
def test_early_stopping_off_equals_the_loop(scheduler, epochs):
    X = da.random.default_rng(0).normal(size=(70, 3), chunks=(15, 2))
    y = X[:, 1] - X[:, 0]
    from sklearn.linear_model import SGDRegressor

    plain = run_fit(SGDRegressor(random_state=0), X, y, options=FitOptions(epochs=epochs, shuffle_blocks=True, random_state=2))
    staged = run_fit(
        SGDRegressor(random_state=0), X, y, options=FitOptions(epochs=epochs, shuffle_blocks=True, random_state=2), history=True
    )
    expected = manual_fit(SGDRegressor(random_state=0), X, y, order=plain.order)
    assert staged.order == plain.order
    assert_same_model(plain.result, expected)
    assert_same_model(staged.result, expected)
    assert [entry["score"] for entry in staged.history] == [None] * epochs


def test_windows_inside_epochs_give_the_same_model(data):
    X, X_val = data
    options = FitOptions(epochs=3, window=3, early_stopping=True, tol=None)
    plan = run_fit(Scripted(4), X, options=options, validation=(X_val, None))
    assert [entry["steps"] for entry in plan.history] == [4, 8, 12]
    assert_same_model(plan.result, manual_fit(Scripted(4), X, order=[0, 1, 2, 3] * 3))


# -- memory -------------------------------------------------------------------------------


class ScoredSlowLearner(SlowLearner):
    def score(self, X, y=None):
        return -abs(self.total_ - float(np.sum(X)))


@pytest.mark.parametrize("prefetch", [0, 1])
def test_validation_blocks_keep_memory_bounded(prefetch):
    """Training holds prefetch + 1 blocks; scoring, beside it, one validation block more."""
    counter = LiveBlocks()
    X = tracked_array(counter, 20)  # 2 blocks held out
    with dask.config.set(scheduler="threads", num_workers=4):
        fit_blocks(ScoredSlowLearner(), X, prefetch=prefetch, epochs=3, early_stopping=True, tol=None)
    assert counter.loads == 18 * 3 + 2 * 3, "each epoch reads its training blocks, each score the held-out ones"
    assert counter.peak <= prefetch + 2, f"{counter.peak} blocks alive at once"

    given, val_counter = LiveBlocks(), LiveBlocks()
    X, X_val = tracked_array(given, 12), tracked_array(val_counter, 6)
    with dask.config.set(scheduler="threads", num_workers=4):
        fit_blocks(ScoredSlowLearner(), X, prefetch=prefetch, epochs=2, validation=(X_val, None))
    assert given.peak <= prefetch + 1 and val_counter.peak == 1 and val_counter.loads == 12


# -- checkpoints --------------------------------------------------------------------------


class Interrupted(Exception):
    pass


INTERRUPT_AT = []  # the partial_fit call that raises; not a parameter, so the resumed fit is the same fit


class Interruptible(SGDClassifier):
    def partial_fit(self, X, y=None, classes=None, sample_weight=None):
        if INTERRUPT_AT:
            INTERRUPT_AT[0] -= 1
            if INTERRUPT_AT[0] == 0:
                raise Interrupted("stopped")
        return super().partial_fit(X, y, classes=classes, sample_weight=sample_weight)


@pytest.mark.parametrize("early_stopping", [False, True])
def test_a_resumed_fit_equals_an_uninterrupted_one(scheduler, tmp_path, early_stopping):
    X = da.random.default_rng(0).normal(size=(120, 3), chunks=20)  # 6 blocks
    y = (X[:, 0] > 0).astype(int)
    kwargs = dict(classes=[0, 1], epochs=4, shuffle_blocks=True, shuffle_rows=True, early_stopping=early_stopping, tol=None)
    expected, expected_history = fit_blocks(Interruptible(random_state=0), X, y, return_history=True, **kwargs, random_state=5)
    INTERRUPT_AT[:] = [16 if early_stopping else 19]  # in epoch 4 (early stopping trains 5 blocks per epoch) / epoch 4
    try:
        with pytest.raises(Interrupted):
            fit_blocks(Interruptible(random_state=0), X, y, checkpoint_dir=tmp_path, **kwargs, random_state=5)
    finally:
        INTERRUPT_AT.clear()
    saved = load_checkpoint(tmp_path)
    assert saved.epoch in (2, 3) and len(saved.history) == saved.epoch
    resumed, history = fit_blocks(
        Interruptible(random_state=0), X, y, checkpoint_dir=tmp_path, resume=True, return_history=True, **kwargs
    )  # random_state=None: the checkpoint's seed
    assert_same_model(resumed, expected)
    assert [entry["score"] for entry in history] == [entry["score"] for entry in expected_history]
    assert load_checkpoint(tmp_path).epoch == 4
    with dask.config.set(scheduler=refuse_to_compute):  # finished: nothing left to compute
        done = fit_blocks(Interruptible(random_state=0), X, y, checkpoint_dir=tmp_path, resume=True, **kwargs)
    assert_same_model(done, expected)


def test_incremental_resumes_with_the_checkpoints_seed(tmp_path):
    X = da.random.default_rng(0).normal(size=(80, 3), chunks=20)
    y = (X[:, 0] > 0).astype(int)
    first = Incremental(Interruptible(random_state=0), epochs=3, checkpoint_dir=str(tmp_path)).fit(X, y)
    resumed = Incremental(Interruptible(random_state=0), epochs=3, checkpoint_dir=str(tmp_path), resume=True).fit(X, y)
    assert resumed.order_ == first.order_ and resumed.seed_ == first.seed_
    assert_same_model(resumed.estimator_, first.estimator_)
    assert len(resumed.history_) == 3


def test_a_checkpoint_of_another_fit_is_refused(tmp_path, data):
    X, _ = data
    fit_blocks(Scripted(4), X, epochs=2, checkpoint_dir=tmp_path)
    with dask.config.set(scheduler=refuse_to_compute), pytest.raises(ValueError, match="is of another fit"):
        fit_blocks(Scripted(5), X, epochs=2, checkpoint_dir=tmp_path, resume=True)
    with dask.config.set(scheduler=refuse_to_compute), pytest.raises(ValueError, match="is of another fit"):
        fit_blocks(Scripted(4), X, epochs=1, checkpoint_dir=tmp_path, resume=True)
    # more epochs continue it (tests/fit/test_train_more.py)
    assert fit_blocks(Scripted(4), X, epochs=3, checkpoint_dir=tmp_path, resume=True).calls_ == 12


def test_resume_without_a_checkpoint_fits_from_the_start(tmp_path, data):
    X, _ = data
    model = fit_blocks(Scripted(4), X, epochs=2, checkpoint_dir=tmp_path / "new", resume=True)
    assert model.calls_ == 8 and load_checkpoint(tmp_path / "new").epoch == 2


# -- bad input: raised before any compute ---------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"early_stopping": "yes"}, TypeError, r"early_stopping must be True or False, got 'yes' \(str\)"),
        ({"validation_fraction": 0.0}, ValueError, "validation_fraction must be > 0 and < 1, got 0.0"),
        ({"validation_fraction": 1}, ValueError, "validation_fraction must be > 0 and < 1, got 1"),
        ({"validation_fraction": "0.1"}, TypeError, r"validation_fraction must be a real number, got '0.1' \(str\)"),
        ({"validation_fraction": True}, TypeError, r"validation_fraction must be a real number, got True \(bool\)"),
        ({"n_iter_no_change": 0}, ValueError, "n_iter_no_change must be >= 1, got 0"),
        ({"n_iter_no_change": 2.5}, TypeError, r"n_iter_no_change must be an integer, got 2.5 \(float\)"),
        ({"tol": -0.1}, ValueError, "tol must be None or a number >= 0, got -0.1"),
        ({"tol": "1e-3"}, TypeError, r"tol must be a real number, got '1e-3' \(str\)"),
        ({"tol": float("nan")}, ValueError, "tol must be finite"),
        ({"scoring": "acuracy"}, ValueError, "acuracy"),
        ({"scoring": accuracy_score}, ValueError, "looks like a metric function rather than a scorer"),
        ({"scoring": 3}, TypeError, r"scoring must be None, a metric name or a scorer callable, got 3 \(int\)"),
        ({"restore_best": None}, TypeError, r"restore_best must be True or False, got None \(NoneType\)"),
        ({"checkpoint_dir": 3}, TypeError, r"checkpoint_dir must be None, a str or an os.PathLike, got 3 \(int\)"),
        ({"resume": True}, ValueError, "resume=True needs checkpoint_dir"),
        ({"return_history": 1}, TypeError, r"return_history must be True or False, got 1 \(int\)"),
        ({"validation": "X_val"}, TypeError, r"validation must be a tuple \(X_val, y_val\).*got str"),
        ({"validation": (np.ones((3, 3)),)}, TypeError, "validation must be a tuple.*got a tuple of 1"),
        ({"validation": (np.ones((3, 3)), np.ones(4))}, ValueError, "X has 3 rows but y has 4"),
        ({"early_stopping": True, "compute": False}, ValueError, "cannot be one lazy graph: use compute=True"),
        ({"validation": (np.ones((3, 3)), np.ones(3)), "compute": False}, ValueError, "cannot be one lazy graph"),
        ({"early_stopping": True, "validation_fraction": 0.5}, ValueError, None),  # 1 block: nothing left
        ({"scoring": "roc_auc", "validation": (np.ones((3, 3)), np.ones(3))}, ValueError, "needs decision_function or predict_proba"),
    ],
)
def test_bad_stopping_options_raise_before_any_compute(kwargs, error, message):
    X = da.ones((40, 3), chunks=40) if "validation_fraction" in kwargs and kwargs.get("early_stopping") else da.ones((40, 3), chunks=10)
    if message is None:
        message = "X has 1 row block: holding out validation_fraction=0.5 of them leaves none to train on"
    estimator = Scripted(4)
    before = estimator.get_params()
    with dask.config.set(scheduler=refuse_to_compute), pytest.raises(error, match=message):
        fit_blocks(estimator, X, **kwargs)
    assert estimator.get_params() == before and not hasattr(estimator, "calls_")


@pytest.mark.parametrize(
    "params, error, message",
    [
        ({"tol": -1.0}, ValueError, "tol must be None or a number >= 0"),
        ({"n_iter_no_change": "5"}, TypeError, "n_iter_no_change must be an integer"),
        ({"early_stopping": 1}, TypeError, "early_stopping must be True or False"),
        ({"resume": True}, ValueError, "resume=True needs checkpoint_dir"),
    ],
)
def test_incremental_refuses_bad_stopping_parameters_at_fit(params, error, message):
    X = da.ones((40, 3), chunks=10)
    with dask.config.set(scheduler=refuse_to_compute), pytest.raises(error, match=message):
        Incremental(Scripted(4), **params).fit(X)


def test_incremental_lazy_fit_refuses_early_stopping():
    X = da.ones((40, 3), chunks=10)
    with dask.config.set(scheduler=refuse_to_compute), pytest.raises(ValueError, match="cannot be one lazy graph"):
        Incremental(Scripted(4), early_stopping=True).lazy_fit(X)


# -- the picture -------------------------------------------------------------------------


def test_plot_history_draws_the_scores(data):
    import matplotlib

    matplotlib.use("Agg")
    X, X_val = data
    _, history = fit_blocks(Scripted(4), X, validation=(X_val, None), epochs=3, return_history=True)
    ax = plot_history(history)
    assert ax.lines[0].get_ydata().tolist() == SCORES[:3]
    _, unscored = fit_blocks(Scripted(4), X, epochs=2, return_history=True)
    with pytest.raises(ValueError, match="no scores to plot"):
        plot_history(unscored)


def test_plot_history_without_matplotlib_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"pip install 'dask_incr\[plot\]'"):
        plot_history([{"epoch": 1, "score": 0.5}])


# -- distributed ------------------------------------------------------------------------


def test_early_stopping_on_an_in_process_distributed_client(data, tmp_path):
    distributed = pytest.importorskip("distributed")
    X, X_val = data
    expected = fit_blocks(Scripted(4), X, validation=(X_val, None), epochs=10, early_stopping=True, **RULE)
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=2, dashboard_address=":0"):
        model, history = fit_blocks(
            Scripted(4), X, validation=(X_val, None), epochs=10, early_stopping=True, return_history=True, **RULE
        )
        last = fit_blocks(
            Scripted(4), X, validation=(X_val, None), epochs=10, early_stopping=True, restore_best=False,
            checkpoint_dir=tmp_path, **RULE,
        )
        held_out = fit_blocks(Scripted(3), X, epochs=2, early_stopping=True, validation_fraction=0.25, random_state=0, tol=None)
    assert [entry["score"] for entry in history] == SCORES[:STOP_EPOCH]
    saved = load_checkpoint(tmp_path)
    assert saved.stopped and saved.epoch == STOP_EPOCH and saved.best_model.calls_ == 4 * BEST_EPOCH
    assert_same_model(saved.model, last)
    assert held_out.calls_ == 3 * 2
    assert_same_model(model, expected)
    assert model.calls_ == 4 * BEST_EPOCH and last.calls_ == 4 * STOP_EPOCH


def test_later_partial_fit_calls_need_given_validation(data):
    X, X_val = data
    X = da.concatenate([X, X])  # 8 blocks
    clf = Incremental(Scripted(7), early_stopping=True, tol=None, random_state=0, shuffle_blocks=False)
    clf.partial_fit(X)  # the first call is a fit: 1 block held out, 7 trained on
    assert len(clf.order_) == 7 and len(clf.history_) == 1
    with dask.config.set(scheduler=refuse_to_compute), pytest.raises(ValueError, match="needs validation="):
        clf.partial_fit(X)
    clf.partial_fit(X, validation=(X_val, None))
    assert clf.n_calls_ == 2 and clf.calls_ == 7 + 8


# -- properties ------------------------------------------------------------------------------


class ScoresGiven(BaseEstimator):
    """Counts calls; its score after epoch e is ``scores[e - 1]``."""

    def __init__(self, scores=(), blocks_per_epoch=3):
        self.scores = scores
        self.blocks_per_epoch = blocks_per_epoch

    def partial_fit(self, X, y=None):
        self.calls_ = getattr(self, "calls_", 0) + 1
        return self

    def score(self, X, y=None):
        return self.scores[self.calls_ // self.blocks_per_epoch - 1]


def expected_stop(scores, tol, patience):
    """The rule stated another way: epoch e improves when its score is >= tol above every earlier score;
    the fit stops at the first epoch ending a run of ``patience`` epochs that did not improve."""
    run = 0
    for e, score in enumerate(scores):
        improves = all(score >= earlier + tol for earlier in scores[:e])
        run = 0 if improves else run + 1
        if run >= patience:
            return e + 1
    return len(scores)


@settings(max_examples=40)
@given(
    scores=st.lists(st.sampled_from([0.0, 0.1, 0.2, 0.25, 0.3, 0.5]), min_size=1, max_size=9),
    tol=st.sampled_from([0.0, 0.05, 0.1]),
    patience=st.integers(1, 3),
    restore_best=st.booleans(),
    scheduler=st.sampled_from(["sync", "threads"]),
)
def test_the_fit_stops_where_the_rule_says(scores, tol, patience, restore_best, scheduler):
    X, X_val = da.ones((9, 2), chunks=3), np.ones((2, 2))
    with dask.config.set(scheduler=scheduler):
        model, history = fit_blocks(
            ScoresGiven(tuple(scores)), X, validation=(X_val, None), epochs=len(scores), early_stopping=True,
            tol=tol, n_iter_no_change=patience, restore_best=restore_best, return_history=True,
        )
    stop = expected_stop(scores, tol, patience)
    assert [entry["score"] for entry in history] == scores[:stop]
    best = scores.index(max(scores[:stop])) + 1  # the first of the highest
    assert model.calls_ == 3 * (best if restore_best else stop)


@settings(max_examples=25)
@given(
    n_blocks=st.integers(2, 5),
    epochs=st.integers(1, 3),
    shuffle=st.booleans(),
    window=st.sampled_from([None, 1, 2, 4]),
    scheduler=st.sampled_from(["sync", "threads"]),
)
def test_a_fit_run_epoch_by_epoch_equals_the_loop(n_blocks, epochs, shuffle, window, scheduler):
    X = da.random.default_rng(n_blocks).normal(size=(10 * n_blocks, 3), chunks=10)
    y = (X[:, 0] > 0).astype(int)
    options = FitOptions(epochs=epochs, shuffle_blocks=shuffle, shuffle_rows=shuffle, random_state=1, window=window)
    with dask.config.set(scheduler=scheduler):
        plan = run_fit(SGDClassifier(random_state=0), X, y, options=options, fit_kwargs={"classes": [0, 1]}, history=True)
    assert [entry["steps"] for entry in plan.history] == [n_blocks * e for e in range(1, epochs + 1)]
    expected = manual_fit(SGDClassifier(random_state=0), X, y, order=plan.order, seeds=plan.row_seeds, classes=[0, 1])
    assert_same_model(plan.result, expected)


def test_scoring_reads_the_shared_inputs_the_fit_computed_once():
    """y compares each row with a mean over all of X: that reduction runs once, not at every scoring."""
    counter = LiveBlocks()
    X = tracked_array(counter, 20)
    y = (X[:, 0] > X[:, 0].mean()).astype(int)
    with dask.config.set(scheduler="threads", num_workers=4):
        fit_blocks(SGDClassifier(random_state=0), X, y, classes=[0, 1], epochs=2, early_stopping=True, tol=None)
    assert counter.loads == 20 + 18 * 2 + 2 * 2, "the mean's pass, the training blocks of 2 epochs, 2 scorings"


def test_frames_with_unknown_partition_sizes_have_no_sample_counts():
    import dask.dataframe as dd
    import pandas as pd

    frame = pd.DataFrame(np.random.default_rng(0).normal(size=(60, 3)), columns=list("abc"))
    X = dd.from_pandas(frame, npartitions=4)
    y = (X["a"] > 0).astype(int)
    model, history = fit_blocks(
        SGDClassifier(random_state=0), X, y, classes=[0, 1], epochs=2, validation=(X, y), return_history=True
    )
    assert [entry["samples"] for entry in history] == [None, None]
    loop = manual_fit(SGDClassifier(random_state=0), X, y, order=list(range(4)) * 2, classes=[0, 1])
    assert history[1]["score"] == loop.score(frame, (frame["a"] > 0).astype(int))
    assert_same_model(model, loop)
