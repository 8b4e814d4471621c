"""What a live refresh returns when its first read fails, for every provider that refreshes runs."""

from __future__ import annotations

from dataclasses import replace

from components.api.client import RequestLog
from components.domain import RunData
from components.errors import DashboardError
from components.sources.base import Refresh
from components.sources.openai import REFRESH_FAILED


def failed_refresh(previous: RunData, what: str, exc: DashboardError, log: RequestLog) -> Refresh:
    """The run as it was, with a note: nothing read in this refresh replaced anything known."""
    note = (
        f"{REFRESH_FAILED} read {what} ({exc}); the run shows what was read before, and the next refresh "
        "tries again."
    )
    notes = (*[n for n in previous.notes if not n.startswith(REFRESH_FAILED)], note)
    return Refresh(
        replace(previous, notes=notes),
        changed=notes != previous.notes,
        requests=log.total,
        reads=log.counts(),
        error=str(exc),
    )
