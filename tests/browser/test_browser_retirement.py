"""In a real browser, a job list whose models stop answering within 60 days says so: the notice above the
list, the "Answers until" column with each run's date and days left, the "stops within 60 days" filter,
and the run's own line in its header. ``DASHBOARD_TODAY`` pins the page's date."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from devtools.harness import CHROMIUM, RunningApp, app_process, wait_for_app_run
from devtools.standin import StandInServer, SyntheticRun, make_fleet
from tests.browser.apps import keyed_env

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no chromium at {CHROMIUM}"),
]

TODAY = "2026-12-07"
ROW_HEIGHT = 35  # Streamlit's dataframe rows and header, in CSS pixels
NAME_X = 80  # a point in the Run column, right of the selection boxes' column
# What the stand-in's fleet should show on TODAY, by base model, worked out by hand from the dates.
EXPECTED = {
    "gpt-4o-mini-2024-07-18": "2027-01-14† · 38 days",
    "gpt-4.1-2025-04-14": "2027-01-14† · 38 days",
    "gpt-4o-2024-08-06": "2027-01-14† · 38 days",
    "gpt-4.1-mini-2025-04-14": "2027-01-14† · 38 days",
    "gpt-4.1-nano-2025-04-14": "2026-10-23 · stopped",
}
_MIRROR = """table => ({
  head: Array.from(table.querySelectorAll('thead [role=columnheader]'), cell => cell.innerText.trim()),
  rows: Array.from(table.querySelectorAll('tbody [role=row]'),
                   row => Array.from(row.querySelectorAll('[role=gridcell]'), cell => cell.innerText.trim())),
})"""


@pytest.fixture(scope="module")
def fleet() -> list[SyntheticRun]:
    return make_fleet(30)


@pytest.fixture(scope="module")
def app(fleet: list[SyntheticRun]) -> Iterator[RunningApp]:
    with StandInServer() as server:
        for run in fleet:
            server.add_run(run)
        with app_process(keyed_env(server, DASHBOARD_TODAY=TODAY)) as running:
            yield running


def _mirror(page: Page) -> dict:
    """The list's accessible mirror table: its column heads and the rows drawn."""
    grid = page.locator("[class*='st-key-job_table_']").get_by_test_id("stDataFrame")
    expect(grid).to_be_visible()
    grid.locator("tbody [role=row]").first.wait_for(state="attached")
    return grid.locator("table").first.evaluate(_MIRROR)


def test_the_list_warns_and_shows_when_each_runs_models_stop(
    page: Page, app: RunningApp, fleet: list[SyntheticRun]
) -> None:
    page.goto(app.url)
    wait_for_app_run(page)
    notice = page.get_by_test_id("stAlertContainer").filter(has_text="Fine-tuned models stop answering soon.")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("2027-01-14† · in 38 days: fine-tunes of")
    expect(notice).to_contain_text("(24 listed runs)")
    expect(notice).to_contain_text("2026-10-23 · stopped: fine-tunes of gpt-4.1-nano (6 listed runs)")
    expect(notice).to_contain_text("OpenAI refuses new fine-tuning jobs from 2027-01-06.")
    expect(page.get_by_text("† Reported by third parties quoting OpenAI's deprecations page")).to_be_visible()

    mirror = _mirror(page)
    run_at, answers_at = mirror["head"].index("Run"), mirror["head"].index("Answers until")
    base_of = {run.job["id"]: run.job["model"] for run in fleet}
    assert len(mirror["rows"]) >= 5
    for row in mirror["rows"]:
        assert row[answers_at] == EXPECTED[base_of[row[run_at]]], row

    page.get_by_test_id("stButtonGroup").get_by_text("Stops within 60 days (24)").click()
    wait_for_app_run(page)
    expect(page.get_by_text(re.compile(r"^Showing 24 of 30 runs listed"))).to_be_visible()
    table = page.locator("[class*='st-key-job_table_']").get_by_test_id("stDataFrame")
    expect(table.locator("tbody")).not_to_contain_text("stopped")  # the grid's mirror catches up
    kept = _mirror(page)["rows"]
    assert len(kept) >= 5 and all(row[answers_at] == "2027-01-14† · 38 days" for row in kept), kept


def test_a_run_opened_from_the_list_says_when_its_models_stop(page: Page, app: RunningApp) -> None:
    page.goto(app.url)
    wait_for_app_run(page)
    box = page.locator("[class*='st-key-job_table_']").get_by_test_id("stDataFrame").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + NAME_X, box["y"] + ROW_HEIGHT * 1.5)  # the newest run: ftjob-fleet00029
    wait_for_app_run(page)
    expect(page).to_have_url(re.compile(r"[?&]run=openai%3Aftjob-fleet00029"))
    line = page.get_by_test_id("stCaptionContainer").filter(has_text="Models stop answering on 2027-01-14†")
    expect(line).to_be_visible()
    expect(line).to_contain_text("in 38 days (reported by third parties only). No archive (DASHBOARD_STORE)")
    expect(page.get_by_test_id("stAlertContainer").filter(has_text="stop answering")).to_have_count(0)
