"""What a live refresh returns, for every provider that refreshes runs, when it reads the run whole again
or when its first read fails."""

from __future__ import annotations

from dataclasses import replace

from components.api.client import RequestLog
from components.domain import Note, NoteKind, RunData, replacing
from components.errors import DashboardError
from components.sources.base import Refresh


def failed_refresh(previous: RunData, what: str, exc: DashboardError, log: RequestLog) -> Refresh:
    """The run as it was, with a note: nothing read in this refresh replaced anything known."""
    note = Note(
        NoteKind.REFRESH_FAILED,
        f"Refresh could not read {what} ({exc}); the run shows what was read before, and the next refresh "
        "tries again.",
    )
    notes = replacing(previous.notes, note)
    return Refresh(
        replace(previous, notes=notes),
        changed=notes != previous.notes,
        requests=log.total,
        reads=log.counts(),
        error=str(exc),
    )


def whole_refresh(previous: RunData, run: RunData, log: RequestLog) -> Refresh:
    """``run``, read whole again in place of ``previous`` (a run not read live before)."""
    return Refresh(
        run,
        changed=True,
        finished=run.summary.is_terminal and not previous.summary.is_terminal,
        requests=log.total,
        reads=log.counts(),
        new_steps=max(0, len(run.history) - len(previous.history)),
    )
