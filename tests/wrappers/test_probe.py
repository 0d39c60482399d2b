"""Prediction outputs are probed with the input's own kind; a given meta is not probed (issue 21)."""

import dask.array as da
import numpy as np
import pytest
from oracle import manual_pipeline_fit
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import SGDClassifier
from sklearn.pipeline import make_pipeline

from dask_incr import Incremental

TEXTS = np.array(["red apple", "green pear", "red cherry", "yellow lemon", "green apple", "red pear"], dtype=object)
LABELS = np.array(["red", "green", "red", "yellow", "green", "red"], dtype=object)


@pytest.mark.parametrize("dtype", [object, str])
def test_hashing_vectorizer_transforms_a_dask_array_of_strings(dtype):
    texts = da.from_array(TEXTS.astype(dtype), chunks=2)
    wrapper = Incremental(HashingVectorizer(n_features=16)).fit(texts)
    out = wrapper.transform(texts)
    expected = HashingVectorizer(n_features=16).transform(TEXTS.astype(dtype))
    assert out.shape == expected.shape and out.dtype == expected.dtype
    assert (out.compute() != expected).nnz == 0


def test_text_pipeline_predicts_string_labels_on_a_dask_array():
    texts, labels = da.from_array(TEXTS, chunks=2), da.from_array(LABELS, chunks=2)
    pipe = make_pipeline(HashingVectorizer(n_features=16), SGDClassifier(random_state=0))
    wrapper = Incremental(pipe, shuffle_blocks=False).fit(texts, labels)
    classes = {"sgdclassifier": {"classes": np.unique(LABELS)}}
    expected = manual_pipeline_fit(pipe, texts, labels, step_kwargs=classes).predict(TEXTS)
    predicted = wrapper.predict(texts)
    assert predicted.dtype == expected.dtype
    np.testing.assert_array_equal(predicted.compute(), expected)


class Recorder(TransformerMixin, BaseEstimator):
    """Records the inputs its transform is given; doubles numbers."""

    def partial_fit(self, X, y=None):
        self.seen_ = []
        return self

    def transform(self, X):
        self.seen_.append(np.asarray(X).dtype)
        if len(X) == 0:
            raise ValueError("Found array with 0 sample(s)")
        return np.asarray(X, dtype=float) * 2


def test_a_given_meta_is_used_without_probing():
    X = da.arange(12.0, chunks=4).reshape(6, 2)
    wrapper = Incremental(Recorder(), transform_meta=np.empty((0, 2), dtype=np.float32)).fit(X)
    out = wrapper.transform(X)
    assert wrapper.estimator_.seen_ == []  # nothing called before compute
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out.compute(), X.compute() * 2)

