"""One job of OpenAI's fine-tuning API (or Azure OpenAI's, the same API under its own base and auth) read
into a run; the source itself is ``components.sources.openai_source``.

A run is read from the job, every checkpoint page and the per-step metrics (the result file, else the
metrics events). Nothing already fetched is lost: a list that fails on page N keeps pages 1..N-1, the run
comes back with a note saying what is missing, and passing that run as ``resume`` to the next load
continues each unfinished list from its saved cursor (:class:`ListProgress`) instead of starting over.
Only a failure before anything useful arrived (the job object, or the first page of checkpoints) raises.
A job that has not ended also keeps what a live refresh needs (``components.sources.openai_live``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import pandas as pd

from components.api import FineTuningClient, ListProgress
from components.api.client import Pages, RequestLog
from components.api.pagination import Item
from components.data.checkpoints import checkpoints_frame
from components.data.events import metrics_events_frame, total_steps
from components.data.history import build_history, densest
from components.data.job import parse_job, result_file_ids
from components.data.results_file import decode_result_file, results_frame
from components.domain import (
    Conventions,
    HistorySource,
    Note,
    NoteKind,
    Provenance,
    RunData,
    RunSummary,
    replacing,
)
from components.errors import DashboardError
from components.sources.base import Progress, SourceInfo, SourceKind, parsed
from components.wording import count

OPENAI = "openai"


def epoch_end_conventions(provider: str) -> Conventions:
    """OpenAI's ways, which Azure OpenAI shares: full validation at each epoch end, a checkpoint at each
    epoch end, and only the last 3 epochs' kept (shared/api.md, "Use a checkpointed model")."""
    return Conventions(
        full_validation="Validation",
        full_validation_detail="full, epoch end",
        checkpoints_saved=f"{provider} saves one only at each epoch end, and keeps only those of the last 3 "
        "epochs",
    )


OPENAI_CONVENTIONS = epoch_end_conventions("OpenAI")


def openai_info(
    client: FineTuningClient,
    *,
    name: str = OPENAI,
    label: str = "OpenAI",
    endpoint: str | None = None,
    kind: SourceKind = SourceKind.API,
    conventions: Conventions = OPENAI_CONVENTIONS,
) -> SourceInfo:
    """An OpenAI-shaped source as the page names it (OpenAI's own unless told otherwise); ``endpoint``
    defaults to the client's base URL without credentials."""
    return SourceInfo(
        name=name,
        label=label,
        endpoint=endpoint or client.config.display_base_url,
        kind=kind,
        inference=True,
        conventions=conventions,
    )


@dataclass(frozen=True)
class ListsRead:
    """How far each list of one job was read: the OpenAI-shaped sources' resume state.

    ``events`` is None when the result file made the events unnecessary. While the run is partial each
    progress also holds the items read so far, so a later load can resume; a complete run holds none.

    A job that has not ended (or whose lists are partial) also keeps what a live refresh builds on: the
    checkpoint items (a few), the per-step frame of every metrics event read (``per_step``; the events
    themselves are not kept), how many refreshes in a row found nothing new (``quiet``), and the reads a
    failed refresh still owes (``owed``: "job", "checkpoints").
    """

    checkpoints: ListProgress
    events: ListProgress | None = None
    per_step: pd.DataFrame | None = field(default=None, compare=False, repr=False)
    quiet: int = 0
    owed: frozenset[str] = frozenset()

    @property
    def live(self) -> bool:
        """Whether a refresh can read only what is new (the events frame is at hand)."""
        return self.events is not None and self.per_step is not None

    @property
    def is_partial(self) -> bool:
        return any(
            progress is not None and not progress.complete for progress in (self.checkpoints, self.events)
        )


@dataclass(frozen=True)
class Walk:
    """What one list walk produced: its progress, every item so far (resumed ones first), and its failure."""

    progress: ListProgress
    items: list[Item]
    error: DashboardError | None = None


def walk(pages: Pages, start: ListProgress, report: Callable[[int, int], None]) -> Walk:
    """Read ``pages`` on from ``start``; a failure stops the walk and is recorded, not raised."""
    items = start.items()
    progress = replace(start, stopped_by=None, items_json=None)
    try:
        for progress, data in pages:
            items.extend(data)
            report(progress.pages, progress.count)
    except DashboardError as exc:
        return Walk(progress.stopped(str(exc)), items, exc)
    return Walk(progress, items)


@dataclass(frozen=True)
class JobRead:
    """What one load or refresh read of a job, before it becomes a run: its summary, its checkpoints, and
    the per-step frames of its result file and of its metrics events (None: not read)."""

    summary: RunSummary
    checkpoints: pd.DataFrame
    results: pd.DataFrame | None = None
    events: pd.DataFrame | None = None


def list_notes(lists: ListsRead) -> list[Note]:
    """What the page says about lists that stopped short (none when both are complete); a refresh drops
    them (kind ``PARTIAL``) and asks again."""
    texts = [] if lists.checkpoints.complete else [checkpoint_note(lists.checkpoints)]
    if lists.events is not None and not lists.events.complete:
        texts.append(events_note(lists.events))
    return [Note(NoteKind.PARTIAL, text) for text in texts]


def checkpoint_note(progress: ListProgress) -> str:
    return (
        f"Only the newest {count(progress.count, 'checkpoint')} ({count(progress.pages, 'page')}) could be "
        f"read before the checkpoint list stopped: {progress.stopped_by} Older checkpoints are missing; "
        "Refresh continues from there."
    )


def events_note(progress: ListProgress) -> str:
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


def read_summary(
    client: FineTuningClient, info: SourceInfo, job_id: str, notes: list[Note]
) -> tuple[RunSummary, dict]:
    """The job object (one request) and its summary."""
    raw = client.get_job(job_id)
    return parsed(
        "job object from the API", parse_job, raw, source=info.name, run_id=job_id, notes=notes
    ), raw


def read_result_history(
    client: FineTuningClient, file_ids: tuple[str, ...], notes: list[Note]
) -> pd.DataFrame | None:
    """The per-step frame from the job's result file, or None (with a note) when it cannot be read."""
    for file_id in file_ids:
        try:
            raw = decode_result_file(client.file_content(file_id))
            return parsed("result file from the API", results_frame, raw, notes=notes)
        except DashboardError as exc:
            notes.append(
                Note(
                    NoteKind.LEFT_OUT,
                    f"The result file {file_id} could not be read ({exc}); using the job's metrics events.",
                )
            )
    return None


def _event_history(client: FineTuningClient, job_id: str, start: ListProgress, report: Progress) -> Walk:
    """The job's events from ``start`` on; with no time left, ``start`` marked as not continued.

    The job and its checkpoints are already in hand by then, so a failing events list costs the
    curves' detail, not the page.
    """
    if client.out_of_time():
        limit = f"{client.config.limits.load_deadline:g} s, DASHBOARD_LOAD_DEADLINE"
        return Walk(start.stopped(f"the time limit for one load ({limit}) ran out first."), start.items())
    return walk(
        client.event_pages(job_id, start),
        start,
        lambda page, so_far: report(f"Metrics events: page {page}, {so_far:,} so far"),
    )


def _job_unread(resume: RunData, exc: DashboardError) -> RunData:
    """``resume`` as it was read before, with a note that the job could not be read again."""
    note = Note(
        NoteKind.REFRESH_FAILED,
        f"Refresh could not read the job again ({exc}); this is what was read before.",
    )
    return replace(resume, notes=replacing(resume.notes, note))


def _kept_lists(resume: RunData | None) -> ListsRead | None:
    return resume.resume if resume is not None and isinstance(resume.resume, ListsRead) else None


def load_run(
    client: FineTuningClient,
    job_id: str,
    on_progress: Progress | None = None,
    *,
    resume: RunData | None = None,
    info: SourceInfo | None = None,
    log: RequestLog | None = None,
) -> RunData:
    """Read the job, every checkpoint page and the per-step metrics (result file, else events).

    The whole load is bounded by ``client.config.limits.load_deadline``. With ``resume`` (a partial run of
    the same job and key), unfinished lists continue from their saved cursors and finished ones are reused.
    ``log`` counts the requests sent.
    """
    info = info or openai_info(client)
    report = on_progress or (lambda _message: None)
    client = client.start_load(log=log)
    report("Reading the job…")
    notes: list[Note] = []  # what was left out or could not be read, in words for the page
    kept = _kept_lists(resume)
    try:
        summary, raw_job = read_summary(client, info, job_id, notes)
    except DashboardError as exc:
        if resume is None:
            raise
        return _job_unread(resume, exc)

    start = kept.checkpoints if kept is not None else ListProgress()
    listed = walk(
        client.checkpoint_pages(job_id, start),
        start,
        lambda page, so_far: report(f"Checkpoints: page {page}, {so_far:,} so far"),
    )
    if listed.error is not None and not listed.progress.pages:
        raise listed.error  # nothing arrived to show: the failure is the page's message
    checkpoints = parsed("checkpoints from the API", checkpoints_frame, listed.items, notes=notes)

    results = None if client.out_of_time() else read_result_history(client, result_file_ids(raw_job), notes)
    events_read: Walk | None = None
    events = None
    if results is None:
        start = kept.events if kept is not None and kept.events is not None else ListProgress()
        events_read = _event_history(client, job_id, start, report)
        events = parsed("metrics events from the API", metrics_events_frame, events_read.items, notes=notes)
    lists = ListsRead(listed.progress, events_read.progress if events_read is not None else None)
    notes.extend(list_notes(lists))
    live = events is not None and (not summary.is_terminal or lists.is_partial)
    if lists.is_partial or live:
        lists = ListsRead(
            listed.progress.holding(listed.items),
            events_read.progress.holding(events_read.items if lists.is_partial else None)
            if events_read is not None
            else None,
            per_step=events if live else None,
        )
    return assemble(JobRead(summary, checkpoints, results, events), notes, lists, info)


def assemble(read: JobRead, notes: list[Note], lists: ListsRead, info: SourceInfo) -> RunData:
    """The run from its parts: the per-step history from the densest of the result file and the events."""
    summary, checkpoints, events = read.summary, read.checkpoints, read.events
    per_step, source = densest(
        checkpoints, (read.results, HistorySource.RESULT_FILE), (events, HistorySource.METRICS_EVENTS)
    )
    history = parsed("metrics from the API", build_history, checkpoints, per_step, source)
    steps = parsed("metrics events from the API", total_steps, events) if events is not None else None
    return RunData(
        summary=summary,
        checkpoints=checkpoints,
        history=history,
        history_source=source,
        provenance=Provenance.now(info.name, info.label, info.endpoint),
        total_steps=steps if steps is not None else summary.total_steps,
        notes=tuple(notes),
        conventions=info.conventions,
        checkpoint_pages=lists.checkpoints.pages,
        is_partial=lists.is_partial,
        resume=lists,
    )
