"""A running job is read again on the fragment's timer, with no click, and the page stays put."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from devtools.harness import CHROMIUM, RunningApp, app_process, wait_for_app_run
from devtools.standin import StandInServer, make_run
from tests.browser.apps import job_path, keyed_env

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no chromium at {CHROMIUM}"),
]
RUNNING = "ftjob-running"


@pytest.fixture(scope="module")
def running_standin() -> Iterator[StandInServer]:
    with StandInServer() as server:
        server.add_run(make_run(RUNNING, status="running", progress=0.6, result_file=None))
        yield server


@pytest.fixture(scope="module")
def quick_refresh_app(running_standin: StandInServer) -> Iterator[RunningApp]:
    """An app whose running-job refresh fires every 2 s instead of every minute."""
    with app_process(keyed_env(running_standin, DASHBOARD_REFRESH_SECONDS="2")) as app:
        yield app


def test_a_running_job_is_read_again_without_a_click(
    page: Page, quick_refresh_app: RunningApp, running_standin: StandInServer
) -> None:
    page.goto(quick_refresh_app.url + job_path(RUNNING))
    wait_for_app_run(page)
    expect(page.get_by_text("Auto-refresh while the job runs")).to_be_visible()
    first = running_standin.count("job", RUNNING)
    deadline = time.monotonic() + 20
    while running_standin.count("job", RUNNING) == first:  # bounded: the timer fires every 2 s
        assert time.monotonic() < deadline, "the running job was not read again within 20 s"
        page.wait_for_timeout(200)
    wait_for_app_run(page)
    expect(page.get_by_text("ftjob-running")).to_be_visible()
    assert running_standin.count("checkpoints", RUNNING) > 1
