""" "More metrics" beneath the main chart: a small chart per other metric the run logs, by prefix.

The section is an expander that tracks its state (``on_change="rerun"``), so its body runs only while it
is open: closed (the default beyond a few metrics) it costs the page nothing, and it runs in a fragment,
so opening it rebuilds the panels, not the page. Two panels a row (Streamlit stacks the columns on a
narrow screen).
"""

from __future__ import annotations

import streamlit as st

from components.charts.config import plotly_config
from components.charts.options import ViewOptions
from components.charts.small_multiples import panel_figure
from components.export.download import chart_image_name
from components.page.chart import ChartModel
from components.page.model import Prepared
from components.page.more_metrics import (
    GroupPanels,
    MoreMetricsModel,
    more_metrics_count,
    more_metrics_of,
    starts_open,
)

SECTION_KEY = "more_metrics_open"
PANEL_KEY = "more_metric:"
PER_ROW = 2


def panel_key(name: str) -> str:
    """The key of one metric's panel (tests find a panel by its metric)."""
    return f"{PANEL_KEY}{name}"


def _group(group: GroupPanels, model: MoreMetricsModel, run_id: str) -> None:
    st.markdown(f"##### {group.group.heading}")
    panels = group.panels
    for start in range(0, len(panels), PER_ROW):
        for column, panel in zip(st.columns(PER_ROW), panels[start : start + PER_ROW], strict=False):
            with column:
                st.plotly_chart(
                    panel_figure(panel, model.view),
                    key=panel_key(panel.info.name),
                    config=plotly_config(chart_image_name([run_id], panel.info.name), zoom_on_page=True),
                    width="stretch",
                )


@st.fragment
def more_metrics(prepared: Prepared, options: ViewOptions, chart: ChartModel, run_id: str) -> None:
    """The section, built only while open, with the main chart's x axis, zoom, smoothing and marks."""
    found = more_metrics_count(prepared)
    if not found:
        return
    section = st.expander(
        f"More metrics ({found})",
        expanded=starts_open(prepared),
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
