"""What every run source offers: who it is, its runs newest first, and one run as :class:`RunData`.

A source is built from its config (and, for API sources, a pooled HTTP client) by the registry; the page
talks to every source through this protocol alone, so it never asks which source a run came from except
to show it. A source whose runs can still change is also a :class:`LiveSource`: it brings a run it read up
to date, and says what that did in a :class:`Refresh`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, Protocol, TypeVar, runtime_checkable

from components.api.client import RequestLog
from components.domain import Conventions, Note, NoteKind, RunData, RunSummary, replacing
from components.errors import DashboardError, MalformedDataError

logger = logging.getLogger(__name__)

Progress = Callable[[str], None]
"""Called with a short sentence as a load advances ("Checkpoints: page 2, 200 so far")."""

_Parsed = TypeVar("_Parsed")
# What parsing code raises on values it did not expect (a step past int64, a float too large, …).
PARSE_FAILURES = (ValueError, TypeError, OverflowError, KeyError, IndexError, AttributeError, RecursionError)


class SourceKind(StrEnum):
    """How a source reads runs: over an API (live data, a key), from files, the demo, or the archive."""

    API = "api"
    FILES = "files"
    DEMO = "demo"
    ARCHIVE = "archive"


@dataclass(frozen=True)
class SourceInfo:
    """A source as the page names it; nothing secret."""

    name: str  # the source part of a RunRef: "openai", "azure", "together", "files", "upload", "demo"
    label: str  # in words: "Azure OpenAI"
    endpoint: str  # what it reads, safe to show: a base URL without credentials, or a folder's name
    kind: SourceKind
    inference: bool  # whether its checkpoints can answer prompts (issue 10)
    conventions: Conventions = field(default_factory=Conventions)  # its words, given to its runs


@dataclass(frozen=True)
class RunPage:
    """One page of a source's runs, newest first; ``next_cursor`` continues it (None: nothing more)."""

    runs: tuple[RunSummary, ...]
    next_cursor: str | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Refresh:
    """What one live refresh of a run did, for the page: the run now, whether to redraw, whether to go on.

    ``run`` is the run after the refresh; when a read failed it is everything known before (plus whatever
    did arrive) with a note saying what could not be read, never less. ``requests`` counts the HTTP
    requests sent (a retry of one is not counted again), ``reads`` the same by what they read (``events``,
    ``job``, ``checkpoints``, ``file``, ``metrics``).
    """

    run: RunData
    changed: bool = False  # new steps, checkpoints, status or notes: the page should redraw
    finished: bool = False  # the job ended during this refresh: archive ``run`` once ``complete``
    requests: int = 0
    reads: dict[str, int] = field(default_factory=dict)
    new_events: int = 0  # events (metrics and messages) that were not known before
    new_steps: int = 0  # rows the per-step history gained
    new_checkpoints: int = 0  # checkpoints not known before
    error: str | None = None  # why part of the refresh failed (also in ``run.notes``); None: all was read

    @classmethod
    def failed(cls, previous: RunData, what: str, exc: DashboardError, log: RequestLog) -> Refresh:
        """The run as it was, with a note: nothing read in this refresh replaced anything known. The note
        replaces those of earlier failed refreshes."""
        note = Note(
            NoteKind.REFRESH_FAILED,
            f"Refresh could not read {what} ({exc}); the run shows what was read before, and the next "
            "refresh tries again.",
        )
        notes = replacing(previous.notes, note)
        return cls(
            replace(previous, notes=notes),
            changed=notes != previous.notes,
            requests=log.total,
            reads=log.counts(),
            error=str(exc),
        )

    @classmethod
    def whole(cls, previous: RunData, run: RunData, log: RequestLog) -> Refresh:
        """``run``, read whole again in place of ``previous`` (a run not read live before)."""
        return cls(
            run,
            changed=True,
            finished=_ended_now(previous, run),
            requests=log.total,
            reads=log.counts(),
            new_steps=max(0, len(run.history) - len(previous.history)),
        )

    @classmethod
    def unchanged(cls, previous: RunData, run: RunData, log: RequestLog, error: str | None) -> Refresh:
        """``run`` is ``previous`` with its frames kept (nothing they are built from changed) and its state,
        notes and time moved on: the page redraws only when the notes changed."""
        return cls(
            run, changed=run.notes != previous.notes, requests=log.total, reads=log.counts(), error=error
        )

    @classmethod
    def updated(
        cls,
        previous: RunData,
        run: RunData,
        log: RequestLog,
        *,
        new_events: int = 0,
        error: str | None = None,
    ) -> Refresh:
        """``run``, built again from ``previous``'s parts and what this refresh read."""
        known = set(previous.checkpoints["checkpoint_id"].dropna())
        return cls(
            run,
            changed=True,
            finished=_ended_now(previous, run),
            requests=log.total,
            reads=log.counts(),
            new_events=new_events,
            new_steps=max(0, len(run.history) - len(previous.history)),
            new_checkpoints=int((~run.checkpoints["checkpoint_id"].isin(known)).sum()),
            error=error,
        )

    @property
    def ended(self) -> bool:
        """The job is in a final state (succeeded, failed, cancelled)."""
        return self.run.summary.is_terminal

    @property
    def complete(self) -> bool:
        """Ended, and every list read to its end: nothing is left to refresh, the run can be archived."""
        return self.ended and not self.run.is_partial

    @property
    def keep_refreshing(self) -> bool:
        """Whether auto-refresh should go on: until the job has ended and its run is complete."""
        return not self.complete


class RunSource(Protocol):
    """A provider, a folder or a set of files, seen as runs."""

    @property
    def info(self) -> SourceInfo: ...

    def list_runs(self, cursor: str | None = None) -> RunPage:
        """The page of runs after ``cursor`` (None: the newest), at most one request's worth."""
        ...

    def load_run(
        self, run_id: str, on_progress: Progress | None = None, *, resume: RunData | None = None
    ) -> RunData:
        """Everything about one run; ``resume`` (a partial run of this source) continues where it stopped."""
        ...


@runtime_checkable
class LiveSource(Protocol):
    """A source whose runs can still change (a provider's running job): each auto-refresh tick hands it the
    run it read last, and it reads only what is new (``components.sources.refresh`` holds the steps every
    live source shares)."""

    def refresh(self, previous: RunData) -> Refresh:
        """``previous`` (a run this source loaded or refreshed) brought up to date; never loses what it knew.

        A failure comes back as :attr:`Refresh.error` with a note on the run, not as an exception, except a
        bug. A complete run of an ended job costs no request.
        """
        ...


def _ended_now(previous: RunData, run: RunData) -> bool:
    return run.summary.is_terminal and not previous.summary.is_terminal


def parsed(what: str, parse: Callable[..., _Parsed], *args: Any, **kwargs: Any) -> _Parsed:
    """``parse(*args)`` on data from outside; a failure no parser foresaw is the data's shape, not a crash.

    The parsers handle every shape their source documents and many it does not; this is the boundary for
    the rest, so the page says which data could not be read, and the traceback goes to the server log.
    """
    try:
        return parse(*args, **kwargs)
    except DashboardError:
        raise
    except PARSE_FAILURES:
        logger.warning("Could not read the %s", what, exc_info=True)
        raise MalformedDataError(f"Some values in the {what} cannot be read.") from None
