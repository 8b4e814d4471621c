"""How sure the choice is, in a real browser at 1280×800: the demo chosen by batch validation shows its noise
band and the tied checkpoints without pushing the chart below the first screen, and the compare page with
seeds grouped draws each configuration's mean over its band, kept in the URL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from components.charts.noise_band import BAND_NAME
from devtools.compare_runs import job_from_spec
from devtools.harness import CHROMIUM, RunningApp, app_process, wait_for_app_run
from devtools.standin import StandInServer
from tests.browser.apps import keyed_env
from tests.browser.charts import chart, traces, wait_for_charts

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no chromium at {CHROMIUM}"),
]
FIRST_SCREEN = 600  # px: where the chart must begin at 1280×800 (as tests/browser/test_browser_reading.py)
SEEDS = (
    "ftjob-a1/300/3/1/1",
    "ftjob-a2/300/3/2/1",
    "ftjob-a3/300/3/3/1",
    "ftjob-b1/300/3/4/2",
    "ftjob-b2/300/3/5/2",
)


@pytest.fixture(scope="module")
def laptop(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    yield context
    context.close()


@pytest.fixture(scope="module")
def seeds_app() -> Iterator[RunningApp]:
    """The dashboard on a stand-in serving two configurations' seeds."""
    with StandInServer() as server:
        for spec in SEEDS:
            server.add_run(job_from_spec(spec))
        with app_process(keyed_env(server)) as app:
            yield app


def _open(context: BrowserContext, url: str) -> Page:
    page = context.new_page()
    page.goto(url)
    wait_for_app_run(page)
    wait_for_charts(page)
    return page


def test_batch_validation_shows_its_noise_and_ties_in_the_first_screen(
    laptop: BrowserContext, demo_app: RunningApp
) -> None:
    page = _open(laptop, f"{demo_app.url}/?metric=Validation+loss+%28batch%29")
    strip = page.locator(".st-key-best_card").inner_text()
    assert "Tied within batch validation's noise: steps 240, 360 and 480; step 240, the earliest" in strip
    assert "Lowest batch validation loss of the 3 saved checkpoints: 0.603 at step 360" in strip
    band = traces(page)[BAND_NAME]
    assert band["y"] and len(band["y"]) == len(band["x"])
    assert chart(page).bounding_box()["y"] < FIRST_SCREEN
    page.close()


def test_seeds_grouped_draw_bands_in_the_first_screen(laptop: BrowserContext, seeds_app: RunningApp) -> None:
    runs = "&".join(f"run=openai:{spec.split('/')[0]}" for spec in SEEDS)
    page = _open(laptop, f"{seeds_app.url}/?{runs}&compare_seeds=true")
    names = set(traces(page))
    assert "3 epochs · batch 4 · LR ×1.0 · mean of 3 seeds" in names
    assert "3 epochs · batch 4 · LR ×2.0 · mean of 2 seeds (highest seed)" in names
    assert not names & {"ftjob-a1", "ftjob-b2"}  # the seeds' lines give way to their mean
    assert chart(page).bounding_box()["y"] < 800
    # Ranked by full validation loss, LR ×1's seeds (0.594 to 0.603) all beat LR ×2's (0.610 to 0.613).
    assert (
        "Seeds grouped: 2 configurations with several seeds (5 runs), 2 in all; no two neighbours in the "
        "ranking overlap." in page.get_by_test_id("stMain").inner_text()
    )
    page.close()
