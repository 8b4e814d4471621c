"""This tool's own export: one run, or a comparison of several, as one versioned JSON document.

``to_export`` writes every number of the run (per-step history, checkpoints, summary, notes, where it was
read) so that ``from_export`` gives back the same frames, dtypes and values exactly: floats are written as
Python writes them (shortest repr, exact on reading), NaN as null, infinities as ``"inf"``/``"-inf"``,
times as integer nanoseconds. No credential is ever in a run, so none can be in an export.

The document::

    {"format": "ft-checkpoint-dashboard-export", "version": 1, "exported_at": "…Z",
     "runs": [{"summary": {…}, "provenance": {…}, "history_source": "result file", "total_steps": 480,
               "notes": […], "unavailable": {…}, "provider_best": {…} | null, "partial": false,
               "conventions": {"full_validation": "Validation", …}, "checkpoints": FRAME, "history": FRAME},
              …]}
    FRAME = {"rows": n, "columns": [{"name": "step", "type": "int64", "values": […]}, …]}

Column types: ``int64``, ``float64``, ``string`` (null for missing), ``datetime_ns_utc``. A file from
outside is untrusted: every field is checked on reading, and anything wrong is an :class:`ExportError`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, fields
from typing import Any

import numpy as np
import pandas as pd

from components.data.bounds import MAX_STEP, usable_steps
from components.data.checkpoints import CHECKPOINT_COLUMNS
from components.data.metrics import METRIC_NAMES
from components.data.results_file import MAX_RESULT_ROWS
from components.domain import (
    Conventions,
    HistorySource,
    Hyperparameters,
    Note,
    NoteKind,
    Provenance,
    ProviderBest,
    RunData,
    RunRef,
    RunStatus,
    RunSummary,
)
from components.errors import MalformedDataError

FORMAT = "ft-checkpoint-dashboard-export"
VERSION = 1
MAX_RUNS = 50  # a comparison holds up to 10 runs; an archive batch a few dozen
MAX_COLUMNS = 64
MAX_CHECKPOINT_ROWS = 200_000
MAX_TEXT_CHARS = 10_000
HISTORY_REQUIRED = ("step", *METRIC_NAMES, "source", "checkpoint_id", "model", "created_at")
# The type each column the page reads must have; other columns (extras) are float64.
COLUMN_TYPES: dict[str, str] = {
    "step": "int64",
    **dict.fromkeys((*METRIC_NAMES, "metrics_step"), "float64"),
    **dict.fromkeys(("source", "checkpoint_id", "model"), "string"),
    "created_at": "datetime_ns_utc",
}
_COLUMN_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./-]{0,63}")
# A source's words for its conventions, shown in chart legends and notes: plain words, never markup.
_PLAIN_WORDS = re.compile(r"[A-Za-z0-9 ,.()_'-]{1,200}")
_SPECIAL_FLOATS = {"inf": math.inf, "-inf": -math.inf}
_INT64 = (-(2**63), 2**63 - 1)


class ExportError(MalformedDataError):
    """A file that claims to be this tool's export but cannot be read as one."""


# ---- Writing ----------------------------------------------------------------------------------------------


def _float(value: float) -> float | str | None:
    if math.isnan(value):
        return None
    return value if math.isfinite(value) else ("inf" if value > 0 else "-inf")


def column_type(name: str, series: pd.Series) -> str:
    """The export type of a frame column: ``datetime_ns_utc``, ``int64``, ``float64`` or ``string``; the
    JSON and the Parquet exports type every column this way."""
    dtype = series.dtype
    if isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(dtype):
        return "datetime_ns_utc"
    if pd.api.types.is_bool_dtype(dtype):
        raise TypeError(f"column {name!r} holds booleans, which runs never do")
    if pd.api.types.is_integer_dtype(dtype):
        return "int64"
    if pd.api.types.is_float_dtype(dtype):
        return "float64"
    return "string"


def in_utc(series: pd.Series) -> pd.Series:
    """A datetime column in UTC at nanosecond precision; a column without a time zone is taken as UTC."""
    utc = (
        series.dt.tz_convert("UTC")
        if isinstance(series.dtype, pd.DatetimeTZDtype)
        else series.dt.tz_localize("UTC")
    )
    return utc.astype("datetime64[ns, UTC]")


def text_values(series: pd.Series) -> list[str | None]:
    """A string column's values as text, missing ones (None, NA, NaN) as None."""
    return [
        None if value is None or value is pd.NA or value != value else str(value) for value in series.tolist()
    ]


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


def _frame(frame: pd.DataFrame) -> dict[str, Any]:
    return {"rows": len(frame), "columns": [_column(str(name), frame[name]) for name in frame.columns]}


def _jsonable(value: Any) -> Any:
    """A summary field as JSON: timestamps as ISO 8601 in UTC, enums as their value."""
    if isinstance(value, pd.Timestamp):
        return value.tz_convert("UTC").isoformat()
    if isinstance(value, RunStatus | HistorySource):
        return value.value
    return value


def summary_body(summary: RunSummary) -> dict[str, Any]:
    """A run's summary as JSON; :func:`read_summary` reads it back."""
    body = {field.name: _jsonable(getattr(summary, field.name)) for field in fields(summary)}
    body["ref"] = str(summary.ref)
    body["hyperparameters"] = asdict(summary.hyperparameters)
    return body


FrameWriter = Callable[[str, pd.DataFrame], Any]
"""Writes one of a run's tables (``"history"`` or ``"checkpoints"``) as the document stores it."""


def run_body(run: RunData, write_frame: FrameWriter | None = None) -> dict[str, Any]:
    """One run as the export document holds it; its two tables as ``write_frame`` writes them (default:
    JSON columns). The Parquet container and the archive store keep the same body beside their own tables."""
    write = write_frame or (lambda _name, frame: _frame(frame))
    provenance = run.provenance
    return {
        "summary": summary_body(run.summary),
        "provenance": {
            "source": provenance.source,
            "label": provenance.label,
            "endpoint": provenance.endpoint,
            "fetched_at": _jsonable(provenance.fetched_at),
        },
        "history_source": run.history_source.value,
        "total_steps": run.total_steps,
        "notes": [note.text for note in run.notes],
        "unavailable": dict(run.unavailable),
        "provider_best": asdict(run.provider_best) if run.provider_best is not None else None,
        "partial": run.is_partial,
        "conventions": asdict(run.conventions),
        "checkpoints": write("checkpoints", run.checkpoints),
        "history": write("history", run.history),
    }


def export_runs(runs: RunData | Sequence[RunData]) -> list[RunData]:
    """The runs of one export, checked: one run, or a comparison of up to :data:`MAX_RUNS`."""
    chosen = [runs] if isinstance(runs, RunData) else list(runs)
    if not 1 <= len(chosen) <= MAX_RUNS:
        raise ValueError(f"an export holds 1 to {MAX_RUNS} runs, not {len(chosen)}")
    return chosen


def export_document(bodies: list[dict[str, Any]]) -> dict[str, Any]:
    """The export document around run bodies: format, version and when it was made."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": pd.Timestamp.now(tz="UTC").isoformat(),
        "runs": bodies,
    }


def to_json(document: Any) -> bytes:
    """``document`` as compact ASCII JSON: any text a run carries (even a lone surrogate) stays valid."""
    return json.dumps(document, ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode()


def to_export(runs: RunData | Sequence[RunData]) -> bytes:
    """One run, or several (a comparison), as this tool's versioned JSON export (UTF-8 bytes)."""
    return to_json(export_document([run_body(run) for run in export_runs(runs)]))


# ---- Reading ----------------------------------------------------------------------------------------------


def is_export(obj: Mapping[str, Any]) -> bool:
    """Whether a JSON object claims to be this tool's export."""
    return obj.get("format") == FORMAT


def need(condition: bool, problem: str) -> None:
    """Raise an :class:`ExportError` saying ``problem`` unless ``condition`` holds."""
    if not condition:
        raise ExportError(f"The export file cannot be read: {problem}.")


def _text(value: Any, what: str, *, optional: bool = True) -> str | None:
    if value is None and optional:
        return None
    need(isinstance(value, str) and len(value) <= MAX_TEXT_CHARS, f"{what} is not text")
    return value


def _integer(value: Any, what: str, low: int = 0, high: int = 10**15) -> int | None:
    if value is None:
        return None
    need(
        isinstance(value, int) and not isinstance(value, bool) and low <= value <= high,
        f"{what} is not a count",
    )
    return value


def _number(value: Any, what: str) -> float | None:
    if value is None:
        return None
    need(
        isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value),
        f"{what} is not a number",
    )
    return float(value)


def _time(value: Any, what: str) -> pd.Timestamp | None:
    text = _text(value, what)
    if text is None:
        return None
    try:
        when = pd.Timestamp(text)
    except (ValueError, TypeError, OverflowError):
        when = None
    need(when is not None and when is not pd.NaT and when.tzinfo is not None, f"{what} is not a time")
    return when.tz_convert("UTC")


def _auto_or(value: Any, what: str, read: Callable[[Any, str], Any]) -> Any:
    return value if value == "auto" else read(value, what)


def read_summary(body: Any) -> RunSummary:
    """The summary :func:`summary_body` wrote, every field checked."""
    need(isinstance(body, dict), "a run has no summary")
    try:
        ref = RunRef.parse(body.get("ref"))
        status = RunStatus(body.get("status"))
    except ValueError:
        raise ExportError("The export file cannot be read: a run's address or status is not valid.") from None
    hyper = body.get("hyperparameters") or {}
    need(isinstance(hyper, dict), "hyperparameters are not an object")
    text = {
        name: _text(body.get(name), name)
        for name in (
            "provider_status",
            "name",
            "base_model",
            "fine_tuned_model",
            "suffix",
            "method",
            "error_message",
            "error_code",
            "training_file",
            "validation_file",
        )
    }
    times = {
        name: _time(body.get(name), name)
        for name in ("created_at", "finished_at", "estimated_finish", "updated_at")
    }
    return RunSummary(
        ref=ref,
        status=status,
        **text,
        **times,
        trained_tokens=_integer(body.get("trained_tokens"), "trained_tokens"),
        total_steps=_integer(body.get("total_steps"), "total_steps", 1, MAX_STEP),
        hyperparameters=Hyperparameters(
            n_epochs=_auto_or(hyper.get("n_epochs"), "n_epochs", _integer),
            batch_size=_auto_or(hyper.get("batch_size"), "batch_size", _integer),
            learning_rate_multiplier=_auto_or(
                hyper.get("learning_rate_multiplier"), "learning_rate_multiplier", _number
            ),
            learning_rate=_number(hyper.get("learning_rate"), "learning_rate"),
        ),
    )


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


TABLES: dict[str, tuple[tuple[str, ...], int]] = {
    "checkpoints": (CHECKPOINT_COLUMNS, MAX_CHECKPOINT_ROWS),
    "history": (HISTORY_REQUIRED, MAX_RESULT_ROWS),
}
"""Each table of a run: the columns it must have, and the most rows it may hold."""

FrameReader = Callable[[str, Any], pd.DataFrame]
"""Reads one of a run's tables (``"history"`` or ``"checkpoints"``) from what the document holds for it."""


def check_column_name(name: Any, kind: str) -> str:
    """A column's name, when it is a plain name and ``kind`` is the type a column of that name must have."""
    need(isinstance(name, str) and bool(_COLUMN_NAME.fullmatch(name)), "a column name is not a plain name")
    need(kind == COLUMN_TYPES.get(name, "float64"), f"column {name} is not of the type it must have")
    return name


def check_rows(rows: Any, table: str) -> int:
    """A table's row count, when it is within the bound of ``table``."""
    need(
        isinstance(rows, int) and not isinstance(rows, bool) and 0 <= rows <= TABLES[table][1],
        f"the {table} table is too large",
    )
    return rows


def checked_frame(data: dict[str, Any], names: Sequence[str], table: str) -> pd.DataFrame:
    """The frame of ``data``'s columns in the order ``names``, when it has every column ``table`` needs and
    its steps are in range."""
    need(len(names) <= MAX_COLUMNS, f"the {table} table has too many columns")
    need(len(data) == len(names), f"the {table} table names a column twice")
    need(all(name in data for name in TABLES[table][0]), f"the {table} table lacks a column it needs")
    need(bool(usable_steps(data["step"]).all()), f"the {table} table has a step outside 0 to {MAX_STEP:,}")
    return pd.DataFrame(data, columns=list(names))


def _read_frame(table: str, body: Any) -> pd.DataFrame:
    need(isinstance(body, dict), f"the {table} table is missing")
    rows, columns = check_rows(body.get("rows"), table), body.get("columns")
    need(isinstance(columns, list) and len(columns) <= MAX_COLUMNS, f"the {table} table has too many columns")
    data = dict(_read_column(column, rows) for column in columns)
    return checked_frame(data, [column["name"] for column in columns], table)


def _words(value: Any, what: str) -> str | None:
    if value is None:
        return None
    need(isinstance(value, str) and bool(_PLAIN_WORDS.fullmatch(value)), f"{what} is not plain words")
    return value


def _conventions(body: Any) -> Conventions:
    """A run's conventions; an export made before they were kept has the neutral ones."""
    if body is None:
        return Conventions()
    need(isinstance(body, dict), "a run's conventions are not an object")
    words = {
        name: _words(body.get(name), f"a run's {name}")
        for name in ("full_validation", "full_validation_detail", "checkpoints_saved")
    }
    need(words["full_validation"] is not None, "a run's full_validation is missing")
    need(words["full_validation_detail"] is not None, "a run's full_validation_detail is missing")
    return Conventions(**words)


def read_run_body(body: Any, read_frame: FrameReader | None = None) -> RunData:
    """A run from its body in an export document; its tables through ``read_frame`` (default: JSON columns).

    Everything is checked, as a file from outside must be: anything wrong is an :class:`ExportError`.
    """
    read = read_frame or _read_frame
    need(isinstance(body, dict), "a run is not an object")
    provenance = body.get("provenance")
    need(isinstance(provenance, dict), "a run has no provenance")
    fetched = _time(provenance.get("fetched_at"), "fetched_at")
    need(fetched is not None, "a run has no fetch time")
    try:
        history_source = HistorySource(body.get("history_source"))
    except ValueError:
        raise ExportError("The export file cannot be read: a run's history source is unknown.") from None
    notes = body.get("notes")
    need(isinstance(notes, list) and len(notes) <= 1_000, "a run's notes are not a list")
    unavailable = body.get("unavailable") or {}
    need(
        isinstance(unavailable, dict) and set(unavailable) <= {"loss", "accuracy"},
        "a run's unavailable metrics are not loss or accuracy",
    )
    best = body.get("provider_best")
    need(best is None or isinstance(best, dict), "a run's provider best is not an object")
    partial = body.get("partial", False)
    need(isinstance(partial, bool), "a run's partial flag is not true or false")
    return RunData(
        summary=read_summary(body.get("summary")),
        checkpoints=read("checkpoints", body.get("checkpoints")),
        history=read("history", body.get("history")),
        history_source=history_source,
        provenance=Provenance(
            source=_text(provenance.get("source"), "source", optional=False),
            label=_text(provenance.get("label"), "label", optional=False),
            endpoint=_text(provenance.get("endpoint"), "endpoint", optional=False),
            fetched_at=fetched,
        ),
        total_steps=_integer(body.get("total_steps"), "total_steps", 1, MAX_STEP),
        notes=tuple(Note(NoteKind.INFO, _text(note, "a note", optional=False)) for note in notes),
        unavailable={kind: _text(reason, "a reason", optional=False) for kind, reason in unavailable.items()},
        provider_best=None
        if best is None
        else ProviderBest(
            label=_text(best.get("label"), "label", optional=False),
            checkpoint_id=_text(best.get("checkpoint_id"), "checkpoint_id"),
            step=_integer(best.get("step"), "step", 0, MAX_STEP),
            metric=_text(best.get("metric"), "metric"),
            value=_number(best.get("value"), "value"),
        ),
        conventions=_conventions(body.get("conventions")),
        is_partial=partial,
    )


def runs_from_export_object(
    obj: Mapping[str, Any], read_frame: FrameReader | None = None
) -> tuple[RunData, ...]:
    """Every run of an export document already parsed from JSON (tables through ``read_frame``)."""
    need(is_export(obj), "it is not this dashboard's export")
    version = obj.get("version")
    need(isinstance(version, int) and not isinstance(version, bool), "it has no version")
    if version > VERSION:
        raise ExportError(
            f"The export file was made by a newer version of the dashboard (format {version}); this one "
            f"reads format {VERSION}. Update the dashboard to open it."
        )
    runs = obj.get("runs")
    need(isinstance(runs, list) and 1 <= len(runs) <= MAX_RUNS, f"it must hold 1 to {MAX_RUNS} runs")
    return tuple(read_run_body(run, read_frame) for run in runs)


def runs_from_export(data: bytes) -> tuple[RunData, ...]:
    """Every run of an export file (one, or the runs of a comparison)."""
    try:
        obj = json.loads(data)
    except (ValueError, RecursionError):
        raise ExportError("The export file is not valid JSON.") from None
    need(isinstance(obj, dict), "it is not a JSON object")
    return runs_from_export_object(obj)


def from_export(data: bytes) -> RunData:
    """The one run of an export file; a comparison of several raises (read it with ``runs_from_export``)."""
    runs = runs_from_export(data)
    need(len(runs) == 1, f"it holds a comparison of {len(runs)} runs, not one")
    return runs[0]
