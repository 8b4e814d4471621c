"""The chart: loss above accuracy in one figure; a click picks a checkpoint, a drag zooms into steps."""

from __future__ import annotations

from functools import partial

import streamlit as st

from components.charts.config import plotly_config
from components.charts.curves import curves_figure
from components.charts.noise_band import with_noise_band
from components.export.download import chart_image_name
from components.page.chart import ChartModel
from components.ui.selection import on_chart_select

CHART_KEY = "curves_chart"


def curves_panel(chart: ChartModel, run_id: str, loaded: str) -> None:
    """Draw the chart, then what it cannot show, what was read and what the drawing leaves out."""
    st.plotly_chart(
        with_noise_band(
            curves_figure(chart.display, chart.highlights), chart.display, chart.noise, chart.noise_metric
        ),
        key=CHART_KEY,
        on_select=partial(on_chart_select, CHART_KEY, run_id, chart),
        selection_mode=("points", "box"),
        config=plotly_config(chart_image_name([run_id], chart.highlights.decider), zoom_on_page=True),
        width="stretch",
    )
    st.caption(" ".join([*chart.notes, f"Read: {loaded}.", chart.caption]).strip())
