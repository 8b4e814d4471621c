"""A session's first run page in a real browser: the chart is drawn before the rest of the page, which then
follows by itself; later run pages of the session come whole (``components.ui.first_paint``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from components.ui.checkpoint_table import TABLE_KEY
from components.ui.curves_panel import CHART_KEY
from components.ui.first_paint import SIGNAL_KEY
from devtools.harness import CHROMIUM, RunningApp, wait_for_app_run
from tests.browser.apps import S300, job_path

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no chromium at {CHROMIUM}"),
]

# Once per animation frame, from navigation on: when the main chart first held drawn traces (and its node),
# when the checkpoint table and the sidebar's job field were first on the page, whether the "rest follows"
# block was ever shown, and whether the sidebar ever held only its "controls follow" line.
RECORDER = f"""
window.__paint = {{waited: false}};
(function poll() {{
  const paint = window.__paint, now = performance.now();
  const chart = document.querySelector('.st-key-{CHART_KEY} .js-plotly-plot');
  if (!paint.drawn && chart && chart._fullData && chart._fullData.length
      && chart.querySelector('.scatterlayer .trace, canvas.gl-canvas-context')) {{
    paint.drawn = now;
    paint.chart = chart;
  }}
  if (!paint.table && document.querySelector('.st-key-{TABLE_KEY}')) paint.table = now;
  const sidebar = document.querySelector('[data-testid="stSidebar"]');
  if (!paint.controls && sidebar && sidebar.querySelector('input[aria-label="Fine-tuning job ID"]'))
    paint.controls = now;
  if (document.querySelector('.st-key-{SIGNAL_KEY}')) paint.waited = true;
  if (!paint.controls && sidebar && sidebar.innerText.includes('controls follow')) paint.noted = true;
  requestAnimationFrame(poll);
}})();
"""
EMPTY_CHARTS = """() => Array.from(document.querySelectorAll('.js-plotly-plot'))
  .filter(gd => !gd._fullData || gd._fullData.every(trace => !trace._length)).length"""


def test_the_first_chart_is_drawn_before_the_table_and_the_sidebar_which_then_follow_by_themselves(
    page: Page, keyed_app: RunningApp
) -> None:
    page.add_init_script(RECORDER)
    page.goto(keyed_app.url + job_path(S300))
    wait_for_app_run(page)
    expect(page.locator(f".st-key-{TABLE_KEY}")).to_be_visible()
    page.wait_for_function("() => window.__paint.table && window.__paint.controls")  # the recorder saw them
    paint = page.evaluate("() => window.__paint")
    assert paint["waited"], "the session's first run page did not wait for its chart"
    assert paint["drawn"] < paint["table"], paint
    assert paint["noted"] and paint["drawn"] < paint["controls"], paint  # the sidebar's controls came after
    expect(page.get_by_text("controls follow the chart")).to_have_count(0)
    expect(page.locator(f".st-key-{SIGNAL_KEY}")).to_have_count(0)
    assert page.evaluate(EMPTY_CHARTS) == 0, "the chart that loads plotly early was left on the page"
    same = f"() => window.__paint.chart === document.querySelector('.st-key-{CHART_KEY} .js-plotly-plot')"
    assert page.evaluate(same), "the rerun that drew the rest drew the chart again (it moved in the page)"

    # The same session (no reload): back to the list, then the run again by its ID, as a user would.
    page.get_by_role("button", name="All runs of OpenAI").click()
    wait_for_app_run(page)
    expect(page.locator(f".st-key-{CHART_KEY}")).to_have_count(0)
    page.evaluate("() => { window.__paint = {waited: false}; }")
    job_id = page.get_by_role("textbox", name="Fine-tuning job ID")
    job_id.fill(S300)
    job_id.press("Enter")
    wait_for_app_run(page)
    expect(page.locator(f".st-key-{TABLE_KEY}")).to_be_visible()
    assert not page.evaluate("() => window.__paint.waited"), "a later run page of the session waited again"
