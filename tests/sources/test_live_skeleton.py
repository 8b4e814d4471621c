"""The live-refresh skeleton on its own, with no HTTP: ``refresh_run`` works for any object that implements
``LiveSource``, and a refresh finds the notes it wrote by their kind, never by their words."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest

from components.domain import Note, NoteKind, RunData, RunStatus
from components.errors import DashboardError
from components.sources.base import LiveSource, Refresh, SourceInfo, SourceKind
from components.sources.live import is_live, needs_refresh, refresh_run
from components.sources.refresh import Kept, LiveRefresh, Merged
from devtools.compare_runs import synthetic_run

INFO = SourceInfo("fake", "A fake source", "memory", SourceKind.API, inference=False)


def _running() -> RunData:
    run = synthetic_run("ftjob-live", n_steps=30, n_epochs=3)
    return replace(run, summary=replace(run.summary, status=RunStatus.RUNNING))


@dataclass
class Protocolled:
    """Nothing but the protocol's one method: no base class, not an API source the registry knows."""

    info: SourceInfo = INFO
    asked: int = 0

    def refresh(self, previous: RunData) -> Refresh:
        self.asked += 1
        return Refresh(replace(previous, notes=(Note(NoteKind.INFO, "seen"),)), changed=True, requests=1)


@dataclass
class NotLive:
    info: SourceInfo = INFO


def test_refresh_run_works_for_any_object_implementing_the_protocol() -> None:
    source, run = Protocolled(), _running()
    assert isinstance(source, LiveSource) and is_live(source) and needs_refresh(source, run)  # type: ignore[arg-type]
    refresh = refresh_run(source, run)  # type: ignore[arg-type]
    assert source.asked == 1 and refresh.changed and refresh.requests == 1
    assert refresh.run.notes == (Note(NoteKind.INFO, "seen"),)


def test_a_source_without_the_protocol_is_not_refreshed() -> None:
    source, run = NotLive(), _running()
    assert not is_live(source) and not needs_refresh(source, run)  # type: ignore[arg-type]
    refresh = refresh_run(source, run)  # type: ignore[arg-type]
    assert refresh.run is run and not refresh.changed and refresh.requests == 0


class Quiet(LiveRefresh[str, str]):
    """A provider whose probe finds nothing new (or fails, when told to)."""

    reload_what = "the run again"
    probe_what = "the news"

    def __init__(self, previous: RunData, *, fail: bool = False) -> None:
        super().__init__(previous, INFO)
        self.fail = fail

    def live_state(self) -> str | None:
        return "kept"

    def reload(self, resume: RunData | None) -> RunData:
        raise AssertionError("a run with live state is not read whole again")

    def probe(self, state: str) -> str:
        if self.fail:
            raise DashboardError("HTTP 503")
        return "nothing new"

    def merge(self, state: str, probe: str) -> Merged:
        return Kept(state, is_partial=False)


# The notes a refresh wrote, worded as nothing a refresh ever writes, and notes of other kinds worded as
# a refresh's own: what is dropped and kept follows the kind.
REWORDED = (
    Note(NoteKind.PARTIAL, "Half the list, say."),
    Note(NoteKind.REFRESH_FAILED, "Something went wrong earlier."),
)
LOOKALIKES = (
    Note(NoteKind.LEFT_OUT, "Refresh could not read the job again (worded as a failure, but left-out)."),
    Note(NoteKind.INFO, "Only the newest 3 checkpoints (worded as a partial list, but information)."),
    Note(NoteKind.ARCHIVE, "The job's metrics could not be read (worded as a list note, but the archive's)."),
)


@pytest.mark.parametrize("notes", [(*REWORDED, *LOOKALIKES), (*LOOKALIKES, *REWORDED)])
def test_a_refresh_drops_and_keeps_notes_by_kind_not_by_words(notes: tuple[Note, ...]) -> None:
    previous = replace(_running(), notes=notes)
    refresh = Quiet(previous).run()
    assert refresh.run.notes == LOOKALIKES and refresh.changed  # its own notes went: the page redraws
    assert refresh.run.history is previous.history and refresh.run.resume == "kept"


def test_a_failed_probe_replaces_only_the_earlier_failure_notes() -> None:
    previous = replace(_running(), notes=(*REWORDED, *LOOKALIKES))
    refresh = Quiet(previous, fail=True).run()
    assert refresh.error == "HTTP 503" and refresh.run.history is previous.history
    *kept, note = refresh.run.notes
    assert tuple(kept) == (REWORDED[0], *LOOKALIKES)
    assert note.kind is NoteKind.REFRESH_FAILED and note.text.startswith("Refresh could not read the news")


def test_a_complete_run_of_an_ended_job_costs_nothing() -> None:
    run = synthetic_run("ftjob-done", n_steps=30, n_epochs=3)
    refresh = Quiet(run, fail=True).run()
    assert refresh.run is run and refresh.requests == 0 and refresh.error is None
