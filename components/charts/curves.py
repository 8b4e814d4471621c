"""Loss and accuracy curves by step, with the checkpoints as large clickable markers.

The figure separates what a reader must not confuse: batch validation (noisy, a faint line),
full validation (epoch ends, bold points, never smoothed) and training; smoothed lines sit over a
faint raw line. Checkpoint markers carry the checkpoint id in ``customdata`` so a click can select
one (Streamlit reports clicked points with their customdata).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from components.data.downsample import evenly_spaced
from components.data.epochs import MAX_EPOCH_ENDS
from components.data.metrics import BY_NAME, Kind, Metric, counterpart, metrics_of_kind
from components.text import MODEL_CHARS, plotly_text

SMOOTHED_SUFFIX = "__smoothed"
WEBGL_THRESHOLD = 1_500
# Markers drawn per chart: more would bury the curves, and 100,000 made 120 MB of page JSON.
MAX_CHECKPOINT_MARKERS = 1_000

COLOURS = {"train": "#2563eb", "valid": "#f59e0b", "full_valid": "#dc2626"}
CHECKPOINT_COLOUR = "#0f172a"
BEST_COLOUR = "#eab308"
SELECTED_COLOUR = "#7c3aed"
Y_TITLES = {"loss": "Loss", "accuracy": "Mean token accuracy"}
TITLES = {"loss": "Loss", "accuracy": "Accuracy"}


@dataclass(frozen=True)
class ChartView:
    """How the reader chose to look: which x column, log or linear y, a y range, epoch lines, bands."""

    x: str = "step"
    x_title: str = "Step"
    log_y: bool = False
    y_range: dict[str, tuple[float, float]] = field(default_factory=dict)
    epoch_ends: Sequence[float] = ()
    overfit_spans: Sequence[tuple[float, float]] = ()
    smoothing: float = 0.0
    height: int = 500


def _checkpoint_ids(frame: pd.DataFrame, rows: pd.Index) -> np.ndarray | None:
    """Checkpoint ids for the given rows (None elsewhere), so a click on any point at a checkpoint's step
    selects it: plotly gives a click to the first trace drawn there, which may be a metric's own point."""
    if "checkpoint_id" not in frame:
        return None
    ids = frame.loc[rows, "checkpoint_id"].astype(object)
    return np.array(ids.where(ids.notna(), None).tolist(), dtype=object)[:, None]


def _line_trace(
    frame: pd.DataFrame, metric: Metric, column: str, view: ChartView, *, raw: bool
) -> go.Scatter:
    values = frame[[view.x, column]].dropna()
    scatter = go.Scattergl if len(values) > WEBGL_THRESHOLD else go.Scatter
    clickable = metric.split == "valid" and raw and len(values) <= 200
    smoothed_exists = raw and (metric.name + SMOOTHED_SUFFIX) in frame
    faint = smoothed_exists or metric.split == "valid"
    name = metric.label + (" (raw)" if smoothed_exists else "") + (" (smoothed)" if not raw else "")
    mode = "lines+markers" if clickable else "lines" if len(values) > 1 else "markers"
    return scatter(
        x=values[view.x].to_numpy(),
        y=values[column].to_numpy(dtype="float32" if len(values) > WEBGL_THRESHOLD else "float64"),
        name=name,
        legendgroup=metric.name,
        mode=mode,
        opacity=0.3 if faint and raw else 1.0,
        showlegend=not smoothed_exists,
        line={"color": COLOURS[metric.split], "width": 1.2 if faint and raw else 2.2},
        marker={"color": COLOURS[metric.split], "size": 4 if len(values) > 1 else 9},
        # The smoothed line's hover also gives the raw value at that step (raw lines are too faint to aim at).
        text=None if raw else frame.loc[values.index, metric.name].map("{:.4f}".format).to_numpy(),
        hovertemplate=f"{name}: %{{y:.4f}}" + ("" if raw else " (raw %{text})") + "<extra></extra>",
        customdata=_checkpoint_ids(frame, values.index) if clickable or len(values) == 1 else None,
    )


def _full_valid_trace(frame: pd.DataFrame, metric: Metric, view: ChartView, scatter: type) -> go.Scatter:
    values = frame[[view.x, metric.name]].dropna()
    return scatter(
        x=values[view.x].to_numpy(),
        y=values[metric.name].to_numpy(),
        name=metric.label,
        legendgroup=metric.name,
        mode="lines+markers",
        line={"color": COLOURS["full_valid"], "width": 1.5, "dash": "dot"},
        marker={"color": COLOURS["full_valid"], "size": 11, "line": {"color": "white", "width": 1.5}},
        customdata=_checkpoint_ids(frame, values.index),
        hovertemplate=f"{metric.label}: %{{y:.4f}}<extra></extra>",
    )


def _marker_y(checkpoints: pd.DataFrame, kind: Kind, decider: str | None) -> pd.Series:
    """Each checkpoint's height on this chart: the decider's counterpart, else full, train, batch."""
    order = [counterpart(decider, kind)] if decider else []
    order += [
        m.name
        for m in sorted(metrics_of_kind(kind), key=lambda m: ("full_valid", "train", "valid").index(m.split))
    ]
    y = pd.Series(np.nan, index=checkpoints.index)
    for name in order:
        y = y.fillna(checkpoints[name])
    return y


def _hover_text(checkpoints: pd.DataFrame) -> list[str]:
    """Each checkpoint's hover: its model name (from the API, so escaped for plotly's HTML) and metrics."""
    lines = []
    for row in checkpoints.itertuples(index=False):
        values = [
            f"{BY_NAME[name].label}: {getattr(row, name):.4f}"
            for name in BY_NAME
            if pd.notna(getattr(row, name))
        ]
        lines.append(
            f"<b>{plotly_text(row.model, MODEL_CHARS)}</b><br>step {row.step}<br>" + "<br>".join(values)
        )
    return lines


def _checkpoint_traces(
    checkpoints: pd.DataFrame,
    kind: Kind,
    view: ChartView,
    decider: str | None,
    best_id: str | None,
    selected_id: str | None,
    scatter: type,
) -> list[go.Scatter]:
    chosen = checkpoints["checkpoint_id"].isin([best_id, selected_id]).to_numpy()
    checkpoints = evenly_spaced(checkpoints, MAX_CHECKPOINT_MARKERS, keep=chosen)
    frame = checkpoints.assign(_y=_marker_y(checkpoints, kind, decider)).dropna(subset=["_y"])
    if frame.empty:
        return []
    ids = frame["checkpoint_id"].astype(str)
    # Three checkpoints get big targets; thousands would hide the curves under them.
    size = 16 if len(frame) <= 40 else 9 if len(frame) <= 300 else 5
    traces = [
        scatter(
            x=frame[view.x].to_numpy(),
            y=frame["_y"].to_numpy(),
            name="Saved checkpoint (click to select)",
            mode="markers",
            marker={
                "symbol": "diamond",
                "size": size,
                "color": "white",
                "line": {"color": CHECKPOINT_COLOUR, "width": 2.5 if size > 10 else 1},
            },
            customdata=np.array(ids)[:, None],
            hovertext=_hover_text(frame),
            hovertemplate="%{hovertext}<extra>checkpoint</extra>",
        )
    ]
    for wanted, name, marker in (
        (best_id, "Recommended checkpoint", {"symbol": "star", "size": 22, "color": BEST_COLOUR}),
        (selected_id, "Selected checkpoint", {"symbol": "circle-open", "size": 30, "color": SELECTED_COLOUR}),
    ):
        chosen = frame[ids == wanted] if wanted else frame.iloc[0:0]
        if chosen.empty:
            continue
        traces.append(
            scatter(
                x=chosen[view.x].to_numpy(),
                y=chosen["_y"].to_numpy(),
                name=name,
                mode="markers",
                marker={
                    **marker,
                    "line": {"color": CHECKPOINT_COLOUR, "width": 1.5 if "star" in marker["symbol"] else 3},
                },
                customdata=np.array(chosen["checkpoint_id"].astype(str))[:, None],
                hoverinfo="skip",
            )
        )
    return traces


def _epoch_lines(epoch_ends: Sequence[float]) -> list[dict]:
    """Dotted vertical lines at epoch ends, built in one go (``add_vline`` is quadratic in their count).

    More than ``MAX_EPOCH_ENDS`` would be a grey wash rather than a reading aid, so none are drawn then.
    """
    if len(epoch_ends) > MAX_EPOCH_ENDS:
        return []
    line = {"dash": "dot", "color": "#94a3b8", "width": 1}
    return [
        {"type": "line", "xref": "x", "yref": "paper", "x0": x, "x1": x, "y0": 0, "y1": 1, "line": line}
        for x in epoch_ends
    ]


def metric_figure(
    kind: Kind,
    history: pd.DataFrame,
    checkpoints: pd.DataFrame,
    *,
    view: ChartView,
    decider: str | None = None,
    best_id: str | None = None,
    selected_id: str | None = None,
) -> go.Figure:
    """One chart (loss or accuracy) of every series the run has, plus its checkpoints.

    ``history`` needs the ``view.x`` column and metric columns (optionally ``<metric>__smoothed``);
    ``checkpoints`` needs ``view.x``, ``checkpoint_id``, ``model``, ``step`` and the metrics.
    Series without any value are left out.
    """
    figure = go.Figure()
    present = [m for m in metrics_of_kind(kind) if m.name in history and history[m.name].notna().any()]
    for metric in present:
        if metric.split != "full_valid":
            figure.add_trace(_line_trace(history, metric, metric.name, view, raw=True))
            if metric.name + SMOOTHED_SUFFIX in history:
                figure.add_trace(_line_trace(history, metric, metric.name + SMOOTHED_SUFFIX, view, raw=False))
    # WebGL traces are painted above every SVG trace, so points meant to sit on top of WebGL lines
    # must be WebGL too.
    scatter = go.Scattergl if any(isinstance(trace, go.Scattergl) for trace in figure.data) else go.Scatter
    for metric in present:
        if metric.split == "full_valid":
            figure.add_trace(_full_valid_trace(history, metric, view, scatter))
    for trace in _checkpoint_traces(checkpoints, kind, view, decider, best_id, selected_id, scatter):
        figure.add_trace(trace)
    figure.update_layout(shapes=_epoch_lines(view.epoch_ends))
    for x0, x1 in view.overfit_spans:
        figure.add_vrect(
            x0=x0,
            x1=x1,
            fillcolor="rgba(220, 38, 38, 0.08)",
            line_width=0,
            layer="below",
            annotation_text="overfitting",
            annotation_position="top left",
            annotation_font={"size": 10, "color": "#b91c1c"},
        )
    figure.update_layout(
        template="plotly_white",
        height=view.height,
        margin={"l": 10, "r": 10, "t": 36, "b": 10},
        hovermode="closest",
        title={"text": TITLES[kind], "x": 0, "xanchor": "left", "font": {"size": 15}},
        legend={"orientation": "h", "yanchor": "top", "y": -0.16, "x": 0, "font": {"size": 11}},
        xaxis_title=view.x_title,
        yaxis_title=Y_TITLES[kind],
        clickmode="event+select",
        dragmode="zoom",
    )
    figure.update_yaxes(type="log" if view.log_y else "linear")
    if kind in view.y_range:
        figure.update_yaxes(range=list(view.y_range[kind]))
    return figure
