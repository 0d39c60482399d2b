"""The estimators the property tests cover, with what each needs of its data."""

import inspect
import warnings
from dataclasses import dataclass, field

import numpy as np
from sklearn.cluster import MiniBatchKMeans
from sklearn.decomposition import IncrementalPCA
from sklearn.linear_model import PassiveAggressiveClassifier, Perceptron, SGDClassifier, SGDRegressor
from sklearn.naive_bayes import BernoulliNB, GaussianNB, MultinomialNB
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import StandardScaler


def _passive_aggressive():
    with warnings.catch_warnings():  # deprecated in scikit-learn 1.8, still covered
        warnings.simplefilter("ignore", FutureWarning)
        return PassiveAggressiveClassifier(random_state=0)


@dataclass(frozen=True)
class Case:
    name: str
    make: object
    y: str  # "class", "float", "multi" (2-D float) or "none"
    fit_kwargs: dict = field(default_factory=dict)
    nonnegative: bool = False

    @property
    def weighted(self):
        return "sample_weight" in inspect.signature(self.make().partial_fit).parameters

    def target(self, X, rng):
        """A target for X (numpy) that the estimator can learn, or None."""
        score = X @ np.linspace(-1.0, 1.0, X.shape[1]) + rng.normal(scale=0.1, size=len(X))
        if self.y == "class":
            return np.digitize(score, [-0.5, 0.5])
        if self.y == "float":
            return score
        if self.y == "multi":
            return np.c_[score, -score]
        return None


CLASSES = {"classes": [0, 1, 2]}

CASES = [
    Case("SGDClassifier", lambda: SGDClassifier(random_state=0), "class", CLASSES),
    Case("SGDRegressor", lambda: SGDRegressor(random_state=0), "float"),
    Case("PassiveAggressiveClassifier", _passive_aggressive, "class", CLASSES),
    Case("Perceptron", lambda: Perceptron(random_state=0), "class", CLASSES),
    Case("MultinomialNB", MultinomialNB, "class", CLASSES, nonnegative=True),
    Case("GaussianNB", GaussianNB, "class", CLASSES),
    Case("BernoulliNB", BernoulliNB, "class", CLASSES),
    Case("MiniBatchKMeans", lambda: MiniBatchKMeans(n_clusters=2, random_state=0, n_init=1), "none"),
    Case("IncrementalPCA", lambda: IncrementalPCA(n_components=1), "none"),
    Case("StandardScaler", StandardScaler, "none"),
    Case("MLPClassifier", lambda: MLPClassifier(hidden_layer_sizes=(4,), random_state=0), "class", CLASSES),
    Case("MLPRegressor-multioutput", lambda: MLPRegressor(hidden_layer_sizes=(4,), random_state=0), "multi"),
]
CASES_BY_NAME = {case.name: case for case in CASES}
