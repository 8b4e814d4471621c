"""An archived run opened in a real browser after its API has gone: the dashboard reads a finished job once
(the archive in a temporary SQLite file), the stand-in API stops, the dashboard restarts, and the page
still draws the curves, with the note that says they come from the archive and when they were saved."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from devtools.harness import CHROMIUM, app_process, wait_for_app_run
from devtools.standin import StandInServer, make_run
from tests.browser.apps import job_path, keyed_env
from tests.browser.charts import TRAINING_LOSS_TRACE, traces, wait_for_charts

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no chromium at {CHROMIUM}"),
]
JOB = "ftjob-archived"


def test_an_archived_run_opens_with_its_api_stopped(
    browser: Browser, browser_context_args: dict, tmp_path: Path
) -> None:
    store = str(tmp_path / "archive.sqlite3")
    server = StandInServer().start()
    try:
        server.add_run(make_run(JOB, n_steps=200, n_epochs=2))
        env = keyed_env(server, DASHBOARD_STORE=store)
        with app_process(env) as app:
            page = browser.new_context(**browser_context_args).new_page()
            page.goto(app.url + job_path(JOB))
            wait_for_app_run(page)
            wait_for_charts(page)
            expect(page.get_by_text("From the archive")).to_have_count(0)
            first = traces(page)[TRAINING_LOSS_TRACE]["x"]
            page.context.close()
        assert any(request.path.endswith(f"/{JOB}") for request in server.requests)
    finally:
        server.stop()  # the provider no longer answers: every request is refused

    with app_process(env) as app:  # a restart: nothing cached in memory
        page = browser.new_context(**browser_context_args).new_page()
        page.goto(app.url + job_path(JOB))
        wait_for_app_run(page)
        wait_for_charts(page)
        note = page.get_by_text("From the archive, saved")
        expect(note).to_be_visible()
        expect(page.get_by_text("No request was made for it.")).to_be_visible()
        assert traces(page)[TRAINING_LOSS_TRACE]["x"] == first == list(range(1, 201))
        expect(page.get_by_test_id("stException")).to_have_count(0)
        page.context.close()
