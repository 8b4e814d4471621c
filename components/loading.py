"""Fetch a whole run (job, checkpoints, per-step history) and turn it into tidy frames.

This is the service between the API client and the page: no Streamlit, so it works from a notebook,
and progress is reported through a plain callback.

Nothing already fetched is lost: a list that fails on page N keeps pages 1..N-1, the run comes back
with a note saying what is missing, and passing that run as ``resume`` to the next load continues each
unfinished list from its saved cursor (:class:`ListProgress`) instead of starting over. Only a failure
before anything useful arrived (the job object, or the first page of checkpoints) raises.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import pandas as pd

from components.api import FineTuningClient, ListProgress
from components.api.client import Pages
from components.api.pagination import Item
from components.data.checkpoints import checkpoints_frame
from components.data.events import metrics_events_frame, total_steps
from components.data.history import build_history
from components.data.job import JobSummary, parse_job
from components.data.results_file import decode_result_file, results_frame
from components.errors import DashboardError, MalformedDataError
from components.wording import count

logger = logging.getLogger(__name__)

Progress = Callable[[str], None]
_REREAD_FAILED = "Refresh could not read the job again"
_Parsed = TypeVar("_Parsed")
# What parsing code raises on values it did not expect (a step past int64, a float too large, …).
_PARSE_FAILURES = (ValueError, TypeError, OverflowError, KeyError, IndexError, AttributeError)


def _parsed(what: str, parse: Callable[..., _Parsed], *args: Any, **kwargs: Any) -> _Parsed:
    """``parse(*args)`` on data from outside; a failure no parser foresaw is the data's shape, not a crash.

    The parsers handle every shape the API documents and many it does not; this is the boundary for the
    rest, so the page says which data could not be read, and the traceback goes to the server log.
    """
    try:
        return parse(*args, **kwargs)
    except DashboardError:
        raise
    except _PARSE_FAILURES:
        logger.warning("Could not read the %s", what, exc_info=True)
        raise MalformedDataError(f"Some values in the {what} from the API cannot be read.") from None


@dataclass(frozen=True)
class RunData:
    """Everything the page shows about one job; picklable so Streamlit can cache it.

    ``checkpoint_list`` and ``event_list`` say how far each list was read (``event_list`` is None when
    the result file made the events unnecessary). While the run is partial they also hold the items read
    so far, so a later load can resume; a complete run holds none.
    """

    job: JobSummary
    checkpoints: pd.DataFrame
    history: pd.DataFrame
    history_source: str
    total_steps: int | None
    checkpoint_list: ListProgress
    event_list: ListProgress | None = None
    notes: tuple[str, ...] = ()

    @property
    def checkpoint_pages(self) -> int:
        return self.checkpoint_list.pages

    @property
    def is_partial(self) -> bool:
        """Whether a list stopped before its end, so Refresh has something to continue."""
        lists = (self.checkpoint_list, self.event_list)
        return any(progress is not None and not progress.complete for progress in lists)


@dataclass(frozen=True)
class _Walk:
    """What one list walk produced: its progress, every item so far (resumed ones first), and its failure."""

    progress: ListProgress
    items: list[Item]
    error: DashboardError | None = None


def _walk(pages: Pages, start: ListProgress, report: Callable[[int, int], None]) -> _Walk:
    """Read ``pages`` on from ``start``; a failure stops the walk and is recorded, not raised."""
    items = start.items()
    progress = replace(start, stopped_by=None, items_json=None)
    try:
        for progress, data in pages:
            items.extend(data)
            report(progress.pages, progress.count)
    except DashboardError as exc:
        return _Walk(progress.stopped(str(exc)), items, exc)
    return _Walk(progress, items)


def _checkpoint_note(progress: ListProgress) -> str:
    return (
        f"Only the newest {count(progress.count, 'checkpoint')} ({count(progress.pages, 'page')}) could be "
        f"read before the checkpoint list stopped: {progress.stopped_by} Older checkpoints are missing; "
        "Refresh continues from there."
    )


def _events_note(progress: ListProgress) -> str:
    if not progress.pages:
        return (
            f"The job's metrics events could not be read ({progress.stopped_by}); the curves show "
            "checkpoints only. Refresh tries again."
        )
    return (
        f"Only the newest {count(progress.count, 'event')} ({count(progress.pages, 'page')}) of the job's "
        f"metrics events could be read: {progress.stopped_by} The earliest steps are missing from the "
        "curves; Refresh continues from there."
    )


def _result_history(client: FineTuningClient, job: JobSummary, notes: list[str]) -> pd.DataFrame | None:
    """The per-step frame from the job's result file, or None (with a note) when it cannot be read."""
    for file_id in job.result_files:
        try:
            raw = decode_result_file(client.file_content(file_id))
            return _parsed("result file", results_frame, raw, notes=notes)
        except DashboardError as exc:
            notes.append(
                f"The result file {file_id} could not be read ({exc}); using the job's metrics events."
            )
    return None


def _event_history(client: FineTuningClient, job_id: str, start: ListProgress, report: Progress) -> _Walk:
    """The job's events from ``start`` on; with no time left, ``start`` marked as not continued.

    The job and its checkpoints are already in hand by then, so a failing events list costs the
    curves' detail, not the page.
    """
    if client.out_of_time():
        limit = f"{client.config.load_deadline:g} s, DASHBOARD_LOAD_DEADLINE"
        return _Walk(start.stopped(f"the time limit for one load ({limit}) ran out first."), start.items())
    return _walk(
        client.event_pages(job_id, start),
        start,
        lambda page, so_far: report(f"Metrics events: page {page}, {so_far:,} so far"),
    )


def load_run(
    client: FineTuningClient,
    job_id: str,
    on_progress: Progress | None = None,
    *,
    resume: RunData | None = None,
) -> RunData:
    """Read the job, every checkpoint page and the per-step metrics (result file, else events).

    The whole load is bounded by ``client.config.load_deadline``. With ``resume`` (a partial run of the
    same job and key), unfinished lists continue from their saved cursors and finished ones are reused.
    """
    report = on_progress or (lambda _message: None)
    client = client.start_load()
    report("Reading the job…")
    notes: list[str] = []  # what was left out or could not be read, in words for the page
    try:
        job = _parsed("job object", parse_job, client.get_job(job_id), notes=notes)
    except DashboardError as exc:
        if resume is None:
            raise
        kept = tuple(note for note in resume.notes if not note.startswith(_REREAD_FAILED))
        return replace(resume, notes=(*kept, f"{_REREAD_FAILED} ({exc}); this is what was read before."))

    start = resume.checkpoint_list if resume is not None else ListProgress()
    listed = _walk(
        client.checkpoint_pages(job_id, start),
        start,
        lambda page, so_far: report(f"Checkpoints: page {page}, {so_far:,} so far"),
    )
    if listed.error is not None and not listed.progress.pages:
        raise listed.error  # nothing arrived to show: the failure is the page's message
    checkpoint_list = listed.progress
    if not checkpoint_list.complete:
        notes.append(_checkpoint_note(checkpoint_list))
    checkpoints = _parsed("checkpoints", checkpoints_frame, listed.items, notes=notes)

    results = None if client.out_of_time() else _result_history(client, job, notes)
    events_read: _Walk | None = None
    events = None
    if results is None:
        start = resume.event_list if resume is not None and resume.event_list is not None else ListProgress()
        events_read = _event_history(client, job_id, start, report)
        events = _parsed("metrics events", metrics_events_frame, events_read.items, notes=notes)
        if not events_read.progress.complete:
            notes.append(_events_note(events_read.progress))
    history = _parsed("metrics", lambda: build_history(checkpoints, results=results, events=events))
    source = history["source"].mode().iat[0] if not history.empty else "none"
    run = RunData(
        job=job,
        checkpoints=checkpoints,
        history=history,
        history_source=str(source),
        total_steps=_parsed("metrics events", total_steps, events) if events is not None else None,
        checkpoint_list=checkpoint_list,
        event_list=events_read.progress if events_read is not None else None,
        notes=tuple(notes),
    )
    if not run.is_partial:
        return run
    return replace(
        run,
        checkpoint_list=checkpoint_list.holding(listed.items),
        event_list=events_read.progress.holding(events_read.items) if events_read is not None else None,
    )
