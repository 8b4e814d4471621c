"""A watched running job between ticks: one tick, when the page is drawn again, and what it says about the
last tick (components/page/live.py)."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from components.demo import DEMO_JOB_ID
from components.domain import RunData, RunStatus
from components.page.live import ENDED, LiveRun, checked_line, ended_note, tick
from components.sources.base import Refresh
from components.sources.demo import demo_source

NOW = pd.Timestamp("2026-11-25 16:00:05", tz="UTC")


@pytest.fixture(scope="module")
def run() -> RunData:
    return demo_source().load_run(DEMO_JOB_ID)


def test_a_tick_counts_itself_and_keeps_what_it_read(run: RunData) -> None:
    live = tick(LiveRun(run), demo_source(), NOW)
    assert live.ticks == 1 and live.checked_at == NOW and live.last is not None
    assert live.run is live.last.run and len(live.run.history) == len(run.history)
    assert live.rerun_page  # the demo job has ended: the page is drawn once more, without the ticker


def test_only_news_or_an_ended_job_draw_the_page_again(run: RunData) -> None:
    running = replace(run, summary=replace(run.summary, status=RunStatus.RUNNING))
    assert not LiveRun(running).rerun_page  # no tick yet
    assert not LiveRun(running, last=Refresh(running)).rerun_page
    assert LiveRun(running, last=Refresh(running, changed=True)).rerun_page
    assert LiveRun(run, last=Refresh(run)).rerun_page


def test_the_last_tick_in_words(run: RunData) -> None:
    assert checked_line(LiveRun(run), 60) == "Checked for news every 60 s."
    news = Refresh(run, new_steps=12, new_checkpoints=1, requests=3)
    assert checked_line(LiveRun(run, ticks=4, checked_at=NOW, last=news), 30) == (
        "Checked at 16:00:05 UTC: 12 new steps, 1 new checkpoint (3 requests); refresh 4, the next in 30 s."
    )
    quiet = checked_line(LiveRun(run, ticks=1, checked_at=NOW, last=Refresh(run, requests=1)), 1.5)
    assert quiet == "Checked at 16:00:05 UTC: nothing new (1 request); refresh 1, the next in 1.5 s."
    failed = Refresh(run, new_steps=2, requests=1, error="timeout")
    assert ": it failed, the page keeps what was read before (1 request)" in checked_line(
        LiveRun(run, ticks=2, checked_at=NOW, last=failed), 60
    )


def test_the_end_of_a_watched_job_says_where_its_run_went() -> None:
    assert ended_note(None) == ENDED == "The job ended while you watched, so auto-refresh stopped."
    assert ended_note("Saved to the archive.") == f"{ENDED} Saved to the archive."
