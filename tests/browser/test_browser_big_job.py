"""A job with 2,500 checkpoints (25 pages): the right card, 1,000 of them marked on the chart, 25 requests."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from components.charts.style import MANY_MARKS, MAX_MARK_WIDTH_WHEN_MANY
from components.charts.view import MAX_CHECKPOINT_MARKERS
from devtools.harness import CHROMIUM, RunningApp
from devtools.standin import StandInServer, SyntheticRun, make_checkpoints_only
from tests.browser.apps import job_path
from tests.browser.charts import (
    CHECKPOINT_TRACE,
    RECOMMENDED_TRACE,
    TRAINING_LOSS_TRACE,
    traces,
    wait_for_charts,
    widest_mark,
)
from tests.browser.expected import recommended_id, recommended_model

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no chromium at {CHROMIUM}"),
]

BIG = "ftjob-big"
N_CHECKPOINTS = 2_500
# From navigation until both charts are drawn; this job takes about 11 s on 2 cores.
CHART_BUDGET_SECONDS = 30


@pytest.fixture(scope="module")
def big_run() -> SyntheticRun:
    return make_checkpoints_only(BIG, N_CHECKPOINTS)


@pytest.fixture(scope="module")
def big_context(browser: Browser, browser_context_args: dict) -> Iterator[BrowserContext]:
    context = browser.new_context(**browser_context_args)
    yield context
    context.close()


@pytest.fixture(scope="module")
def big_page(
    big_context: BrowserContext, keyed_app: RunningApp, browser_standin: StandInServer, big_run: SyntheticRun
) -> tuple[Page, float]:
    """The job's page, opened once for this module, and when navigation started (monotonic seconds).

    No other test opens this job, so the stand-in's request count for it is this page's alone.
    """
    browser_standin.add_run(big_run)
    page = big_context.new_page()
    started = time.monotonic()
    page.goto(keyed_app.url + job_path(BIG))
    return page, started


def test_best_card_names_lowest_full_validation_loss_after_25_pages(
    big_page: tuple[Page, float], big_run: SyntheticRun, browser_standin: StandInServer
) -> None:
    page, _ = big_page
    code = page.locator(".st-key-best_model code").first
    expect(code).to_have_text(recommended_model(big_run.checkpoints), timeout=30_000)
    assert browser_standin.count("checkpoints", BIG) == N_CHECKPOINTS // 100


def test_loss_chart_marks_an_evenly_spread_thousand_and_the_recommended_checkpoint(
    big_page: tuple[Page, float], big_run: SyntheticRun
) -> None:
    page, started = big_page
    wait_for_charts(page, timeout=max(5.0, CHART_BUDGET_SECONDS - (time.monotonic() - started)) * 1000)
    plotted = traces(page)
    by_step = {c["step_number"]: c["id"] for c in big_run.checkpoints}
    steps = sorted(by_step)
    best = next(c for c in big_run.checkpoints if c["id"] == recommended_id(big_run))
    # MAX_CHECKPOINT_MARKERS positions round(k · 2499 / 999) of the 2,500 checkpoints in step order, the
    # first and the last among them, plus the recommended checkpoint wherever it is.
    grid = {steps[i] for i in np.linspace(0, len(steps) - 1, MAX_CHECKPOINT_MARKERS).round().astype(int)}
    marked = grid | {best["step_number"]}
    markers = plotted[CHECKPOINT_TRACE]
    assert sorted(markers["x"]) == sorted(marked)
    assert {steps[0], steps[-1]} <= set(markers["x"])
    assert sorted(cell[0] for cell in markers["customdata"]) == sorted(by_step[step] for step in marked)
    assert plotted[RECOMMENDED_TRACE]["customdata"] == [[best["id"]]]
    # The display thins the per-step curve but keeps the step of every marked checkpoint.
    curve = set(plotted[TRAINING_LOSS_TRACE]["x"])
    assert marked <= curve and len(curve) < len(steps)


def test_two_thousand_five_hundred_checkpoints_are_ticks_and_only_the_star_stays_large(
    big_page: tuple[Page, float],
) -> None:
    """Marks of every many-point series, read from the rendered chart: none wider than 8 px."""
    page, started = big_page
    wait_for_charts(page, timeout=max(5.0, CHART_BUDGET_SECONDS - (time.monotonic() - started)) * 1000)
    plotted = traces(page)
    many = [t for t in plotted.values() if len(t["x"]) >= MANY_MARKS and "markers" in (t["mode"] or "")]
    assert {CHECKPOINT_TRACE, CHECKPOINT_TRACE + " · accuracy"} <= {t["name"] for t in many}
    assert max(widest_mark(t) for t in many) <= MAX_MARK_WIDTH_WHEN_MANY
    assert widest_mark(plotted[RECOMMENDED_TRACE]) > 2 * MAX_MARK_WIDTH_WHEN_MANY
