"""Before the models go, the whole path in a real browser (issue 16): the job list says the run's models
stop answering in 38 days, "Save all runs of this source" saves it with its files, the run's page records 5
validation examples × 2 models into the archive (a temporary SQLite file); then the stand-in API stops, the
dashboard restarts, and the run opened from the archive shows its kept files and the recorded set, scored,
and downloads it as chat JSONL that opens back as the same set."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from components.export.answer_sets import read_set_jsonl
from devtools.harness import CHROMIUM, app_process, wait_for_app_run
from devtools.standin import StandInServer, make_run
from devtools.standin.chat import answer as standin_answer
from tests.browser.apps import job_path, keyed_env
from tests.validation_oracle import expected_answer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no chromium at {CHROMIUM}"),
]
JOB = "ftjob-recorded-browser"
TODAY = "2026-12-07"  # the stand-in's runs are fine-tunes of gpt-4o-mini: 38 days before 2027-01-14


def _notice_and_save_all(page: Page) -> None:
    notice = page.get_by_test_id("stAlertContainer").filter(has_text="Fine-tuned models stop answering soon.")
    expect(notice).to_contain_text("2027-01-14† · in 38 days: fine-tunes of")
    expect(notice).to_contain_text("Save all runs of this source")
    page.get_by_role("button", name="Save all runs of this source").click()
    summary = page.get_by_test_id("stAlertContentSuccess")
    expect(summary).to_contain_text(re.compile(r"Saved 1 run"), timeout=30_000)


def _record_five(page: Page) -> None:
    page.get_by_role("tab", name="Record a new set").click()
    wait_for_app_run(page)
    expect(page.get_by_text(re.compile(r"Sends 100 requests \(50 prompts × 2 models"))).to_be_visible()
    examples = page.get_by_role("spinbutton", name=re.compile(r"^Examples \(of 60\)"))
    examples.fill("5")
    examples.press("Enter")
    wait_for_app_run(page)
    page.get_by_role("button", name="Record 10 answers").click()
    expect(page.get_by_text("10 answers stored in the archive.")).to_be_visible(timeout=60_000)


def test_saved_and_recorded_before_the_models_go_then_read_and_downloaded_with_the_provider_gone(
    browser: Browser, browser_context_args: dict, tmp_path: Path
) -> None:
    server = StandInServer().start()
    try:
        server.add_run(make_run(JOB, n_steps=300, n_epochs=3))
        env = keyed_env(server, DASHBOARD_STORE=str(tmp_path / "archive.sqlite3"), DASHBOARD_TODAY=TODAY)
        with app_process(env) as app:
            page = browser.new_context(**browser_context_args).new_page()
            page.goto(app.url + "/")
            wait_for_app_run(page)
            _notice_and_save_all(page)
            page.goto(app.url + job_path(JOB))
            wait_for_app_run(page)
            assert server.count("chat") == 0
            _record_five(page)
            assert server.count("chat") == 10
            page.context.close()
    finally:
        server.stop()  # the provider no longer answers: every request is refused

    with app_process(env) as app:  # a restart: nothing in memory
        page = browser.new_context(**browser_context_args).new_page()
        page.goto(app.url + f"/?run=archive:openai-{JOB}")
        wait_for_app_run(page)
        kept = page.get_by_role("heading", name="Files kept in the archive")
        kept.scroll_into_view_if_needed()
        expect(kept).to_be_visible()
        expect(
            page.get_by_text(re.compile(r"^Opened from the archive, the models are not asked"))
        ).to_be_visible()
        expect(page.get_by_text(re.compile(r"^5 prompts × 2 models, 10 of 10 answered\."))).to_be_visible()
        scores = page.get_by_test_id("stTable")
        expect(scores).to_be_visible()
        expect(scores.get_by_role("rowheader", name="Final model", exact=True)).to_be_visible()
        with page.expect_download() as download:
            page.get_by_role("button", name="Chat JSONL").click()
        data = Path(download.value.path()).read_bytes()
        assert download.value.suggested_filename == f"openai-{JOB}-answers.jsonl"
        lines = [json.loads(line) for line in data.decode().splitlines()]
        assert len(lines) == 10
        for line in lines:
            *prompt, answer = line["messages"]
            assert answer["role"] == "assistant"
            question = prompt[-1]["content"]
            assert answer["content"] == standin_answer(line["metadata"]["model"]["model"], prompt)
            assert line["metadata"]["prompt"]["expected"] == expected_answer(question)
        recorded = read_set_jsonl(data)
        assert (len(recorded.prompts), len(recorded.models), recorded.answered) == (5, 2, 10)
        expect(page.get_by_test_id("stException")).to_have_count(0)
        page.context.close()
