"""From several runs and the reader's choices to the compare page: the figure's data, the verdict, the
table. One pure function, as :func:`components.page.model.build_page` is for one run."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from components.charts.compare_view import (
    X_TITLES,
    CompareDisplay,
    CompareView,
    DrawnRun,
    RunCurves,
    build_compare_display,
)
from components.charts.options import CompareOptions, default_smoothing
from components.data.compare import (
    Alignment,
    RunResult,
    RunVerdict,
    alignments,
    default_alignment,
    default_compare_metric,
    metric_info,
    offered_metrics,
    run_length,
    run_result,
    verdict,
)
from components.data.metric_model import Direction
from components.data.metrics import metric_label
from components.domain import AUTO, RunData
from components.page.header import duration
from components.page.seed_groups import SeedView, repeated, seed_view
from components.text import ID_CHARS, MODEL_CHARS, WORD_CHARS, clean
from components.wording import count

SMOOTHER = 3
"""The comparison starts smoother than one run's page (averaging over about 3 % of a run, not 1 %): it
draws only the smoothed lines, and overlaid raw noise hides which run is lower."""
ALIGNMENT_LABELS = {Alignment.STEP: "Step", Alignment.EPOCH: "Epoch", Alignment.FRACTION: "Fraction"}
BEST_MARK = "★"
NO_VALUE = "—"


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
    repeats: tuple[tuple[int, ...], ...] = ()  # runs that differ only in their seed, two or more a group


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
        repeats=repeated(runs),
    )


@dataclass(frozen=True)
class CompareModel:
    """The compare page top to bottom. Table cells from outside (method, model, status) are cleaned."""

    curves: tuple[RunCurves, ...]
    view: CompareView
    verdict: RunVerdict
    table: pd.DataFrame
    best_row: int | None
    notes: tuple[str, ...]
    caption: str
    metric: str | None
    alignment: Alignment
    seeds: SeedView | None = None  # while seeds are grouped (``CompareOptions.group_seeds``)


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
    label = metric_label(metric) if metric else "Metric"
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


def _caption(drawn: CompareDisplay) -> str:
    """How much of the runs the figure draws, when it is not everything."""
    if drawn.rows_shown >= drawn.rows_total:
        return ""
    return (
        f"{drawn.rows_shown:,} of {count(drawn.rows_total, 'step')} drawn (their shape and extremes kept); "
        "the table and the comparison file have every row."
    )


def build_compare(prepared: ComparePrepared, options: CompareOptions) -> CompareModel:
    """The whole compare page for ``options``: the page decides the metric, the x axis and the best run,
    and :func:`build_compare_display` draws them."""
    metric = options.metric if options.metric in prepared.metrics else prepared.default_metric
    alignment = options.alignment if options.alignment in prepared.alignments else prepared.default_alignment
    decider = metric_info(prepared.runs, metric) if metric else None
    results = [run_result(run, decider) for run in prepared.runs]
    decision = verdict(prepared.runs, results, metric)
    best_index = next((i for i, run in enumerate(prepared.runs) if decision.best == run.summary.ref), None)
    compared = [
        DrawnRun(run, label, result)
        for run, label, result in zip(prepared.runs, prepared.labels, results, strict=True)
    ]
    drawn = build_compare_display(compared, metric, alignment, options)
    seeds = None
    if options.group_seeds and prepared.repeats and decider is not None:
        higher = decider.direction is Direction.HIGHER
        seeds = seed_view(prepared.runs, results, drawn.curves, drawn.view, higher)
    return CompareModel(
        curves=drawn.curves,
        view=drawn.view,
        verdict=decision,
        table=_table(prepared, results, metric, best_index),
        best_row=best_index,
        notes=tuple(note for note in (_lengths_note(prepared, alignment),) if note),
        caption=_caption(drawn),
        metric=metric,
        alignment=alignment,
        seeds=seeds,
    )
