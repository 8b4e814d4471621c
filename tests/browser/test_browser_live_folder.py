"""Issue 18 in a browser: a run folder being written is watched like a live API run. Steps appended to its
log, a checkpoint folder saved and the trainer's final state each show up in the chart without a reload,
and the ticking stops when the trainer finishes."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from components.api.limits import Limits
from components.sources.files import FilesSource
from devtools.growing_run import GrowingRun
from devtools.harness import CHROMIUM, app_process, wait_for_app_run
from tests.browser.apps import app_env
from tests.browser.charts import (
    CHECKPOINT_TRACE,
    TRAINING_LOSS_TRACE,
    traces,
    wait_for_chart,
    wait_for_charts,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no chromium at {CHROMIUM}"),
]
INTERVAL = 2  # seconds between refreshes
REACHES = "Math.max(...gd._fullData.find(t => t.name === arg[0]).x) >= arg[1]"
MARKS = "(gd._fullData.find(t => t.name === arg[0]) || {x: []}).x.includes(arg[1])"


def test_a_run_folder_being_written_grows_in_place_and_stops_when_the_trainer_finishes(
    page: Page, tmp_path: Path
) -> None:
    root = tmp_path / "runs"
    grow = GrowingRun(root / "sft", total_steps=200, eval_steps=50)
    grow.log_steps(40)
    grow.save_checkpoint(40)
    [found] = FilesSource(root, Limits()).scan().runs
    with app_process(app_env(DASHBOARD_RUNS_DIR=str(root), DASHBOARD_REFRESH_SECONDS=str(INTERVAL))) as app:
        page.goto(f"{app.url}/?run=files:{found.run_id}")
        wait_for_app_run(page)
        wait_for_charts(page)
        assert max(traces(page)[TRAINING_LOSS_TRACE]["x"]) == 40
        expect(page.get_by_text("Auto-refresh while the job runs")).to_be_visible()
        page.evaluate("window.__same_page = true")  # gone if the page reloads

        grow.log_steps(90)  # steps appended to trainer_log.jsonl
        wait_for_chart(page, REACHES, [TRAINING_LOSS_TRACE, 90])
        expect(page.get_by_text("90 / 200 steps", exact=False)).to_be_visible()

        grow.log_steps(100)
        grow.save_checkpoint(100)  # a new checkpoint-100/ folder
        wait_for_chart(page, MARKS, [CHECKPOINT_TRACE, 100])
        assert page.evaluate("window.__same_page === true")

        grow.finish()  # the last steps and the trainer's final state
        expect(page.get_by_text("The job ended while you watched")).to_be_visible(timeout=30_000)
        wait_for_chart(page, REACHES, [TRAINING_LOSS_TRACE, 200])
        expect(page.get_by_text("Auto-refresh while the job runs")).to_have_count(0)
        assert page.evaluate("window.__same_page === true")
