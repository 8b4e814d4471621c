"""Runs as Parquet: one frame as a compressed blob (the archive store's tables), and this tool's export as one
Parquet file (one run or a comparison), usually several times smaller than the JSON export of long runs.

The Parquet export holds the same document as the JSON one (``components.export.schema``) in the file's
key-value metadata under ``ft-checkpoint-dashboard-export``; only each table is described by where its rows
are instead of holding them: ``{"rows": n, "offset": k, "columns": [names]}``. The rows of every table of
every run are one long Parquet table with two more columns, ``#run`` (the run's position) and ``#table``
(``history`` or ``checkpoints``), so pandas, DuckDB or Polars read the file as a tidy table too.

Column types are the JSON export's: ``int64``, ``float64`` (NaN, infinities and -0.0 kept bit for bit),
``string`` and UTC timestamps in nanoseconds. A file from outside is untrusted: its size once read (rows
times columns, text after dictionary decoding) is bounded before anything is decoded, and every field is
checked as the JSON reader checks it; anything wrong is an :class:`~components.export.schema.ExportError`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from components.domain import RunData
from components.domain.answers import AnswerSet
from components.export.answer_sets import answer_set_body, answer_sets_of
from components.export.schema import (
    MAX_COLUMNS,
    ExportError,
    FrameReader,
    ShownRun,
    check_column_name,
    check_rows,
    checked_frame,
    column_type,
    export_document,
    export_runs,
    in_utc,
    need,
    run_bodies,
    run_body,
    runs_from_export_object,
    shown_run_of_export_object,
    text_values,
    to_json,
)

MAGIC = b"PAR1"  # a Parquet file starts (and ends) with these bytes
METADATA_KEY = b"ft-checkpoint-dashboard-export"
RUN_COLUMN = "#run"  # '#' starts no frame column name, so these two never collide with one
TABLE_COLUMN = "#table"
COMPRESSION = "zstd"
MAX_CELLS = 16_000_000  # what a 32 MB JSON export can hold at most (2 bytes a cell); 128 MB as float64
MAX_TEXT_BYTES = 64_000_000  # all text cells together, once dictionary-decoded
MAX_METADATA_BYTES = 32_000_000
MAX_FILE_COLUMNS = 4 * MAX_COLUMNS  # the union of every table's columns in a comparison
_TIMESTAMP = pa.timestamp("ns", tz="UTC")
_KINDS = {pa.int64(): "int64", pa.float64(): "float64", pa.string(): "string", pa.large_string(): "string"}


# ---- One frame ---------------------------------------------------------------------------------------------


def _arrow_column(name: str, series: pd.Series) -> pa.Array:
    """One frame column in its export type (``column_type``): int64, float64, string or UTC ns."""
    kind = column_type(name, series)
    if kind == "datetime_ns_utc":
        return pa.array(in_utc(series), type=_TIMESTAMP)
    if kind == "int64":
        return pa.array(series.astype("int64").to_numpy(), type=pa.int64())
    if kind == "float64":
        # from_pandas=False: NaN stays a NaN (bit for bit), it does not become a null.
        return pa.array(series.astype("float64").to_numpy(), type=pa.float64(), from_pandas=False)
    return pa.array(text_values(series), type=pa.string())


def frame_table(frame: pd.DataFrame) -> pa.Table:
    """A run's frame as an Arrow table with the export's column types, in the frame's column order."""
    names = [str(name) for name in frame.columns]
    return pa.table([_arrow_column(name, frame[name]) for name in names], names=names)


def _kind(column_type: pa.DataType) -> str:
    if column_type == _TIMESTAMP:
        return "datetime_ns_utc"
    if pa.types.is_dictionary(column_type):
        return _kind(column_type.value_type)
    return _KINDS.get(column_type, str(column_type))


def _strings(column: pa.ChunkedArray) -> pd.arrays.StringArray:
    """A text column (dictionary-encoded or plain) as pandas' nullable string array."""
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    return pd.array(column.to_pylist(), dtype="string")


def _pandas_column(name: str, column: pa.ChunkedArray) -> Any:
    kind = _kind(column.type)
    check_column_name(name, kind)
    if kind == "int64":
        need(column.null_count == 0, f"column {name} holds a non-integer")
        return column.to_numpy()
    if kind == "float64":
        return column.to_numpy()  # a null (another writer's missing value) reads as NaN
    if kind == "string":
        return _strings(column)
    return column.to_pandas().array.astype("datetime64[ns, UTC]")


def table_frame(table: pa.Table, table_name: str, names: Sequence[str] | None = None) -> pd.DataFrame:
    """The run frame ``table`` holds (columns ``names``, default all), checked as ``table_name``."""
    names = list(table.column_names if names is None else names)
    need(len(set(names)) == len(names), f"the {table_name} table names a column twice")
    need(all(name in table.column_names for name in names), f"the {table_name} table lacks a column it names")
    data = {name: _pandas_column(name, table.column(name)) for name in names}
    return checked_frame(data, names, table_name)


def frame_to_parquet(frame: pd.DataFrame) -> bytes:
    """One frame as a zstd-compressed Parquet blob (the archive store keeps each run table as one)."""
    sink = pa.BufferOutputStream()
    pq.write_table(frame_table(frame), sink, compression=COMPRESSION)
    return sink.getvalue().to_pybytes()


def frame_from_parquet(data: bytes, table_name: str) -> pd.DataFrame:
    """The frame :func:`frame_to_parquet` wrote, checked as the run table ``table_name``."""
    return table_frame(_read_table(data), table_name)


# ---- The export file ---------------------------------------------------------------------------------------


def to_parquet_export(runs: RunData | Sequence[RunData], answer_sets: Sequence[AnswerSet] = ()) -> bytes:
    """One run, or several (a comparison), as this tool's Parquet export, with the runs' recorded answer
    sets (in the document, in the file's metadata) when given."""
    tables: list[pa.Table] = []
    offset = 0

    def writer(position: int) -> Any:
        def write(table_name: str, frame: pd.DataFrame) -> dict[str, Any]:
            nonlocal offset
            table = frame_table(frame)
            labels = (pa.array([position] * len(frame), pa.int64()), pa.array([table_name] * len(frame)))
            tables.append(table.append_column(RUN_COLUMN, labels[0]).append_column(TABLE_COLUMN, labels[1]))
            spec = {"rows": len(frame), "offset": offset, "columns": table.column_names}
            offset += len(frame)
            return spec

        return write

    bodies = [run_body(run, writer(position)) for position, run in enumerate(export_runs(runs))]
    whole = pa.concat_tables(tables, promote_options="default")
    document = export_document(bodies, [answer_set_body(answer_set) for answer_set in answer_sets])
    whole = whole.replace_schema_metadata({METADATA_KEY: to_json(document)})
    sink = pa.BufferOutputStream()
    pq.write_table(whole, sink, compression=COMPRESSION)
    return sink.getvalue().to_pybytes()


def _parquet_file(data: bytes) -> pq.ParquetFile:
    try:
        return pq.ParquetFile(pa.BufferReader(data))
    except (pa.ArrowException, OSError, ValueError):
        raise ExportError("The export file cannot be read: it is not a readable Parquet file.") from None


def _check_size(file: pq.ParquetFile) -> None:
    """Refuse a file whose tables would be too large once decoded, before decoding anything."""
    meta = file.metadata
    need(meta.num_columns <= MAX_FILE_COLUMNS, "it has too many columns")
    need(meta.num_rows * meta.num_columns <= MAX_CELLS, "its tables are larger than the dashboard reads")
    uncompressed = sum(
        meta.row_group(group).column(column).total_uncompressed_size
        for group in range(meta.num_row_groups)
        for column in range(meta.num_columns)
    )
    need(uncompressed <= 8 * MAX_CELLS + MAX_TEXT_BYTES, "its tables are larger than the dashboard reads")


def _check_text(table: pa.Table) -> None:
    """Refuse text that dictionary decoding would blow up (one long value repeated on every row)."""
    total = 0
    for column in table.columns:
        if pa.types.is_dictionary(column.type) and _kind(column.type) == "string":
            for chunk in column.chunks:
                lengths = pc.binary_length(chunk.dictionary)
                total += pc.sum(pc.take(lengths, chunk.indices)).as_py() or 0
        elif _kind(column.type) == "string":
            total += sum(pc.sum(pc.binary_length(chunk)).as_py() or 0 for chunk in column.chunks)
    need(total <= MAX_TEXT_BYTES, "its text is larger than the dashboard reads")


def _read_table(data: bytes) -> pa.Table:
    """Every column of a Parquet file, text kept dictionary-encoded until its decoded size is checked."""
    file = _parquet_file(data)
    _check_size(file)
    strings = [field.name for field in file.schema_arrow if _kind(field.type) == "string"]
    try:
        table = pq.read_table(pa.BufferReader(data), read_dictionary=strings)
    except (pa.ArrowException, OSError, ValueError):
        raise ExportError("The export file cannot be read: its Parquet data is damaged.") from None
    _check_text(table)
    return table


def _document(file: pq.ParquetFile) -> dict[str, Any]:
    raw = (file.schema_arrow.metadata or {}).get(METADATA_KEY)
    need(raw is not None, "it is a Parquet file, but not this dashboard's export")
    need(len(raw) <= MAX_METADATA_BYTES, "its description is too large")
    try:
        document = json.loads(raw)
    except (ValueError, RecursionError):
        raise ExportError("The export file cannot be read: its description is not valid JSON.") from None
    need(isinstance(document, dict), "its description is not a JSON object")
    return document


def answer_sets_from_parquet(data: bytes) -> tuple[AnswerSet, ...]:
    """The recorded answer sets a Parquet export carries (none in one made before they were exported)."""
    return answer_sets_of(_document(_parquet_file(data)))


def _span(table_name: str, spec: Any) -> tuple[int, int]:
    """Where a table's rows are, ``(offset, rows)``, from its description in the document."""
    need(isinstance(spec, dict), f"the {table_name} table is missing")
    rows, offset = check_rows(spec.get("rows"), table_name), spec.get("offset")
    need(
        isinstance(offset, int) and not isinstance(offset, bool) and offset >= 0,
        f"the {table_name} table's rows are not in the file",
    )
    return offset, rows


def _check_spans(bodies: list[Any], total_rows: int) -> None:
    """Refuse a document whose tables are not disjoint spans that cover the file's rows exactly, as the
    writer lays them out: then every row is decoded at most once, however many runs the document names
    (fifty bodies naming the same rows would otherwise decode the file fifty times)."""
    spans = []
    for body in bodies:
        need(isinstance(body, dict), "a run is not an object")
        spans += [_span(name, body.get(name)) for name in ("checkpoints", "history")]
    end = 0
    for offset, rows in sorted(spans):
        need(offset == end, "its tables' rows are not in the file as written (two overlap, or a gap)")
        end += rows
    need(end == total_rows, "its tables' rows are not in the file as written (rows are left over)")


def _frame_reader(data: bytes) -> tuple[dict[str, Any], FrameReader]:
    """The document of a Parquet export and how to read one of its tables, once the file's size, its text
    and the layout of its tables are checked (nothing is decoded into frames yet)."""
    document = _document(_parquet_file(data))
    table = _read_table(data)
    for label in (RUN_COLUMN, TABLE_COLUMN):
        need(label in table.column_names, f"its {label} column is missing")
    _check_spans(run_bodies(document), table.num_rows)

    def read_frame(table_name: str, spec: Any) -> pd.DataFrame:
        offset, rows = _span(table_name, spec)
        names = spec.get("columns")
        need(
            isinstance(names, list) and len(names) <= MAX_COLUMNS,
            f"the {table_name} table has too many columns",
        )
        need(
            all(isinstance(name, str) and not name.startswith("#") for name in names),
            "a column name is not plain",
        )
        rows_of = table.slice(offset, rows)
        labels = rows_of.column(TABLE_COLUMN)
        need(
            rows == 0 or bool(pc.all(pc.equal(labels.cast(pa.string()), table_name)).as_py()),
            f"the {table_name} table's rows are not in the file",
        )
        return table_frame(rows_of, table_name, names)

    return document, read_frame


def runs_from_parquet(data: bytes) -> tuple[RunData, ...]:
    """Every run of a Parquet export (one, or the runs of a comparison), exactly as they were written."""
    return runs_from_export_object(*_frame_reader(data))


def shown_run_from_parquet(data: bytes) -> ShownRun:
    """The run a page shows from a Parquet export (its first; the others' rows are never decoded)."""
    return shown_run_of_export_object(*_frame_reader(data))
