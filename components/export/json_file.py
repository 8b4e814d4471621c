"""This tool's export as one JSON file: the document of :mod:`components.export.schema` with each table as
typed JSON columns.

``to_export`` writes every number of the run so that ``runs_from_export`` gives back the same frames, dtypes
and values exactly: floats are written as Python writes them (shortest repr, exact on reading), NaN as null,
infinities as ``"inf"``/``"-inf"``, times as integer nanoseconds. Each table is::

    TABLE = {"rows": n, "columns": [{"name": "step", "type": "int64", "values": […]}, …]}

A file from outside is untrusted: every value is checked on reading, and anything wrong is an
:class:`~components.export.schema.ExportError`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from components.domain import RunData
from components.domain.answers import AnswerSet
from components.export.answer_sets import answer_set_body, answer_sets_of
from components.export.schema import (
    MAX_COLUMNS,
    ExportError,
    ShownRun,
    check_column_name,
    check_rows,
    checked_frame,
    column_type,
    export_document,
    export_runs,
    in_utc,
    need,
    run_body,
    runs_from_export_object,
    shown_run_of_export_object,
    text_values,
    to_json,
)

_SPECIAL_FLOATS = {"inf": math.inf, "-inf": -math.inf}
_INT64 = (-(2**63), 2**63 - 1)


# ---- Writing ----------------------------------------------------------------------------------------------


def _float(value: float) -> float | str | None:
    if math.isnan(value):
        return None
    return value if math.isfinite(value) else ("inf" if value > 0 else "-inf")


def _column(name: str, series: pd.Series) -> dict[str, Any]:
    """One frame column as JSON: its name, its type, and its values."""
    kind = column_type(name, series)
    if kind == "datetime_ns_utc":
        utc = in_utc(series)
        nanos = utc.array.asi8.tolist()
        values = [None if missing else nano for nano, missing in zip(nanos, utc.isna().tolist(), strict=True)]
    elif kind == "int64":
        values = series.astype("int64").tolist()
    elif kind == "float64":
        values = [_float(value) for value in series.tolist()]
    else:
        values = text_values(series)
    return {"name": name, "type": kind, "values": values}


def _write_frame(_table: str, frame: pd.DataFrame) -> dict[str, Any]:
    """A run table as JSON columns, each typed as the schema types it."""
    return {"rows": len(frame), "columns": [_column(str(name), frame[name]) for name in frame.columns]}


def to_export(runs: RunData | Sequence[RunData], answer_sets: Sequence[AnswerSet] = ()) -> bytes:
    """One run, or several (a comparison), as this tool's versioned JSON export (UTF-8 bytes), with the
    runs' recorded answer sets when given."""
    bodies = [run_body(run, _write_frame) for run in export_runs(runs)]
    return to_json(export_document(bodies, [answer_set_body(answer_set) for answer_set in answer_sets]))


# ---- Reading ----------------------------------------------------------------------------------------------


def _read_floats(values: list[Any], name: str) -> np.ndarray:
    def one(value: Any) -> float:
        if value is None:
            return math.nan
        if isinstance(value, str) and value in _SPECIAL_FLOATS:
            return _SPECIAL_FLOATS[value]
        need(
            isinstance(value, int | float) and not isinstance(value, bool),
            f"column {name} holds a non-number",
        )
        try:
            return float(value)
        except OverflowError:  # an integer beyond float, e.g. 10**400
            raise ExportError(
                f"The export file cannot be read: column {name} holds a number out of range."
            ) from None

    return np.fromiter((one(value) for value in values), dtype="float64", count=len(values))


def _read_column(column: Any, rows: int) -> tuple[str, Any]:
    need(isinstance(column, dict), "a column is not an object")
    name, kind, values = column.get("name"), column.get("type"), column.get("values")
    name = check_column_name(name, kind)
    need(isinstance(values, list) and len(values) == rows, f"column {name} does not have one value per row")
    if kind == "int64":
        need(
            all(
                isinstance(value, int) and not isinstance(value, bool) and _INT64[0] <= value <= _INT64[1]
                for value in values
            ),
            f"column {name} holds a non-integer",
        )
        return name, np.array(values, dtype="int64")
    if kind == "float64":
        return name, _read_floats(values, name)
    if kind == "string":
        need(
            all(value is None or isinstance(value, str) for value in values),
            f"column {name} holds a non-text",
        )
        return name, pd.array(values, dtype="string")
    if kind == "datetime_ns_utc":
        need(
            all(
                value is None
                or (isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**62)
                for value in values
            ),
            f"column {name} holds a non-time",
        )
        nanos = np.array(
            [np.iinfo("int64").min if value is None else value for value in values], dtype="int64"
        )
        return name, pd.to_datetime(nanos.view("datetime64[ns]"), utc=True).astype("datetime64[ns, UTC]")
    raise ExportError(f"The export file cannot be read: column {name} has an unknown type.")


def _read_frame(table: str, body: Any) -> pd.DataFrame:
    """A run table from its JSON columns, every value checked."""
    need(isinstance(body, dict), f"the {table} table is missing")
    rows, columns = check_rows(body.get("rows"), table), body.get("columns")
    need(isinstance(columns, list) and len(columns) <= MAX_COLUMNS, f"the {table} table has too many columns")
    data = dict(_read_column(column, rows) for column in columns)
    return checked_frame(data, [column["name"] for column in columns], table)


def _document(data: bytes) -> dict[str, Any]:
    try:
        obj = json.loads(data)
    except (ValueError, RecursionError):
        raise ExportError("The export file is not valid JSON.") from None
    need(isinstance(obj, dict), "it is not a JSON object")
    return obj


def runs_from_export(data: bytes) -> tuple[RunData, ...]:
    """Every run of an export file (one, or the runs of a comparison)."""
    return runs_from_export_object(_document(data), _read_frame)


def shown_run_from_export(data: bytes) -> ShownRun:
    """The run a page shows from an export file (its first; the others' tables are not decoded)."""
    return shown_run_of_export_object(_document(data), _read_frame)


def answer_sets_from_export(data: bytes) -> tuple[AnswerSet, ...]:
    """The recorded answer sets an export file carries (none in one made before they were exported)."""
    return answer_sets_of(_document(data))
