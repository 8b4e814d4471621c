"""What "More metrics" draws beneath the main chart: every other numeric series a run logs, one small panel
each, grouped by the prefix it was logged under, thinned for the browser.

The main chart draws the six OpenAI columns (:data:`components.data.metrics.METRIC_NAMES`); everything
else a trainer logs (``eval_f1``, ``rewards/margins``, ``reward``, ``kl``, the learning rate and the
gradient norm too: bookkeeping is worth reading) gets a panel here. The panels read as the main chart does:
the same x axis (the run's axes), zoom, smoothing (training series only: an evaluation is a few exact
points, drawn raw) and the recommended and selected checkpoints as vertical lines. Each series is thinned
to at most :data:`SERIES_POINTS` points with :func:`components.data.downsample.downsample` (MinMaxLTTB: the
shape, the extremes and the marked checkpoints kept), so 50 metrics of 100,000 steps stay a few megabytes
of figure. Pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from components.charts.options import Highlights, StepRange, ViewOptions, XMode
from components.charts.style import DEFAULT_THEME, Theme
from components.charts.view import HOVER_TITLES, X_TITLES, RunAxes
from components.data.downsample import downsample, step_window
from components.data.metric_model import Direction, MetricInfo, Split, classify_all
from components.data.metrics import METRIC_NAMES
from components.data.smoothing import reference_gap, smooth, typical_gap

NOT_METRICS = frozenset({*METRIC_NAMES, "step", "created_at", "metrics_step", "step_only"})
"""Columns the main chart draws, and the bookkeeping of rows: never a panel of their own."""
SERIES_POINTS = 2_000
"""The most points of one series drawn (besides the marked checkpoints): about a panel's width in pixels."""
RAW_SPLITS = frozenset({Split.FULL_EVAL, Split.BATCH_VALID, Split.NAMED_EVAL, Split.MIXED_EVAL, Split.TEST})
"""Evaluations: exact values at a few steps, drawn raw as points joined by lines."""
DIRECTION_WORDS: dict[Direction, str] = {
    Direction.HIGHER: "higher is better",
    Direction.LOWER: "lower is better",
    Direction.NONE: "neither way is better",
    Direction.UNKNOWN: "direction unknown",
}
_SPLIT_PREFIXES = ("eval_", "test_", "predict_")


def more_metric_names(history: pd.DataFrame) -> list[str]:
    """The run's numeric series the main chart does not draw, in the order they were logged, each with a
    value (an all-empty column has nothing to show)."""
    return [
        name
        for name in history.columns
        if name not in NOT_METRICS
        and pd.api.types.is_numeric_dtype(history[name])
        and not pd.api.types.is_bool_dtype(history[name])
        and history[name].notna().any()
    ]


def prefix_of(name: str) -> str:
    """The group a name belongs to: its evaluation prefix (``eval_``) and its first ``/`` part
    (``rewards/``), together (``eval_rewards/``); ``""`` for a bare name (``reward``, ``grad_norm``)."""
    head = next((p for p in _SPLIT_PREFIXES if name.startswith(p) and len(name) > len(p)), "")
    rest = name[len(head) :]
    folder = rest.split("/", 1)[0] + "/" if "/" in rest.rstrip("/") else ""
    return head + folder


def panel_title(info: MetricInfo) -> str:
    """``Evaluation F1 · higher is better``: the metric model's label and which way is better."""
    return f"{info.label} · {DIRECTION_WORDS[info.direction]}"


@dataclass(frozen=True)
class MetricGroup:
    """The metrics logged under one prefix, in their logged order."""

    prefix: str
    metrics: tuple[MetricInfo, ...]

    @property
    def heading(self) -> str:
        return f"`{self.prefix}`" if self.prefix else "Logged without a prefix"


def _group_order(group: MetricGroup, seen: int) -> tuple[int, bool, bool, int]:
    """Training before evaluation (by prefix), bare names before folders, a group holding a quality
    measure (with a better way) before bookkeeping and diagnostics, then the order first logged."""
    head = next((i for i, p in enumerate(_SPLIT_PREFIXES, 1) if group.prefix.startswith(p)), 0)
    folder = group.prefix.endswith("/")
    return head, folder, not any(info.has_direction for info in group.metrics), seen


def metric_groups(names: Sequence[str]) -> tuple[MetricGroup, ...]:
    """``names`` classified as one run (named evaluation sets told from its own names) and grouped by
    prefix (:func:`_group_order`); in a group, the metrics with a better way first, else as logged."""
    found: dict[str, list[MetricInfo]] = {}
    for info in classify_all(names):
        found.setdefault(prefix_of(info.name), []).append(info)
    groups = [
        MetricGroup(prefix, tuple(sorted(infos, key=lambda info: not info.has_direction)))
        for prefix, infos in found.items()
    ]
    ranked = sorted(enumerate(groups), key=lambda pair: _group_order(pair[1], pair[0]))
    return tuple(group for _, group in ranked)


@dataclass(frozen=True)
class Panel:
    """One metric's thinned series in the chart's x units: ``smoothed`` beside the raw values when the
    smoothing changed a training series, else None; ``raw`` says it is drawn as points and lines."""

    info: MetricInfo
    x: np.ndarray
    y: np.ndarray
    smoothed: np.ndarray | None
    raw: bool
    total: int

    @property
    def title(self) -> str:
        return panel_title(self.info)

    @property
    def direction(self) -> str:
        return DIRECTION_WORDS[self.info.direction]


@dataclass(frozen=True)
class PanelView:
    """What every panel shares with the main chart: the x axis' titles and range (the zoom's, else the
    whole run's, so a sparse evaluation lines up with the panels beside it), where the recommended (★)
    and the selected checkpoints are (chart units), and the theme."""

    x_title: str = X_TITLES[XMode.STEP]
    hover_title: str = HOVER_TITLES[XMode.STEP]
    x_range: tuple[float, float] | None = None
    best_x: float | None = None
    selected_x: float | None = None
    theme: Theme = DEFAULT_THEME


@dataclass(frozen=True)
class PanelRun:
    """A run as the panels read it: its full per-step frame, its checkpoints, its x axes and a running
    job's planned length (the x axis runs to it, as the main chart's; None when finished)."""

    history: pd.DataFrame
    checkpoints: pd.DataFrame
    axes: RunAxes
    total_steps: int | None = None


def _checkpoint_step(checkpoints: pd.DataFrame, checkpoint_id: str | None) -> float | None:
    if checkpoint_id is None:
        return None
    steps = checkpoints.loc[checkpoints["checkpoint_id"].astype(str) == checkpoint_id, "step"]
    return float(steps.iloc[0]) if len(steps) else None


def x_mode_of(axes: RunAxes, options: ViewOptions) -> XMode:
    """The reader's x axis when the run has it, else steps (as the main chart)."""
    return XMode(options.x_mode) if options.x_mode in axes.modes else XMode.STEP


def _x_extent(run: PanelRun, zoom: StepRange | None) -> tuple[float, float] | None:
    """The steps every panel spans: the zoom, else the run's first to last step (or its planned end)."""
    if zoom is not None:
        return zoom.start, zoom.end
    steps = run.history["step"]
    if steps.empty:
        return None
    return float(steps.min()), float(max(steps.max(), run.total_steps or 0))


def panel_view(run: PanelRun, options: ViewOptions, zoom: StepRange | None, marks: Highlights) -> PanelView:
    """The shared x axis in the reader's units, its range and the two checkpoints' lines."""
    mode = x_mode_of(run.axes, options)
    extent = _x_extent(run, zoom)
    steps = [
        _checkpoint_step(run.checkpoints, marks.best_id),
        _checkpoint_step(run.checkpoints, marks.selected_id),
        *(extent or ()),
    ]
    known = [s for s in steps if s is not None]
    xs = dict(zip(known, run.axes.to_x(mode, pd.Series(known, dtype="float64")).tolist(), strict=True))
    return PanelView(
        x_title=X_TITLES[mode],
        hover_title=HOVER_TITLES[mode],
        x_range=(xs[extent[0]], xs[extent[1]]) if extent else None,
        best_x=xs.get(steps[0]) if steps[0] is not None else None,
        selected_x=xs.get(steps[1]) if steps[1] is not None else None,
        theme=options.theme,
    )


def smoothing_gap(history: pd.DataFrame) -> float:
    """The smoothing's unit of distance, as the main chart's (the training loss' spacing)."""
    return reference_gap(history) if "train_loss" in history else typical_gap(history["step"])


@dataclass(frozen=True)
class PanelOptions:
    """How the panels are drawn: the x mode, the smoothing weight, the zoom and the steps always kept."""

    mode: XMode
    smoothing: float
    zoom: StepRange | None
    keep_steps: tuple[float, ...]
    gap: float


def build_panel(run: PanelRun, info: MetricInfo, options: PanelOptions) -> Panel:
    """One metric's panel: smoothed on the whole run (training series only: bookkeeping such as the
    learning rate is exact, evaluations are drawn raw), cut to the zoom, then thinned to
    :data:`SERIES_POINTS` points keeping its shape, its extremes and the checkpoints' steps."""
    values = run.history[["step", info.name]].dropna()
    values = values.sort_values("step", kind="stable").rename(columns={info.name: "value"})
    raw = info.split in RAW_SPLITS
    if info.split is Split.TRAIN and options.smoothing > 0:
        smoothed = smooth(values["value"], values["step"], options.smoothing, options.gap)
        if not smoothed.equals(values["value"]):
            values = values.assign(smoothed=smoothed)
    if (zoom := options.zoom) is not None:
        values = values.iloc[step_window(values["step"].to_numpy(dtype="float64"), zoom.start, zoom.end)]
    shown = downsample(values, budget=SERIES_POINTS, value_columns=["value"], keep_steps=options.keep_steps)
    x = run.axes.to_x(options.mode, shown["step"]).to_numpy(dtype="float32")
    smoothed_y = shown["smoothed"].to_numpy(dtype="float32") if "smoothed" in shown else None
    return Panel(info, x, shown["value"].to_numpy(dtype="float32"), smoothed_y, raw, len(values))
