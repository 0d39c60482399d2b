"""A lazy model continues, lazily: a Delayed estimator is the start of the chain (issue 21)."""

import dask
import dask.array as da
import numpy as np
import pytest
from dask.delayed import Delayed
from dask.local import get_sync
from oracle import assert_same_model, manual_fit, manual_pipeline_fit
from sklearn.linear_model import SGDClassifier, SGDRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from dask_incr import Incremental, SuccessiveHalvingSearchCV, fit_blocks, fit_blocks_many
from dask_incr.fit.lazy import lazy_template
from dask_incr.fit.options import FitOptions
from dask_incr.fit.request import fit_request
from dask_incr.fit.runner import place, run_fit

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

CLASSES = {"classes": [0, 1]}


def data(seed, n=60, chunks=15):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    return da.from_array(X, chunks=chunks), da.from_array((X[:, 0] > 0).astype(int), chunks=chunks)


def exploding(shape):
    """A dask array whose computing fails: proves a refusal came before any work."""

    def boom():
        raise AssertionError("computed")

    return da.from_delayed(dask.delayed(boom)(), shape=shape, dtype=float)


@pytest.mark.parametrize("compute", [True, False])
def test_fit_result_continues_as_the_loop_run_twice(scheduler, compute):
    (X1, y1), (X2, y2) = data(0), data(1, chunks=20)
    lazy = fit_blocks(SGDClassifier(random_state=0), X1, y1, compute=False, **CLASSES)
    model = fit_blocks(lazy, X2, y2, compute=compute)
    assert isinstance(model, Delayed) is not compute
    expected = manual_fit(manual_fit(SGDClassifier(random_state=0), X1, y1, **CLASSES), X2, y2)
    assert_same_model(model if compute else model.compute(), expected)
    # the first fit's own value is untouched by its continuation
    assert_same_model(lazy.compute(), manual_fit(SGDClassifier(random_state=0), X1, y1, **CLASSES))


def test_dask_delayed_estimator_is_the_start(scheduler):
    X, y = data(2)
    estimator = SGDRegressor(random_state=0)
    model = fit_blocks(dask.delayed(estimator), X, y)
    assert_same_model(model, manual_fit(SGDRegressor(random_state=0), X, y))
    assert not hasattr(estimator, "coef_")


def test_shuffled_continuation_of_a_continuation():
    X, y = data(3)
    options = {"shuffle_blocks": True, "random_state": 4}
    first = fit_blocks(SGDClassifier(random_state=0), X, y, compute=False, **options, **CLASSES)
    second = fit_blocks(first, X, y, compute=False, **options)
    model = fit_blocks(second, X, y, **options)
    order = run_fit(SGDRegressor(), X, y, options=FitOptions(**options), compute=False).order
    expected = manual_fit(SGDClassifier(random_state=0), X, y, order=order, **CLASSES)
    for _ in range(2):
        expected = manual_fit(expected, X, y, order=order)
    assert_same_model(model, expected)


def test_fit_blocks_many_continues_lazy_models():
    X, y = data(4)
    lazy = fit_blocks(SGDClassifier(random_state=0), X, y, compute=False, **CLASSES)
    models = fit_blocks_many([lazy, SGDClassifier(random_state=1)], X, y, **CLASSES)
    first = manual_fit(SGDClassifier(random_state=0), X, y, **CLASSES)
    assert_same_model(models[0], manual_fit(first, X, y, **CLASSES))
    assert_same_model(models[1], manual_fit(SGDClassifier(random_state=1), X, y, **CLASSES))
    lazies = fit_blocks_many([lazy, lazy], X, y, compute=False)
    assert all(isinstance(m, Delayed) for m in lazies)
    for model in dask.compute(*lazies):
        assert_same_model(model, manual_fit(first, X, y))


def test_lazy_pipeline_continues_as_a_pipeline():
    X, y = data(5)
    pipe = make_pipeline(StandardScaler(), SGDClassifier(random_state=0))
    lazy = fit_blocks(pipe, X, y, compute=False, **CLASSES)
    model = fit_blocks(lazy, X, y, standardscaler__sample_weight=None)
    first = manual_pipeline_fit(pipe, X, y, step_kwargs={"sgdclassifier": CLASSES})
    expected = manual_pipeline_fit(first, X, y, step_kwargs={"standardscaler": {"sample_weight": None}})
    for step, expected_step in zip(model, expected):
        assert_same_model(step, expected_step)


def test_lazy_fit_of_incremental_continues_with_its_partial_fit():
    X, y = data(6)
    lazy = Incremental(SGDClassifier(random_state=0), random_state=0).lazy_fit(X, y, **CLASSES)
    wrapper = fit_blocks(lazy, X, y)
    assert isinstance(wrapper, Incremental)
    expected = manual_fit(lazy.compute(), X, y)  # the loop of Incremental.partial_fit, block by block
    assert_same_model(wrapper.estimator_, expected.estimator_)


def test_long_fit_in_windows_starts_from_the_lazy_model():
    X, y = data(7, chunks=10)
    lazy = fit_blocks(SGDClassifier(random_state=0), X, y, compute=False, **CLASSES)
    model = run_fit(lazy, X, y, options=FitOptions(window=2, epochs=2)).result
    expected = manual_fit(SGDClassifier(random_state=0), X, y, **CLASSES)
    assert_same_model(model, manual_fit(expected, X, y, order=list(range(6)) * 2))


@pytest.mark.parametrize(
    "option, words",
    [
        ({"validation": "given"}, "validation="),
        ({"early_stopping": True}, "early_stopping=True"),
        ({"checkpoint_dir": "tmp"}, "checkpoint_dir="),
        ({"return_history": True}, "return_history=True"),
    ],
)
def test_staged_fits_refuse_a_lazy_model_before_any_work(option, words, tmp_path):
    X, y = exploding((20, 3)), da.zeros(20, chunks=10, dtype=int)
    X = X.rechunk(10)
    if "validation" in option:
        option = {"validation": (X, y)}
    if "checkpoint_dir" in option:
        option = {"checkpoint_dir": str(tmp_path)}
    with pytest.raises(TypeError, match=f"Delayed.*{words}.*lazy.compute"):
        fit_blocks(dask.delayed(SGDClassifier()), X, y, **option, **CLASSES)


def test_wrappers_refuse_a_lazy_estimator():
    X, y = data(8)
    lazy = fit_blocks(SGDClassifier(random_state=0), X, y, compute=False, **CLASSES)
    with pytest.raises(TypeError, match="Delayed.*fit_blocks\\(lazy, X, y\\)"):
        Incremental(lazy).fit(X, y)
    with pytest.raises(TypeError, match="Delayed.*pass an estimator"):
        SuccessiveHalvingSearchCV(lazy, {"alpha": [1e-4, 1e-3]}).fit(X, y)


def test_checks_see_what_is_known_before_compute():
    X, y = exploding((20, 3)).rechunk(10), da.zeros(20, chunks=10, dtype=int)
    # dask.delayed(estimator): the estimator itself is checked (classes are needed)
    with pytest.raises(ValueError, match="needs classes="):
        fit_blocks(dask.delayed(SGDClassifier()), X, y)
    # a fit result: its estimator's partial_fit signature is checked; classes are not needed again
    lazy = fit_blocks(SGDClassifier(), X, y, compute=False, **CLASSES)
    with pytest.raises(TypeError, match="unexpected keyword argument 'clases'"):
        fit_blocks(lazy, X, y, clases=[0, 1])
    assert isinstance(fit_blocks(lazy, X, y, compute=False), Delayed)
    # an unknown Delayed: nothing is known, so nothing is refused before compute
    assert lazy_template(dask.delayed(lambda: SGDClassifier())()) == (None, False)
    assert isinstance(fit_blocks(dask.delayed(lambda: SGDClassifier())(), X, y, compute=False), Delayed)


def test_a_lazy_start_is_not_in_memory():
    # Blocks in memory run in this thread (get_sync); a lazy model's own graph may load, so it does not.
    X, y = data(0)
    lazy = fit_blocks(SGDRegressor(random_state=0), X, y, compute=False)
    assert place(fit_request([SGDRegressor()], X, y), in_memory=True).scheduler is get_sync
    assert place(fit_request([lazy], X, y), in_memory=True).scheduler is not get_sync
