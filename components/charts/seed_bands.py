"""Runs that differ only in their seed, drawn as one: the mean curve over the seeds, bold, in the colour of
the group's first run, over a shaded band from the lowest to the highest seed at each x. Pure plotly; the
compare page model decides the groups (``components.page.seed_groups``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import plotly.graph_objects as go

from components.charts import style
from components.data.metrics import Kind
from components.data.uncertainty.seeds import SeedBand
from components.text import ID_CHARS, plotly_text

BAND_ALPHA = 0.2
HOVER = "%{meta}: %{y:.4g} (seeds %{customdata[0]:.4g} to %{customdata[1]:.4g})<extra></extra>"


@dataclass(frozen=True)
class GroupBand:
    """One configuration's seeds: ``members`` are the runs' positions (their lines give way to the mean),
    ``colour_index`` the run whose colour the group takes, ``bands`` one per plot drawn."""

    label: str  # from outside (run ids, hyperparameters): escaped here
    colour_index: int
    members: tuple[int, ...]
    bands: Mapping[Kind, SeedBand]


def _rgba(colour: str, alpha: float) -> str:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red}, {green}, {blue}, {alpha})"


def group_traces(group: GroupBand, kind: Kind, axis: str, colour: str, legend: bool) -> list[go.Scatter]:
    """The band's lower edge, its upper edge filled down to it, and the mean line on top."""
    band = group.bands.get(kind)
    if band is None:
        return []
    name = f"{plotly_text(group.label, ID_CHARS * 2)} · mean of {band.seeds} seeds"
    common = {"x": band.x, "yaxis": axis, "xaxis": "x", "legendgroup": f"seeds{group.colour_index}"}
    edge = {"mode": "lines", "line": {"width": 0}, "hoverinfo": "skip", "showlegend": False}
    return [
        go.Scatter(y=band.low, name=f"{name} (lowest seed)", **edge, **common),
        go.Scatter(
            y=band.high,
            name=f"{name} (highest seed)",
            fill="tonexty",
            fillcolor=_rgba(colour, BAND_ALPHA),
            **edge,
            **common,
        ),
        go.Scatter(
            y=band.mean,
            name=name,
            mode="lines",
            line={"color": colour, "width": style.LINE_WIDTH + 1},
            showlegend=legend,
            meta=name,  # in the template by reference: a label is never read as template syntax
            hovertemplate=HOVER,
            customdata=list(zip(band.low, band.high, strict=True)),
            **common,
        ),
    ]
