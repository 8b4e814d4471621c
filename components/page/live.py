"""A watched running job between ticks: what it holds, what one tick does to it, and what the page says
about the last tick. Pure but for the refresh itself (``tick`` reads through the source);
``components.ui.auto_refresh`` keeps it in the session and draws it."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from components.domain import RunData
from components.sources.base import Refresh, RunSource
from components.sources.live import refresh_run
from components.wording import count

ENDED = "The job ended while you watched, so auto-refresh stopped."


@dataclass(frozen=True)
class LiveRun:
    """The run this session watches and what the last tick did (the session keeps it for its config and
    job)."""

    run: RunData
    ticks: int = 0
    checked_at: pd.Timestamp | None = None
    last: Refresh | None = None  # the last tick's outcome (its run is ``run``)
    ended_note: str | None = None  # said once the job ended while watched (and where the run was saved)

    @property
    def rerun_page(self) -> bool:
        """Whether the last tick calls for the whole page again: it brought something new, or the job
        ended."""
        return self.last is not None and (self.last.changed or not self.last.keep_refreshing)


def ended_note(saved: str | None) -> str:
    """What the page says once the job ended while watched; ``saved`` is the archive's word on storing
    its run (None when it was not stored)."""
    return f"{ENDED} {saved}" if saved is not None else ENDED


def is_timer_tick(page_runs: int, seen: int | None) -> bool:
    """A fragment run with no page run since the last one can only come from the fragment's timer."""
    return seen == page_runs


def tick(live: LiveRun, source: RunSource, now: pd.Timestamp) -> LiveRun:
    """One refresh of the watched run: what is new is read and merged; a failure keeps what was known."""
    refresh = refresh_run(source, live.run)
    return replace(live, run=refresh.run, ticks=live.ticks + 1, checked_at=now, last=refresh)


def checked_line(live: LiveRun, interval: float) -> str:
    """What the last tick read, and when the next one comes."""
    if live.checked_at is None or live.last is None:
        return f"Checked for news every {interval:g} s."
    last = live.last
    news = [
        count(n, word)
        for n, word in ((last.new_steps, "new step"), (last.new_checkpoints, "new checkpoint"))
        if n
    ]
    what = ", ".join(news) if news else "nothing new"
    if last.error is not None:  # the run's own note (in the page's notes) says what failed
        what = "it failed, the page keeps what was read before"
    return (
        f"Checked at {live.checked_at:%H:%M:%S} UTC: {what} ({count(last.requests, 'request')}); "
        f"refresh {live.ticks:,}, the next in {interval:g} s."
    )
