"""From a run's full per-step frame to what the chart draws: x axis, smoothing, ranges, bands, thinning.

Smoothing, epoch lines, the overfitting band and the y ranges are computed on the full data; only then
is the frame thinned for display, keeping the marked checkpoints (all, or an evenly spread subset of a
great many), the recommended and selected ones and the best unsaved step. Tables and exports use the
full data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from components.charts.layout import Y_TITLES
from components.charts.options import NO_HIGHLIGHTS, Drag, Highlights, StepRange, ViewOptions, XMode, YRange
from components.charts.style import DEFAULT_THEME, Theme
from components.data.axes import choice_range, robust_range
from components.data.downsample import ZOOM_MARGIN, downsample, evenly_spaced, step_window
from components.data.epochs import (
    LoggedEpochs,
    elapsed_seconds,
    epoch_ends,
    epoch_lines,
    logged_epochs,
    steps_per_epoch,
    to_epoch,
)
from components.data.metrics import (
    NO_CONVENTIONS,
    Kind,
    Metric,
    metrics_of_kind,
    plot_title,
    task_metrics,
)
from components.data.smoothing import reference_gap, smooth
from components.domain import Conventions

X_TITLES: dict[XMode, str] = {
    XMode.STEP: "Step",
    XMode.EPOCH: "Epoch",
    XMode.ELAPSED: "Elapsed time (minutes)",
}
# The hover's first line: where the pointer is, in the axis' units.
HOVER_TITLES: dict[XMode, str] = {
    XMode.STEP: "Step %{x:,.0f}",
    XMode.EPOCH: "Epoch %{x:.2f}",
    XMode.ELAPSED: "%{x:.1f} min",
}
# Where a point of a sparse series is, in its hover row (it may not be at the step under the pointer).
POINT_LABELS: dict[XMode, str] = {
    XMode.STEP: "step %{x:,.0f}",
    XMode.EPOCH: "epoch %{x:.2f}",
    XMode.ELAPSED: "%{x:.1f} min",
}
SMOOTHED_SUFFIX = "__smoothed"
MAX_DISPLAY_POINTS = 2_000
"""The most points of one series drawn (besides the marked checkpoints): about the chart's width in pixels."""
# Markers drawn: more would bury the curves, and 100,000 made 120 MB of page JSON.
MAX_CHECKPOINT_MARKERS = 1_000


@dataclass(frozen=True)
class Plot:
    """One plot of the chart: what it draws (``kind``), the series it draws in train, batch, full order,
    and its y title."""

    kind: Kind
    metrics: tuple[Metric, ...]
    title: str

    @property
    def word(self) -> str:
        """The plot in a hover line or a trace's name: ``loss``, ``accuracy``, or its metric (``F1``)."""
        return self.title if self.kind == "task" else self.kind


def plots_of(history: pd.DataFrame, decider: str | None) -> tuple[Plot, ...]:
    """Loss on top; below it the deciding metric when that is not one of the six (a classifier's F1, a GRPO
    run's reward, with its training counterpart), else token accuracy. Only series with a value are drawn,
    and only plots with a series."""

    def drawn(plot: Plot) -> Plot | None:
        present = tuple(m for m in plot.metrics if m.name in history and history[m.name].notna().any())
        return replace(plot, metrics=present) if present else None

    task = task_metrics(decider, history.columns)
    below = drawn(Plot("task", task, plot_title(decider))) if task and decider else None
    plots = [
        drawn(Plot("loss", metrics_of_kind("loss"), Y_TITLES["loss"])),
        below or drawn(Plot("accuracy", metrics_of_kind("accuracy"), Y_TITLES["accuracy"])),
    ]
    return tuple(plot for plot in plots if plot is not None)


def plotted(plots: Sequence[Plot]) -> list[Metric]:
    """Every series the plots draw, in their order."""
    return [metric for plot in plots for metric in plot.metrics]


@dataclass(frozen=True)
class ChartView:
    """How the chart looks: its plots, x column and titles, y scale and ranges, x range, reading aids,
    mouse, theme, and the run's words for its full validation (``conventions``) in names and hovers."""

    plots: tuple[Plot, ...] = ()
    x: str = "step"
    x_title: str = "Step"
    hover_title: str = HOVER_TITLES[XMode.STEP]
    point_label: str = POINT_LABELS[XMode.STEP]
    log_y: bool = False
    y_range: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    x_range: tuple[float, float] | None = None
    epoch_ends: Sequence[float] = ()
    overfit_spans: Sequence[tuple[float, float]] = ()
    smoothing: float = 0.0
    drag: Drag = Drag.PICK
    theme: Theme = DEFAULT_THEME
    conventions: Conventions = NO_CONVENTIONS


@dataclass(frozen=True)
class RunDisplay:
    """The thinned frames and the view: at most ``MAX_CHECKPOINT_MARKERS`` (and the kept ones) of the
    checkpoints, and at most ``MAX_DISPLAY_POINTS`` points a series of the history, each with an ``x``
    column; ``rows_total`` of the history (a zoom's steps when zoomed) thinned to ``rows_shown``."""

    history: pd.DataFrame
    checkpoints: pd.DataFrame
    view: ChartView
    rows_total: int
    rows_shown: int

    def x_at(self, steps: Iterable[float]) -> list[float]:
        """Steps in the chart's x units, read off the history (x grows with the step in every mode)."""
        return self._interp(steps, "step", "x")

    def steps_at(self, xs: Iterable[float]) -> list[float]:
        """x positions (of a box the reader drew) back in steps, so a zoom outlives a change of x axis."""
        return self._interp(xs, "x", "step")

    def _interp(self, values: Iterable[float], source: str, target: str) -> list[float]:
        frame = self.history[[source, target]].dropna().sort_values(source)
        points = np.asarray(list(values), dtype="float64")
        if frame.empty or not len(points):
            return []
        known, mapped = frame[source].to_numpy(dtype="float64"), frame[target].to_numpy(dtype="float64")
        if len(frame) == 1:
            return (points - known[0] + mapped[0]).tolist()
        # Beyond the data (the axis of a running job reaches its total steps) the end slopes extend.
        slope_low = (mapped[1] - mapped[0]) / (known[1] - known[0]) if known[1] != known[0] else 1.0
        slope_high = (mapped[-1] - mapped[-2]) / (known[-1] - known[-2]) if known[-1] != known[-2] else 1.0
        inside = np.interp(points, known, mapped)
        below = mapped[0] + (points - known[0]) * slope_low
        above = mapped[-1] + (points - known[-1]) * slope_high
        return np.where(points < known[0], below, np.where(points > known[-1], above, inside)).tolist()


@dataclass(frozen=True)
class RunAxes:
    """What x axes a run supports: epochs need the file's logged epochs or steps per epoch, elapsed time
    needs ≥2 timestamps. Epochs as the file logs them (``logged``) win over the derived length."""

    steps_per_epoch: float | None
    anchors: pd.DataFrame
    has_time: bool
    logged: LoggedEpochs | None = None

    @property
    def modes(self) -> list[XMode]:
        has_epochs = bool(self.logged or self.steps_per_epoch)
        return [XMode.STEP] + [XMode.EPOCH] * has_epochs + [XMode.ELAPSED] * self.has_time

    def to_x(self, mode: XMode, steps: pd.Series) -> pd.Series:
        """Steps in the units of ``mode`` (epochs, minutes since the start, or steps)."""
        steps = steps.astype("float64")
        if mode is XMode.EPOCH and self.logged:
            return self.logged.at(steps)
        if mode is XMode.EPOCH and self.steps_per_epoch:
            return to_epoch(steps, self.steps_per_epoch)
        if mode is XMode.ELAPSED and self.has_time:
            return elapsed_seconds(steps, self.anchors) / 60
        return steps


def run_axes(
    history: pd.DataFrame, checkpoints: pd.DataFrame, *, n_epochs: int | str | None, total_steps: int | None
) -> RunAxes:
    """Work out the run's epochs (as logged, else their length) and time anchors once, from the job and
    its data."""
    spe = steps_per_epoch(
        n_epochs=n_epochs, total_steps=total_steps, checkpoint_steps=checkpoints["step"].to_numpy()
    )
    anchors = pd.concat(
        [history[["step", "created_at"]], checkpoints[["step", "created_at"]]], ignore_index=True
    ).dropna(subset=["created_at"])
    has_time = elapsed_seconds(checkpoints["step"], anchors) is not None
    return RunAxes(steps_per_epoch=spe, anchors=anchors, has_time=has_time, logged=logged_epochs(history))


def _with_smoothing(history: pd.DataFrame, weight: float, metrics: Sequence[Metric]) -> pd.DataFrame:
    """Add ``<metric>__smoothed`` for the drawn train and batch-validation series that smoothing changes.

    Every series decays by distance in steps, with the training series' spacing as the unit, so batch
    validation logged every 10th step smooths over the same steps as training logged at every one.
    """
    added = {}
    gap = reference_gap(history)
    for metric in metrics:
        if metric.split == "full_valid" or history[metric.name].isna().all():
            continue
        smoothed = smooth(history[metric.name], history["step"], weight, gap)
        if not smoothed.equals(history[metric.name]):
            added[metric.name + SMOOTHED_SUFFIX] = smoothed
    return history.assign(**added)


def _steps_to_x(axes: RunAxes, mode: XMode, steps: Iterable[float]) -> list[float]:
    values = pd.Series(list(steps), dtype="float64")
    return axes.to_x(mode, values).tolist() if not values.empty else []


def _y_ranges(
    history: pd.DataFrame, checkpoints: pd.DataFrame, plots: Sequence[Plot], options: ViewOptions
) -> dict[str, tuple[float, float]]:
    """The y range of each plot: framed on the choice, the middle 90 % or (when zoomed) all the window.

    ``history`` is the part of the run on screen. Plotly's own autorange spans every point, also those
    outside a zoom, so a zoomed chart gets its range from the window's points here.
    """
    ranges: dict[str, tuple[float, float]] = {}
    framing, log = options.y_range, options.log_y
    for plot in plots:
        columns = [m.name for m in plot.metrics]
        series = [history[column] for column in columns]
        if framing is YRange.CHOICE:
            bounds = choice_range(history, checkpoints, columns, log) or robust_range(series, 0, 100, log)
        elif framing is YRange.ROBUST:
            bounds = robust_range(series, log=log)
        else:
            bounds = robust_range(series, 0, 100, log)
        if bounds is not None:
            ranges[plot.kind] = bounds
    return ranges


@dataclass(frozen=True)
class ChartRun:
    """A run as its chart reads it: the full per-step frames, the x axes it supports, its overfitting
    spans (in steps), a running job's planned length (lets the x axis run to the end of the training;
    None when finished) and its words for full validation."""

    history: pd.DataFrame
    checkpoints: pd.DataFrame
    axes: RunAxes
    spans: Sequence[tuple[float, float]] = ()
    total_steps: int | None = None
    conventions: Conventions = NO_CONVENTIONS


def _thinned(
    run: ChartRun,
    smoothed: pd.DataFrame,
    highlights: Highlights,
    metrics: Sequence[Metric],
    zoom: StepRange | None,
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """The marked checkpoints (the recommended and selected ones always), the history thinned to at most
    :data:`MAX_DISPLAY_POINTS` points a series of ``metrics`` (keeping the rows of every mark and of the best
    unsaved step), and how many rows it was thinned from. A zoom is drawn in detail: only its steps (and a
    small margin) are thinned, at the same budget, so a narrow zoom shows every step logged in it."""
    checkpoints = run.checkpoints
    kept_ids = [i for i in (highlights.best_id, highlights.selected_id) if i]
    kept = checkpoints["checkpoint_id"].isin(kept_ids).to_numpy()
    marked = evenly_spaced(checkpoints, MAX_CHECKPOINT_MARKERS, keep=kept)
    unsaved = [highlights.unsaved_best.step] if highlights.unsaved_best else []
    if zoom is not None:
        ordered = smoothed.sort_values("step", kind="stable")
        steps = ordered["step"].to_numpy(dtype="float64")
        smoothed = ordered.iloc[step_window(steps, zoom.start, zoom.end, ZOOM_MARGIN)]
    # The raw series choose the rows: a smoothed line, drawn through its raw series' rows, has no spikes
    # to lose.
    names = [metric.name for metric in metrics]
    shown = downsample(
        smoothed,
        budget=MAX_DISPLAY_POINTS,
        value_columns=names,
        keep_steps=[*marked["step"].tolist(), *unsaved],
        follow={name + SMOOTHED_SUFFIX: name for name in names},
    )
    return shown, marked, len(smoothed)


def _on_screen(
    run: ChartRun, mode: XMode, zoom: StepRange | None
) -> tuple[pd.DataFrame, tuple[float, ...] | None]:
    """The rows on screen (a zoom's, else all) and the x range: a zoom's, or to a running job's end."""
    history, axes = run.history, run.axes
    on_screen, x_range = history, None
    if zoom is not None:
        on_screen = history[history["step"].between(zoom.start, zoom.end)]
        x_range = tuple(_steps_to_x(axes, mode, (zoom.start, zoom.end)))
    elif run.total_steps and not history.empty and run.total_steps > history["step"].max():
        x_range = tuple(_steps_to_x(axes, mode, (min(history["step"].min(), 0), run.total_steps)))
    if on_screen.empty:  # a zoom between two logged steps: frame on the whole run instead
        on_screen = history
    return on_screen, x_range


def _epoch_ends(run: ChartRun, mode: XMode) -> list[float]:
    """The epoch lines to draw, to the end of the data or of a running job's planned steps: at the whole
    epochs the file logs, else every derived epoch length."""
    last_step = int(run.history["step"].max()) if not run.history.empty else 0
    end = max(last_step, run.total_steps or 0)
    axes = run.axes
    if axes.logged:
        ends = axes.logged.ends(end)
    else:
        ends = epoch_ends(axes.steps_per_epoch, end) if axes.steps_per_epoch else []
    return _steps_to_x(axes, mode, epoch_lines(ends))


def build_display(
    run: ChartRun,
    options: ViewOptions,
    *,
    highlights: Highlights = NO_HIGHLIGHTS,
    zoom: StepRange | None = None,
) -> RunDisplay:
    """Everything the chart needs, in the reader's chosen x units.

    The recommended and the selected checkpoint are always marked; of the others an evenly spread subset
    is, and the history keeps the rows of those marked and of the best unsaved step. ``zoom`` is a step
    range the reader drew.
    """
    axes = run.axes
    mode = XMode(options.x_mode) if options.x_mode in axes.modes else XMode.STEP
    plots = plots_of(run.history, highlights.decider)
    drawn = plotted(plots)
    smoothed = _with_smoothing(run.history, options.smoothing, drawn)
    shown, marked, thinned_from = _thinned(run, smoothed, highlights, drawn, zoom)
    shown = shown.assign(x=axes.to_x(mode, shown["step"]).to_numpy())
    marked = marked.assign(x=axes.to_x(mode, marked["step"]).to_numpy())
    on_screen, x_range = _on_screen(run, mode, zoom)
    on_screen_checkpoints = run.checkpoints[run.checkpoints["step"].isin(on_screen["step"])]
    view = ChartView(
        plots=plots,
        x="x",
        x_title=X_TITLES[mode],
        hover_title=HOVER_TITLES[mode],
        point_label=POINT_LABELS[mode],
        log_y=options.log_y,
        y_range=_y_ranges(on_screen, on_screen_checkpoints, plots, options),
        x_range=x_range,
        epoch_ends=_epoch_ends(run, mode),
        overfit_spans=[tuple(_steps_to_x(axes, mode, span)) for span in run.spans],
        smoothing=options.smoothing,
        drag=options.drag,
        theme=options.theme,
        conventions=run.conventions,
    )
    return RunDisplay(
        history=shown, checkpoints=marked, view=view, rows_total=thinned_from, rows_shown=len(shown)
    )
