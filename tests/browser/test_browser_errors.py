"""API failures reach the page as plain messages, never as a Streamlit exception box."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from devtools.harness import CHROMIUM, RunningApp, app_process, wait_for_app_run
from devtools.standin import StandInServer
from tests.browser.apps import HANG, MISSING, job_path, keyed_env

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no chromium at {CHROMIUM}"),
]


@pytest.fixture(scope="module")
def impatient_app(browser_standin: StandInServer) -> Iterator[RunningApp]:
    """An app that gives the API 0.3 s per request and does not retry."""
    with app_process(keyed_env(browser_standin, OPENAI_TIMEOUT="0.3", OPENAI_MAX_RETRIES="0")) as app:
        yield app


def test_missing_job_says_no_such_job(page: Page, keyed_app: RunningApp) -> None:
    page.goto(keyed_app.url + job_path(MISSING))
    wait_for_app_run(page)
    expect(page.get_by_test_id("stAlert").get_by_text("No such job")).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)


def test_hanging_api_says_it_did_not_answer_in_time(page: Page, impatient_app: RunningApp) -> None:
    page.goto(impatient_app.url + job_path(HANG))
    wait_for_app_run(page)
    expect(page.get_by_test_id("stAlert").get_by_text("did not answer in time")).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)
