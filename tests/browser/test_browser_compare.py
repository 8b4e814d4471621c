"""Two runs of different lengths compared in a real browser: both curves drawn on both plots, both named
in the legend and in one hover, the best run named, and the table's rows right.

The dashboard itself, keyed to a stand-in that serves both jobs, opened on its ``?run=A&run=B`` route;
what the page should show is computed from the same runs read in memory (``devtools.compare_runs``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from components.charts.options import CompareOptions
from components.page.compare import build_compare, prepare_compare
from devtools.compare_runs import job_from_spec, run_from_spec
from devtools.harness import CHROMIUM, RunningApp, app_process, wait_for_app_run
from devtools.standin import StandInServer
from tests.browser.apps import keyed_env
from tests.browser.charts import LOSS, chart, hover, wait_for_charts
from tests.page.test_page_compare import LONG, SHORT

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no chromium at {CHROMIUM}"),
]
_LINES = """gd => gd._fullData.filter(t => t.name.startsWith('ftjob-')).map(t => ({
  name: t.name, yaxis: t.yaxis, colour: t.line.color, n: t.x.length, last: t.x[t.x.length - 1]}))"""
_ROWS = (
    """rows => rows.map(row => Array.from(row.querySelectorAll('[role=gridcell]'), cell => cell.innerText))"""
)


COMPARED = "run=openai:ftjob-short&run=openai:ftjob-long"


@pytest.fixture(scope="module")
def compare_app() -> Iterator[RunningApp]:
    """The dashboard on a stand-in serving both runs."""
    with StandInServer() as server:
        for spec in (SHORT, LONG):
            server.add_run(job_from_spec(spec))
        with app_process(keyed_env(server)) as app:
            yield app


@pytest.fixture
def compared(page: Page, compare_app: RunningApp) -> Page:
    """The two runs by step (they would open by fraction of training, their lengths differing 4x)."""
    page.goto(f"{compare_app.url}/?{COMPARED}&compare_x=Step")
    wait_for_app_run(page)
    wait_for_charts(page)
    return page


def test_both_runs_are_drawn_named_and_tabled(compared: Page) -> None:
    page = compared
    lines = chart(page).evaluate(_LINES)
    drawn = {(line["name"], line["yaxis"]): line for line in lines}
    assert set(drawn) == {(run, axis) for run in ("ftjob-short", "ftjob-long") for axis in ("y", "y2")}
    assert drawn["ftjob-short", "y"]["last"] == 300 and drawn["ftjob-long", "y"]["last"] == 1200
    for run in ("ftjob-short", "ftjob-long"):  # one colour per run on both plots
        assert drawn[run, "y"]["colour"] == drawn[run, "y2"]["colour"]
    assert drawn["ftjob-short", "y"]["colour"] != drawn["ftjob-long", "y"]["colour"]

    legend = chart(page).locator(".legendtext").evaluate_all("nodes => nodes.map(n => n.textContent)")
    assert "ftjob-short" in legend and "ftjob-long" in legend

    model = build_compare(prepare_compare([run_from_spec(SHORT), run_from_spec(LONG)]), CompareOptions())
    low, high = model.view.y_range["loss"]
    label = hover(page, 300, (low + high) / 2, LOSS)  # both runs have a full validation there
    assert "ftjob-short" in label and "ftjob-long" in label and "Step 300" in label

    best = model.table["Run"][model.best_row]
    expect(page.get_by_text(f"★ Best run: {best}")).to_be_visible()

    grid = page.locator(".st-key-compare_table [data-testid='stDataFrame']")
    grid.scroll_into_view_if_needed()
    grid.locator("tbody [role=row]").first.wait_for(state="attached")
    rows = grid.locator("tbody [role=row]").evaluate_all(_ROWS)
    assert [row[1] for row in rows] == ["openai:ftjob-short", "openai:ftjob-long"]
    assert [row[0] for row in rows] == ["★" if i == model.best_row else "" for i in range(2)]
    expected_steps = [f"{step:,}" for step in model.table["Best step"]]
    assert [row[3] for row in rows] == expected_steps


def test_runs_of_different_lengths_open_by_fraction_ending_both_at_one(
    page: Page, compare_app: RunningApp
) -> None:
    page.goto(f"{compare_app.url}/?{COMPARED}")
    wait_for_app_run(page)
    wait_for_charts(page)
    page.wait_for_function(
        "() => { const gd = document.querySelector('.js-plotly-plot');"
        " return gd && gd._fullLayout && gd._fullLayout.xaxis.title.text === 'Fraction of training'; }"
    )
    lines = chart(page).evaluate(_LINES)
    assert {line["last"] for line in lines} == {1.0}
    expect(page.get_by_text("so they are aligned by fraction of training")).to_be_visible()


def test_a_link_reopens_the_same_view(page: Page, compare_app: RunningApp) -> None:
    """The options go into the URL as the widgets show them, like the single-run page's."""
    page.goto(f"{compare_app.url}/?{COMPARED}&compare_metric=Validation+loss+%28batch%29&compare_x=Epoch")
    wait_for_app_run(page)
    wait_for_charts(page)
    page.wait_for_function(
        "() => { const L = document.querySelector('.js-plotly-plot')._fullLayout;"
        " return L.xaxis.title.text === 'Epoch' && L.yaxis.title.text === 'Validation loss (batch)'; }"
    )
    expect(page.get_by_test_id("stException")).to_have_count(0)


def test_values_in_the_url_that_are_no_option_are_ignored(page: Page, compare_app: RunningApp) -> None:
    page.goto(f"{compare_app.url}/?{COMPARED}&compare_metric=%3Cb%3Enope%3C%2Fb%3E&compare_x=Nope")
    wait_for_app_run(page)
    wait_for_charts(page)
    page.wait_for_function(
        "() => { const L = document.querySelector('.js-plotly-plot')._fullLayout;"
        " return L.xaxis.title.text === 'Fraction of training'"
        " && L.yaxis.title.text === 'Validation loss (full, epoch end)'; }"
    )
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.locator("b", has_text="nope")).to_have_count(0)
