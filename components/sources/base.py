"""What every run source offers: who it is, its runs newest first, and one run as :class:`RunData`.

A source is built from its config (and, for API sources, a pooled HTTP client) by the registry; the page
talks to every source through this protocol alone, so it never asks which source a run came from except
to show it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol, TypeVar

from components.domain import Conventions, RunData, RunSummary
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
