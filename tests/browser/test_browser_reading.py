"""Reading the curves in a real browser (issue 7), at 1280×800 and 800 px wide, with a real mouse.

The chart is in the first screen; one hover names the step and every series, with the checkpoint first;
many checkpoints are ticks; smoothing weighs steps, not points; one selection drives chart, table and
panel, and nothing moves; a box zoom holds through an option change; the strip says when a
recommendation rests on training metrics, no validation data, or a job still running; and the page
and chart follow a dark system theme. The jobs are the stand-in's showcase jobs and the 300-step job.
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from components.charts.curves import UNSAVED_TRACE
from components.charts.style import MANY_MARKS, MAX_MARK_WIDTH_WHEN_MANY, PALETTES
from devtools.harness import CHROMIUM, RunningApp, wait_for_app_run
from devtools.standin import StandInServer, SyntheticRun, showcase_runs
from devtools.standin.showcase import LONG, NO_VALIDATION, RUNNING, UNSAVED_BEST
from tests.browser.apps import MISSING, S300, job_path
from tests.browser.charts import (
    ACCURACY,
    CHECKPOINT_TRACE,
    RECOMMENDED_TRACE,
    SELECTED_TRACE,
    chart,
    click_data_point,
    drag_across,
    hover,
    layout,
    traces,
    wait_for_chart,
    wait_for_charts,
    widest_mark,
)
from tests.browser.expected import recommended_id
from tests.browser.table import click_row, grid, rows, ticked_steps

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no chromium at {CHROMIUM}"),
]

LAPTOP = {"width": 1280, "height": 800}
NARROW = {"width": 800, "height": 1000}
VIEWPORTS = {"1280x800": LAPTOP, "800-wide": NARROW}
FIRST_SCREEN = 600  # px: where the chart must begin at 1280×800


@pytest.fixture(scope="module")
def showcase(browser_standin: StandInServer) -> dict[str, SyntheticRun]:
    runs = showcase_runs()
    for run in runs.values():
        browser_standin.add_run(run)
    return runs


@pytest.fixture(scope="module", params=list(VIEWPORTS))
def context(request: pytest.FixtureRequest, browser: Browser) -> Iterator[BrowserContext]:
    """One browser context per window size, shared by this module's tests."""
    context = browser.new_context(viewport=VIEWPORTS[request.param])
    yield context
    context.close()


@pytest.fixture(scope="module")
def laptop(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport=LAPTOP)
    yield context
    context.close()


def _open(context: BrowserContext, app: RunningApp, path: str) -> Page:
    page = context.new_page()
    page.goto(app.url + path)
    wait_for_app_run(page)
    wait_for_charts(page)
    return page


def _model(run: SyntheticRun, checkpoint_id: str) -> str:
    return next(c["fine_tuned_model_checkpoint"] for c in run.checkpoints if c["id"] == checkpoint_id)


def _mark(page: Page, checkpoint_id: str) -> tuple[float, float]:
    marks = traces(page)[CHECKPOINT_TRACE]
    return next(
        (x, y)
        for x, y, cell in zip(marks["x"], marks["y"], marks["customdata"], strict=True)
        if cell[0] == checkpoint_id
    )


# Where an element is in the page (not the window: a click may scroll), and how tall it is.
_PLACE = """el => {
  let top = el.getBoundingClientRect().top + window.scrollY;
  for (let node = el.parentElement; node; node = node.parentElement) top += node.scrollTop;
  return [Math.round(top), Math.round(el.getBoundingClientRect().height)];
}"""


def _places(page: Page) -> list[list[int]]:
    """Chart, comparison panel and table: each one's place in the page and height."""
    return [
        locator.evaluate(_PLACE) for locator in (chart(page), page.locator(".st-key-comparison"), grid(page))
    ]


def _strip(page: Page) -> str:
    """Every word of the recommendation strip (its closed popover's too)."""
    return page.locator(".st-key-best_card").evaluate("strip => strip.textContent")


# ---- the first screen -------------------------------------------------------------------------------------


@pytest.mark.parametrize("job", [S300, LONG])
def test_the_chart_begins_in_the_first_screen(
    laptop: BrowserContext, keyed_app: RunningApp, showcase: dict, job: str
) -> None:
    page = _open(laptop, keyed_app, job_path(job))
    box = chart(page).bounding_box()
    assert box is not None and box["y"] < FIRST_SCREEN, box
    # The recommendation above it: model name to copy, the deciding number, the advice; no code block (its
    # highlighter delays the chart), the name's copy button is behind Details.
    strip = page.locator(".st-key-best_card")
    expect(strip.locator(".st-key-best_model code")).to_be_visible()
    expect(strip.get_by_test_id("stCode")).to_have_count(0)
    expect(strip.get_by_test_id("stMetric")).to_be_visible()
    assert strip.bounding_box()["y"] + strip.bounding_box()["height"] < box["y"]
    page.close()


def test_the_demo_chart_begins_in_the_first_screen(laptop: BrowserContext, demo_app: RunningApp) -> None:
    page = _open(laptop, demo_app, "/")
    assert chart(page).bounding_box()["y"] < FIRST_SCREEN
    page.close()


def test_a_narrow_window_stacks_the_plots_and_clips_nothing(
    browser: Browser, keyed_app: RunningApp, showcase: dict
) -> None:
    context = browser.new_context(viewport=NARROW)
    page = _open(context, keyed_app, job_path(S300))
    shown = layout(page)
    loss, accuracy = shown["domains"]
    assert loss[0] > accuracy[1]  # loss above accuracy, one x axis under both
    assert page.evaluate("() => document.documentElement.scrollWidth") <= NARROW["width"]
    main = page.get_by_test_id("stMain").bounding_box()
    box = chart(page).bounding_box()
    assert box["x"] >= main["x"] and box["x"] + box["width"] <= main["x"] + main["width"]
    for button in page.get_by_test_id("stDownloadButton").locator("button").all():
        assert button.evaluate("b => b.scrollWidth <= b.clientWidth"), button.inner_text()
    context.close()


# ---- one hover --------------------------------------------------------------------------------------------


def test_one_hover_names_the_step_and_every_series_of_both_plots(
    context: BrowserContext, keyed_app: RunningApp, s300_run: SyntheticRun
) -> None:
    page = _open(context, keyed_app, job_path(S300))
    series = ["Training loss", "Validation loss (batch)", "Training accuracy", "Validation accuracy (batch)"]
    for axis, y in (("yaxis", 0.8), (ACCURACY, 0.85)):
        lines = hover(page, 150, y, axis).split("\n")
        assert lines[0] == "Step 150"
        for name in series:
            assert any(line.startswith(f"{name}: ") for line in lines), (name, lines)
        assert not any("ckpt-step" in line for line in lines)  # no checkpoint at step 150
    page.close()


def test_the_hover_over_a_checkpoint_starts_with_its_model_step_and_metrics(
    context: BrowserContext, keyed_app: RunningApp, s300_run: SyntheticRun
) -> None:
    page = _open(context, keyed_app, job_path(S300))
    best = recommended_id(s300_run)
    x, y = _mark(page, best)
    lines = hover(page, x, y).split("\n")
    assert lines[0] == f"Step {int(x)}"
    checkpoint = lines[1]
    assert checkpoint.startswith(_model(s300_run, best) + f"step {int(x)} · ★ recommended")
    assert "loss: train " in checkpoint and "accuracy: train " in checkpoint
    assert any(line.startswith("Training loss: ") for line in lines[2:])
    page.close()


# ---- large runs -------------------------------------------------------------------------------------------


def test_forty_checkpoints_are_ticks_on_a_framed_chart_with_few_epoch_lines(
    laptop: BrowserContext, keyed_app: RunningApp, showcase: dict
) -> None:
    run = showcase[LONG]
    picked = min(run.checkpoints, key=lambda c: c["step_number"])["id"]
    page = _open(laptop, keyed_app, job_path(LONG, ckpt=picked))
    plotted = traces(page)
    assert len(plotted[CHECKPOINT_TRACE]["x"]) == 40
    many = [t for t in plotted.values() if len(t["x"]) >= MANY_MARKS and "markers" in (t["mode"] or "")]
    assert {CHECKPOINT_TRACE, "Validation loss (full, epoch end)"} <= {t["name"] for t in many}
    assert max(widest_mark(t) for t in many) <= MAX_MARK_WIDTH_WHEN_MANY
    for name in (RECOMMENDED_TRACE, SELECTED_TRACE):
        assert widest_mark(plotted[name]) > 2 * MAX_MARK_WIDTH_WHEN_MANY
    lines = [
        shape for shape in layout(page)["shapes"] if shape["type"] == "line" and shape["yref"] == "y domain"
    ]
    assert 1 <= len(lines) <= 12  # 40 epochs, a dotted line every 5th
    # Framed on the choice: the first steps' high loss does not set the scale.
    top = chart(page).evaluate("gd => gd._fullLayout.yaxis.range[1]")
    assert top < 0.6 * max(plotted["Training loss (raw)"]["y"])
    page.close()


# ---- smoothing --------------------------------------------------------------------------------------------


def _per_step_ema(steps: np.ndarray, values: np.ndarray, weight: float) -> np.ndarray:
    """The debiased EMA that decays by ``weight`` per step of distance, written out for the test."""
    out, numerator, denominator, last = np.empty(len(values)), 0.0, 0.0, None
    for i, (step, value) in enumerate(zip(steps, values, strict=True)):
        decay = weight ** (step - last) if last is not None else 0.0
        numerator, denominator, last = numerator * decay + value, denominator * decay + 1.0, step
        out[i] = numerator / denominator
    return out


def test_series_logged_at_different_rates_smooth_by_steps_and_keep_the_turn(
    laptop: BrowserContext, keyed_app: RunningApp, showcase: dict
) -> None:
    """Training every step, batch validation every 10th: at 0.99 both are averaged over steps, so
    validation still turns up where the run overfits (a per-point average lagged it by 1,000 steps)."""
    run = showcase[LONG]
    page = _open(laptop, keyed_app, job_path(LONG, smooth="0.99"))
    plotted = traces(page)
    results = pd.read_csv(io.BytesIO(base64.b64decode(next(iter(run.files.values())))))
    for column, name in (("train_loss", "Training loss"), ("valid_loss", "Validation loss (batch)")):
        logged = results[["step", column]].dropna()
        expected = pd.Series(
            _per_step_ema(logged["step"].to_numpy(float), logged[column].to_numpy(float), 0.99),
            index=logged["step"],
        )
        drawn = plotted[f"{name} (smoothed)"]
        assert np.asarray(drawn["y"]) == pytest.approx(expected.loc[drawn["x"]].to_numpy(), abs=1e-4)
    valid = dict(
        zip(
            plotted["Validation loss (batch) (smoothed)"]["x"],
            plotted["Validation loss (batch) (smoothed)"]["y"],
            strict=True,
        )
    )
    best_step = next(c["step_number"] for c in run.checkpoints if c["id"] == recommended_id(run))
    assert valid[20_000] > valid[best_step] + 0.1
    page.close()


# ---- one selection, nothing moves -------------------------------------------------------------------------


def test_chart_table_and_panel_share_one_selection_and_nothing_moves(
    context: BrowserContext, keyed_app: RunningApp, s300_run: SyntheticRun
) -> None:
    page = _open(context, keyed_app, job_path(S300))
    best = recommended_id(s300_run)
    by_step = {c["step_number"]: c for c in s300_run.checkpoints}
    others = [c for step, c in sorted(by_step.items()) if c["id"] != best]
    panel = page.locator(".st-key-comparison")
    places = _places(page)

    click_data_point(page, *_mark(page, others[0]["id"]))
    expect(page).to_have_url(re.compile(rf"[?&]ckpt={others[0]['id']}(&|$)"))
    wait_for_app_run(page)
    expect(panel.get_by_test_id("stCode")).to_have_text(others[0]["fine_tuned_model_checkpoint"])
    expect(grid(page).locator("tbody [role=row][aria-selected=true]")).to_have_count(1)
    assert ticked_steps(page) == [others[0]["step_number"]]
    assert rows(page)[0][1] == "★"  # the recommended row stays pinned on top
    assert _places(page) == places  # nothing jumped: the panel kept its place and height

    click_row(page, others[1]["step_number"])
    expect(page).to_have_url(re.compile(rf"[?&]ckpt={others[1]['id']}(&|$)"))
    wait_for_app_run(page)
    wait_for_chart(
        page,
        "gd._fullData.some(t => t.name === arg[1] && t.customdata && t.customdata[0][0] === arg[0])",
        [others[1]["id"], SELECTED_TRACE],
    )
    expect(panel.get_by_test_id("stCode")).to_have_text(others[1]["fine_tuned_model_checkpoint"])

    low, high = chart(page).evaluate("gd => gd._fullLayout.yaxis.range")
    click_data_point(page, 150, (low + high) / 2)  # halfway between two checkpoints: empty chart space
    expect(page).not_to_have_url(re.compile(r"[?&]ckpt="))
    wait_for_app_run(page)
    expect(panel.get_by_test_id("stCode")).to_have_count(0)
    expect(grid(page).locator("tbody [role=row][aria-selected=true]")).to_have_count(0)
    assert SELECTED_TRACE not in traces(page)
    assert _places(page) == places
    page.close()


# ---- shared zoom ------------------------------------------------------------------------------------------


def test_a_box_zoom_holds_on_both_plots_through_an_option_change(
    laptop: BrowserContext, keyed_app: RunningApp
) -> None:
    page = _open(laptop, keyed_app, job_path(S300))
    page.get_by_test_id("stMain").get_by_text("Zoom", exact=True).click()
    wait_for_chart(page, "L.dragmode === 'select'")
    drag_across(page, 120, 220, 0.8)
    expect(page).to_have_url(re.compile(r"[?&]steps=1\d\d-2\d\d(&|$)"))
    wait_for_app_run(page)
    wait_for_charts(page)
    low, high = layout(page)["xRange"]
    assert low == pytest.approx(120, abs=3) and high == pytest.approx(220, abs=3)
    # Both plots hang off that one x axis.
    assert {t["name"]: t for t in traces(page).values()}["Training accuracy (raw)"] is not None
    assert chart(page).evaluate("gd => gd._fullData.every(t => !t.xaxis || t.xaxis === 'x')")

    page.get_by_test_id("stSidebar").get_by_text("Log y axis").click()
    wait_for_chart(page, "L.yaxis.type === 'log'")
    wait_for_app_run(page)
    assert layout(page)["xRange"] == pytest.approx([low, high])
    assert layout(page)["y2Type"] == "log"

    page.get_by_role("button", name="Full range").click()
    expect(page).not_to_have_url(re.compile(r"[?&]steps="))
    wait_for_app_run(page)
    wait_for_chart(page, "L.xaxis.range[1] > 290")
    page.close()


# ---- honest wording ---------------------------------------------------------------------------------------


def test_a_run_without_validation_says_overfitting_cannot_be_judged(
    laptop: BrowserContext, keyed_app: RunningApp, showcase: dict
) -> None:
    page = _open(laptop, keyed_app, job_path(NO_VALIDATION))
    strip = _strip(page)
    assert "use it right away" not in strip
    assert "cannot show overfitting; add a validation file next time" in strip
    expect(page.get_by_text("No validation data: overfitting cannot be judged", exact=False)).to_be_visible()
    assert not [s for s in layout(page)["shapes"] if s["type"] == "rect"]
    page.close()


def test_training_loss_as_decider_is_never_told_to_use_it(
    laptop: BrowserContext, keyed_app: RunningApp
) -> None:
    page = _open(laptop, keyed_app, job_path(S300, metric="Training+loss"))
    # The strip is drawn element by element: wait for its metrics list before reading every word.
    expect(page.locator(".st-key-best_card")).to_contain_text("Training loss")
    strip = _strip(page)
    assert "use it right away" not in strip
    assert "cannot show overfitting; pick a validation metric" in strip
    page.close()


def test_the_best_point_without_a_checkpoint_is_a_hollow_star_and_the_band_is_named(
    laptop: BrowserContext, keyed_app: RunningApp, showcase: dict
) -> None:
    page = _open(laptop, keyed_app, job_path(UNSAVED_BEST))
    star = traces(page)[UNSAVED_TRACE]
    assert star["x"] == [240] and star["marker"]["symbol"] == "star-open"
    strip = _strip(page)
    assert "Inside the overfitting band" in strip and "use it right away" not in strip
    page.close()


def test_a_running_job_shows_its_progress_and_its_best_so_far(
    laptop: BrowserContext, keyed_app: RunningApp, showcase: dict
) -> None:
    page = _open(laptop, keyed_app, job_path(RUNNING))
    expect(page.get_by_test_id("stProgress")).to_contain_text("288 / 480 steps · 60% · epoch 2.4 of 4")
    strip = _strip(page)
    assert "Best checkpoint so far" in strip and "Best so far, the job is still running" in strip
    assert "use it right away" not in strip
    assert layout(page)["xRange"] == pytest.approx([0, 480])
    page.close()


# ---- state that outlives a failed job ---------------------------------------------------------------------


def test_the_deciding_metric_survives_a_job_that_failed_to_load(
    laptop: BrowserContext, keyed_app: RunningApp
) -> None:
    """Open a job, then an unknown one (no controls drawn), then the first again and toggle log y: the
    recommendation used to move from full validation loss to training loss."""
    page = _open(laptop, keyed_app, job_path(S300))
    page.get_by_test_id("stSidebar").get_by_test_id("stRadio").get_by_text("Epoch", exact=True).click()
    wait_for_chart(page, "L.xaxis.title.text === 'Epoch'")
    field = page.get_by_test_id("stSidebar").get_by_role("textbox", name="Fine-tuning job ID", exact=True)
    for job in (MISSING, S300):
        field.fill(job)
        field.press("Enter")
        expect(page).to_have_url(re.compile(rf"[?&]job={job}(&|$)"))
        wait_for_app_run(page)
    wait_for_charts(page)
    page.get_by_test_id("stSidebar").get_by_text("Log y axis").click()
    wait_for_chart(page, "L.yaxis.type === 'log'")
    wait_for_app_run(page)
    expect(page.locator(".st-key-best_card").get_by_test_id("stMetric")).to_contain_text(
        "Full validation loss"
    )
    page.close()


# ---- dark theme -------------------------------------------------------------------------------------------

# Any CSS colour (hex or rgb) as the browser resolves it, then its relative luminance, 0 black to 1 white.
_LUMINANCE = """colour => {
  const probe = document.createElement('div');
  probe.style.color = colour;
  document.body.appendChild(probe);
  const resolved = getComputedStyle(probe).color;
  probe.remove();
  const [r, g, b] = resolved.match(/[\\d.]+/g).slice(0, 3).map(Number);
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
}"""

_CHART_BACKGROUND = """gd => {
  for (let node = gd; node; node = node.parentElement) {
    const colour = getComputedStyle(node).backgroundColor;
    if (colour && !colour.startsWith('rgba(0, 0, 0, 0)') && colour !== 'transparent') return colour;
  }
  return null;
}"""


def test_a_dark_system_theme_darkens_the_page_and_the_chart(
    browser: Browser, keyed_app: RunningApp, s300_run: SyntheticRun
) -> None:
    context = browser.new_context(viewport=LAPTOP, color_scheme="dark")
    page = _open(context, keyed_app, job_path(S300))

    def luminance(colour: str) -> float:
        return page.evaluate(f"({_LUMINANCE})({colour!r})")

    app = page.evaluate(
        "() => getComputedStyle(document.querySelector('[data-testid=stApp]')).backgroundColor"
    )
    assert luminance(app) < 0.2
    shown = layout(page)
    assert shown["paper"] in ("rgba(0, 0, 0, 0)", "rgba(0,0,0,0)")  # the page shows through
    assert luminance(chart(page).evaluate(_CHART_BACKGROUND)) < 0.2
    assert luminance(shown["font"]) > 0.5  # light labels on the dark background
    assert traces(page)["Training loss (raw)"]["line"]["color"] == PALETTES["dark"].train
    context.close()
