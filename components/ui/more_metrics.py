""" "More metrics" beneath the main chart: a small chart per other metric the run logs, by prefix.

The section is an expander that tracks its state (``on_change="rerun"``), so its body runs only while it
is open. It starts closed, whatever the number of metrics: closed it costs the page nothing, so the main
chart is drawn first (panels built in the same run were drawn with it, each a plotly chart of its own,
and delayed it: ``benchmarks/first_chart.py``). It runs in a fragment, so opening it rebuilds the panels,
not the page; once opened it stays open for the session. Panels of a fixed width wrap: two a row beside the
sidebar at 1280 px, one on a narrow screen, more on a wide one.
"""

from __future__ import annotations

import streamlit as st

from components.charts.config import plotly_config
from components.charts.options import ViewOptions
from components.charts.small_multiples import PANEL_WIDTH, panel_figure
from components.export.download import chart_image_name
from components.page.chart import ChartModel
from components.page.model import Prepared
from components.page.more_metrics import GroupPanels, MoreMetricsModel, more_metrics_count, more_metrics_of

SECTION_KEY = "more_metrics_open"
PANEL_KEY = "more_metric:"


def panel_key(name: str) -> str:
    """The key of one metric's panel (tests find a panel by its metric)."""
    return f"{PANEL_KEY}{name}"


def _group(group: GroupPanels, model: MoreMetricsModel, run_id: str) -> None:
    """A group's heading, then its panels side by side, wrapping to the next row where the page ends."""
    st.markdown(f"##### {group.group.heading}")
    with st.container(horizontal=True, wrap=True, gap="small"):
        for panel in group.panels:
            st.plotly_chart(
                panel_figure(panel, model.view),
                key=panel_key(panel.info.name),
                config=plotly_config(chart_image_name([run_id], panel.info.name), zoom_on_page=True),
                width=PANEL_WIDTH,
            )


@st.fragment
def more_metrics(prepared: Prepared, options: ViewOptions, chart: ChartModel, run_id: str) -> None:
    """The section, built only while open, with the main chart's x axis, zoom, smoothing and marks."""
    found = more_metrics_count(prepared)
    if not found:
        return
    section = st.expander(
        f"More metrics ({found})",
        expanded=False,
        key=SECTION_KEY,
        on_change="rerun",
        icon=":material/monitoring:",
    )
    if not section.open:
        return
    with section:
        model = more_metrics_of(prepared, options, chart.zoom, chart.highlights)
        st.caption(model.caption)
        for group in model.groups:
            _group(group, model, run_id)
