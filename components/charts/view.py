"""From a run's full per-step frame to what the charts draw: x axis, smoothing, bands, downsampling.

Smoothing, epoch lines and the overfitting band are computed on the full data; only then is the frame
thinned for display, keeping the marked checkpoints (all, or an evenly spread subset of a great many) and
the best step. Tables and exports use the full data.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from components.charts.curves import MAX_CHECKPOINT_MARKERS, SMOOTHED_SUFFIX, ChartView
from components.data.axes import choice_range, robust_range
from components.data.downsample import downsample, evenly_spaced
from components.data.epochs import elapsed_seconds, epoch_ends, epoch_lines, steps_per_epoch, to_epoch
from components.data.metrics import METRICS, metrics_of_kind
from components.data.overfitting import overfit_spans
from components.data.smoothing import reference_gap, smooth

X_TITLES: dict[str, str] = {"step": "Step", "epoch": "Epoch", "elapsed": "Elapsed time (minutes)"}
MAX_DISPLAY_POINTS = 2_000


@dataclass(frozen=True)
class Display:
    """The thinned frames and the chart view for both charts: at most ``MAX_CHECKPOINT_MARKERS`` (and the
    kept ones) of the checkpoints, and about ``MAX_DISPLAY_POINTS`` buckets of the history.

    ``choice_range`` holds, per kind ("loss", "accuracy"), the y range framed on where checkpoints are
    chosen (``axes.choice_range``, log10 bounds on a log axis); a kind is absent when framing would not
    help. It is computed on the full history, before thinning.
    """

    history: pd.DataFrame
    checkpoints: pd.DataFrame
    view: ChartView
    rows_total: int
    rows_shown: int
    choice_range: dict[str, tuple[float, float]]


@dataclass(frozen=True)
class RunAxes:
    """What x axes a run supports: epochs need steps per epoch, elapsed time needs ≥2 timestamps."""

    steps_per_epoch: float | None
    anchors: pd.DataFrame
    has_time: bool

    @property
    def modes(self) -> list[str]:
        return ["step"] + ["epoch"] * bool(self.steps_per_epoch) + ["elapsed"] * self.has_time

    def to_x(self, mode: str, steps: pd.Series) -> pd.Series:
        """Steps in the units of ``mode`` (epochs, minutes since the start, or steps)."""
        steps = steps.astype("float64")
        if mode == "epoch" and self.steps_per_epoch:
            return to_epoch(steps, self.steps_per_epoch)
        if mode == "elapsed" and self.has_time:
            return elapsed_seconds(steps, self.anchors) / 60
        return steps


def run_axes(
    history: pd.DataFrame, checkpoints: pd.DataFrame, *, n_epochs: int | str | None, total_steps: int | None
) -> RunAxes:
    """Work out the run's epoch length and time anchors once, from the job and its data."""
    spe = steps_per_epoch(
        n_epochs=n_epochs, total_steps=total_steps, checkpoint_steps=checkpoints["step"].to_numpy()
    )
    anchors = pd.concat(
        [history[["step", "created_at"]], checkpoints[["step", "created_at"]]], ignore_index=True
    ).dropna(subset=["created_at"])
    has_time = elapsed_seconds(checkpoints["step"], anchors) is not None
    return RunAxes(steps_per_epoch=spe, anchors=anchors, has_time=has_time)


def _with_smoothing(history: pd.DataFrame, weight: float) -> pd.DataFrame:
    """Add ``<metric>__smoothed`` for train and batch-validation series that smoothing changes.

    Every series decays by distance in steps, with the training series' spacing as the unit, so batch
    validation logged every 10th step smooths over the same steps as training logged at every one.
    """
    added = {}
    gap = reference_gap(history)
    for metric in METRICS:
        if metric.split == "full_valid" or history[metric.name].isna().all():
            continue
        smoothed = smooth(history[metric.name], history["step"], weight, gap)
        if not smoothed.equals(history[metric.name]):
            added[metric.name + SMOOTHED_SUFFIX] = smoothed
    return history.assign(**added)


def _steps_to_x(axes: RunAxes, mode: str, steps: Iterable[float]) -> list[float]:
    values = pd.Series(list(steps), dtype="float64")
    return axes.to_x(mode, values).tolist() if not values.empty else []


def build_display(
    history: pd.DataFrame,
    checkpoints: pd.DataFrame,
    *,
    axes: RunAxes,
    x_mode: str,
    smoothing: float,
    log_y: bool,
    ignore_outliers: bool,
    keep_steps: Sequence[int] = (),
    keep_ids: Collection[str] = (),
    max_points: int = MAX_DISPLAY_POINTS,
    spans: Sequence[tuple[int, int]] | None = None,
) -> Display:
    """Everything the two charts need, in the reader's chosen x units.

    Checkpoints at ``keep_steps`` or with ``keep_ids`` (the recommended and the selected one) are always
    marked; of the others an evenly spread subset is, and the history keeps the rows of those marked.
    ``spans`` are the run's ``overfit_spans`` in steps when the caller has them already.
    """
    mode = x_mode if x_mode in axes.modes else "step"
    smoothed = _with_smoothing(history, smoothing)
    kept = checkpoints["checkpoint_id"].isin(list(keep_ids)) | checkpoints["step"].isin(list(keep_steps))
    marked = evenly_spaced(checkpoints, MAX_CHECKPOINT_MARKERS, keep=kept.to_numpy())
    # Extremes are kept for the raw series only: a smoothed line has no spikes to lose.
    value_columns = [metric.name for metric in METRICS]
    shown = downsample(
        smoothed,
        max_points=max_points,
        value_columns=value_columns,
        keep_steps=[*marked["step"].tolist(), *keep_steps],
    )
    shown = shown.assign(x=axes.to_x(mode, shown["step"]).to_numpy())
    marked = marked.assign(x=axes.to_x(mode, marked["step"]).to_numpy())
    y_range: dict[str, tuple[float, float]] = {}
    if ignore_outliers:
        for kind in ("loss", "accuracy"):
            bounds = robust_range([history[m.name] for m in metrics_of_kind(kind)], log=log_y)
            if bounds is not None:
                y_range[kind] = bounds
    framed = {kind: choice_range(history, checkpoints, kind, log=log_y) for kind in ("loss", "accuracy")}
    last_step = int(history["step"].max()) if not history.empty else 0
    ends = epoch_lines(epoch_ends(axes.steps_per_epoch, last_step)) if axes.steps_per_epoch else []
    spans = overfit_spans(history) if spans is None else spans
    view = ChartView(
        x="x",
        x_title=X_TITLES[mode],
        log_y=log_y,
        y_range=y_range,
        epoch_ends=_steps_to_x(axes, mode, ends),
        overfit_spans=[tuple(_steps_to_x(axes, mode, span)) for span in spans],
        smoothing=smoothing,
    )
    return Display(
        history=shown,
        checkpoints=marked,
        view=view,
        rows_total=len(history),
        rows_shown=len(shown),
        choice_range={kind: bounds for kind, bounds in framed.items() if bounds is not None},
    )
