"""The noise band of batch validation on the run chart: the running median ± the estimated σ, shaded in
the batch-validation colour under its points, so a reader sees how far apart two points must be before
the gap means something. Pure plotly; the page model decides when there is a band."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from components.charts import style
from components.charts.layout import axis_of
from components.charts.view import RunDisplay
from components.data.uncertainty.noise import CurveNoise

MAX_BAND_POINTS = 1_000  # the band is a shade: an even sample of its points draws it at any length
BAND_NAME = "batch noise (±1 σ)"
BAND_NOTE = (
    "The shade around batch validation is its noise (±1 σ), estimated from the curve itself: points closer "
    "than that cannot be told apart."
)
LOWER_NAME = "batch noise, lower edge"  # named too: every trace of the chart has its own name
_ALPHA = 0.22


def _rgba(colour: str, alpha: float) -> str:
    """``#ea580c`` as ``rgba(234, 88, 12, 0.22)``."""
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red}, {green}, {blue}, {alpha})"


def band_traces(display: RunDisplay, noise: CurveNoise, metric: str) -> list[go.Scatter]:
    """Two traces, the band's lower edge then its upper edge filled down to it, on the plot that draws
    ``metric``; none when no plot draws it."""
    kinds = [plot.kind for plot in display.view.plots]
    kind = next((p.kind for p in display.view.plots if any(m.name == metric for m in p.metrics)), None)
    if kind is None:
        return []
    keep = np.unique(np.linspace(0, len(noise.steps) - 1, min(len(noise.steps), MAX_BAND_POINTS)).astype(int))
    x = display.x_at(noise.steps[keep])
    fill = _rgba(style.palette(display.view.theme).valid, _ALPHA)
    common = {
        "x": x,
        "yaxis": axis_of(kinds, kind),
        "mode": "lines",
        "hoverinfo": "skip",
        "line": {"width": 0},
    }
    return [
        go.Scatter(
            y=noise.trend[keep] - noise.sigma[keep],
            name=LOWER_NAME,
            showlegend=False,
            legendgroup="noise",
            **common,
        ),
        go.Scatter(
            y=noise.trend[keep] + noise.sigma[keep],
            fill="tonexty",
            fillcolor=fill,
            name=BAND_NAME,
            showlegend=False,  # said under the chart (BAND_NOTE): a legend entry wraps the legend a row
            legendgroup="noise",
            **common,
        ),
    ]


def with_noise_band(
    figure: go.Figure, display: RunDisplay, noise: CurveNoise | None, metric: str
) -> go.Figure:
    """``figure`` with the band drawn first (under every other trace), when there is one."""
    if noise is None:
        return figure
    traces = band_traces(display, noise, metric)
    return go.Figure(data=[*traces, *figure.data], layout=figure.layout) if traces else figure
