"""Reading and clicking the dashboard's plotly charts in a real page (see shared/streamlit.md §1c, §2).

Plotly.py sends numpy arrays as base64 typed-array specs, so ``gd.data[i].x`` is an object in the page;
plotly.js decodes them into ``gd._fullData``, which is what these helpers read.
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Locator, Page

LOSS, ACCURACY = 0, 1  # the charts' order in the page: loss left, accuracy right
CHECKPOINT_TRACE = "Saved checkpoint (click to select)"
RECOMMENDED_TRACE = "Recommended checkpoint"
TRAINING_LOSS_TRACE = "Training loss (raw)"
OVERFIT_FILL = "220, 38, 38"

# Drawn: plotly has processed the traces and made SVG trace groups or (scattergl) its WebGL canvas.
_CHARTS_DRAWN = """n => {
  const plots = document.querySelectorAll('.js-plotly-plot');
  return plots.length >= n && Array.from(plots).every(
    gd => gd._fullData && gd._fullData.length > 0
      && gd.querySelector('.scatterlayer .trace, canvas.gl-canvas-context'));
}"""

_TRACES = """gd => gd._fullData.map(t => ({
  name: t.name,
  type: t.type,
  mode: t.mode,
  x: Array.from(t.x || []),
  y: Array.from(t.y || []),
  customdata: t.customdata ? Array.from(t.customdata, row => Array.from(row)) : null,
}))"""

_TO_PAGE_PIXELS = """(gd, [x, y]) => {
  const L = gd._fullLayout, r = gd.getBoundingClientRect();
  return [r.left + L._size.l + L.xaxis.l2p(x), r.top + L._size.t + L.yaxis.l2p(y)];
}"""


def chart(page: Page, index: int) -> Locator:
    """The plotly graph div of the ``index``-th chart (``LOSS`` or ``ACCURACY``)."""
    return page.locator(".js-plotly-plot").nth(index)


def wait_for_charts(page: Page, count: int = 2, timeout: float = 30_000) -> None:
    """Wait until ``count`` charts exist and each has drawn its traces."""
    page.wait_for_function(_CHARTS_DRAWN, arg=count, timeout=timeout)


def traces(page: Page, index: int) -> dict[str, dict[str, Any]]:
    """The traces plotted in one chart, by name: type, mode, x, y and customdata as plain lists."""
    return {trace["name"]: trace for trace in chart(page, index).evaluate(_TRACES)}


def layout(page: Page, index: int) -> dict[str, Any]:
    """The chart's full layout as plotly.js applied it (axis types, titles, shapes)."""
    return chart(page, index).evaluate(
        """gd => ({
          xTitle: gd._fullLayout.xaxis.title.text,
          yType: gd._fullLayout.yaxis.type,
          shapes: (gd._fullLayout.shapes || []).map(
            s => ({type: s.type, fillcolor: s.fillcolor, x0: s.x0, x1: s.x1})),
        })"""
    )


def click_data_point(page: Page, index: int, x: float, y: float) -> None:
    """Scroll the chart into view, hover the point at data coordinates (x, y), pause briefly, click it."""
    graph = chart(page, index)
    graph.scroll_into_view_if_needed()
    px, py = graph.evaluate(_TO_PAGE_PIXELS, [x, y])
    page.mouse.move(px, py)
    page.wait_for_timeout(200)  # the short hover pause of shared/streamlit.md §1c
    page.mouse.click(px, py)
