"""Save all runs in a real browser: the job list's button, its progress bar while a job is slow to answer,
the summary; then, with the provider stopped and the dashboard restarted, an archived run lists its kept
files and each downloads under a safe name with the bytes the provider served."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import create_engine, text

from devtools.harness import CHROMIUM, app_process, wait_for_app_run
from devtools.many_jobs import add_jobs, job, training_file
from devtools.standin import Fault, StandInServer
from devtools.standin.chat import validation_jsonl
from tests.browser.apps import job_path, keyed_env

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no chromium at {CHROMIUM}"),
]
JOBS = 6
SLOW = 3  # the third job saved (newest first) answers after a pause, so the bar is seen mid-way


def test_save_all_then_download_the_kept_files_with_the_provider_gone(
    browser: Browser, browser_context_args: dict, tmp_path: Path
) -> None:
    store = str(tmp_path / "archive.sqlite3")
    server = StandInServer().start()
    try:
        add_jobs(server, JOBS, faults={SLOW: [Fault("job", "hang", hang_seconds=3)]})
        env = keyed_env(server, DASHBOARD_STORE=store)
        with app_process(env) as app:
            page = browser.new_context(**browser_context_args).new_page()
            page.goto(app.url + "/")
            wait_for_app_run(page)
            page.get_by_role("button", name="Save all runs of this source").click()
            bar = page.get_by_test_id("stProgress")
            expect(bar).to_contain_text(f"Saving the runs of OpenAI: 2 of {JOBS} runs", timeout=20_000)
            summary = page.get_by_test_id("stAlertContentSuccess")
            expect(summary).to_contain_text(
                f"Saved {JOBS} runs with their files; 0 already there", timeout=30_000
            )
            expect(bar).to_contain_text(f"Done with the runs of OpenAI: {JOBS} of {JOBS} runs")
            expect(page.get_by_test_id("stException")).to_have_count(0)
            page.context.close()
    finally:
        server.stop()  # the provider no longer answers

    with app_process(env) as app:  # a restart: nothing in memory, only the archive
        page = browser.new_context(**browser_context_args, accept_downloads=True).new_page()
        page.goto(app.url + job_path("ftjob-0000"))
        wait_for_app_run(page)
        expect(page.get_by_text("From the archive, saved")).to_be_visible()
        heading = page.get_by_role("heading", name="Files kept in the archive")
        heading.scroll_into_view_if_needed()
        expect(heading).to_be_visible()
        served = job(0)
        expected = {
            "Training file": ("ftjob-0000-training-data.jsonl", training_file("ftjob-0000")),
            "Validation file": ("ftjob-0000-validation-data.jsonl", validation_jsonl("ftjob-0000")),
            "Result file": (
                "ftjob-0000-result-step_metrics.csv",
                served.files[served.job["result_files"][0]],
            ),
        }
        for label, (name, content) in expected.items():
            with page.expect_download() as info:
                page.get_by_role("button", name=label).click()
            download = info.value
            assert download.suggested_filename == name
            assert Path(download.path()).read_bytes() == content
        with page.expect_download() as info:
            page.get_by_role("button", name="Events").click()
        assert info.value.suggested_filename == "ftjob-0000-events-events.jsonl"
        lines = Path(info.value.path()).read_text().splitlines()
        assert [json.loads(line) for line in lines] == served.events
        expect(page.get_by_test_id("stException")).to_have_count(0)
        page.context.close()


def stored_runs(path: Path) -> int:
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM archived_runs")).scalar_one()
    finally:
        engine.dispose()


def test_a_save_stopped_by_another_click_says_so_and_the_next_one_continues(
    browser: Browser, browser_context_args: dict, tmp_path: Path
) -> None:
    archive = tmp_path / "archive.sqlite3"
    with StandInServer() as server:
        add_jobs(server, JOBS, faults={SLOW: [Fault("job", "hang", hang_seconds=3)]})
        with app_process(keyed_env(server, DASHBOARD_STORE=str(archive))) as app:
            page = browser.new_context(**browser_context_args).new_page()
            page.goto(app.url + "/")
            wait_for_app_run(page)
            page.get_by_role("button", name="Save all runs of this source").click()
            expect(page.get_by_test_id("stProgress")).to_contain_text(f"2 of {JOBS} runs", timeout=20_000)
            search = page.get_by_role("textbox", name="Search")
            search.fill("ftjob")
            search.press("Enter")  # another run of the page: the save stops at its next step
            # The list's notice that models stop answering is a warning too: the save's says it stopped.
            stopped = page.get_by_test_id("stAlertContentWarning").filter(has_text="Saving stopped")
            expect(stopped).to_contain_text(
                re.compile(rf"Saving stopped after [23] of {JOBS} runs"), timeout=20_000
            )
            expect(stopped).to_contain_text("What was saved is kept")
            expect(page.get_by_test_id("stProgress")).to_have_count(0)
            # The stopped run finishes the run it was reading (stored whole) and stops at its next step.
            deadline = time.monotonic() + 20
            while stored_runs(archive) < 3:
                assert time.monotonic() < deadline
                time.sleep(0.05)
            saved_before = {
                request.path for request in server.requests if request.path.endswith("/checkpoints")
            }
            assert len(saved_before) == stored_runs(archive) == 3

            server.reset_log()
            page.get_by_role("button", name="Save all runs of this source").click()
            summary = page.get_by_test_id("stAlertContentSuccess")
            expect(summary).to_contain_text(
                f"Saved {JOBS - 3} runs with their files; 3 already there", timeout=30_000
            )
            again = {request.path for request in server.requests if request.path.endswith("/checkpoints")}
            assert len(again) == JOBS - 3 and not again & saved_before  # nothing saved is read again
            expect(page.get_by_test_id("stException")).to_have_count(0)
            page.context.close()
