"""classes: per output for multi-output classifiers, and a pipeline's step__classes win (issue 21)."""

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from oracle import assert_same_model, manual_fit, manual_pipeline_fit
from sklearn.linear_model import SGDClassifier
from sklearn.multioutput import MultiOutputClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from dask_incr import Incremental, fit_blocks

PER_OUTPUT = [np.array([0, 1]), np.array([0, 1, 2])]


def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    Y = np.c_[(X[:, 0] > 0).astype(int), np.digitize(X[:, 1], [-0.5, 0.5])]
    return X, Y


def same_multi_output(actual, expected):
    assert len(actual.estimators_) == len(expected.estimators_)
    for got, want in zip(actual.estimators_, expected.estimators_):
        assert_same_model(got, want)


@pytest.mark.parametrize("classes", [[[0, 1], [0, 1, 2]], PER_OUTPUT, (np.array([0, 1]), [0, 1, 2])])
def test_multi_output_classifier_takes_classes_per_output(classes):
    X, Y = data()
    dX, dY = da.from_array(X, chunks=10), da.from_array(Y, chunks=10)
    model = fit_blocks(MultiOutputClassifier(SGDClassifier(random_state=0)), dX, dY, classes=classes)
    expected = manual_fit(MultiOutputClassifier(SGDClassifier(random_state=0)), dX, dY, classes=PER_OUTPUT)
    same_multi_output(model, expected)


def test_multi_output_classifier_without_or_with_flat_classes_is_told_the_per_output_form():
    X, Y = data()
    dX, dY = da.from_array(X, chunks=10), da.from_array(Y, chunks=10)
    with pytest.raises(ValueError, match=r"classes=\[\[0, 1\], \[0, 1, 2\]\], one list of labels per output"):
        fit_blocks(MultiOutputClassifier(SGDClassifier()), dX, dY)
    with pytest.raises(TypeError, match="one 1-D list of labels per output"):
        fit_blocks(MultiOutputClassifier(SGDClassifier()), dX, dY, classes=[0, 1])


@pytest.mark.parametrize("kind", ["numpy", "dask array", "dask frame"])
def test_incremental_finds_the_classes_of_each_column(kind):
    X, Y = data()
    if kind == "dask array":
        X, Y = da.from_array(X, chunks=10), da.from_array(Y, chunks=10)
    elif kind == "dask frame":
        X = dd.from_pandas(pd.DataFrame(X, columns=["a", "b", "c"]), npartitions=4)
        Y = dd.from_pandas(pd.DataFrame(Y, columns=["u", "v"]), npartitions=4)
    wrapper = Incremental(MultiOutputClassifier(SGDClassifier(random_state=0)), shuffle_blocks=False).fit(X, Y)
    expected = manual_fit(MultiOutputClassifier(SGDClassifier(random_state=0)), X, Y, classes=PER_OUTPUT)
    same_multi_output(wrapper.estimator_, expected)
    (predicted,) = dask.compute(wrapper.predict(X))
    assert predicted.shape == (40, 2)


def test_a_pipelines_prefixed_classes_win_over_the_labels_of_y():
    X, Y = data()
    dX, dy = da.from_array(X, chunks=10), da.from_array(Y[:, 0], chunks=10)  # labels 0 and 1 only
    pipe = make_pipeline(StandardScaler(), SGDClassifier(random_state=0))
    wrapper = Incremental(pipe, shuffle_blocks=False).fit(dX, dy, sgdclassifier__classes=[0, 1, 2])
    assert wrapper.estimator_[-1].classes_.tolist() == [0, 1, 2]
    expected = manual_pipeline_fit(pipe, dX, dy, step_kwargs={"sgdclassifier": {"classes": [0, 1, 2]}})
    for step, expected_step in zip(wrapper.estimator_, expected):
        assert_same_model(step, expected_step)
    with pytest.raises(TypeError, match="classes is given twice"):
        fit_blocks(pipe, dX, dy, classes=[0, 1], sgdclassifier__classes=[0, 1, 2])
