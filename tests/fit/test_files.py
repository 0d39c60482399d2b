"""Files as users hold them: parquet, csv, zarr, HDF5, memmaps, and frame expressions on them.

Each fit equals the manual loop (``oracle.manual_fit``). The reader each format
goes through is wrapped (``monkeypatch``) so that every read is counted with
what it loaded (a parquet read with the columns it asked for) and when; a
slow learner (``live.FitSpans``) records when it fitted, so the tests see
that each source partition is read once per step, that the reads alive at
once stay within the read-ahead bound, and that loading overlapped fitting.
"""

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from dask.dataframe.io.parquet.arrow import ArrowDatasetEngine
from live import FitSpans, LiveCounter
from oracle import assert_same_model, manual_fit
from sklearn.linear_model import SGDRegressor

from dask_incr import fit_blocks, plan_fit

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning", "ignore::DeprecationWarning")

FEATURES = [f"f{i}" for i in range(10)]
COLUMNS = [*FEATURES, "k", "t", "w"]
FILES, GROUPS, GROUP_ROWS = 3, 2, 40
PREFETCH = 1


def table(rows, seed):
    """A frame of the columns above: features, a small int ``k``, a target ``t``, weights ``w``."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.normal(size=(rows, len(FEATURES))), columns=FEATURES)
    frame["k"] = rng.integers(0, 3, size=rows)
    frame["t"] = frame["f0"] - 2 * frame["f1"] + rng.normal(scale=0.1, size=rows)
    frame["w"] = rng.uniform(0.5, 2.0, size=rows)
    return frame


def write_parquet(directory):
    """``FILES`` parquet files of ``GROUPS`` row groups each, written without an index."""
    directory.mkdir()
    for i in range(FILES):
        frame = table(GROUPS * GROUP_ROWS, seed=i)
        pq.write_table(
            pa.Table.from_pandas(frame, preserve_index=False),
            directory / f"part.{i}.parquet",
            row_group_size=GROUP_ROWS,
        )
    return directory


def count_calls(monkeypatch, owner, name, label):
    """Wrap ``owner.name`` so each value it returns is counted alive; ``label(*args)`` is recorded per call."""
    counter = LiveCounter()
    original = getattr(owner, name)

    def counted(*args, **kwargs):
        return counter.track(original(*args, **kwargs), label(*args, **kwargs))

    monkeypatch.setattr(owner, name, counted)
    return counter


def parquet_reads(monkeypatch):
    """Counts parquet reads, each labelled ``(piece, columns)``: the file and row groups, the columns asked for."""
    return count_calls(
        monkeypatch,
        ArrowDatasetEngine,
        "read_partition",
        lambda fs, pieces, columns, index, **kwargs: (repr(pieces), frozenset(columns)),
    )


def check_fit(counter, make_inputs, *, epochs=1, loads_per_block=1, **options):
    """Fit ``FitSpans`` on threads; check each block's reads, the bound and the overlap. Returns the plan."""
    X, y, w = make_inputs()
    counter.loaded.clear()
    plan = plan_fit(FitSpans(), X, y, sample_weight=w, epochs=epochs, prefetch=PREFETCH, random_state=0, **options)
    with dask.config.set(scheduler="threads", num_workers=4):
        model = plan.result.compute()
    n_blocks = X.npartitions if hasattr(X, "npartitions") else X.numblocks[0]
    assert len(plan.order) == n_blocks * epochs, "the user's blocks, every one once per epoch"
    assert counter.loads == loads_per_block * len(plan.order), f"{counter.loads} reads for {len(plan.order)} steps"
    assert counter.peak <= (PREFETCH + 1) * loads_per_block, f"{counter.peak} reads alive at once"
    # Blocks read but not yet fitted are what a fit holds: never more than PREFETCH ahead.
    ahead = [
        sum(t < end for t in counter.times) - (step + 1) * loads_per_block for step, (_, end) in enumerate(model.spans_)
    ]
    assert max(ahead) <= PREFETCH * loads_per_block, f"reads ran {max(ahead)} ahead of the fits"
    assert counter.loads_during(model.spans_) > 0, "no read ran while a block was being fitted"
    return plan


# --- parquet: X, y and sample_weight cut from one frame --------------------------------


def test_x_y_and_weights_from_one_parquet_frame_share_one_projected_read(tmp_path, monkeypatch):
    path = write_parquet(tmp_path / "data")
    reads = parquet_reads(monkeypatch)

    def inputs():
        df = dd.read_parquet(path, split_row_groups=True)
        return df[["f0", "f1"]], df["t"], df["w"]

    plan = check_fit(reads, inputs, epochs=2, shuffle_blocks=True)
    pieces = [piece for piece, _ in reads.loaded]
    assert len(set(pieces)) == FILES * GROUPS, "one partition per row group, none fused"
    assert all(pieces.count(piece) == 2 for piece in pieces), "each row group read once per epoch"
    assert {columns for _, columns in reads.loaded} == {frozenset({"f0", "f1", "t", "w"})}, "the union, no more"
    X, y, w = inputs()
    model = fit_blocks(
        SGDRegressor(random_state=0), X, y, sample_weight=w, epochs=2, shuffle_blocks=True, random_state=0
    )
    assert_same_model(model, manual_fit(SGDRegressor(random_state=0), X, y, w, order=plan.order))


def test_small_parquet_partitions_are_never_fused(tmp_path, monkeypatch):
    """Reading 3 of 13 columns, dask's tuning alone would fuse the 3 files into 2 partitions."""
    path = write_parquet(tmp_path / "data")
    df = dd.read_parquet(path)
    X = df[["f0", "f1"]].astype("float32")
    assert X.optimize().npartitions < X.npartitions == FILES  # what dask alone would do
    reads = parquet_reads(monkeypatch)
    check_fit(reads, lambda: (X, df["t"], None))
    assert len({piece for piece, _ in reads.loaded}) == FILES
    assert {columns for _, columns in reads.loaded} == {frozenset({"f0", "f1", "t"})}
