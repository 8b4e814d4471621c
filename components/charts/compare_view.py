"""From several runs to what the comparison draws: the columns, smoothing, x alignment, ★s, y ranges and
thinning, as :mod:`components.charts.view` is for one run.

Each run is smoothed on its full data, framed on it, and only then thinned to its share of one budget for
all runs, keeping its recommended step. The page model decides (the metric, the alignment, each run's
recommendation); this draws. Pure: runs in, :class:`CompareDisplay` out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from components.charts.options import CompareOptions, YRange
from components.charts.style import DEFAULT_THEME, Theme
from components.data.axes import choice_range, robust_range
from components.data.compare import Alignment, RunResult, aligned_x
from components.data.downsample import MIN_BUDGET, downsample
from components.data.metrics import (
    BY_NAME,
    NO_CONVENTIONS,
    Kind,
    chart_metric,
    counterpart,
    metric_label,
    plot_title,
    task_metrics,
)
from components.data.smoothing import reference_gap, smooth
from components.domain import RunData
from components.domain.run import Conventions

MAX_DRAWN_ROWS = 20_000
"""Rows drawn for all runs together (each run gets its share): 10 runs of 10,000 steps stay near 1 MB."""
MIN_ROWS_PER_RUN = 400
X_TITLES = {Alignment.STEP: "Step", Alignment.EPOCH: "Epoch", Alignment.FRACTION: "Fraction of training"}
HOVER_TITLES = {
    Alignment.STEP: "Step %{x:,.0f}",
    Alignment.EPOCH: "Epoch %{x:.2f}",
    Alignment.FRACTION: "%{x:.0%} of training",
}


@dataclass(frozen=True)
class RunCurves:
    """One run's drawn data: ``frame`` has ``x``, ``step`` and the drawn metric columns (already smoothed
    and thinned); ``stars`` its recommended checkpoint's (x, y) per plot; ``label`` names it (from outside:
    escaped here)."""

    label: str
    index: int
    frame: pd.DataFrame
    stars: Mapping[Kind, tuple[float, float]] = field(default_factory=dict)
    star_step: int | None = None


@dataclass(frozen=True)
class CompareView:
    """What is drawn for every run: the column per plot (``metrics``, e.g. loss: ``full_valid_loss``),
    optional faint training columns, the axes' titles, scale and ranges, the theme."""

    metrics: Mapping[Kind, str]
    labels: Mapping[Kind, str]  # the drawn metric's name per plot, for the y title
    training: Mapping[Kind, str] = field(default_factory=dict)
    x_title: str = "Step"
    hover_title: str = "Step %{x:,.0f}"
    step_in_hover: bool = False  # epochs and fractions: each run's own step in its hover row
    x_percent: bool = False  # the x axis is a fraction, ticked as percentages
    log_y: bool = False
    y_range: Mapping[Kind, tuple[float, float]] = field(default_factory=dict)
    theme: Theme = DEFAULT_THEME


@dataclass(frozen=True)
class DrawnRun:
    """One run as the comparison draws it: its data, its name in the legend, its result by the metric."""

    run: RunData
    label: str
    result: RunResult


@dataclass(frozen=True)
class CompareDisplay:
    """The runs' thinned curves and the view, with how many rows all runs have and how many are drawn."""

    curves: tuple[RunCurves, ...]
    view: CompareView
    rows_total: int
    rows_shown: int


@dataclass(frozen=True)
class _Plan:
    """What every run is drawn with: the column per plot, training beside it, the x axis, the budget."""

    metrics: dict[Kind, str]
    training: dict[Kind, str]
    alignment: Alignment
    budget: int  # the points each drawn series of a run keeps

    @property
    def columns(self) -> list[str]:
        return list(dict.fromkeys([*self.metrics.values(), *self.training.values()]))

    def framed(self, kind: Kind) -> list[str]:
        """The columns that frame one plot's y range: its metric and, when drawn, training."""
        return [self.metrics[kind], *([self.training[kind]] if kind in self.training else [])]


_SPLIT_LOSS = {"train": "train_loss", "valid": "valid_loss", "full_valid": "full_valid_loss"}


def _drawn(
    metric: str | None, show_training: bool, names: Sequence[str]
) -> tuple[dict[Kind, str], dict[Kind, str]]:
    """The column per plot: the deciding metric's split for loss and accuracy; or, for a metric not one of
    the six (F1, a reward), the loss of its split above it. Training beside them when asked."""
    if metric is None:
        return {}, {}
    split = chart_metric(metric).split
    if metric in BY_NAME:
        metrics: dict[Kind, str] = {kind: counterpart(metric, kind) for kind in ("loss", "accuracy")}
    else:
        metrics = {"loss": _SPLIT_LOSS[split], "task": metric}
    training: dict[Kind, str] = {}
    if show_training and split != "train":
        training = {kind: counterpart("train_loss", kind) for kind in metrics if kind != "task"}
        paired = [m.name for m in task_metrics(metric, names) if m.split == "train"]
        training.update({"task": paired[0]} if paired else {})
    return metrics, training


def _plan(runs: Sequence[DrawnRun], metric: str | None, alignment: Alignment, show_training: bool) -> _Plan:
    """The columns drawn and each run's share of :data:`MAX_DRAWN_ROWS`, split between its columns."""
    names = list(dict.fromkeys(name for item in runs for name in item.run.history.columns))
    metrics, training = _drawn(metric, show_training, names)
    columns = set(metrics.values()) | set(training.values())
    share = max(MIN_ROWS_PER_RUN, MAX_DRAWN_ROWS // max(len(runs), 1))
    return _Plan(metrics, training, alignment, max(share // max(len(columns), 1), MIN_BUDGET))


def _smoothed(history: pd.DataFrame, columns: Sequence[str], weight: float) -> pd.DataFrame:
    """The drawn columns, smoothed as the single-run chart smooths them (never full validation)."""
    if not columns:
        return history[["step"]]
    gap = reference_gap(history)
    out = history[["step", *columns]].copy()
    for column in columns:
        if chart_metric(column).split != "full_valid" and out[column].notna().any():
            out[column] = smooth(history[column], history["step"], weight, gap)
    return out


def _frame_range(
    frames: Sequence[tuple[pd.DataFrame, pd.DataFrame]],
    columns: Sequence[str],
    options: CompareOptions,
) -> tuple[float, float] | None:
    """The y range of one plot over every run: framed on each run's choice (pooled), the middle 90 % or
    every value of what is drawn."""
    series = [frame[column] for frame, _ in frames for column in columns if column in frame]
    if options.y_range is YRange.ROBUST:
        return robust_range(series, log=options.log_y)
    everything = robust_range(series, 0, 100, options.log_y)
    if options.y_range is YRange.ALL or everything is None:
        return everything
    lows, highs = [], []
    for frame, checkpoints in frames:
        only = frame.reindex(columns=["step", *columns])  # what is not drawn does not frame
        framed = choice_range(only, checkpoints, columns, options.log_y) or robust_range(
            [only[c] for c in columns], 0, 100, options.log_y
        )
        if framed is not None:
            lows.append(framed[0])
            highs.append(framed[1])
    return (min(lows), max(highs)) if lows else everything


def _star(item: DrawnRun, frame: pd.DataFrame, plan: _Plan) -> dict[Kind, tuple[float, float]]:
    """Where the run's ★ sits on each plot: at its checkpoint's value of the drawn metric, else on the
    drawn line at that step."""
    run, advice = item.run, item.result.recommendation
    if advice is None:
        return {}
    row = run.checkpoints.loc[run.checkpoints["checkpoint_id"].astype(str) == advice.checkpoint_id]
    [x] = aligned_x(run, [advice.step], plan.alignment).tolist()
    stars: dict[Kind, tuple[float, float]] = {}
    for kind, column in plan.metrics.items():
        value = row[column].iloc[0] if not row.empty else np.nan
        if pd.isna(value):
            at = frame.loc[frame["step"] == advice.step, column].dropna()
            value = at.iloc[0] if len(at) else np.nan
        if pd.notna(value) and np.isfinite(x) and np.isfinite(value):
            stars[kind] = (float(x), float(value))
    return stars


def _curves(item: DrawnRun, index: int, frame: pd.DataFrame, plan: _Plan) -> RunCurves:
    """One run's smoothed ``frame`` thinned to its share (its recommended step kept), on the shared x."""
    advice = item.result.recommendation
    keep = [advice.step] if advice else []
    thin = downsample(frame, budget=plan.budget, value_columns=plan.columns, keep_steps=keep)
    thin = thin.assign(x=aligned_x(item.run, thin["step"], plan.alignment))
    return RunCurves(
        label=item.label,
        index=index,
        frame=thin,
        stars=_star(item, frame, plan),
        star_step=advice.step if advice else None,
    )


def _conventions(runs: Sequence[DrawnRun]) -> Conventions:
    """The runs' words for full validation when they all share them (trainers: "Evaluation"), else none."""
    shared = {item.run.conventions.full_label() for item in runs}
    return runs[0].run.conventions if len(shared) == 1 else NO_CONVENTIONS


def _view(
    plan: _Plan, y_range: dict[Kind, tuple[float, float]], options: CompareOptions, conventions: Conventions
) -> CompareView:
    """The axes' titles (full validation in the runs' own words) and scale for the alignment, the ranges
    framed, the reader's theme."""
    alignment = plan.alignment
    return CompareView(
        metrics=plan.metrics,
        labels={
            kind: plot_title(column) if kind == "task" else metric_label(column, conventions)
            for kind, column in plan.metrics.items()
        },
        training=plan.training,
        x_title=X_TITLES[alignment],
        hover_title=HOVER_TITLES[alignment],
        step_in_hover=alignment is not Alignment.STEP,
        x_percent=alignment is Alignment.FRACTION,
        log_y=options.log_y,
        y_range=y_range,
        theme=options.theme,
    )


def build_compare_display(
    runs: Sequence[DrawnRun], metric: str | None, alignment: Alignment, options: CompareOptions
) -> CompareDisplay:
    """Everything the comparison's figure needs: ``metric`` and ``alignment`` as the page decided them
    (``options``' own may name what these runs lack), the rest of ``options`` as the reader chose."""
    plan = _plan(runs, metric, alignment, options.show_training)
    frames = [_smoothed(item.run.history, plan.columns, options.smoothing) for item in runs]
    curves = tuple(
        _curves(item, index, frame, plan)
        for index, (item, frame) in enumerate(zip(runs, frames, strict=True))
    )
    pooled = [(frame, item.run.checkpoints) for item, frame in zip(runs, frames, strict=True)]
    y_range = {}
    for kind in plan.metrics:
        framed = _frame_range(pooled, plan.framed(kind), options)
        if framed is not None:
            y_range[kind] = framed
    return CompareDisplay(
        curves=curves,
        view=_view(plan, y_range, options, _conventions(runs)),
        rows_total=sum(len(frame) for frame in frames),
        rows_shown=sum(len(curve.frame) for curve in curves),
    )
