"""The 300-step job's curves in a real browser: every step, three checkpoints, and the chart controls."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from devtools.harness import CHROMIUM, RunningApp, wait_for_app_run
from devtools.standin import SyntheticRun
from tests.browser.apps import S300, job_path
from tests.browser.charts import (
    CHECKPOINT_TRACE,
    OVERFIT_FILL,
    TRAINING_LOSS_TRACE,
    layout,
    traces,
    wait_for_chart,
    wait_for_charts,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no chromium at {CHROMIUM}"),
]


def _open(page: Page, app: RunningApp) -> Page:
    page.goto(app.url + job_path(S300))
    wait_for_app_run(page)
    wait_for_charts(page)
    return page


@pytest.fixture(scope="module")
def s300_default_view(browser: Browser, browser_context_args: dict, keyed_app: RunningApp) -> Iterator[Page]:
    """One page in the default view, shared by the tests that only read it."""
    context = browser.new_context(**browser_context_args)
    yield _open(context.new_page(), keyed_app)
    context.close()


@pytest.fixture
def s300_page(page: Page, keyed_app: RunningApp) -> Page:
    """A page of its own, for tests that change the view."""
    return _open(page, keyed_app)


def test_loss_chart_has_every_step_and_three_checkpoints(
    s300_default_view: Page, s300_run: SyntheticRun
) -> None:
    plotted = traces(s300_default_view)
    assert plotted[TRAINING_LOSS_TRACE]["x"] == list(range(1, 301))
    markers = plotted[CHECKPOINT_TRACE]
    assert sorted(markers["x"]) == [100, 200, 300]
    assert sorted(cell[0] for cell in markers["customdata"]) == sorted(c["id"] for c in s300_run.checkpoints)


def test_overfitting_band_is_drawn(s300_default_view: Page) -> None:
    bands = [
        shape for shape in layout(s300_default_view)["shapes"] if OVERFIT_FILL in (shape["fillcolor"] or "")
    ]
    assert {band["yref"] for band in bands} == {"y domain", "y2 domain"}, "no band on both plots"


def test_log_y_toggle_makes_both_y_axes_logarithmic(s300_page: Page) -> None:
    assert layout(s300_page)["yType"] == "linear"
    s300_page.get_by_test_id("stSidebar").get_by_text("Log y axis").click()
    wait_for_chart(s300_page, "L.yaxis.type === 'log'")
    wait_for_app_run(s300_page)
    assert (layout(s300_page)["yType"], layout(s300_page)["y2Type"]) == ("log", "log")
    assert "log=true" in s300_page.url


def test_epoch_x_axis_retitles_the_chart(s300_page: Page) -> None:
    assert layout(s300_page)["xTitle"] == "Step"
    s300_page.get_by_test_id("stSidebar").get_by_test_id("stRadio").get_by_text("Epoch", exact=True).click()
    wait_for_chart(s300_page, "L.xaxis.title.text === 'Epoch'")
    wait_for_app_run(s300_page)
    checkpoints = traces(s300_page)[CHECKPOINT_TRACE]
    assert sorted(checkpoints["x"]) == pytest.approx([1.0, 2.0, 3.0])
