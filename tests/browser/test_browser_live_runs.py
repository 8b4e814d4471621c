"""A running job watched in a real browser: the chart grows in place, one request per quiet refresh, the
pick and the zoom stay, a failed refresh keeps the data, and the ticking stops when the job ends."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from devtools.harness import CHROMIUM, RunningApp, app_process, wait_for_app_run
from devtools.standin import Fault, GrowingRun, StandInServer, make_growing_run
from tests.browser.apps import job_path, keyed_env
from tests.browser.charts import SELECTED_TRACE, TRAINING_LOSS_TRACE, traces, wait_for_chart, wait_for_charts

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no chromium at {CHROMIUM}"),
]
LIVE = "ftjob-live-browser"
INTERVAL = 2  # seconds between refreshes
REFRESH = re.compile(r"refresh (\d+), the next in")


@pytest.fixture(scope="module")
def growing() -> GrowingRun:
    return make_growing_run(LIVE, n_steps=300, n_epochs=3, done=150)


@pytest.fixture(scope="module")
def live_standin(growing: GrowingRun) -> Iterator[StandInServer]:
    with StandInServer() as server:
        server.add_run(growing)
        yield server


@pytest.fixture(scope="module")
def live_app(live_standin: StandInServer) -> Iterator[RunningApp]:
    with app_process(keyed_env(live_standin, DASHBOARD_REFRESH_SECONDS=str(INTERVAL))) as app:
        yield app


def _refreshes(page: Page) -> int:
    """The number of the last refresh the page reports (0 before the first)."""
    found = (
        REFRESH.search(page.get_by_text(REFRESH).first.inner_text())
        if page.get_by_text(REFRESH).count()
        else None
    )
    return int(found.group(1)) if found else 0


def _wait_for_refresh(page: Page, after: int, timeout: float = 30) -> int:
    """Wait (bounded) until the page reports a refresh numbered above ``after``; return its number."""
    deadline = time.monotonic() + timeout
    while (seen := _refreshes(page)) <= after:
        assert time.monotonic() < deadline, f"no refresh after number {after} within {timeout} s"
        page.wait_for_timeout(50)
    return seen


def _last_step(page: Page) -> float:
    return max(traces(page)[TRAINING_LOSS_TRACE]["x"])


def test_a_running_job_grows_in_place_and_stops_when_it_ends(
    page: Page, live_app: RunningApp, live_standin: StandInServer, growing: GrowingRun
) -> None:
    first_checkpoint = growing.view().checkpoints[-1]["id"]  # the epoch-1 checkpoint, step 100
    page.goto(live_app.url + job_path(LIVE, ckpt=first_checkpoint))
    wait_for_app_run(page)
    wait_for_charts(page)
    assert _last_step(page) == 150
    assert SELECTED_TRACE in traces(page)
    page.evaluate("window.__same_page = true")  # gone if the page reloads

    # Quiet refreshes: exactly one request each, the events list's first page.
    start = _wait_for_refresh(page, 0)
    before = list(live_standin.requests)
    end = _wait_for_refresh(page, start + 1)
    quiet = live_standin.requests[len(before) :]
    assert len(quiet) == end - start  # refreshes start+1 … end, read one request each
    assert {request.path.rsplit("/", 1)[-1] for request in quiet} == {"events"}
    expect(page.get_by_text("nothing new (1 request)")).to_be_visible()

    # New steps: the chart grows without a reload, and the pick is still drawn.
    live_standin.advance(LIVE, 60)
    wait_for_chart(page, "Math.max(...gd._fullData.find(t => t.name === arg).x) >= 210", TRAINING_LOSS_TRACE)
    assert page.evaluate("window.__same_page === true")
    assert SELECTED_TRACE in traces(page)
    assert f"ckpt={first_checkpoint}" in page.url
    expect(page.get_by_text(re.compile(r"210 / 300 steps"))).to_be_visible()

    # A failed refresh keeps the data and says so; the next one recovers.
    live_standin.add_faults(LIVE, [Fault("events", "status", status=500, times=3)])
    failed = page.get_by_text(re.compile(r"^Refresh could not read the new events"))
    expect(failed).to_be_visible(timeout=30_000)
    assert _last_step(page) == 210 and SELECTED_TRACE in traces(page)
    expect(failed).to_be_hidden(timeout=30_000)

    # The job ends: the page shows the finished run once, and nothing is read any more.
    live_standin.finish(LIVE)
    expect(page.get_by_text("The job ended while you watched")).to_be_visible(timeout=30_000)
    wait_for_app_run(page)
    expect(page.get_by_text("Auto-refresh while the job runs")).to_have_count(0)
    assert page.evaluate("window.__same_page === true")
    wait_for_chart(page, "Math.max(...gd._fullData.find(t => t.name === arg).x) >= 300", TRAINING_LOSS_TRACE)
    settled = len(live_standin.requests)
    page.wait_for_timeout(3 * INTERVAL * 1000)  # three intervals with no timer: nothing is read
    assert len(live_standin.requests) == settled
