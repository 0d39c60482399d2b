"""Orders: pure, reproducible block orders and row seeds."""

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from oracle import assert_same_model

from dask_incr.graph.orders import block_order, resolve_seed, row_permutation, row_seeds


@given(n=st.integers(0, 30), epochs=st.integers(1, 5), seed=st.integers(0, 2**63), shuffle=st.booleans())
def test_each_epoch_visits_every_block_once(n, epochs, seed, shuffle):
    order = block_order(n, shuffle=shuffle, epochs=epochs, random_state=seed)
    assert len(order) == n * epochs
    for e in range(epochs):
        assert sorted(order[e * n : (e + 1) * n]) == list(range(n))
    if not shuffle:
        assert order == list(range(n)) * epochs
    assert order == block_order(n, shuffle=shuffle, epochs=epochs, random_state=seed)


def test_epochs_draw_different_permutations():
    order = block_order(10, shuffle=True, epochs=4, random_state=0)
    epochs = {tuple(order[i : i + 10]) for i in range(0, 40, 10)}
    assert len(epochs) == 4
    # More epochs extend the sequence: the first epochs do not change.
    assert block_order(10, shuffle=True, epochs=6, random_state=0)[:40] == order


def test_seeds_give_different_orders_and_none_draws_fresh_entropy():
    assert block_order(20, shuffle=True, random_state=1) != block_order(20, shuffle=True, random_state=2)
    assert block_order(20, shuffle=True) != block_order(20, shuffle=True)


def test_random_state_objects_follow_scikit_learn_conventions():
    rs = np.random.RandomState(0)
    first, second = resolve_seed(rs), resolve_seed(rs)
    assert first != second, "a RandomState advances"
    assert resolve_seed(np.random.RandomState(0)) == first
    gen_seed = resolve_seed(np.random.default_rng(5))
    assert gen_seed == resolve_seed(np.random.default_rng(5))
    assert block_order(8, shuffle=True, random_state=np.random.RandomState(0)) == block_order(
        8, shuffle=True, random_state=first
    )


@pytest.mark.parametrize(
    "bad, message",
    [
        (
            "seed",
            "^str cannot be used to seed: "
            "random_state must be None, an int >= 0, a numpy RandomState or a numpy Generator$",
        ),
        (1.5, "^float cannot be used to seed"),
        (True, "^bool cannot be used to seed"),
        (np.float64(2.0), "^numpy.float64 cannot be used to seed"),
        (-1, "random_state must be a non-negative integer, got -1"),
    ],
)
def test_bad_random_state(bad, message):
    # ValueError throughout, like scikit-learn's check_random_state
    with pytest.raises(ValueError, match=message):
        resolve_seed(bad)


def test_bad_counts():
    with pytest.raises(ValueError, match="epochs must be >= 1"):
        block_order(3, epochs=0)
    with pytest.raises(TypeError, match="n_blocks must be an integer"):
        block_order(2.0)


def test_row_seeds_are_independent_of_block_shuffling():
    seeds = row_seeds(6, random_state=3)
    assert len(set(seeds)) == 6 and seeds == row_seeds(6, random_state=3)
    assert row_seeds(4, random_state=3) == seeds[:4]
    perm = row_permutation(10, seeds[0])
    assert sorted(perm.tolist()) == list(range(10))
    assert perm.tolist() != row_permutation(10, seeds[1]).tolist()


@given(n=st.integers(0, 50), seed=st.integers(0, 2**63))
def test_row_permutation_is_its_documented_spec(n, seed):
    """tests/oracle.py reproduces row shuffles from this spec, not from the library."""
    np.testing.assert_array_equal(row_permutation(n, seed), np.random.default_rng(seed).permutation(n))


def test_same_seed_same_order_in_fresh_processes():
    code = (
        "from dask_incr import block_order, row_seeds;"
        "print(block_order(50, shuffle=True, epochs=3, random_state=123), row_seeds(5, random_state=123))"
    )
    outputs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout for _ in range(2)}
    assert len(outputs) == 1
    assert outputs.pop().strip() == str(block_order(50, shuffle=True, epochs=3, random_state=123)) + " " + str(
        row_seeds(5, random_state=123)
    )


def test_same_seed_same_model_in_fresh_processes():
    code = (
        "import dask.array as da, hashlib;"
        "from sklearn.linear_model import SGDRegressor;"
        "from dask_incr import fit_blocks;"
        "X = da.random.default_rng(0).normal(size=(200, 3), chunks=20);"
        "m = fit_blocks(SGDRegressor(random_state=0), X, X.sum(axis=1), shuffle_blocks=True,"
        " shuffle_rows=True, epochs=2, random_state=9);"
        "print(hashlib.sha256(m.coef_.tobytes() + m.intercept_.tobytes()).hexdigest())"
    )
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout for _ in range(2)]
    assert runs[0] == runs[1] and len(runs[0].strip()) == 64


@pytest.mark.parametrize("n_blocks, seed", [(1, 0), (7, 0), (20, 42), (33, 2**32 - 1)])
def test_first_pass_visits_blocks_in_dask_ml_order(n_blocks, seed):
    """dask-ml shuffles ``list(range(n))`` with ``check_random_state(seed).shuffle``."""
    from sklearn.utils import check_random_state

    expected = list(range(n_blocks))
    check_random_state(seed).shuffle(expected)
    order = block_order(n_blocks, shuffle=True, epochs=3, random_state=seed)
    assert order[:n_blocks] == expected
    assert sorted(order[n_blocks : 2 * n_blocks]) == list(range(n_blocks))


def test_incremental_fits_the_same_model_as_dask_ml():
    import dask.array as da
    import dask_ml.wrappers as dask_ml_wrappers  # in the test extra: CI runs the comparison, never skips it
    from sklearn.linear_model import SGDClassifier

    from dask_incr import Incremental

    X = da.random.default_rng(0).normal(size=(200, 4), chunks=20)
    y = (X[:, 0] > 0).astype(int)
    theirs = dask_ml_wrappers.Incremental(SGDClassifier(random_state=0), random_state=7).fit(X, y, classes=[0, 1])
    ours = Incremental(SGDClassifier(random_state=0), random_state=7).fit(X, y, classes=[0, 1])
    assert_same_model(ours.estimator_, theirs.estimator_)


def test_the_documented_differences_from_dask_ml_hold():
    """docs/facade.rst: a RandomState instance and later partial_fit calls visit other orders than dask-ml."""
    import dask.array as da
    import dask_ml.wrappers as dask_ml_wrappers  # in the test extra: CI runs the comparison, never skips it
    from sklearn.linear_model import SGDClassifier

    from dask_incr import Incremental

    X = da.random.default_rng(0).normal(size=(200, 4), chunks=20)
    y = (X[:, 0] > 0).astype(int)

    def both(random_state, calls):
        models = []
        for wrapper in (dask_ml_wrappers.Incremental, Incremental):
            state = np.random.RandomState(7) if random_state == "instance" else random_state
            model = wrapper(SGDClassifier(random_state=0), random_state=state).fit(X, y, classes=[0, 1])
            for _ in range(calls - 1):
                model.partial_fit(X, y)
            models.append(model.coef_)
        return models

    theirs, ours = both(7, calls=2)
    assert not np.array_equal(theirs, ours), "later partial_fit calls: dask-ml repeats its order, ours does not"
    theirs, ours = both("instance", calls=1)
    assert not np.array_equal(theirs, ours), "a RandomState instance: dask-ml shuffles with it, we draw a seed"
