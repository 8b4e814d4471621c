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
from components.api.client import Pages
from components.api.pagination import Item
from components.data.checkpoints import checkpoints_frame
from components.data.events import merge_events_frames, metrics_events_frame
from components.data.job import result_file_ids
from components.domain import Note, RunData, RunSummary
from components.errors import DashboardError
from components.sources.base import SourceInfo, parsed
from components.sources.openai import (
    JobRead,
    ListsRead,
    Walk,
    assemble,
    list_notes,
    load_run,
    read_result_history,
    read_summary,
    walk,
)
from components.sources.refresh import Kept, LiveRefresh, Merged, Rebuilt, quiet_after, recheck_due

_OUT_OF_TIME = "the time limit for one load ran out first"
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


@dataclass(frozen=True)
class _Events:
    """The events list after a refresh read its head (and, for a list a load left unfinished, its rest)."""

    new: list[Item]  # the events not known before, newest first
    progress: ListProgress
    per_step: pd.DataFrame  # the per-step frame of every metrics event read, new and known
    grew: bool  # anything beyond the known head was read: new events, the list's rest, or the whole list


class OpenAIRefresh(LiveRefresh[ListsRead, Head]):
    """One refresh of one live OpenAI-shaped run: the head of the events list first (the probe), then what
    the new events call for (see the module docstring)."""

    reload_what = "the run again"
    probe_what = "the new events"
    owed_then = "what was read before is kept, and the next refresh tries again."

    def __init__(self, client: FineTuningClient, previous: RunData, info: SourceInfo) -> None:
        super().__init__(previous, info)
        self.client = client.start_load(log=self.log)
        self.job_id = previous.summary.run_id

    def live_state(self) -> ListsRead | None:
        lists = self.previous.resume
        return lists if isinstance(lists, ListsRead) and lists.live else None

    def reload(self, resume: RunData | None) -> RunData:
        return load_run(self.client, self.job_id, resume=resume, info=self.info, log=self.log)

    def probe(self, state: ListsRead) -> Head:
        assert state.events is not None
        return read_head(self.client.event_pages(self.job_id), state.events.newest_id)

    def merge(self, state: ListsRead, probe: Head) -> Merged:
        previous = self.previous
        events = self._events(state, probe)
        said = signals(events.new, steps_per_epoch(previous.summary, events.per_step))
        quiet = quiet_after(state.quiet, bool(events.new))
        summary, raw_job = previous.summary, None
        if said.job or "job" in state.owed or recheck_due(quiet):
            summary, raw_job = self._job()
            quiet = 0 if raw_job is not None else quiet
        ended_now = summary.is_terminal and not previous.summary.is_terminal
        wanted = said.checkpoints or ended_now or "checkpoints" in state.owed
        items, progress = self._checkpoints(state.checkpoints, wanted)
        results = self._results(raw_job) if ended_now else None
        done = summary.is_terminal and events.progress.complete and progress.complete
        if items is not None or done:
            progress = progress.holding(None if done else items)
        lists = ListsRead(
            progress,
            None if results is not None else events.progress,
            per_step=None if done or results is not None else events.per_step,
            quiet=quiet,
            owed=frozenset(self.owed),
        )
        self.notes.extend(list_notes(lists))
        same_checkpoints = items is None or items == state.checkpoints.items()
        if not events.grew and results is None and same_checkpoints and summary == previous.summary:
            return Kept(lists, lists.is_partial)
        per_step = None if results is not None else events.per_step
        return Rebuilt(
            lambda notes: self._built(
                notes, JobRead(summary, previous.checkpoints, results, per_step), items, lists
            ),
            len(events.new),
        )

    def _events(self, state: ListsRead, head: Head) -> _Events:
        """The new events merged into the per-step frame kept; an events list a load left unfinished is
        continued from its cursor."""
        assert state.events is not None and state.per_step is not None
        new = head.items[: head.new]
        if not head.met_known:  # the list ended before anything known: the head is the whole list
            return _Events(new, head.progress, merge_events_frames([self._parsed_events(new)]), True)
        progress = replace(
            state.events,
            count=state.events.count + len(new),
            newest_id=new[0]["id"] if new else state.events.newest_id,
            items_json=None,
        )
        tail = self._events_tail(progress)
        frames = [self._parsed_events(new), state.per_step]
        if tail is not None:
            progress = tail.progress
            frames.append(self._parsed_events(tail.items))
        return _Events(new, progress, merge_events_frames(frames), bool(new) or tail is not None)

    def _parsed_events(self, events: list[Item]) -> pd.DataFrame:
        return parsed("metrics events from the API", metrics_events_frame, events, notes=self.notes)

    def _events_tail(self, progress: ListProgress) -> Walk | None:
        """The rest of an events list a first load could not finish, continued from its cursor."""
        if progress.complete or self.client.out_of_time():
            return None
        return walk(self.client.event_pages(self.job_id, progress), progress, lambda _page, _count: None)

    def _job(self) -> tuple[RunSummary, dict | None]:
        """The job read again (None for the raw job when the read failed: owed, and the summary kept)."""
        try:
            return read_summary(self.client, self.info, self.job_id, self.notes)
        except DashboardError as exc:
            self.owe("job", "the job again", str(exc))
            return self.previous.summary, None

    def _checkpoints(self, known: ListProgress, wanted: bool) -> tuple[list[Item] | None, ListProgress]:
        """The checkpoint items now (None: unchanged) and the list's progress; ``known``: as read before."""
        items = known.items()
        if not wanted and known.complete:
            return None, known
        read_anything = False
        progress = replace(known, items_json=None, stopped_by=None)
        if wanted:
            if self.client.out_of_time():
                self.owe("checkpoints", "the checkpoints again", _OUT_OF_TIME)
                return None, known
            try:
                head = read_head(self.client.checkpoint_pages(self.job_id), known.newest_id)
            except DashboardError as exc:
                self.owe("checkpoints", "the checkpoints again", str(exc))
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

    def _results(self, raw_job: dict | None) -> pd.DataFrame | None:
        """The per-step frame from the result file of a job that just ended (None: it has none, or the file
        could not be read, with a note)."""
        file_ids = result_file_ids(raw_job) if raw_job is not None else ()
        return read_result_history(self.client, file_ids, self.notes) if file_ids else None

    def _built(self, notes: list[Note], read: JobRead, items: list[Item] | None, lists: ListsRead) -> RunData:
        """The run from what is known and what was read (``items``: the checkpoints now; None: as before)."""
        if items is not None:
            read = replace(
                read, checkpoints=parsed("checkpoints from the API", checkpoints_frame, items, notes=notes)
            )
        return assemble(read, notes, lists, self.info)
