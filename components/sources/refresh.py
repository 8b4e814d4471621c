"""The live refresh every live source shares, written once; each provider supplies its own reads.

One refresh of a run (:meth:`LiveRefresh.run`):

1. a complete run of an ended job comes back as it is, with no request;
2. a run with no live state (its job had ended, or its curves came from a file read once) is read whole
   again, continuing its unfinished lists (:meth:`LiveRefresh.reload`, then :meth:`Refresh.whole`);
3. the provider's first read (:meth:`LiveRefresh.probe`) says what is new; when it fails, the run comes
   back as it was, with a note (:meth:`Refresh.failed`);
4. the provider reads what that calls for and merges it (:meth:`LiveRefresh.merge`); a later read that
   fails keeps what was known, is owed to the next refresh and says so (:meth:`LiveRefresh.owe`);
5. when nothing the run is built from changed, the run keeps its frames and only its state, notes and time
   move on (:meth:`Refresh.unchanged`); else it is built again (:meth:`Refresh.updated`).

The notes a refresh writes (kinds ``REFRESH_FAILED`` and ``PARTIAL``) are dropped as it starts and written
again while they still hold. Refreshes in a row that found nothing new are counted (:func:`quiet_after`);
after ``JOB_RECHECK_AFTER`` of them a provider reads anyway what may change without a sign
(:func:`recheck_due`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import ClassVar, Generic, TypeVar

from components.api.client import RequestLog
from components.domain import Note, NoteKind, Provenance, RunData
from components.errors import DashboardError
from components.sources.base import Refresh, SourceInfo

JOB_RECHECK_AFTER = 10
"""Quiet refreshes in a row after which a provider reads anyway what may change without a sign: OpenAI's
job (a status may change without an event), Together's metrics (its counters may not move)."""

_REWRITTEN = frozenset({NoteKind.REFRESH_FAILED, NoteKind.PARTIAL})

State = TypeVar("State")
Probe = TypeVar("Probe")


def quiet_after(quiet: int, news: bool) -> int:
    """Quiet refreshes in a row, this one counted: none when it found something new."""
    return 0 if news else quiet + 1


def recheck_due(quiet: int) -> bool:
    """Whether it is time to read what may have changed without a sign."""
    return quiet >= JOB_RECHECK_AFTER


@dataclass(frozen=True)
class Kept:
    """Nothing the run is built from changed: it keeps its frames; ``resume`` is the live state the next
    refresh builds on."""

    resume: object
    is_partial: bool


@dataclass(frozen=True)
class Rebuilt:
    """The run changed: ``build`` makes it from this refresh's notes (it keeps its own live state)."""

    build: Callable[[list[Note]], RunData]
    new_events: int = 0


Merged = Kept | Rebuilt
"""What a provider made of one refresh's reads."""


class LiveRefresh(ABC, Generic[State, Probe]):
    """One refresh of one live run; :meth:`run` does it (see the module docstring). A provider subclasses
    it with its live state (``State``, kept in ``RunData.resume``) and what its first read returns
    (``Probe``)."""

    reload_what: ClassVar[str]  # what reading the run whole again reads, in the note when it fails
    probe_what: ClassVar[str]  # what the first read reads, in the note when it fails
    owed_then: ClassVar[str] = "the next refresh tries again."  # how the note of an owed read ends

    def __init__(self, previous: RunData, info: SourceInfo) -> None:
        self.previous = previous
        self.info = info
        self.log = RequestLog()
        self.notes: list[Note] = [note for note in previous.notes if note.kind not in _REWRITTEN]
        self.errors: list[str] = []
        self.owed: set[str] = set()

    def run(self) -> Refresh:
        previous = self.previous
        if previous.summary.is_terminal and not previous.is_partial:
            return Refresh(previous)
        state = self.live_state()
        if state is None:
            return self._reloaded()
        try:
            probe = self.probe(state)
        except DashboardError as exc:
            return Refresh.failed(previous, self.probe_what, exc, self.log)
        return self._settled(self.merge(state, probe))

    def owe(self, read: str, what: str, reason: str) -> None:
        """``read`` failed (``reason``): what was known of it is kept, and the next refresh reads it again."""
        self.owed.add(read)
        self.errors.append(reason)
        self.notes.append(
            Note(NoteKind.REFRESH_FAILED, f"Refresh could not read {what} ({reason}); {self.owed_then}")
        )

    @abstractmethod
    def live_state(self) -> State | None:
        """What the previous refresh or load kept to go on from (None: the run is read whole again)."""

    @abstractmethod
    def reload(self, resume: RunData | None) -> RunData:
        """The run read whole again, continuing ``resume``'s unfinished lists when it is partial."""

    @abstractmethod
    def probe(self, state: State) -> Probe:
        """The first read, which says what is new; raises when it fails."""

    @abstractmethod
    def merge(self, state: State, probe: Probe) -> Merged:
        """What ``probe`` calls for read (failures owed, not raised) and merged with ``state``."""

    def _reloaded(self) -> Refresh:
        previous = self.previous
        try:
            run = self.reload(previous if previous.is_partial else None)
        except DashboardError as exc:
            return Refresh.failed(previous, self.reload_what, exc, self.log)
        return Refresh.whole(previous, run, self.log)

    def _settled(self, merged: Merged) -> Refresh:
        """The refresh's outcome: the run kept with its state, notes and time moved on, or built again."""
        notes = list(dict.fromkeys(self.notes))
        error = "; ".join(self.errors) or None
        if isinstance(merged, Kept):
            run = replace(
                self.previous,
                notes=tuple(notes),
                provenance=Provenance.now(self.info.name, self.info.label, self.info.endpoint),
                is_partial=merged.is_partial,
                resume=merged.resume,
            )
            return Refresh.unchanged(self.previous, run, self.log, error)
        run = merged.build(notes)
        return Refresh.updated(self.previous, run, self.log, new_events=merged.new_events, error=error)
