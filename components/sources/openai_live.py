"""A running OpenAI or Azure OpenAI job read again at the cost of what is new.

Events and checkpoints are listed newest first. A refresh reads the events from the top, 100 a page, until
it meets the newest event it already has; it parses only the new ones and merges them into the per-step
frame it kept (``ListsRead.per_step``), so the history it builds equals a fresh load's. The rest is read
only when an event says it changed:

- the job, when a new event is a message that is not about a checkpoint (a status change is announced by
  one: "Fine-tuning job started", "The job has successfully completed", "…failed", "…cancelled"), when a
  failed refresh still owes it, and after ``JOB_RECHECK_AFTER`` quiet refreshes in a row (in case a status
  changed without an event; UNCONFIRMED that every change has one);
- the checkpoints, when an event says one was saved ("Checkpoint created at step N") or an epoch ended (a
  full-validation metric, or a step that ends an epoch when the epoch count is known), and when the job
  has ended; read from the top until the newest one known, the rest kept;
- what a finished run needs, when the job has just ended: its checkpoints, and the result file of a
  succeeded job (so the run equals a fresh load and can be archived).

Requests per refresh: nothing new, **1** (the first events page holds the newest event known); k new
metrics events, **ceil((k + 1) / 100)** (the first page holds up to 99 new ones and the known one), never
more than 1 + ceil(k / 100); plus 1 for the job when a message event came; plus 1 for the checkpoints when
one was saved (ceil(n / 100) for a list of n); when the job ends, the job, the checkpoints and (succeeded)
the result file. An unfinished list of a partial run is continued from its cursor as well.

What is known survives a failed refresh: a failure on the events list returns the run as it was, with a
note; a failure on the job or the checkpoints keeps the new events, keeps the old job or checkpoints, and
owes that read to the next refresh.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

import pandas as pd

from components.api import FineTuningClient, ListProgress
from components.api.client import Pages, RequestLog
from components.api.pagination import Item
from components.data.checkpoints import checkpoints_frame
from components.data.events import merge_events_frames, metrics_events_frame
from components.data.job import result_file_ids
from components.domain import Note, NoteKind, Provenance, RunData, RunSummary
from components.errors import DashboardError
from components.sources.base import Refresh, SourceInfo, parsed
from components.sources.openai import (
    ListsRead,
    Walk,
    assemble,
    list_notes,
    load_run,
    read_result_history,
    read_summary,
    walk,
)
from components.sources.refresh import failed_refresh, whole_refresh

JOB_RECHECK_AFTER = 10
"""Quiet refreshes in a row after which the job is read anyway (a status may change without an event)."""
_STEP_MESSAGE = re.compile(r"\s*Step \d+")
_EPOCH_END_METRICS = ("full_valid_loss", "full_valid_mean_token_accuracy")


@dataclass(frozen=True)
class Head:
    """The newest part of a list, read from the top until an item already known."""

    items: list[Item]  # every item on the pages read, in the list's order
    new: int  # how many of them come before the first one known
    met_known: bool  # the known item was met; else the walk reached the end, and ``items`` is the whole list
    progress: ListProgress  # of this walk from the top


def read_head(pages: Pages, newest_known: str | None) -> Head:
    """Walk ``pages`` (from the top) until a page holds ``newest_known``, or to the end of the list."""
    items: list[Item] = []
    progress = ListProgress()
    for progress, data in pages:
        if newest_known is not None:
            for position, item in enumerate(data):
                if item["id"] == newest_known:
                    return Head([*items, *data], len(items) + position, True, progress)
        items.extend(data)
    return Head(items, len(items), False, progress)


def merged_checkpoints(head: Head, known: list[Item]) -> list[Item]:
    """The checkpoint list now: the pages just read, then the known ones after the last of them.

    When the walk saw the whole list (the usual case: OpenAI keeps three checkpoints) it is the list, so a
    checkpoint the provider deleted is gone here too.
    """
    if not head.met_known or head.progress.complete or not head.items:
        return head.items
    last = head.items[-1]["id"]
    position = next((index for index, item in enumerate(known) if item["id"] == last), None)
    if position is None:
        seen = {item["id"] for item in head.items}
        return [*head.items, *(item for item in known if item["id"] not in seen)]
    return [*head.items, *known[position + 1 :]]


@dataclass(frozen=True)
class Signals:
    """What the new events say changed."""

    job: bool = False  # a message that may be a status change
    checkpoints: bool = False  # a checkpoint saved, or an epoch ended


def signals(events: Iterable[Item], steps_per_epoch: int | None) -> Signals:
    """Which reads the new ``events`` call for (see the module docstring)."""
    job = checkpoints = False
    for event in events:
        data = event.get("data")
        if event.get("type") == "metrics" and isinstance(data, Mapping):
            step = data.get("step")
            epoch_end = any(data.get(name) is not None for name in _EPOCH_END_METRICS) or (
                steps_per_epoch is not None
                and isinstance(step, int)
                and step > 0
                and step % steps_per_epoch == 0
            )
            checkpoints = checkpoints or epoch_end
            continue
        message = event.get("message")
        text = message if isinstance(message, str) else ""
        if "checkpoint" in text.lower():
            checkpoints = True
        elif not _STEP_MESSAGE.match(text):
            job = True
    return Signals(job, checkpoints)


def steps_per_epoch(summary: RunSummary, per_step: pd.DataFrame) -> int | None:
    """Steps in one epoch, when the epoch count and the total steps are both known."""
    epochs = summary.hyperparameters.n_epochs
    totals = per_step["total_steps"].dropna() if "total_steps" in per_step else pd.Series(dtype=float)
    total = int(totals.max()) if len(totals) else summary.total_steps
    if not isinstance(epochs, int) or epochs < 1 or not total or total % epochs:
        return None
    return total // epochs


_REWRITTEN = frozenset({NoteKind.REFRESH_FAILED, NoteKind.PARTIAL})
"""The kinds of note a refresh drops as it starts and writes again while they still hold."""


def _without_refresh_notes(notes: Iterable[Note]) -> list[Note]:
    return [note for note in notes if note.kind not in _REWRITTEN]


def refresh_openai_run(client: FineTuningClient, previous: RunData, info: SourceInfo) -> Refresh:
    """``previous`` brought up to date, reading only what changed (see the module docstring)."""
    lists = previous.resume if isinstance(previous.resume, ListsRead) else None
    if previous.summary.is_terminal and not previous.is_partial:
        return Refresh(previous)
    log = RequestLog()
    if lists is None or not lists.live:
        return _reloaded(client, previous, info, log)
    return _Refresher(client.start_load(log=log), previous, lists, info, log).run()


def _reloaded(client: FineTuningClient, previous: RunData, info: SourceInfo, log: RequestLog) -> Refresh:
    """A run not read live before (its job had ended, or its curves came from the result file): reloaded,
    continuing its unfinished lists."""
    job_id = previous.summary.run_id
    try:
        run = load_run(client, job_id, resume=previous if previous.is_partial else None, info=info, log=log)
    except DashboardError as exc:
        return failed_refresh(previous, "the run again", exc, log)
    return whole_refresh(previous, run, log)


class _Refresher:
    """One refresh of one live run; :meth:`run` does it."""

    def __init__(
        self, client: FineTuningClient, previous: RunData, lists: ListsRead, info: SourceInfo, log: RequestLog
    ) -> None:
        self.client = client
        self.previous = previous
        self.lists = lists
        self.info = info
        self.log = log
        self.job_id = previous.summary.run_id
        self.notes = _without_refresh_notes(previous.notes)
        self.errors: list[str] = []
        self.owed: set[str] = set()

    def run(self) -> Refresh:
        lists, previous = self.lists, self.previous
        assert lists.events is not None and lists.per_step is not None
        try:
            head = read_head(self.client.event_pages(self.job_id), lists.events.newest_id)
        except DashboardError as exc:
            return failed_refresh(previous, "the new events", exc, self.log)
        new_events = head.items[: head.new]
        events_progress, older = self._events_after(head, new_events)
        tail = self._events_tail(events_progress) if head.met_known else None
        if tail is not None:
            events_progress = tail.progress
        frames = [
            parsed("metrics events from the API", metrics_events_frame, new_events, notes=self.notes),
            *older,
            *(
                [parsed("metrics events from the API", metrics_events_frame, tail.items, notes=self.notes)]
                if tail is not None
                else []
            ),
        ]
        per_step = merge_events_frames(frames)

        said = signals(new_events, steps_per_epoch(previous.summary, per_step))
        quiet = 0 if new_events else lists.quiet + 1
        summary, raw_job = previous.summary, None
        if said.job or "job" in lists.owed or quiet >= JOB_RECHECK_AFTER:
            summary, raw_job = self._job()
            quiet = 0 if raw_job is not None else quiet
        ended_now = summary.is_terminal and not previous.summary.is_terminal
        checkpoint_items, checkpoint_progress = self._checkpoints(
            said.checkpoints or ended_now or "checkpoints" in lists.owed
        )
        results = None
        if ended_now and raw_job is not None and result_file_ids(raw_job):
            results = read_result_history(self.client, result_file_ids(raw_job), self.notes)

        complete_now = summary.is_terminal and events_progress.complete and checkpoint_progress.complete
        if checkpoint_items is not None:
            checkpoint_progress = checkpoint_progress.holding(None if complete_now else checkpoint_items)
        elif complete_now:
            checkpoint_progress = checkpoint_progress.holding(None)
        new_lists = ListsRead(
            checkpoint_progress,
            None if results is not None else events_progress,
            per_step=None if complete_now or results is not None else per_step,
            quiet=quiet,
            owed=frozenset(self.owed),
        )
        self.notes.extend(list_notes(new_lists))
        notes = list(dict.fromkeys(self.notes))
        same_checkpoints = checkpoint_items is None or checkpoint_items == lists.checkpoints.items()
        if (
            head.met_known
            and not new_events
            and tail is None
            and results is None
            and same_checkpoints
            and summary == previous.summary
        ):  # nothing the run is built from changed: keep its frames; its state, notes and time move on
            run = replace(
                previous,
                notes=tuple(notes),
                provenance=Provenance.now(self.info.name, self.info.label, self.info.endpoint),
                is_partial=new_lists.is_partial,
                resume=new_lists,
            )
            return Refresh(
                run,
                changed=run.notes != previous.notes,
                requests=self.log.total,
                reads=self.log.counts(),
                error="; ".join(self.errors) or None,
            )
        checkpoints = (
            parsed("checkpoints from the API", checkpoints_frame, checkpoint_items, notes=notes)
            if checkpoint_items is not None
            else previous.checkpoints
        )
        run = assemble(
            summary,
            checkpoints,
            results,
            None if results is not None else per_step,
            notes,
            new_lists,
            self.info,
        )
        known = set(previous.checkpoints["checkpoint_id"].dropna())
        new_checkpoints = int((~run.checkpoints["checkpoint_id"].isin(known)).sum())
        return Refresh(
            run,
            changed=True,
            finished=ended_now,
            requests=self.log.total,
            reads=self.log.counts(),
            new_events=len(new_events),
            new_steps=max(0, len(run.history) - len(previous.history)),
            new_checkpoints=new_checkpoints,
            error="; ".join(self.errors) or None,
        )

    def _events_after(self, head: Head, new_events: list[Item]) -> tuple[ListProgress, list[pd.DataFrame]]:
        """The events list's progress after the head was read, and the frames of what was known before."""
        lists = self.lists
        assert lists.events is not None and lists.per_step is not None
        if not head.met_known:  # the list ended before anything known: the head is the whole list
            return head.progress, []
        progress = replace(
            lists.events,
            count=lists.events.count + len(new_events),
            newest_id=new_events[0]["id"] if new_events else lists.events.newest_id,
            items_json=None,
        )
        return progress, [lists.per_step]

    def _events_tail(self, progress: ListProgress) -> Walk | None:
        """The rest of an events list a first load could not finish, continued from its cursor."""
        if progress.complete:
            return None
        if self.client.out_of_time():
            return None
        return walk(self.client.event_pages(self.job_id, progress), progress, lambda _page, _count: None)

    def _job(self) -> tuple[RunSummary, dict | None]:
        try:
            return read_summary(self.client, self.info, self.job_id, self.notes)
        except DashboardError as exc:
            self._owe("job", "the job again", exc)
            return self.previous.summary, None

    def _checkpoints(self, wanted: bool) -> tuple[list[Item] | None, ListProgress]:
        """The checkpoint items now (None: unchanged) and the list's progress."""
        known = self.lists.checkpoints
        items = known.items()
        if not wanted and known.complete:
            return None, known
        read_anything = False
        progress = replace(known, items_json=None, stopped_by=None)
        if wanted:
            if self.client.out_of_time():
                self._owe("checkpoints", "the checkpoints again", None)
                return None, known
            try:
                head = read_head(self.client.checkpoint_pages(self.job_id), known.newest_id)
            except DashboardError as exc:
                self._owe("checkpoints", "the checkpoints again", exc)
                return None, known
            items, read_anything = merged_checkpoints(head, items), True
            if not head.met_known or head.progress.complete:
                progress = head.progress
            else:
                progress = replace(progress, newest_id=head.items[0]["id"], count=len(items))
        if not progress.complete and not self.client.out_of_time():
            tail = walk(self.client.checkpoint_pages(self.job_id, progress), progress, lambda _p, _c: None)
            tail_items = tail.items  # walk starts from progress without items: these are the tail's only
            items, progress, read_anything = [*items, *tail_items], tail.progress, True
        return (items if read_anything else None), progress

    def _owe(self, read: str, what: str, exc: DashboardError | None) -> None:
        reason = str(exc) if exc is not None else "the time limit for one load ran out first"
        self.owed.add(read)
        self.errors.append(reason)
        self.notes.append(
            Note(
                NoteKind.REFRESH_FAILED,
                f"Refresh could not read {what} ({reason}); what was read before is kept, and the next "
                "refresh tries again.",
            )
        )
