"""Shared fixtures and the Hypothesis profiles of the suite.

The oracle (the manual loop) and the model comparator live in ``oracle.py``.
"""

import os

import dask
import pytest
from hypothesis import HealthCheck, settings

# "ci" (the default): bounded examples, no deadline (dask's thread start-up and
# scikit-learn's first-call costs make per-example timing noisy).
settings.register_profile(
    "ci",
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
    print_blob=True,
)
settings.register_profile("dev", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(params=["sync", "threads"])
def scheduler(request):
    """Run the test body on each local scheduler."""
    with dask.config.set(scheduler=request.param):
        yield request.param
