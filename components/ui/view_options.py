"""The sidebar's chart controls; bound to the URL so a shared link opens the same view."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import streamlit as st

from components.charts.view import X_TITLES
from components.data.metrics import BY_NAME

METRIC_KEY = "metric"
X_KEY = "x"
SMOOTHING_KEY = "smooth"
LOG_KEY = "log"
OUTLIERS_KEY = "outliers"
DEFAULT_SMOOTHING = 0.6


def _metric_label(name: str) -> str:
    return BY_NAME[name].label


# The radio's options are these labels, so a shared URL reads ?x=Epoch.
AXIS_LABELS = {title.split(" (")[0]: mode for mode, title in X_TITLES.items()}


@dataclass(frozen=True)
class ViewOptions:
    """What the reader chose; the page passes it on to the data and chart builders."""

    metric: str | None
    x_mode: str
    smoothing: float
    log_y: bool
    ignore_outliers: bool


def view_options(metrics: Sequence[str], default_metric: str | None, x_modes: Sequence[str]) -> ViewOptions:
    """Render the controls for the metrics and x axes this run has."""
    with st.sidebar:
        st.subheader("Reading the curves")
        metric = None
        if metrics:
            if st.session_state.get(METRIC_KEY) not in metrics:
                st.session_state[METRIC_KEY] = default_metric
            metric = st.selectbox(
                "Best checkpoint by",
                metrics,
                key=METRIC_KEY,
                format_func=_metric_label,
                help="Losses: lowest wins. Accuracies: highest wins. Full validation is the most reliable.",
            )
        x_label = st.radio(
            "X axis",
            list(AXIS_LABELS),
            key=X_KEY,
            bind="query-params",
            horizontal=True,
            help="Epoch needs n_epochs or two epoch-end checkpoints; elapsed time needs timestamps.",
        )
        x_mode = AXIS_LABELS[x_label]
        if x_mode not in x_modes:
            st.caption(f"This run has no data for an {x_label.lower()} axis; using steps.")
        smoothing = st.slider(
            "Smoothing",
            0.0,
            0.99,
            DEFAULT_SMOOTHING,
            step=0.01,
            key=SMOOTHING_KEY,
            bind="query-params",
            help="TensorBoard's debiased exponential moving average. The raw line stays faint underneath; "
            "full validation points are never smoothed.",
        )
        log_y = st.toggle("Log y axis", key=LOG_KEY, bind="query-params")
        ignore_outliers = st.toggle(
            "Ignore outliers",
            key=OUTLIERS_KEY,
            bind="query-params",
            help="Scale the y axis to the 5th–95th percentile, so one spike does not flatten the curve.",
        )
    return ViewOptions(metric, x_mode, float(smoothing), bool(log_y), bool(ignore_outliers))
