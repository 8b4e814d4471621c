"""This tool's export document, versioned: what one run, or a comparison of several, holds, and how a document
from outside is checked.

Both export files hold this document: the JSON file (``components.export.json_file``) with each table as
JSON columns, the Parquet file (``components.export.parquet_file``) with each table's rows in the file; the
archive store keeps the same run body beside its own tables. A writer says how it writes a table
(:data:`FrameWriter`) and a reader how it reads one back (:data:`FrameReader`); everything else is here, at
the bottom of the package, so the package imports one way. No credential is ever in a run, so none can be
in an export.

The document::

    {"format": "ft-checkpoint-dashboard-export", "version": 2, "exported_at": "…Z",
     "runs": [{"summary": {…}, "provenance": {…}, "history_source": "result file", "total_steps": 480,
               "notes": […], "unavailable": {…}, "provider_best": {…} | null, "partial": false,
               "conventions": {"full_validation": "Validation", …}, "checkpoints": TABLE, "history": TABLE},
              …],
     "answer_sets": [{…}, …]}

Version 2 added ``answer_sets``, the runs' recorded answers (``components.export.answer_sets``), present only
when a run has some; a version 1 document is a version 2 one without them, so every old export still opens.

Column types, in every file: ``int64``, ``float64``, ``string`` (null for missing), ``datetime_ns_utc``. A
document from outside is untrusted: every field is checked on reading, and anything wrong is an
:class:`ExportError`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np
import pandas as pd

from components.data.bounds import MAX_STEP, usable_steps
from components.data.checkpoints import CHECKPOINT_COLUMNS
from components.data.metric_columns import MAX_METRIC_COLUMNS
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
VERSION = 2
MAX_RUNS = 50  # a comparison holds up to 10 runs; an archive batch a few dozen
MAX_COLUMNS = MAX_METRIC_COLUMNS + 32  # every metric a run keeps, and the columns that describe a row
MAX_CHECKPOINT_ROWS = 200_000
MAX_TEXT_CHARS = 10_000
# Columns added since version 1 was first written, filled when an older document lacks them.
ADDED_COLUMNS: dict[str, dict[str, int]] = {"checkpoints": {"step_only": 0}}
HISTORY_REQUIRED = ("step", *METRIC_NAMES, "source", "checkpoint_id", "model", "created_at")
# The type each column the page reads must have; other columns (extras) are float64.
COLUMN_TYPES: dict[str, str] = {
    "step": "int64",
    "step_only": "int64",
    **dict.fromkeys((*METRIC_NAMES, "metrics_step"), "float64"),
    **dict.fromkeys(("source", "checkpoint_id", "model"), "string"),
    "created_at": "datetime_ns_utc",
}
_COLUMN_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./-]{0,63}")
# A source's words for its conventions, shown in chart legends and notes: plain words, never markup.
_PLAIN_WORDS = re.compile(r"[A-Za-z0-9 ,.()_'-]{1,200}")


class ExportError(MalformedDataError):
    """A file that claims to be this tool's export but cannot be read as one."""


def need(condition: bool, problem: str) -> None:
    """Raise an :class:`ExportError` saying ``problem`` unless ``condition`` holds."""
    if not condition:
        raise ExportError(f"The export file cannot be read: {problem}.")


# ---- Tables -----------------------------------------------------------------------------------------------


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


TABLES: dict[str, tuple[tuple[str, ...], int]] = {
    "checkpoints": (
        tuple(name for name in CHECKPOINT_COLUMNS if name not in ADDED_COLUMNS["checkpoints"]),
        MAX_CHECKPOINT_ROWS,
    ),
    "history": (HISTORY_REQUIRED, MAX_RESULT_ROWS),
}
"""Each table of a run: the columns it must have, and the most rows it may hold."""


FrameWriter = Callable[[str, pd.DataFrame], Any]
"""Writes one of a run's tables (``"history"`` or ``"checkpoints"``) as the document stores it."""

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
    frame = pd.DataFrame(data, columns=list(names))
    for name, value in ADDED_COLUMNS.get(table, {}).items():
        if name not in frame:
            frame.insert(len(frame.columns), name, np.full(len(frame), value, dtype="int64"))
    return frame


# ---- Writing ----------------------------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    """A summary field as JSON: timestamps as ISO 8601 in UTC, enums as their value."""
    if isinstance(value, pd.Timestamp):
        return value.tz_convert("UTC").isoformat()
    if isinstance(value, RunStatus | HistorySource):
        return value.value
    return value


def summary_body(summary: RunSummary) -> dict[str, Any]:
    """A run's summary as JSON; :func:`summary_from_document` reads it back."""
    body = {field.name: _jsonable(getattr(summary, field.name)) for field in fields(summary)}
    body["ref"] = str(summary.ref)
    body["hyperparameters"] = asdict(summary.hyperparameters)
    return body


def run_body(run: RunData, write_frame: FrameWriter) -> dict[str, Any]:
    """One run as the export document holds it; its two tables as ``write_frame`` writes them (JSON columns,
    Parquet rows, or the archive store's blobs)."""
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
        "checkpoints": write_frame("checkpoints", run.checkpoints),
        "history": write_frame("history", run.history),
    }


def export_runs(runs: RunData | Sequence[RunData]) -> list[RunData]:
    """The runs of one export, checked: one run, or a comparison of up to :data:`MAX_RUNS`."""
    chosen = [runs] if isinstance(runs, RunData) else list(runs)
    if not 1 <= len(chosen) <= MAX_RUNS:
        raise ValueError(f"an export holds 1 to {MAX_RUNS} runs, not {len(chosen)}")
    return chosen


def export_document(bodies: list[dict[str, Any]], answer_sets: Sequence[Any] = ()) -> dict[str, Any]:
    """The export document around run bodies (and the bodies of their recorded answer sets, when there are
    any): format, version and when it was made."""
    document = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": pd.Timestamp.now(tz="UTC").isoformat(),
        "runs": bodies,
    }
    return document | ({"answer_sets": list(answer_sets)} if answer_sets else {})


def check_document(obj: Mapping[str, Any]) -> None:
    """That ``obj`` is this dashboard's export, of a version this code reads (an ExportError otherwise)."""
    need(obj.get("format") == FORMAT, "it is not this dashboard's export")
    version = obj.get("version")
    need(isinstance(version, int) and not isinstance(version, bool), "it has no version")
    if version > VERSION:
        raise ExportError(
            f"The export file was made by a newer version of the dashboard (format {version}); this one "
            f"reads format {VERSION}. Update the dashboard to open it."
        )


def to_json(document: Any) -> bytes:
    """``document`` as compact ASCII JSON: any text a run carries (even a lone surrogate) stays valid."""
    return json.dumps(document, ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode()


# ---- Reading ----------------------------------------------------------------------------------------------


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


def summary_from_document(body: Any) -> RunSummary:
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


def _provider_best(best: Any) -> ProviderBest | None:
    """The provider's own pick, when the run has one."""
    need(best is None or isinstance(best, dict), "a run's provider best is not an object")
    if best is None:
        return None
    return ProviderBest(
        label=_text(best.get("label"), "label", optional=False),
        checkpoint_id=_text(best.get("checkpoint_id"), "checkpoint_id"),
        step=_integer(best.get("step"), "step", 0, MAX_STEP),
        metric=_text(best.get("metric"), "metric"),
        value=_number(best.get("value"), "value"),
        decider=_text(best.get("decider"), "decider"),
        direction=_text(best.get("direction"), "direction"),
        reason=_text(best.get("reason"), "reason"),
    )


def read_run_body(body: Any, read_frame: FrameReader) -> RunData:
    """A run from its body in an export document; its tables through ``read_frame``.

    Everything is checked, as a file from outside must be: anything wrong is an :class:`ExportError`.
    """
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
    partial = body.get("partial", False)
    need(isinstance(partial, bool), "a run's partial flag is not true or false")
    return RunData(
        summary=summary_from_document(body.get("summary")),
        checkpoints=read_frame("checkpoints", body.get("checkpoints")),
        history=read_frame("history", body.get("history")),
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
        provider_best=_provider_best(body.get("provider_best")),
        conventions=_conventions(body.get("conventions")),
        is_partial=partial,
    )


def run_bodies(obj: Mapping[str, Any]) -> list[Any]:
    """The run bodies of an export document (1 to ``MAX_RUNS``), once its format and version are checked."""
    check_document(obj)
    runs = obj.get("runs")
    need(isinstance(runs, list) and 1 <= len(runs) <= MAX_RUNS, f"it must hold 1 to {MAX_RUNS} runs")
    return runs


def runs_from_export_object(obj: Mapping[str, Any], read_frame: FrameReader) -> tuple[RunData, ...]:
    """Every run of an export document already parsed from JSON (tables through ``read_frame``)."""
    return tuple(read_run_body(run, read_frame) for run in run_bodies(obj))


@dataclass(frozen=True)
class ShownRun:
    """The run a page shows from an export file (its first) and how many runs the file holds: opening a
    comparison's file decodes the tables of that one run only."""

    run: RunData
    runs: int


def shown_run_of_export_object(obj: Mapping[str, Any], read_frame: FrameReader) -> ShownRun:
    """The first run of an export document (tables through ``read_frame``) and how many it holds."""
    bodies = run_bodies(obj)
    return ShownRun(read_run_body(bodies[0], read_frame), len(bodies))
