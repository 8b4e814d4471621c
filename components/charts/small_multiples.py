"""The small figure of one "More metrics" panel: its series, the recommended (★) and selected checkpoints
as vertical lines, titled with the metric's label and which way is better.

Each panel is a figure of its own (the page lays them out in columns): separate SVG figures cost the
browser no WebGL context (a page gets about sixteen) and no shared layout to recompute. The axes do not
zoom here: the zoom lives on the page, shared with the main chart. Pure: a panel in, a figure out.
"""

from __future__ import annotations

import plotly.graph_objects as go

from components.charts import style
from components.charts.more_metrics_view import Panel, PanelView
from components.charts.style import Palette, palette
from components.data.metric_model import Split

PANEL_HEIGHT = 230
"""About 40 % of the main chart: a turn in the curve is still readable, two rows fit on a laptop."""
PANEL_WIDTH = 380
"""Two panels a row beside the sidebar on a 1280 px screen, one on a narrow one, more on a wide one."""
PANEL_MARGIN = {"l": 8, "r": 8, "t": 52, "b": 8}
"""The top holds the title's two lines (the label, then which way is better) and the ★ above the plot."""
PANEL_TITLE_SIZE = 12
TITLE_Y = 1 - 14 / PANEL_HEIGHT
"""The title's top, 14 px down: plotly anchors a two-line title by its first line's middle, not its top."""
DIRECTION_SIZE = 11
MARKED_POINTS = style.JOINED_POINTS
"""An evaluation of up to this many points shows each point; beyond, a line only."""
BEST_LABEL = "★"


def _colour(panel: Panel, colours: Palette) -> str:
    if panel.raw:
        return colours.full_valid
    return colours.checkpoint if panel.info.split is Split.RUN else colours.train


def _small(text: str) -> str:
    return f"<span style='font-size:{DIRECTION_SIZE}px'>{text}</span>"


def _hover(view: PanelView) -> str:
    return f"{view.hover_title}<br>%{{y:.4g}}<extra></extra>"


def _traces(panel: Panel, view: PanelView, colours: Palette) -> list[go.Scatter]:
    """The raw series (faint under a smoothed line), and the smoothed one when smoothing changed it."""
    colour = _colour(panel, colours)
    points = panel.raw and len(panel.x) <= MARKED_POINTS
    raw = go.Scatter(
        x=panel.x,
        y=panel.y,
        mode="lines+markers" if points or len(panel.x) == 1 else "lines",
        line={"color": colour, "width": style.RAW_LINE_WIDTH if panel.smoothed is not None else 1.6},
        marker={"size": style.LONE_POINT_SIZE if len(panel.x) == 1 else style.BATCH_VALID_SIZE + 1},
        opacity=style.RAW_UNDER_SMOOTHED if panel.smoothed is not None else 1.0,
        hovertemplate=_hover(view),
        hoverinfo="skip" if panel.smoothed is not None else None,
    )
    if panel.smoothed is None:
        return [raw]
    smoothed = go.Scatter(
        x=panel.x,
        y=panel.smoothed,
        mode="lines",
        line={"color": colour, "width": style.LINE_WIDTH * 0.8},
        hovertemplate=_hover(view),
    )
    return [raw, smoothed]


def _checkpoint_lines(view: PanelView, colours: Palette) -> tuple[list[dict], list[dict]]:
    """Shapes and labels: the recommended checkpoint (★, dashed) and the selected one (dotted)."""
    shapes, labels = [], []
    for x, colour, dash, label in (
        (view.best_x, colours.best_outline, "dash", BEST_LABEL),
        (view.selected_x, colours.selected, "dot", None),
    ):
        if x is None:
            continue
        shapes.append(
            {
                "type": "line",
                **{"x0": x, "x1": x, "xref": "x", "y0": 0, "y1": 1, "yref": "paper"},
                "line": {"color": colour, "width": 1.5, "dash": dash},
            }
        )
        if label:
            labels.append(
                {"x": x, "y": 1, "xref": "x", "yref": "paper", "text": label, "showarrow": False}
                | {"yanchor": "bottom", "font": {"color": colours.best, "size": 13}}
            )
    return shapes, labels


def panel_figure(panel: Panel, view: PanelView) -> go.Figure:
    """One panel's figure, in the page's theme, sharing the main chart's x axis, zoom and checkpoints."""
    colours = palette(view.theme)
    shapes, labels = _checkpoint_lines(view, colours)
    x_axis: dict[str, object] = {"fixedrange": True, "showspikes": True, "spikethickness": 1}
    if view.x_range is not None:
        x_axis["range"] = list(view.x_range)
    # The layout goes into the constructor: ``update_layout`` afterwards costs plotly six times as long.
    layout = {
        "title": {
            "text": f"{panel.info.label}<br>{_small(panel.direction)}",
            "font": {"size": PANEL_TITLE_SIZE},
            **{"x": 0, "xanchor": "left", "y": TITLE_Y, "yanchor": "top", "yref": "container"},
        },
        "height": PANEL_HEIGHT,
        "margin": PANEL_MARGIN,
        "showlegend": False,
        "hovermode": "x",
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "xaxis": x_axis,
        "yaxis": {"fixedrange": True, "automargin": True},
        "shapes": shapes,
        "annotations": labels,
    }
    return go.Figure(data=_traces(panel, view, colours), layout=layout)
