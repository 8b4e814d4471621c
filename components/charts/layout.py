"""The layout every two-plot figure shares: loss above accuracy on one x axis, one legend, one hover.

The run chart (:mod:`components.charts.curves`) and the comparison (:mod:`components.charts.compare`)
read the same way, so their height, legend, unified hover, spike line and y axes come from here; each adds
only what is its own (click and drag modes, reading aids, ranges). Pure: kinds in, a layout dict out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from components.charts import style
from components.data.metrics import Kind

Y_TITLES: dict[Kind, str] = {"loss": "Loss", "accuracy": "Accuracy"}


def axis_of(kinds: Sequence[Kind], kind: Kind) -> str:
    """The y axis of ``kind``: the first kind shown is ``y`` (top), the second ``y2`` (below)."""
    return "y" if kinds.index(kind) == 0 else "y2"


@dataclass(frozen=True)
class AxisOptions:
    """What the two figures' axes differ in: the x title and hover title, the spike line's colour, y titles
    (a kind not named is "Loss" or "Accuracy"; the ``task`` plot is always named), log scale and y ranges,
    whether the browser may zoom (``fixed_range`` turns it off), and keys added to the x axis (a range, a
    tick format)."""

    x_title: str
    hover_title: str
    spike_colour: str
    y_titles: Mapping[Kind, str] = field(default_factory=dict)
    log_y: bool = False
    y_range: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    fixed_range: bool = False
    x_extra: Mapping[str, object] | None = None


def _x_axis(kinds: Sequence[Kind], axes: AxisOptions) -> dict[str, object]:
    """The one x axis, under the lowest plot, with a spike line across both and the hover's title."""
    return {
        "title": {"text": axes.x_title},
        "anchor": axis_of(kinds, kinds[-1]),
        **({"fixedrange": True} if axes.fixed_range else {}),
        "unifiedhovertitle": {"text": axes.hover_title},
        "showspikes": True,
        "spikemode": "across",
        "spikethickness": 1,
        "spikedash": "solid",
        "spikecolor": axes.spike_colour,
        **(axes.x_extra or {}),
    }


def _y_axis(kinds: Sequence[Kind], kind: Kind, axes: AxisOptions) -> dict[str, object]:
    """The y axis of ``kind``: its share of the height, title, scale, tick format and range."""
    both = len(kinds) == 2
    top, below = style.TASK_DOMAINS if "task" in kinds else (style.LOSS_DOMAIN, style.ACCURACY_DOMAIN)
    domain = (top if kind == kinds[0] else below) if both else (0.0, 1.0)
    return {
        "domain": list(domain),
        "title": {
            "text": axes.y_titles.get(kind, Y_TITLES.get(kind, "")),
            "font": {"size": style.TITLE_SIZE},
        },
        "type": "log" if axes.log_y else "linear",
        **({"fixedrange": True} if axes.fixed_range else {}),
        **({"tickformat": ".0%"} if kind == "accuracy" else {}),
        **({"range": list(axes.y_range[kind])} if kind in axes.y_range else {}),
    }


def stacked_layout(kinds: Sequence[Kind], axes: AxisOptions) -> dict[str, object]:
    """The layout of ``kinds`` stacked on one x axis, one legend above and one hover for both."""
    layout: dict[str, object] = {
        "height": style.HEIGHT_BOTH if len(kinds) == 2 else style.HEIGHT_LOSS_ONLY,
        "margin": style.MARGIN,
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "hovermode": "x unified",
        "hoversubplots": "axis",
        "hoverdistance": style.HOVER_DISTANCE,
        "legend": {
            "orientation": "h",
            "yanchor": "bottom",
            "y": 1.01,
            "x": 0,
            "font": {"size": style.LEGEND_FONT_SIZE},
            "traceorder": "normal",
        },
        "xaxis": _x_axis(kinds, axes),
    }
    for kind in kinds:
        layout["yaxis" if axis_of(kinds, kind) == "y" else "yaxis2"] = _y_axis(kinds, kind, axes)
    return layout
