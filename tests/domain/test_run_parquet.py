"""The Parquet export and the choice of format: exact round trips of one run or a comparison, the smaller
format picked, safe file names, both formats opened by the file sources, and hostile Parquet files refused
with an ExportError before they can cost memory."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from components.api.limits import Limits
from components.domain import Note, NoteKind, RunData, RunRef
from components.export.download import ExportFormat, download_name, export_file
from components.export.json_file import to_export
from components.export.parquet_file import (
    MAX_CELLS,
    METADATA_KEY,
    RUN_COLUMN,
    TABLE_COLUMN,
    frame_from_parquet,
    frame_to_parquet,
    runs_from_parquet,
    shown_run_from_parquet,
    to_parquet_export,
)
from components.export.schema import ExportError
from components.sources import FilesSource, Upload, UploadSource
from components.sources.file_kinds import FileKind, sniff
from devtools.archive_runs import finished_run
from tests.domain.export_support import from_export, read_export
from tests.domain.test_run_export import assert_same_run, demo_run, trainer_run


@pytest.fixture(scope="module")
def long_run() -> RunData:
    return finished_run("ftjob-long", n_steps=20_000)


def test_one_run_and_a_comparison_round_trip_exactly(long_run: RunData) -> None:
    runs = [long_run, trainer_run(), demo_run()]
    back = runs_from_parquet(to_parquet_export(runs))
    assert len(back) == 3
    for one, other in zip(back, runs, strict=True):
        assert_same_run(one, other)
    [alone] = runs_from_parquet(to_parquet_export(long_run))
    assert_same_run(alone, long_run)


def test_a_frame_blob_round_trips_bit_for_bit(long_run: RunData) -> None:
    back = frame_from_parquet(frame_to_parquet(long_run.history), "history")
    pd.testing.assert_frame_equal(back, long_run.history, check_exact=True)
    assert str(back["train_loss"].iloc[2]) == "-0.0" and back["model"].isna().iloc[4]


def test_the_file_is_a_tidy_table_other_tools_read(long_run: RunData) -> None:
    table = pd.read_parquet(io.BytesIO(to_parquet_export([long_run, trainer_run()])))
    assert set(table[TABLE_COLUMN]) == {"history", "checkpoints"} and set(table[RUN_COLUMN]) == {0, 1}
    history = table[(table[RUN_COLUMN] == 0) & (table[TABLE_COLUMN] == "history")]
    assert history["step"].tolist() == long_run.history["step"].tolist()


def test_the_smaller_format_is_chosen(long_run: RunData) -> None:
    small = demo_run()
    picked = {run.summary.run_id: export_file(run) for run in (small, long_run)}
    for run in (small, long_run):
        chosen = picked[run.summary.run_id]
        sizes = {ExportFormat.JSON: len(to_export(run)), ExportFormat.PARQUET: len(to_parquet_export(run))}
        assert chosen.format is min(sizes, key=sizes.get)
        assert_same_run(read_export(chosen.data)[0], run)
    assert picked["ftjob-long"].format is ExportFormat.PARQUET
    assert picked["ftjob-long"].name == "openai-ftjob-long.parquet"
    assert picked["ftjob-long"].mime == "application/vnd.apache.parquet"
    assert export_file(small, prefer=ExportFormat.JSON).name == "demo-ftjob-demo.json"


def test_file_names_say_which_runs_in_safe_characters() -> None:
    refs = [RunRef("openai", "ftjob-a"), RunRef("together", "ft-1234")]
    assert download_name(refs[:1], "train loss", "png") == "openai-ftjob-a_train-loss.png"
    assert download_name(refs, extension="parquet") == "compare_openai-ftjob-a_together-ft-1234.parquet"
    many = [RunRef("files", f"sft-run-{n}-{'x' * 40}") for n in range(10)]
    name = download_name(many, "<valid loss>", "json")
    assert len(name) <= 130 and name.startswith("compare_files-sft-run-0-") and "_and-9-more-" in name
    assert name.endswith("_valid-loss.json") and all(c.isalnum() or c in "-_." for c in name)
    assert download_name(many, "x") != download_name(many[:9] + many[:1], "x")


def test_the_file_sources_open_parquet_exports(long_run: RunData, tmp_path: Path) -> None:
    data = to_parquet_export(long_run)
    assert sniff(data) is FileKind.PARQUET_EXPORT
    upload = Upload("exported.parquet", data)
    opened = UploadSource([upload], Limits()).load_run(upload.run_id)
    pd.testing.assert_frame_equal(opened.history, long_run.history, check_exact=True)
    assert opened.summary.ref == RunRef("upload", upload.run_id)
    assert opened.notes[-1].text.startswith("Exported from OpenAI")

    (tmp_path / "kept").mkdir()
    (tmp_path / "kept" / "best-run.parquet").write_bytes(data)
    (tmp_path / "kept" / "other.json").write_bytes(to_export(long_run))
    folder = FilesSource(tmp_path, Limits())
    listed = {run.name: run for run in folder.list_runs().runs}
    assert set(listed) == {"kept/best-run.parquet", "kept/other.json"}
    for row in listed.values():
        run = folder.load_run(row.run_id)
        pd.testing.assert_frame_equal(run.checkpoints, long_run.checkpoints, check_exact=True)


def _rewritten(data: bytes, change) -> bytes:
    table = pq.read_table(io.BytesIO(data))
    document = json.loads(table.schema.metadata[METADATA_KEY])
    table = change(table, document)
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def _with_document(table: pa.Table, document: dict) -> pa.Table:
    return table.replace_schema_metadata({METADATA_KEY: json.dumps(document)})


BASE = to_parquet_export(trainer_run())


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda t, d: t.replace_schema_metadata({}), "not this dashboard's export"),
        (lambda t, d: t.replace_schema_metadata({METADATA_KEY: b"{nope"}), "not valid JSON"),
        (lambda t, d: _with_document(t, d | {"version": 99}), "newer version"),
        (
            lambda t, d: _with_document(
                t, d | {"runs": [d["runs"][0] | {"history": {**d["runs"][0]["history"], "offset": 10**6}}]}
            ),
            "rows are not in the file",
        ),
        (
            lambda t, d: _with_document(
                t, d | {"runs": [d["runs"][0] | {"checkpoints": d["runs"][0]["history"]}]}
            ),
            "not in the file",
        ),
        (lambda t, d: t.set_column(0, "step", pa.array([1.5] * t.num_rows)), "type it must have"),
        (lambda t, d: t.drop_columns([TABLE_COLUMN]), "column is missing"),
        (
            lambda t, d: _with_document(
                t,
                d
                | {
                    "runs": [
                        d["runs"][0] | {"history": {**d["runs"][0]["history"], "columns": ["step", "step"]}}
                    ]
                },
            ),
            "names a column twice",
        ),
    ],
)
def test_a_tampered_parquet_export_is_refused_with_what_is_wrong(change, says: str) -> None:
    with pytest.raises(ExportError, match=says):
        runs_from_parquet(_rewritten(BASE, change))


def test_a_parquet_bomb_is_refused_before_it_is_decoded() -> None:
    rows = MAX_CELLS // 2 + 1  # two columns: one cell more than the bound, a few kB compressed
    table = pa.table({"step": pa.array([1] * rows, pa.int64()), "x": pa.array([0.0] * rows)})
    sink = io.BytesIO()
    pq.write_table(table.replace_schema_metadata({METADATA_KEY: b"{}"}), sink, compression="zstd")
    assert len(sink.getvalue()) < 200_000
    with pytest.raises(ExportError, match="larger than the dashboard reads"):
        runs_from_parquet(sink.getvalue())


def test_one_long_text_repeated_on_every_row_is_refused() -> None:
    rows = 200_000
    long_text = "x" * 1_000
    table = pa.table(
        {"step": pa.array(range(rows), pa.int64()), "model": pa.array([long_text] * rows).dictionary_encode()}
    )
    sink = io.BytesIO()
    pq.write_table(table.replace_schema_metadata({METADATA_KEY: b"{}"}), sink, compression="zstd")
    with pytest.raises(ExportError, match="text is larger than"):
        runs_from_parquet(sink.getvalue())


def test_bodies_that_name_the_same_rows_are_refused_before_any_is_decoded() -> None:
    """Fifty run bodies all pointing at one run's rows would decode those rows fifty times (1.45 GB from a
    675 KB file): the tables must be disjoint spans covering the file's rows."""

    def fifty_copies(table: pa.Table, document: dict) -> pa.Table:
        return _with_document(table, document | {"runs": document["runs"] * 50})

    with pytest.raises(ExportError, match="not in the file as written"):
        runs_from_parquet(_rewritten(BASE, fifty_copies))


def test_rows_no_table_names_are_refused() -> None:
    def one_more_row(table: pa.Table, document: dict) -> pa.Table:
        return _with_document(pa.concat_tables([table, table.slice(0, 1)]), document)

    with pytest.raises(ExportError, match="rows are left over"):
        runs_from_parquet(_rewritten(BASE, one_more_row))


def test_opening_a_comparison_decodes_only_the_run_shown(long_run: RunData) -> None:
    """The second run's steps are made null: reading every run fails on them, the run shown never
    touches them."""
    first = trainer_run()
    data = to_parquet_export([first, long_run])

    def second_without_steps(table: pa.Table, document: dict) -> pa.Table:
        second = pc.equal(table.column(RUN_COLUMN), 1)
        steps = pc.if_else(second, pa.scalar(None, pa.int64()), table.column("step"))
        return table.set_column(table.column_names.index("step"), "step", steps)

    damaged = _rewritten(data, second_without_steps)
    with pytest.raises(ExportError, match="non-integer"):
        runs_from_parquet(damaged)
    shown = shown_run_from_parquet(damaged)
    assert shown.runs == 2
    assert_same_run(shown.run, first)


@pytest.mark.parametrize("data", [b"PAR1", b"PAR1" + b"\0" * 20 + b"PAR1", b"PAR1garbagePAR1" * 10])
def test_broken_parquet_is_our_error(data: bytes) -> None:
    with pytest.raises(ExportError):
        runs_from_parquet(data)


def test_a_json_export_still_reads_as_before() -> None:
    run = demo_run()
    assert_same_run(read_export(to_export(run))[0], run)
    noted = replace(run, notes=(Note(NoteKind.INFO, "x"),))
    assert_same_run(from_export(to_export(noted)), noted)
