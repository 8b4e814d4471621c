"""Clicking a checkpoint mark picks that checkpoint: the comparison panel shows it and ``?ckpt=`` links it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from devtools.harness import CHROMIUM, RunningApp, wait_for_app_run
from devtools.standin import SyntheticRun
from tests.browser.apps import S300, job_path
from tests.browser.charts import CHECKPOINT_TRACE, click_data_point, traces, wait_for_charts
from tests.browser.expected import recommended_id

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no chromium at {CHROMIUM}"),
]


def _model(run: SyntheticRun, checkpoint_id: str) -> str:
    return next(c["fine_tuned_model_checkpoint"] for c in run.checkpoints if c["id"] == checkpoint_id)


def test_clicking_a_checkpoint_marker_selects_it(
    page: Page, keyed_app: RunningApp, s300_run: SyntheticRun
) -> None:
    page.goto(keyed_app.url + job_path(S300))
    wait_for_app_run(page)
    wait_for_charts(page)
    best = recommended_id(s300_run)
    markers = traces(page)[CHECKPOINT_TRACE]
    x, y, checkpoint_id = next(
        (x, y, cell[0])
        for x, y, cell in zip(markers["x"], markers["y"], markers["customdata"], strict=True)
        if cell[0] != best
    )
    model = _model(s300_run, checkpoint_id)
    panel = page.locator(".st-key-comparison")
    expect(panel.get_by_test_id("stCode")).to_have_count(0)

    click_data_point(page, x, y)
    wait_for_app_run(page)

    expect(panel.get_by_test_id("stCode").first).to_have_text(model)
    expect(page).to_have_url(re.compile(rf"[?&]ckpt={re.escape(checkpoint_id)}(&|$)"))


def test_ckpt_link_opens_with_that_checkpoint_selected(
    page: Page, keyed_app: RunningApp, s300_run: SyntheticRun
) -> None:
    """The ``?ckpt=`` deep link the click writes: opening it shows the same comparison."""
    checkpoint_id = next(c["id"] for c in s300_run.checkpoints if c["id"] != recommended_id(s300_run))
    page.goto(keyed_app.url + job_path(S300, ckpt=checkpoint_id))
    wait_for_app_run(page)
    panel = page.locator(".st-key-comparison")
    expect(panel.get_by_test_id("stCode").first).to_have_text(_model(s300_run, checkpoint_id))
    expect(page).to_have_url(re.compile(rf"[?&]ckpt={re.escape(checkpoint_id)}(&|$)"))
