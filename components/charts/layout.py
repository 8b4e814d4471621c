"""The layout every two-plot figure shares: loss above accuracy on one x axis, one legend, one hover.

The run chart (:mod:`components.charts.curves`) and the comparison (:mod:`components.charts.compare`)
read the same way, so their height, legend, unified hover, spike line and y axes come from here; each adds
only what is its own (click and drag modes, reading aids, ranges). Pure: kinds in, a layout dict out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from components.charts import style
from components.data.metrics import Kind

Y_TITLES: dict[Kind, str] = {"loss": "Loss", "accuracy": "Accuracy"}


def axis_of(kinds: Sequence[Kind], kind: Kind) -> str:
    """The y axis of ``kind``: the first kind shown is ``y`` (top), the second ``y2`` (below)."""
    return "y" if kinds.index(kind) == 0 else "y2"


def stacked_layout(
    kinds: Sequence[Kind],
    *,
    x_title: str,
    hover_title: str,
    spike_colour: str,
    y_titles: Mapping[Kind, str],
    log_y: bool,
    y_range: Mapping[str, tuple[float, float]],
    fixed_range: bool = False,
    x_extra: Mapping[str, object] | None = None,
) -> dict[str, object]:
    """The layout of ``kinds`` stacked on one x axis; ``fixed_range`` turns off zoom in the browser and
    ``x_extra`` adds keys to the x axis (a range, a tick format)."""
    both = len(kinds) == 2
    fixed = {"fixedrange": True} if fixed_range else {}
    layout: dict[str, object] = {
        "height": style.HEIGHT_BOTH if both else style.HEIGHT_LOSS_ONLY,
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
        "xaxis": {
            "title": {"text": x_title},
            "anchor": axis_of(kinds, kinds[-1]),
            **fixed,
            "unifiedhovertitle": {"text": hover_title},
            "showspikes": True,
            "spikemode": "across",
            "spikethickness": 1,
            "spikedash": "solid",
            "spikecolor": spike_colour,
            **(x_extra or {}),
        },
    }
    for kind in kinds:
        domain = (style.LOSS_DOMAIN if kind == kinds[0] else style.ACCURACY_DOMAIN) if both else (0.0, 1.0)
        layout["yaxis" if axis_of(kinds, kind) == "y" else "yaxis2"] = {
            "domain": list(domain),
            "title": {"text": y_titles.get(kind, Y_TITLES[kind]), "font": {"size": style.TITLE_SIZE}},
            "type": "log" if log_y else "linear",
            **fixed,
            "tickformat": ".0%" if kind == "accuracy" else None,
            **({"range": list(y_range[kind])} if kind in y_range else {}),
        }
    return layout
