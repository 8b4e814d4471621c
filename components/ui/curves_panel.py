"""The chart: loss above accuracy in one figure; a click picks a checkpoint, a drag zooms into steps."""

from __future__ import annotations

from functools import partial

import streamlit as st

from components.charts.curves import curves_figure
from components.export.download import chart_image_name
from components.page.chart import ChartModel
from components.ui.selection import on_chart_select

CHART_KEY = "curves_chart"
PLOTLY_CONFIG = {
    "displaylogo": False,
    "toImageButtonOptions": {"format": "png", "scale": 2},
    # Zoom lives on the page (the toolbar and the drag), where it survives reruns; plotly's own would not.
    "modeBarButtonsToRemove": [
        "zoom2d",
        "pan2d",
        "select2d",
        "lasso2d",
        "zoomIn2d",
        "zoomOut2d",
        "autoScale2d",
    ],
}


def _with_image_name(name: str) -> dict:
    """The chart's config with the PNG download named after the run and metric, not plotly's "newplot"."""
    return {
        **PLOTLY_CONFIG,
        "toImageButtonOptions": {**PLOTLY_CONFIG["toImageButtonOptions"], "filename": name},
    }


def curves_panel(chart: ChartModel, job_id: str, loaded: str) -> None:
    """Draw the chart, then what it cannot show, what was read and what the drawing leaves out."""
    st.plotly_chart(
        curves_figure(chart.display, chart.highlights),
        key=CHART_KEY,
        on_select=partial(on_chart_select, CHART_KEY, job_id, chart),
        selection_mode=("points", "box"),
        config=_with_image_name(chart_image_name([job_id], chart.highlights.decider)),
        width="stretch",
    )
    st.caption(" ".join([*chart.notes, f"Read: {loaded}.", chart.caption]).strip())
