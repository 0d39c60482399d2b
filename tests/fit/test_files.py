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
import h5py
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zarr
from dask.dataframe.io import csv as dask_csv
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


def write_csv(directory):
    """``FILES`` csv files, each split by dask into several blocks (``blocksize``)."""
    directory.mkdir()
    for i in range(FILES):
        table(GROUPS * GROUP_ROWS, seed=i).to_csv(directory / f"part.{i}.csv", index=False)
    return directory


def read_csv(directory):
    return dd.read_csv(directory / "*.csv", blocksize=8_000)


def source_array(tmp_path, kind):
    """All columns of ``table`` as one float array stored as ``kind``, chunked ``GROUP_ROWS`` rows."""
    data = pd.concat([table(GROUPS * GROUP_ROWS, seed=i) for i in range(FILES)]).to_numpy(dtype=float)
    chunks = (GROUP_ROWS, data.shape[1])
    if kind == "zarr":
        stored = zarr.open_array(tmp_path / "data.zarr", mode="w", shape=data.shape, chunks=chunks, dtype=float)
        stored[:] = data
        return da.from_zarr(tmp_path / "data.zarr")
    if kind == "hdf5":
        with h5py.File(tmp_path / "data.h5", "w") as file:
            file.create_dataset("data", data=data, chunks=chunks)
        return da.from_array(h5py.File(tmp_path / "data.h5", "r")["data"], chunks=chunks)
    stored = np.memmap(tmp_path / "data.bin", dtype=float, mode="w+", shape=data.shape)
    stored[:] = data
    stored.flush()
    return da.from_array(np.memmap(tmp_path / "data.bin", dtype=float, mode="r", shape=data.shape), chunks=chunks)


#: Per array kind, the class whose ``__getitem__`` reads a chunk from storage.
ARRAY_READERS = {"zarr": zarr.Array, "hdf5": h5py.Dataset, "memmap": np.memmap}


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


def csv_reads(monkeypatch):
    """Counts the csv blocks parsed."""
    return count_calls(monkeypatch, dask_csv, "pandas_read_text", lambda *args, **kwargs: "csv block")


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


# --- frame expressions on parquet and csv ----------------------------------------------

#: name: (frame -> (X, y, sample_weight), the columns the reads need)
EXPRESSIONS = {
    "column selection": (lambda df: (df[["f0", "f1"]], df["t"], df["w"]), {"f0", "f1", "t", "w"}),
    "filter": (lambda df: (lambda d: (d[["f0", "f1"]], d["t"], None))(df[df.k > 0]), {"f0", "f1", "t", "k"}),
    "assign": (
        lambda df: (lambda d: (d[["f0", "s"]], d["t"], None))(df.assign(s=df.f1 * df.f2)),
        {"f0", "f1", "f2", "t"},
    ),
    "astype": (lambda df: (df[["f0", "f1"]].astype("float32"), df["t"].astype("float32"), None), {"f0", "f1", "t"}),
}
#: source: (write, read, count reads). dask parses every column of a csv block
#: (the frame's projection applies after parsing), so only parquet reads are
#: checked for the columns they load; both are checked for one read per step.
READERS = {"parquet": (write_parquet, dd.read_parquet, parquet_reads), "csv": (write_csv, read_csv, csv_reads)}


@pytest.mark.parametrize("expression", list(EXPRESSIONS))
@pytest.mark.parametrize("source", list(READERS))
def test_frame_expressions_on_files_equal_the_loop_and_read_only_what_they_use(
    tmp_path, monkeypatch, source, expression
):
    write, read, count = READERS[source]
    make, needed = EXPRESSIONS[expression]
    path = write(tmp_path / "data")
    X, y, w = make(read(path))
    model = fit_blocks(SGDRegressor(random_state=0), X, y, sample_weight=w, shuffle_blocks=True, random_state=0)
    order = plan_fit(SGDRegressor(), X, y, shuffle_blocks=True, random_state=0).order
    assert_same_model(model, manual_fit(SGDRegressor(random_state=0), X, y, w, order=order))
    reads = count(monkeypatch)
    check_fit(reads, lambda: make(read(path)), shuffle_blocks=True)
    if source == "parquet":
        assert {columns for _, columns in reads.loaded} <= {frozenset(needed)}, f"reads loaded {set(reads.loaded)}"


# --- arrays stored as zarr, HDF5 and a memmap ------------------------------------------


@pytest.mark.parametrize("kind", list(ARRAY_READERS))
def test_x_y_and_weights_sliced_from_one_stored_array(tmp_path, monkeypatch, kind):
    A = source_array(tmp_path, kind)
    X, y, w = A[:, :10], A[:, 11], np.abs(A[:, 12])
    options = dict(epochs=2, shuffle_blocks=True, shuffle_rows=True, random_state=0)
    model = fit_blocks(SGDRegressor(random_state=0), X, y, sample_weight=w, **options)
    plan = plan_fit(SGDRegressor(), X, y, **options)
    expected = manual_fit(SGDRegressor(random_state=0), X, y, w, order=plan.order, seeds=plan.row_seeds)
    assert_same_model(model, expected)
    reads = count_calls(monkeypatch, ARRAY_READERS[kind], "__getitem__", lambda array, key: repr(key))
    check_fit(reads, lambda: (X, y, w), epochs=2, shuffle_blocks=True)
    assert len(set(reads.loaded)) == FILES * GROUPS, "each chunk read once per step that visits it"
