"""Loss above accuracy in one figure, sharing one x axis, one legend and one hover.

The figure separates what a reader must not confuse: batch validation (noisy, but it decides the
checkpoint, so drawn at full strength), full validation (the whole validation set, at epoch ends or every
N steps as the run's source does, named so; bold points, never smoothed) and training (a faint raw line
under its smoothed one). Both plots sit on the same x axis, so one hover
(``hovermode="x unified"`` over ``hoversubplots="axis"``) names the step and every series of both plots
there, as TensorBoard's tooltip table does, with the checkpoint at that step first. Checkpoint marks
carry their id in ``customdata`` so a click can pick one; on large runs they shrink to ticks.

Traces and layout are built as plain dicts and wrapped once, unvalidated, in a ``go.Figure``: plotly's
validation of each property took ~0.13 s per figure whatever the run's length, before the page could send
the chart. ``tests/unit/test_charts.py`` holds every figure to plotly's validation instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from components.charts import style
from components.charts.layout import AxisOptions, axis_of, stacked_layout
from components.charts.options import NO_HIGHLIGHTS, Drag, Highlights
from components.charts.style import Palette
from components.charts.view import SMOOTHED_SUFFIX, ChartView, Plot, RunDisplay, plotted
from components.data.metrics import (
    BY_NAME,
    Kind,
    Metric,
    chart_metric,
    counterpart,
    metric_label,
    split_label,
)
from components.text import MODEL_CHARS, plotly_text

WEBGL_THRESHOLD = 1_500
CHECKPOINT_TRACE = "Saved checkpoint"
BEST_TRACE = "Recommended checkpoint"
SELECTED_TRACE = "Selected checkpoint"
UNSAVED_TRACE = "Best point, no checkpoint saved"
# Unified hover lists traces by legend rank: the checkpoint under the pointer comes first.
_HOVER_FIRST = 1
_NUMBER: dict[Kind, str] = {"loss": "%{y:.4f}", "accuracy": "%{y:.2%}", "task": "%{y:.4f}"}
_TEXT: dict[Kind, str] = {"loss": "{:.4f}", "accuracy": "{:.2%}", "task": "{:.4f}"}
# Plotly dims unselected points after a click; the page marks the pick itself, so nothing dims.
_NO_DIMMING = {"selected": {"marker": {"opacity": 1}}, "unselected": {"marker": {"opacity": 1}}}
# A line's points as click targets: markers plotly can select, never drawn, not even once clicked.
_INVISIBLE = {"marker": {"opacity": 0}}
_CLICK_TARGETS = {
    "marker": {"size": style.CLICK_TARGET_SIZE, "opacity": 0},
    "selected": _INVISIBLE,
    "unselected": _INVISIBLE,
}


Trace = dict[str, Any]
"""One plotly trace as a dict (``type`` first), its unset properties left out."""


def _scatter(count: int) -> str:
    return "scattergl" if count > WEBGL_THRESHOLD else "scatter"


def _trace(kind: str, **props: object) -> Trace:
    """A trace of type ``kind`` ("scatter" or "scattergl") with the properties that are set."""
    return {"type": kind, **{name: value for name, value in props.items() if value is not None}}


def _raw_mode(metric: Metric, points: int, strong: bool) -> str:
    """Training is a line; batch validation shows its points, as dots alone when a line through
    thousands of noisy points would be a solid band. A line that takes the hover has markers too (drawn
    at size 0): plotly selects a clicked point only on a trace with markers, and a click that selects
    nothing is not reported to the page, so a click beside the checkpoints could not clear the pick."""
    if points <= 1:
        return "markers"
    if not strong:
        return "lines"
    return "lines+markers" if metric.split == "train" or points <= style.JOINED_POINTS else "markers"


@dataclass(frozen=True)
class _Look:
    """How one metric is drawn: its label, y axis and colour, the hover's number format and where a point
    of a sparse series is, and whether its raw values are at full strength and carry the hover
    (``strong``): when nothing smooths them, or batch validation that decides the checkpoint."""

    metric: Metric
    label: str
    axis: str
    colour: str
    at: str
    smoothed: bool
    strong: bool

    @property
    def common(self) -> dict[str, object]:
        return {"legendgroup": self.metric.split, "showlegend": False, "xaxis": "x", "yaxis": self.axis}


def _raw(look: _Look, values: pd.DataFrame, x: str) -> Trace:
    """The metric's logged values: a line, points or both (:func:`_raw_mode`), faint under a smoothed line."""
    metric, strong = look.metric, look.strong
    if len(values) <= 1:
        marks = {"marker": {"color": look.colour, "size": style.LONE_POINT_SIZE}, **_NO_DIMMING}
    elif metric.split == "train":
        marks = _CLICK_TARGETS
    else:
        size = style.DOT_SIZE if len(values) > style.JOINED_POINTS else style.BATCH_VALID_SIZE
        marks = {"marker": {"color": look.colour, "size": size}, **_NO_DIMMING}
    return _trace(
        _scatter(len(values)),
        **look.common,
        **marks,
        x=values[x].to_numpy(),
        y=values[metric.name].to_numpy(dtype="float32" if len(values) > WEBGL_THRESHOLD else "float64"),
        name=look.label + (" (raw)" if look.smoothed else ""),
        mode=_raw_mode(metric, len(values), strong),
        opacity=1.0 if strong else style.RAW_UNDER_SMOOTHED,
        line={
            "color": look.colour,
            "width": style.LINE_WIDTH if strong and metric.split == "train" else style.RAW_LINE_WIDTH,
        },
        hoverinfo=None if strong else "skip",
        hovertemplate=f"{look.label}: {_NUMBER[metric.kind]}{look.at}<extra></extra>" if strong else None,
    )


def _trend(look: _Look, history: pd.DataFrame, x: str, colours: Palette) -> Trace:
    """The smoothed line; its hover row carries the raw value too when the raw points do not hover."""
    column, number = look.metric.name, _NUMBER[look.metric.kind]
    trend = history[[x, column + SMOOTHED_SUFFIX]].dropna()
    raw_text = history.loc[trend.index, column].map(_TEXT[look.metric.kind].format)
    return _trace(
        _scatter(len(trend)),
        **look.common,
        x=trend[x].to_numpy(),
        y=trend[column + SMOOTHED_SUFFIX].to_numpy(),
        name=f"{look.label} (smoothed)",
        mode="lines+markers",
        **_CLICK_TARGETS,
        line={"color": colours.valid_trend if look.strong else look.colour, "width": style.LINE_WIDTH},
        text=None if look.strong else raw_text.to_numpy(),
        hovertemplate=(
            f"{look.label}, smoothed: {number}{look.at}<extra></extra>"
            if look.strong
            else f"{look.label}: {number} (raw %{{text}}){look.at}<extra></extra>"
        ),
    )


def _series(metric: Metric, display: RunDisplay, axis: str, colours: Palette, deciding: bool) -> list[Trace]:
    """A metric's raw values and, when smoothing changes them, its smoothed line; one hover row for both.

    The raw values are faint under the smoothed line, except batch validation when it decides the
    checkpoint (``deciding``): its raw points are what the choice was made on, so they stay at full
    strength, and its smoothed line is drawn darker on top.
    """
    history, view = display.history, display.view
    values = history[[view.x, metric.name]].dropna()
    smoothed = metric.name + SMOOTHED_SUFFIX in history
    sparse = len(values) < 0.5 * history[view.x].notna().sum()
    look = _Look(
        metric=metric,
        label=metric_label(metric.name, view.conventions),
        axis=axis,
        colour=colours.split(metric.split),
        at=f" · {view.point_label}" if sparse else "",
        smoothed=smoothed,
        strong=not smoothed or (metric.split == "valid" and deciding),
    )
    traces = [_raw(look, values, view.x)]
    if smoothed:
        traces.append(_trend(look, history, view.x, colours))
    return traces


def _full_valid(metric: Metric, display: RunDisplay, axis: str, colours: Palette, scatter: str) -> Trace:
    """Full validation: bold points joined by a dotted line, never smoothed; small when many."""
    view = display.view
    label = metric_label(metric.name, view.conventions)
    values = display.history[[view.x, metric.name]].dropna()
    many = len(values) >= style.MANY_MARKS
    return _trace(
        scatter,
        x=values[view.x].to_numpy(),
        y=values[metric.name].to_numpy(),
        xaxis="x",
        yaxis=axis,
        name=label,
        legendgroup=metric.split,
        showlegend=False,
        mode="lines+markers",
        line={"color": colours.full_valid, "width": style.FULL_VALID_LINE_WIDTH, "dash": "dot"},
        marker={
            "color": colours.full_valid,
            "size": style.FULL_VALID_SMALL_SIZE if many else style.FULL_VALID_SIZE,
            "line": {
                "color": colours.marker_fill,
                "width": style.FULL_VALID_SMALL_OUTLINE if many else style.FULL_VALID_OUTLINE,
            },
        },
        hovertemplate=f"{label}: {_NUMBER[metric.kind]} · {view.point_label}<extra></extra>",
        **_NO_DIMMING,
    )


def _marker_y(checkpoints: pd.DataFrame, plot: Plot, decider: str | None) -> pd.Series:
    """Each checkpoint's height on a plot: the decider (or its counterpart of this plot's kind), else the
    plot's full, train, batch series."""
    names = [m.name for m in plot.metrics]
    if decider in names:
        order = [decider]
    else:
        order = [counterpart(decider, plot.kind)] if decider in BY_NAME and plot.kind != "task" else []
    order += [
        m.name for m in sorted(plot.metrics, key=lambda m: ("full_valid", "train", "valid").index(m.split))
    ]
    y = pd.Series(np.nan, index=checkpoints.index)
    for name in order:
        if name in checkpoints:
            y = y.fillna(checkpoints[name])
    return y


def _values(row: pd.Series, plot: Plot) -> str:
    """One hover line with a checkpoint's metrics of one plot, e.g. "loss: train 0.4375 · full 0.5597"."""
    words = {"train": "train", "valid": "batch", "full_valid": "full"}
    shown = [
        f"{words[m.split]} {_TEXT[m.kind].format(row[m.name])}"
        for m in plot.metrics
        if pd.notna(row.get(m.name))
    ]
    return f"{plot.word}: " + " · ".join(shown) if shown else ""


def _hover_text(checkpoints: pd.DataFrame, highlights: Highlights, plots: Sequence[Plot]) -> list[str]:
    """Each checkpoint's hover: its model name (from the API, so escaped for plotly's HTML), step and
    metrics, and whether it is the recommended or the selected one."""
    lines = []
    for _, row in checkpoints.iterrows():
        tags = [
            tag
            for wanted, tag in ((highlights.best_id, "★ recommended"), (highlights.selected_id, "selected"))
            if wanted is not None and row["checkpoint_id"] == wanted
        ]
        head = " · ".join([f"step {int(row['step']):,}", *tags])
        values = [text for text in (_values(row, plot) for plot in plots) if text]
        lines.append("<br>".join([f"<b>{plotly_text(row['model'], MODEL_CHARS)}</b>", head, *values]))
    return lines


def _rug_level(view: ChartView, kind: Kind) -> float | None:
    """The height of a tick rug just above the foot of a plot, in data units; None without a set range."""
    if kind not in view.y_range:
        return None
    low, high = view.y_range[kind]
    level = low + style.RUG_LIFT * (high - low)
    return float(10**level) if view.log_y else float(level)


@dataclass(frozen=True)
class _Plot:
    """One plot's checkpoint marks: the height of each checkpoint (``present`` where it has one), its axis,
    whether it is the top plot (whose marks alone carry the hover and the legend entries), and the height
    of the rug of ticks that stands for many checkpoints (None: the marks sit on the curve)."""

    word: str
    axis: str
    first: bool
    y: pd.Series
    present: np.ndarray
    rug: float | None

    @property
    def suffix(self) -> str:
        return "" if self.first else f" · {self.word}"


def _checkpoint_marker(many: bool, colours: Palette) -> dict[str, object]:
    """A few checkpoints are diamonds on the curve; many are ticks (the rug of :func:`_rug_level`)."""
    if many:
        return {
            "symbol": "line-ns-open",
            "size": style.CHECKPOINT_TICK_SIZE,
            "color": colours.checkpoint,
            "line": {"color": colours.checkpoint, "width": style.CHECKPOINT_TICK_STROKE},
        }
    return {
        "symbol": "diamond",
        "size": style.CHECKPOINT_SIZE,
        "color": colours.marker_fill,
        "line": {"color": colours.checkpoint, "width": style.CHECKPOINT_OUTLINE},
    }


def _marks(
    display: RunDisplay, plot: _Plot, marker: dict[str, object], hover: list[str], scatter: str
) -> Trace:
    """Every marked checkpoint on one plot: on the curve, or as a rug of ticks when there are many."""
    checkpoints, present = display.checkpoints, plot.present
    ids = checkpoints["checkpoint_id"].astype(str)
    return _trace(
        scatter,
        xaxis="x",
        yaxis=plot.axis,
        x=checkpoints.loc[present, display.view.x].to_numpy(),
        y=np.full(int(present.sum()), plot.rug) if plot.rug is not None else plot.y[present].to_numpy(),
        name=CHECKPOINT_TRACE + plot.suffix,
        legendgroup="checkpoints",
        showlegend=plot.first,
        legendrank=_HOVER_FIRST if plot.first else None,
        mode="markers",
        marker=marker,
        customdata=np.array(ids[present], dtype=object)[:, None],
        hovertext=np.array(hover, dtype=object)[present] if plot.first else None,
        hovertemplate="%{hovertext}<extra></extra>" if plot.first else None,
        hoverinfo=None if plot.first else "none",
        **_NO_DIMMING,
    )


def _chosen(
    display: RunDisplay, plot: _Plot, highlights: Highlights, colours: Palette, scatter: str
) -> list[Trace]:
    """The recommended ★ and the selected ring on one plot, each where that checkpoint has a height."""
    checkpoints = display.checkpoints
    ids = checkpoints["checkpoint_id"].astype(str)
    looks = (
        (
            highlights.best_id,
            BEST_TRACE,
            {"symbol": "star", "size": style.BEST_SIZE, "color": colours.best},
            {"color": colours.best_outline, "width": style.BEST_OUTLINE},
        ),
        (
            highlights.selected_id,
            SELECTED_TRACE,
            {"symbol": "circle-open", "size": style.SELECTED_SIZE, "color": colours.selected},
            {"color": colours.selected, "width": style.SELECTED_OUTLINE},
        ),
    )
    traces = []
    for wanted, name, look, outline in looks:
        chosen = plot.present & (ids == wanted).to_numpy() if wanted else np.zeros(len(ids), dtype=bool)
        if chosen.any():
            traces.append(
                _trace(
                    scatter,
                    xaxis="x",
                    yaxis=plot.axis,
                    x=checkpoints.loc[chosen, display.view.x].to_numpy(),
                    y=plot.y[chosen].to_numpy(),
                    name=name + plot.suffix,
                    legendgroup=name,
                    showlegend=plot.first,
                    mode="markers",
                    marker={**look, "line": outline},
                    customdata=np.array(ids[chosen], dtype=object)[:, None],
                    hoverinfo="none",
                    **_NO_DIMMING,
                )
            )
    return traces


def _checkpoint_marks(
    display: RunDisplay, highlights: Highlights, colours: Palette, scatter: str
) -> list[Trace]:
    """Per plot: every marked checkpoint, then the recommended ★ and the selected ring on the curve.

    A few checkpoints are diamonds on the curve. Many are ticks along the foot of each plot, a rug that
    says where checkpoints are without covering the curves (40 diamonds hid the validation curve). Only
    the top plot's marks carry the hover row (first in the hover, by legend rank), so a checkpoint is
    listed once; the lower plot's marks still take clicks.
    """
    checkpoints, plots = display.checkpoints, display.view.plots
    kinds = [plot.kind for plot in plots]
    many = len(checkpoints) >= style.MANY_MARKS
    marker = _checkpoint_marker(many, colours)
    hover = _hover_text(checkpoints, highlights, plots)
    marks, on_top = [], []
    for drawn in plots:
        y = _marker_y(checkpoints, drawn, highlights.decider)
        rug = _rug_level(display.view, drawn.kind) if many else None
        first = drawn.kind == kinds[0]
        plot = _Plot(drawn.word, axis_of(kinds, drawn.kind), first, y, y.notna().to_numpy(), rug)
        if plot.present.any():
            marks.append(_marks(display, plot, marker, hover, scatter))
            on_top += _chosen(display, plot, highlights, colours, scatter)
    return marks + on_top


def _unsaved_mark(display: RunDisplay, highlights: Highlights, colours: Palette, scatter: str) -> list[Trace]:
    """The run's best point where no checkpoint was saved: a hollow star on its curve, named in the hover."""
    best, plots = highlights.unsaved_best, display.view.plots
    on = [plot for plot in plots if best is not None and best.metric in {m.name for m in plot.metrics}]
    if best is None or not on:
        return []
    kinds = [plot.kind for plot in plots]
    label = metric_label(best.metric, display.view.conventions).lower()
    [x] = display.x_at([best.step])
    smoothed = f"smoothed {best.value:.4f}, " if best.smoothed else ""
    return [
        _trace(
            scatter,
            x=[x],
            y=[best.raw_value],
            xaxis="x",
            yaxis=axis_of(kinds, on[0].kind),
            name=UNSAVED_TRACE,
            legendgroup="unsaved",
            mode="markers",
            marker={
                "symbol": "star-open",
                "size": style.UNSAVED_SIZE,
                "color": colours.unsaved,
                "line": {"color": colours.unsaved, "width": style.UNSAVED_OUTLINE},
            },
            hovertemplate=(
                f"☆ best {label} ({smoothed}raw {best.raw_value:.4f}) at step {best.step:,}: "
                "no checkpoint was saved there<extra></extra>"
            ),
            **_NO_DIMMING,
        )
    ]


def _legend_entries(colours: Palette, view: ChartView) -> list[Trace]:
    """One legend entry per split for both plots (a click on it hides that split in both)."""
    splits = {m.split for m in plotted(view.plots)}
    looks = {
        "train": {"mode": "lines", "line": {"color": colours.train, "width": style.LINE_WIDTH}},
        "valid": {
            "mode": "lines+markers",
            "line": {"color": colours.valid, "width": style.BATCH_VALID_LINE_WIDTH},
            "marker": {"color": colours.valid, "size": style.BATCH_VALID_SIZE + 2},
        },
        "full_valid": {
            "mode": "lines+markers",
            "line": {"color": colours.full_valid, "width": style.FULL_VALID_LINE_WIDTH, "dash": "dot"},
            "marker": {"color": colours.full_valid, "size": style.FULL_VALID_SIZE},
        },
    }
    return [
        _trace(
            "scatter",
            x=[None],
            y=[None],
            name=split_label(split, view.conventions),
            legendgroup=split,
            hoverinfo="skip",
            **looks[split],
        )
        for split in ("train", "valid", "full_valid")
        if split in splits
    ]


def _reading_aids(
    display: RunDisplay, kinds: Sequence[Kind], colours: Palette
) -> tuple[list[dict], list[dict]]:
    """Shapes and labels: dotted epoch ends and the shaded overfitting band, on each plot."""
    view = display.view
    shapes, labels = [], []
    for kind in kinds:
        domain = f"{axis_of(kinds, kind)} domain"
        line = {"dash": "dot", "color": colours.epoch_line, "width": style.EPOCH_LINE_WIDTH}
        shapes += [
            {"type": "line", "xref": "x", "yref": domain, "x0": x, "x1": x, "y0": 0, "y1": 1, "line": line}
            for x in view.epoch_ends
        ]
        shapes += [
            {
                "type": "rect",
                "xref": "x",
                "yref": domain,
                "x0": x0,
                "x1": x1,
                "y0": 0,
                "y1": 1,
                "fillcolor": colours.band_fill,
                "line": {"width": 0},
                "layer": "below",
            }
            for x0, x1 in view.overfit_spans
        ]
    labels += [
        {
            "text": "overfitting",
            "xref": "x",
            "yref": f"{axis_of(kinds, kinds[0])} domain",
            "x": x0,
            "y": 1,
            "xanchor": "left",
            "yanchor": "top",
            "showarrow": False,
            "font": {"size": style.BAND_LABEL_SIZE, "color": colours.band_text},
        }
        for x0, _ in view.overfit_spans
    ]
    return shapes, labels


def _layout(display: RunDisplay, kinds: Sequence[Kind], colours: Palette) -> dict[str, object]:
    """The stacked layout without zoom in the browser (it would be lost on the next run), the mouse's
    mode, and the reading aids."""
    view = display.view
    shapes, labels = _reading_aids(display, kinds, colours)
    titles = {plot.kind: plot.title for plot in view.plots}
    axes = AxisOptions(
        x_title=view.x_title,
        hover_title=view.hover_title,
        spike_colour=colours.epoch_line,
        y_titles=titles,
        log_y=view.log_y,
        y_range=view.y_range,
        fixed_range=True,
        x_extra={"range": list(view.x_range)} if view.x_range else None,
    )
    return {
        **stacked_layout(kinds, axes),
        # Streamlit reports clicked points only with "select" in the click mode, and box selections
        # only while dragging selects; a zoom is a selected step range, applied here on the next run.
        "clickmode": "event+select",
        "dragmode": "select" if view.drag is Drag.ZOOM else "pan",
        "selectdirection": "h",
        **({"shapes": shapes} if shapes else {}),
        **({"annotations": labels} if labels else {}),
    }


def curves_figure(display: RunDisplay, highlights: Highlights = NO_HIGHLIGHTS) -> go.Figure:
    """The view's plots (loss on top; accuracy or the deciding metric below), each only when the run has
    it, plus checkpoints and reading aids.

    ``display.history`` needs the x column and metric columns (optionally ``<metric>__smoothed``);
    ``display.checkpoints`` needs x, ``checkpoint_id``, ``model``, ``step`` and the metrics. A figure
    with no data is returned when neither kind has a value.
    """
    view = display.view
    colours = style.palette(view.theme)
    kinds = [plot.kind for plot in view.plots]
    decider = highlights.decider
    deciding = decider is not None and chart_metric(decider).split == "valid"
    if not kinds:
        return go.Figure()
    on_plot = [(plot.kind, metric) for plot in view.plots for metric in plot.metrics]
    lines = [
        trace
        for kind, metric in on_plot
        if metric.split != "full_valid"
        for trace in _series(metric, display, axis_of(kinds, kind), colours, deciding)
    ]
    # WebGL traces are painted above every SVG trace, so marks meant to sit on top of WebGL lines
    # must be WebGL too.
    scatter = "scattergl" if any(trace["type"] == "scattergl" for trace in lines) else "scatter"
    full = [
        _full_valid(metric, display, axis_of(kinds, kind), colours, scatter)
        for kind, metric in on_plot
        if metric.split == "full_valid"
    ]
    traces = [
        *lines,
        *full,
        *_checkpoint_marks(display, highlights, colours, scatter),
        *_unsaved_mark(display, highlights, colours, scatter),
        *_legend_entries(colours, view),
    ]
    return go.Figure(data=traces, layout=_layout(display, kinds, colours), _validate=False)
