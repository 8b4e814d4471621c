"""From several runs and the reader's choices to the compare page: the figure's data, the verdict, the
table. One pure function, as :func:`components.page.model.build_page` is for one run."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from components.charts.compare import CompareView, RunCurves
from components.charts.options import DEFAULT_SMOOTHING, YRange, default_smoothing
from components.charts.style import DEFAULT_THEME, Theme
from components.data.axes import choice_range, robust_range
from components.data.compare import (
    Alignment,
    RunResult,
    Verdict,
    aligned_x,
    alignments,
    default_alignment,
    default_compare_metric,
    offered_metrics,
    run_length,
    run_result,
    verdict,
)
from components.data.downsample import downsample
from components.data.metrics import BY_NAME, METRIC_NAMES, Kind, counterpart
from components.data.smoothing import reference_gap, smooth
from components.domain import AUTO, RunData
from components.page.header import duration
from components.text import ID_CHARS, MODEL_CHARS, WORD_CHARS, clean
from components.wording import count

MAX_DRAWN_ROWS = 20_000
"""Rows drawn for all runs together (each run gets its share): 10 runs of 10,000 steps stay near 1 MB."""
MIN_ROWS_PER_RUN = 400
SMOOTHER = 3
"""The comparison starts smoother than one run's page (averaging over about 3 % of a run, not 1 %): it
draws only the smoothed lines, and overlaid raw noise hides which run is lower."""
X_TITLES = {Alignment.STEP: "Step", Alignment.EPOCH: "Epoch", Alignment.FRACTION: "Fraction of training"}
HOVER_TITLES = {
    Alignment.STEP: "Step %{x:,.0f}",
    Alignment.EPOCH: "Epoch %{x:.2f}",
    Alignment.FRACTION: "%{x:.0%} of training",
}
ALIGNMENT_LABELS = {Alignment.STEP: "Step", Alignment.EPOCH: "Epoch", Alignment.FRACTION: "Fraction"}
BEST_MARK = "★"
NO_VALUE = "—"


@dataclass(frozen=True)
class CompareOptions:
    """Every choice the reader made on the compare page."""

    metric: str | None = None
    alignment: Alignment | None = None  # None: the runs' default (``default_alignment``)
    smoothing: float = DEFAULT_SMOOTHING
    log_y: bool = False
    y_range: YRange = YRange.CHOICE
    show_training: bool = False
    theme: Theme = DEFAULT_THEME


@dataclass(frozen=True)
class ComparePrepared:
    """What the runs offer before the reader chooses: metrics, x axes, default smoothing, their names."""

    runs: tuple[RunData, ...]
    metrics: tuple[str, ...]
    default_metric: str | None
    alignments: tuple[Alignment, ...]
    default_alignment: Alignment
    default_smoothing: float
    labels: tuple[str, ...]  # one per run: its id, or ``source:id`` where two runs share an id


def prepare_compare(runs: Sequence[RunData]) -> ComparePrepared:
    """The parts of the page that depend on the runs only."""
    runs = tuple(runs)
    ids = [run.summary.ref.run_id for run in runs]
    lengths = [run_length(run) or 0.0 for run in runs]
    return ComparePrepared(
        runs=runs,
        metrics=tuple(offered_metrics(runs)),
        default_metric=default_compare_metric(runs),
        alignments=tuple(alignments(runs)),
        default_alignment=default_alignment(runs),
        default_smoothing=default_smoothing(SMOOTHER * float(np.median(lengths)) if lengths else 0.0),
        labels=tuple(
            run_id if ids.count(run_id) == 1 else str(run.summary.ref)
            for run_id, run in zip(ids, runs, strict=True)
        ),
    )


@dataclass(frozen=True)
class CompareModel:
    """The compare page top to bottom. Table cells from outside (method, model, status) are cleaned."""

    curves: tuple[RunCurves, ...]
    view: CompareView
    verdict: Verdict
    table: pd.DataFrame
    best_row: int | None
    notes: tuple[str, ...]
    caption: str
    metric: str | None
    alignment: Alignment


def _drawn(metric: str | None, show_training: bool) -> tuple[dict[Kind, str], dict[Kind, str]]:
    """The column per plot: the deciding metric's split for both kinds; training beside it when asked."""
    if metric is None:
        return {}, {}
    metrics: dict[Kind, str] = {kind: counterpart(metric, kind) for kind in ("loss", "accuracy")}
    training: dict[Kind, str] = {}
    if show_training and BY_NAME[metric].split != "train":
        training = {kind: counterpart("train_loss", kind) for kind in ("loss", "accuracy")}
    return metrics, training


def _smoothed(history: pd.DataFrame, columns: Sequence[str], weight: float) -> pd.DataFrame:
    """The drawn columns, smoothed as the single-run chart smooths them (never full validation)."""
    gap = reference_gap(history)
    out = history[["step", *columns]].copy()
    for column in columns:
        if BY_NAME[column].split != "full_valid" and out[column].notna().any():
            out[column] = smooth(history[column], history["step"], weight, gap)
    return out


def _frame_range(
    frames: Sequence[tuple[pd.DataFrame, pd.DataFrame]],
    columns: Sequence[str],
    kind: Kind,
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
        only = frame.reindex(columns=["step", *METRIC_NAMES])  # what is not drawn does not frame
        framed = choice_range(only, checkpoints, kind, options.log_y) or robust_range(
            [only[c] for c in columns], 0, 100, options.log_y
        )
        if framed is not None:
            lows.append(framed[0])
            highs.append(framed[1])
    return (min(lows), max(highs)) if lows else everything


def _star(
    run: RunData, result: RunResult, metrics: dict[Kind, str], frame: pd.DataFrame, alignment: Alignment
) -> dict[Kind, tuple[float, float]]:
    """Where the run's ★ sits on each plot: at its checkpoint's value of the drawn metric, else on the
    drawn line at that step."""
    advice = result.recommendation
    if advice is None:
        return {}
    row = run.checkpoints.loc[run.checkpoints["checkpoint_id"].astype(str) == advice.checkpoint_id]
    [x] = aligned_x(run, [advice.step], alignment).tolist()
    stars: dict[Kind, tuple[float, float]] = {}
    for kind, column in metrics.items():
        value = row[column].iloc[0] if not row.empty else np.nan
        if pd.isna(value):
            at = frame.loc[frame["step"] == advice.step, column].dropna()
            value = at.iloc[0] if len(at) else np.nan
        if pd.notna(value) and np.isfinite(x) and np.isfinite(value):
            stars[kind] = (float(x), float(value))
    return stars


def _hyperparameter(value: object) -> str:
    if value is None:
        return NO_VALUE
    if value == AUTO:
        return "auto"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, int):
        return f"{value:,}"
    return clean(value, WORD_CHARS)


def _number(value: float | None) -> float:
    return np.nan if value is None else value


def _table(
    prepared: ComparePrepared, results: Sequence[RunResult], metric: str | None, best_index: int | None
) -> pd.DataFrame:
    """One row per run, in the order given: the ★ run, its checkpoint and metric, then what the run was."""
    label = BY_NAME[metric].label if metric else "Metric"
    rows = []
    for index, (run, result) in enumerate(zip(prepared.runs, results, strict=True)):
        summary, advice = run.summary, result.recommendation
        hyper = summary.hyperparameters
        took = (
            duration((summary.finished_at - summary.created_at).total_seconds())
            if summary.created_at is not None and summary.finished_at is not None
            else NO_VALUE
        )
        rows.append(
            {
                "best": BEST_MARK if index == best_index else "",
                "Run": clean(str(summary.ref), ID_CHARS + 24),
                "Status": clean(summary.status_text, WORD_CHARS),
                "Best step": advice.step if advice else pd.NA,
                f"{label}, best": _number(result.value),
                f"{label}, final": _number(result.final_value),
                "Final step": result.final_step if result.final_step is not None else pd.NA,
                "Epochs": _hyperparameter(hyper.n_epochs),
                "Batch size": _hyperparameter(hyper.batch_size),
                "LR multiplier": _hyperparameter(hyper.learning_rate_multiplier),
                "Learning rate": _hyperparameter(hyper.learning_rate),
                "Method": _hyperparameter(summary.method),
                "Trained tokens": summary.trained_tokens if summary.trained_tokens is not None else pd.NA,
                "Duration": took,
                "Steps": int(length) if (length := run_length(run)) else pd.NA,
                "Recommended model": clean(advice.model, MODEL_CHARS) if advice else NO_VALUE,
            }
        )
    frame = pd.DataFrame(rows)
    for column in ("Best step", "Final step", "Trained tokens", "Steps"):
        frame[column] = frame[column].astype("Int64")
    # A hyperparameter no run reports says nothing: leave its column out.
    empty = [c for c in ("LR multiplier", "Learning rate", "Method") if (frame[c] == NO_VALUE).all()]
    return frame.drop(columns=empty)


def _lengths_note(prepared: ComparePrepared, alignment: Alignment) -> str | None:
    """What the runs' different lengths mean for the x axis chosen (nothing when they train alike)."""
    lengths = sorted({int(length) for run in prepared.runs if (length := run_length(run))})
    if len(lengths) < 2:
        return None
    span = f"The runs train for different numbers of steps ({lengths[0]:,} to {lengths[-1]:,})"
    if alignment is Alignment.STEP:
        better = " or ".join(
            ALIGNMENT_LABELS[a].lower() for a in prepared.alignments if a is not Alignment.STEP
        )
        hint = f": align by {better} to compare the same point of training" if better else ""
        return f"{span}{hint}."
    if alignment is prepared.default_alignment:
        return (
            f"{span}, so they are aligned by {X_TITLES[alignment].lower()}; choose Step for absolute steps."
        )
    return None


def build_compare(prepared: ComparePrepared, options: CompareOptions) -> CompareModel:
    """The whole compare page for ``options``."""
    metric = options.metric if options.metric in prepared.metrics else prepared.default_metric
    alignment = options.alignment if options.alignment in prepared.alignments else prepared.default_alignment
    results = [run_result(run, metric) for run in prepared.runs]
    decision = verdict(prepared.runs, results, metric)
    best_index = next((i for i, run in enumerate(prepared.runs) if decision.best == run.summary.ref), None)
    metrics, training = _drawn(metric, options.show_training)
    columns = sorted(set(metrics.values()) | set(training.values()), key=METRIC_NAMES.index)
    share = max(MIN_ROWS_PER_RUN, MAX_DRAWN_ROWS // max(len(prepared.runs), 1))
    buckets = max(2 * share // (1 + 2 * max(len(columns), 1)), 4)
    curves, smoothed, shown_rows, total_rows = [], [], 0, 0
    for index, (run, result) in enumerate(zip(prepared.runs, results, strict=True)):
        frame = _smoothed(run.history, columns, options.smoothing) if columns else run.history[["step"]]
        smoothed.append((frame, run.checkpoints))
        keep = [result.recommendation.step] if result.recommendation else []
        thin = downsample(frame, max_points=buckets, value_columns=columns, keep_steps=keep)
        thin = thin.assign(x=aligned_x(run, thin["step"], alignment))
        shown_rows, total_rows = shown_rows + len(thin), total_rows + len(frame)
        curves.append(
            RunCurves(
                label=prepared.labels[index],
                index=index,
                frame=thin,
                stars=_star(run, result, metrics, frame, alignment),
                star_step=result.recommendation.step if result.recommendation else None,
            )
        )
    y_range = {}
    for kind, column in metrics.items():
        framed = _frame_range(
            smoothed, [column, *([training[kind]] if kind in training else [])], kind, options
        )
        if framed is not None:
            y_range[kind] = framed
    view = CompareView(
        metrics=metrics,
        labels={kind: BY_NAME[column].label for kind, column in metrics.items()},
        training=training,
        x_title=X_TITLES[alignment],
        hover_title=HOVER_TITLES[alignment],
        step_in_hover=alignment is not Alignment.STEP,
        x_percent=alignment is Alignment.FRACTION,
        log_y=options.log_y,
        y_range=y_range,
        theme=options.theme,
    )
    notes = [note for note in (_lengths_note(prepared, alignment),) if note]
    caption = (
        f"{shown_rows:,} of {count(total_rows, 'step')} drawn (each stretch's extremes kept); "
        "the table and the comparison file have every row."
        if shown_rows < total_rows
        else ""
    )
    return CompareModel(
        curves=tuple(curves),
        view=view,
        verdict=decision,
        table=_table(prepared, results, metric, best_index),
        best_row=best_index,
        notes=tuple(notes),
        caption=caption,
        metric=metric,
        alignment=alignment,
    )
