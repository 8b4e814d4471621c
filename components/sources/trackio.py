"""Trackio's local database as a run source: every run of every project, every metric, read directly
and read-only (SQLite ``mode=ro``), never through the trackio package.

Trackio keeps one SQLite file per project in ``TRACKIO_DIR`` (its default: ``$HF_HOME/trackio``, that is
``~/.cache/huggingface/trackio``); there is no runs table: a run is a distinct ``run_id`` of the
``metrics`` table (``run_name`` in databases older than schema 2). Trackio stores no finished state, so a
run that logged within the last ``ACTIVE_SECONDS`` is taken as running (refreshed live, reading only rows
past the last row id read: one query per refresh) and any other as stopped.

A run's address is ``trackio:<project file>__<16 hex of its run id>``, one safe segment whatever the run's
own id or name holds.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from components.api.client import RequestLog
from components.data.checkpoints import with_step_metrics
from components.data.history import build_history, densest
from components.data.mlflow import merged_history
from components.data.trackio import Row, evaluated_steps, trackio_history_frame
from components.domain import (
    Conventions,
    HistorySource,
    Note,
    NoteKind,
    Provenance,
    RunData,
    RunRef,
    RunStatus,
    RunSummary,
)
from components.domain.ref import RUN_ID_PATTERN
from components.errors import DashboardError
from components.sources.base import Progress, Refresh, RunPage, SourceInfo, SourceKind, parsed
from components.text import ECHO_CHARS, clean

TRACKIO = "trackio"
TRACKIO_LABEL = "Trackio"
ACTIVE_SECONDS = 120.0
MAX_PROJECTS = 500
MAX_ROWS = 2_000_000
_SEPARATOR = "__"
STEP_CANDIDATES = (
    "Trackio records no checkpoints: the steps with a full evaluation (eval/loss) are offered as steps "
    "(step-N), not saved checkpoints."
)
TRACKIO_CONVENTIONS = Conventions(full_validation="Evaluation", full_validation_detail="full validation set")


class TrackioError(DashboardError):
    """A Trackio database that cannot be read; the message names the project file, never a path."""


class TrackioRunNotFoundError(TrackioError):
    """No project file or no run for an address."""


def _digest(run_key: str) -> str:
    return hashlib.sha256(run_key.encode()).hexdigest()[:16]


@contextmanager
def _read_only(path: Path) -> Iterator[sqlite3.Connection]:
    """The project database opened read-only: the dashboard never writes to it."""
    try:
        connection = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error as exc:
        raise TrackioError(
            f"The Trackio project {clean(path.stem, ECHO_CHARS)} cannot be opened ({exc})."
        ) from None
    with closing(connection):
        try:
            yield connection
        except sqlite3.Error as exc:
            raise TrackioError(
                f"The Trackio project {clean(path.stem, ECHO_CHARS)} cannot be read ({exc})."
            ) from None


def _run_column(connection: sqlite3.Connection) -> str:
    """``run_id`` (schema 2), else ``run_name`` (databases written before trackio 0.24)."""
    columns = {row[1] for row in connection.execute("PRAGMA table_info(metrics)")}
    return "run_id" if "run_id" in columns else "run_name"


@dataclass(frozen=True)
class _Run:
    """One run as listed: its address and the facts of the list's one query."""

    ref: RunRef
    key: str
    name: str
    first: str | None
    last: str | None


@dataclass(frozen=True)
class TrackioLive:
    """What a live refresh builds on: the run's project file and facts, the last row id read and the
    per-step frame so far."""

    path: Path
    run: _Run
    last_row: int
    history: pd.DataFrame = field(repr=False, compare=False)


class TrackioSource:
    """Every run of every Trackio project in one folder."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._info = SourceInfo(
            name=TRACKIO,
            label=TRACKIO_LABEL,
            endpoint=f"TRACKIO_DIR ({clean(folder.name, ECHO_CHARS)})",
            kind=SourceKind.FILES,
            inference=False,
            conventions=TRACKIO_CONVENTIONS,
        )

    @property
    def info(self) -> SourceInfo:
        return self._info

    def _projects(self) -> list[Path]:
        found = sorted(path for path in self._folder.glob("*.db") if path.is_file() and not path.is_symlink())
        return found[:MAX_PROJECTS]

    def _runs(self, path: Path) -> list[_Run]:
        with _read_only(path) as connection:
            column = _run_column(connection)
            rows = connection.execute(
                f"SELECT {column}, MAX(run_name), MIN(timestamp), MAX(timestamp) "
                f"FROM metrics GROUP BY {column}"
            ).fetchall()
        runs = []
        for key, name, first, last in rows:
            run_id = f"{path.stem}{_SEPARATOR}{_digest(str(key))}"
            if RUN_ID_PATTERN.fullmatch(run_id):
                runs.append(_Run(RunRef(TRACKIO, run_id), str(key), f"{path.stem} · {name}", first, last))
        return runs

    def list_runs(self, cursor: str | None = None) -> RunPage:
        """Every run of every project (one query per project file), newest first."""
        runs: list[_Run] = []
        notes: list[str] = []
        for path in self._projects():
            try:
                runs.extend(self._runs(path))
            except TrackioError as exc:
                notes.append(str(exc))
        runs.sort(key=lambda run: run.first or "", reverse=True)
        return RunPage(tuple(_summary(run) for run in runs), None, tuple(notes))

    def _find(self, run_id: str) -> tuple[Path, _Run]:
        stem, _, _digest_part = run_id.rpartition(_SEPARATOR)
        path = self._folder / f"{stem}.db"
        if not stem or path.parent != self._folder or not path.is_file():
            raise TrackioRunNotFoundError(
                f"There is no Trackio project for the run {clean(run_id, ECHO_CHARS)}."
            )
        for run in self._runs(path):
            if run.ref.run_id == run_id:
                return path, run
        raise TrackioRunNotFoundError(
            f"The Trackio project {clean(stem, ECHO_CHARS)} has no run {clean(run_id, ECHO_CHARS)}."
        )

    def _rows(self, path: Path, key: str, after: int) -> tuple[list[Row], int]:
        """The run's rows past row id ``after`` (at most ``MAX_ROWS``) and the last row id read."""
        with _read_only(path) as connection:
            column = _run_column(connection)
            fetched = connection.execute(
                # ``+column`` keeps SQLite on the row id: a refresh reads only the rows past ``after``.
                f"SELECT id, step, timestamp, metrics FROM metrics WHERE id > ? AND +{column} = ? "
                "ORDER BY id LIMIT ?",
                (after, key, MAX_ROWS),
            ).fetchall()
        last = fetched[-1][0] if fetched else after
        return [(step, timestamp, raw) for _, step, timestamp, raw in fetched], last

    def load_run(
        self, run_id: str, on_progress: Progress | None = None, *, resume: RunData | None = None
    ) -> RunData:
        """Every row of the run, merged by step."""
        path, run = self._find(run_id)
        rows, last = self._rows(path, run.key, 0)
        notes: list[Note] = []
        history = parsed(f"Trackio project {path.stem}", trackio_history_frame, rows, notes=notes)
        return self._built(TrackioLive(path, run, last, history), notes)

    def _built(self, state: TrackioLive, notes: list[Note]) -> RunData:
        run, history = state.run, state.history
        checkpoints = (
            with_step_metrics(evaluated_steps(history), history)
            if not history.empty
            else evaluated_steps(history)
        )
        if not checkpoints.empty:
            notes.append(Note(NoteKind.INFO, STEP_CANDIDATES))
        per_step, source = densest(checkpoints, (history, HistorySource.METRICS_EVENTS))
        summary = _summary(run)
        data = RunData(
            summary=summary,
            checkpoints=checkpoints,
            history=build_history(checkpoints, per_step, source),
            history_source=source,
            provenance=Provenance.now(TRACKIO, TRACKIO_LABEL, self._info.endpoint),
            notes=tuple(dict.fromkeys(notes)),
            conventions=TRACKIO_CONVENTIONS,
        )
        return data if summary.is_terminal else replace(data, resume=state)

    def refresh(self, previous: RunData) -> Refresh:
        """A running run's rows past the last one read (one query by row id); nothing for a stopped one."""
        state = previous.resume
        if previous.summary.is_terminal or not isinstance(state, TrackioLive):
            return Refresh(previous)
        try:
            rows, last = self._rows(state.path, state.run.key, state.last_row)
        except DashboardError as exc:
            return Refresh(previous, error=str(exc))
        run = replace(state.run, last=str(rows[-1][1])) if rows else state.run
        if not rows and _summary(run) == previous.summary:
            return Refresh(previous)
        fresh = parsed(f"Trackio project {state.path.stem}", trackio_history_frame, rows)
        history = merged_history(state.history, fresh)
        return Refresh.whole(
            previous, self._built(TrackioLive(state.path, run, last, history), []), RequestLog()
        )


def _summary(run: _Run) -> RunSummary:
    last = pd.to_datetime(run.last, utc=True, errors="coerce") if run.last else None
    quiet = (
        last is None or pd.isna(last) or (pd.Timestamp.now(tz="UTC") - last).total_seconds() > ACTIVE_SECONDS
    )
    first = pd.to_datetime(run.first, utc=True, errors="coerce") if run.first else None
    return RunSummary(
        ref=run.ref,
        status=RunStatus.SUCCEEDED if quiet else RunStatus.RUNNING,
        provider_status=f"stopped logging (nothing for {ACTIVE_SECONDS:g} s)" if quiet else "logging",
        name=run.name,
        created_at=None if first is None or pd.isna(first) else first,
        updated_at=None if last is None or pd.isna(last) else last,
    )
