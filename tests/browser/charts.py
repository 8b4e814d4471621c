"""Reading, hovering and clicking the dashboard's one plotly chart in a real page (shared/streamlit.md §1c).

Loss (y axis ``yaxis``) sits above accuracy (``yaxis2``) on one x axis. Plotly.py sends numpy arrays as
base64 typed-array specs, so ``gd.data[i].x`` is an object in the page; plotly.js decodes them into
``gd._fullData``, which is what these helpers read.
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Locator, Page

from components.charts.curves import BEST_TRACE, CHECKPOINT_TRACE, SELECTED_TRACE

__all__ = ["BEST_TRACE", "CHECKPOINT_TRACE", "SELECTED_TRACE"]

LOSS, ACCURACY = "yaxis", "yaxis2"
RECOMMENDED_TRACE = BEST_TRACE
TRAINING_LOSS_TRACE = "Training loss (raw)"
OVERFIT_FILL = "220, 38, 38"

# Drawn: plotly has processed the traces and made SVG trace groups or (scattergl) its WebGL canvas.
_CHART_DRAWN = """() => {
  const gd = document.querySelector('.js-plotly-plot');
  return gd && gd._fullData && gd._fullData.length > 0
    && gd.querySelector('.scatterlayer .trace, canvas.gl-canvas-context');
}"""

_TRACES = """gd => gd._fullData.map(t => ({
  name: t.name,
  type: t.type,
  mode: t.mode,
  yaxis: t.yaxis,
  opacity: t.opacity,
  x: Array.from(t.x || []),
  y: Array.from(t.y || []),
  customdata: t.customdata ? Array.from(t.customdata, row => Array.from(row)) : null,
  marker: t.marker ? {symbol: t.marker.symbol, size: t.marker.size,
                      line: t.marker.line ? t.marker.line.width : 0, color: t.marker.color} : null,
  line: t.line ? {color: t.line.color} : null,
}))"""

_TO_PAGE_PIXELS = """(gd, [x, y, axis]) => {
  const L = gd._fullLayout, r = gd.getBoundingClientRect();
  return [r.left + L.xaxis._offset + L.xaxis.l2p(x), r.top + L[axis]._offset + L[axis].l2p(y)];
}"""

_HOVER_TEXT = "n => Array.from(n.querySelectorAll('text'), t => t.textContent).join('\\n')"


def chart(page: Page) -> Locator:
    """The plotly graph div of the chart."""
    return page.locator(".js-plotly-plot").first


def wait_for_charts(page: Page, timeout: float = 30_000) -> None:
    """Wait until the chart exists and has drawn its traces."""
    page.wait_for_function(_CHART_DRAWN, timeout=timeout)


_CHART_STATE = """([condition, arg]) => {
  const gd = document.querySelector('.js-plotly-plot');
  if (!gd || !gd._fullLayout || !gd._fullData) return false;  // between two runs the chart is rebuilt
  return new Function('gd', 'L', 'arg', 'return (' + condition + ');')(gd, gd._fullLayout, arg);
}"""


def wait_for_chart(page: Page, condition: str, arg: Any = None, timeout: float = 30_000) -> None:
    """Wait until the JS expression ``condition`` holds of the drawn chart (``gd``, its layout ``L``)."""
    page.wait_for_function(_CHART_STATE, arg=[condition, arg], timeout=timeout)


def traces(page: Page) -> dict[str, dict[str, Any]]:
    """The traces plotted, by name: type, mode, axis, x, y, customdata and marker as plain values."""
    return {trace["name"]: trace for trace in chart(page).evaluate(_TRACES)}


def layout(page: Page) -> dict[str, Any]:
    """The chart's layout as plotly.js applied it (axis types, titles, ranges, shapes)."""
    return chart(page).evaluate(
        """gd => ({
          xTitle: gd._fullLayout.xaxis.title.text,
          xRange: gd._fullLayout.xaxis.range,
          yType: gd._fullLayout.yaxis.type,
          y2Type: gd._fullLayout.yaxis2 ? gd._fullLayout.yaxis2.type : null,
          dragmode: gd._fullLayout.dragmode,
          anchors: [gd._fullLayout.yaxis.anchor, gd._fullLayout.yaxis2 && gd._fullLayout.yaxis2.anchor],
          domains: [gd._fullLayout.yaxis.domain, gd._fullLayout.yaxis2 && gd._fullLayout.yaxis2.domain],
          paper: gd._fullLayout.paper_bgcolor,
          font: gd._fullLayout.font.color,
          shapes: (gd._fullLayout.shapes || []).map(
            s => ({type: s.type, fillcolor: s.fillcolor, x0: s.x0, x1: s.x1, yref: s.yref})),
        })"""
    )


def to_pixels(page: Page, x: float, y: float, axis: str = LOSS) -> tuple[float, float]:
    """Page pixels of the data point (x, y) on the plot of ``axis`` (``LOSS`` or ``ACCURACY``)."""
    px, py = chart(page).evaluate(_TO_PAGE_PIXELS, [x, y, axis])
    return px, py


def hover(page: Page, x: float, y: float, axis: str = LOSS) -> str:
    """Move the real mouse onto (x, y) and return the hover label's lines, one per line of text."""
    graph = chart(page)
    graph.scroll_into_view_if_needed()
    page.mouse.move(*to_pixels(page, x, y, axis))
    label = graph.locator(".hoverlayer text").first
    label.wait_for(state="attached")
    return graph.locator(".hoverlayer").evaluate(_HOVER_TEXT)


def click_data_point(page: Page, x: float, y: float, axis: str = LOSS) -> None:
    """Scroll the chart into view, hover the point at data coordinates (x, y), pause briefly, click it."""
    graph = chart(page)
    graph.scroll_into_view_if_needed()
    px, py = to_pixels(page, x, y, axis)
    page.mouse.move(px, py)
    page.wait_for_timeout(200)  # the short hover pause of shared/streamlit.md §1c
    page.mouse.click(px, py)


def drag_across(page: Page, x0: float, x1: float, y: float, axis: str = LOSS) -> None:
    """Press the real mouse at step ``x0`` and release it at ``x1``, at height ``y`` (a box selection)."""
    graph = chart(page)
    graph.scroll_into_view_if_needed()
    start, end = to_pixels(page, x0, y, axis), to_pixels(page, x1, y, axis)
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(*end, steps=10)
    page.mouse.up()


def widest_mark(trace: dict[str, Any]) -> float:
    """A trace's mark width in pixels as plotly draws it: a vertical tick is its stroke, any other mark
    its size plus its outline."""
    marker = trace["marker"]
    sizes = marker["size"] if isinstance(marker["size"], list) else [marker["size"]]
    if str(marker["symbol"]).startswith("line-ns"):
        return float(marker["line"])
    return max(sizes) + float(marker["line"] or 0)
