"""The checkpoint to deploy, with the reason in words, so the choice can be checked rather than trusted.

Besides the prose, a Recommendation carries the facts the page acts on: what the choice rests on
(``basis``), whether the job is done (``final``), whether the step lies in the overfitting band, and the
run's best validation point when no checkpoint was saved there. ``deploy_advice`` says "use it right
away" only when all of them allow it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd

from components.data.best import best_checkpoint, default_metric
from components.data.metrics import BY_NAME, METRICS, Metric
from components.data.overfitting import in_overfit_span, overfit_spans
from components.data.smoothing import smooth, typical_gap

# Batch validation is too noisy to compare point by point; TensorBoard's default smoothing tames it.
BATCH_SMOOTHING = 0.6
_SPLIT_WORDS = {"train": "training", "valid": "batch validation", "full_valid": "full validation"}


class Basis(StrEnum):
    """What the recommendation rests on: only validation can show overfitting."""

    FULL_VALIDATION = "validated by full validation"
    BATCH_VALIDATION = "validated by batch validation"
    TRAINING_ONLY = "training metric only"
    NO_VALIDATION = "the run has no validation data"


@dataclass(frozen=True)
class UnsavedBest:
    """The run's best validation point where no checkpoint was saved, for a hollow marker on the curve.

    ``value`` is what was compared (smoothed for noisy batch validation, then ``smoothed`` is True);
    ``raw_value`` is the metric as logged at that step, where the raw line passes.
    """

    step: int
    metric: str
    value: float
    raw_value: float
    smoothed: bool


@dataclass(frozen=True)
class Recommendation:
    """The recommended checkpoint, the metric that chose it, and what a careful reader should know.

    ``reason`` is one line for a compact strip; ``details`` holds the longer explanation. ``final`` is
    False while the job runs (the checkpoint is the best so far). ``unsaved_minimum`` is the warning in
    words about ``unsaved_best``.
    """

    checkpoint_id: str
    model: str
    step: int
    metric: str
    value: float
    reason: str
    unsaved_minimum: str | None
    basis: Basis
    final: bool
    in_overfit_span: bool
    unsaved_best: UnsavedBest | None
    deploy_advice: str
    details: str


def _label(metric: Metric) -> str:
    """A label that fits inside a sentence, e.g. full validation loss; the catalogue's is for charts."""
    return f"{_SPLIT_WORDS[metric.split]} {metric.kind}"


def _number(value: float) -> str:
    """Three decimals, or three significant digits for values too small for that."""
    return f"{value:.3f}" if abs(value) >= 0.01 else f"{value:.3g}"


def _extreme(metric: Metric) -> str:
    """Which end of the metric is better, as a word."""
    return "highest" if metric.higher_is_better else "lowest"


def _against_final(metric: Metric, value: float, final: pd.Series, last: str) -> str:
    """How the chosen value compares with the last checkpoint, the one the job deploys by default."""
    final_value = final[metric.name]
    where = f"step {int(final['step']):,}"
    if np.isnan(final_value):
        return f"the {last} checkpoint ({where}) has no {_label(metric)} to compare"
    if final_value == value:
        return f"the same as the {last} checkpoint ({_number(final_value)} at {where})"
    direction = "higher" if value > final_value else "lower"
    change = f"{abs(value - final_value) / abs(final_value) * 100:.1f} % " if final_value else ""
    return f"{change}{direction} than the {last} checkpoint ({_number(final_value)} at {where})"


def _reason(checkpoints: pd.DataFrame, metric: Metric, best: pd.Series, last: str) -> str:
    value, step = float(best[metric.name]), int(best["step"])
    count = int(checkpoints[metric.name].notna().sum())
    at = f"{_number(value)} at step {step:,}"
    if count == 1:
        text = f"Only one saved checkpoint has a {_label(metric)}: {at}."
    else:
        among = f"the {count:,} saved checkpoints" + ("" if count == len(checkpoints) else " that report it")
        final = checkpoints.loc[checkpoints["step"].idxmax()]
        comparison = (
            f"the {last} checkpoint" if step == final["step"] else _against_final(metric, value, final, last)
        )
        text = f"{_extreme(metric).capitalize()} {_label(metric)} of {among}: {at}, {comparison}."
    return text


def _validation_metric(decider: Metric, history: pd.DataFrame) -> Metric | None:
    """The decider itself when it is a validation metric, else the best validation loss the run has."""
    if decider.split != "train":
        return decider
    return next(
        (BY_NAME[name] for name in ("full_valid_loss", "valid_loss") if history[name].notna().any()), None
    )


def _unsaved_best(
    checkpoints: pd.DataFrame, history: pd.DataFrame, decider: Metric, step: int
) -> UnsavedBest | None:
    """The run's best validation point when it beats the recommended step and has no saved checkpoint.

    Sources save checkpoints sparsely (OpenAI only at epoch ends, keeping the last 3 epochs'), so the run
    is often at its best where nothing can be deployed. Batch validation is smoothed first (0.6 per logged
    point, TensorBoard's default), so one lucky batch is not taken for the best point.
    """
    metric = _validation_metric(decider, history)
    if metric is None:
        return None
    raw = history.set_index("step")[metric.name].dropna().sort_index()
    if raw.empty:
        return None
    smoothed = metric.split == "valid"
    curve = smooth(raw, raw.index, BATCH_SMOOTHING, typical_gap(raw.index)) if smoothed else raw
    best_step = int(curve.idxmax() if metric.higher_is_better else curve.idxmin())
    best_value, at_recommended = curve[best_step], np.interp(step, curve.index, curve.to_numpy())
    better = best_value > at_recommended if metric.higher_is_better else best_value < at_recommended
    if not better or best_step in set(checkpoints["step"]):
        return None
    return UnsavedBest(
        step=best_step,
        metric=metric.name,
        value=float(best_value),
        raw_value=float(raw[best_step]),
        smoothed=smoothed,
    )


def _unsaved_warning(best: UnsavedBest, checkpoints_saved: str | None) -> str:
    """The warning about ``best``; ``checkpoints_saved`` is the source's checkpoint policy, in words."""
    metric = BY_NAME[best.metric]
    smoothed = "smoothed " if best.smoothed else ""
    why = f": {checkpoints_saved}." if checkpoints_saved else "."
    return (
        f"The {_extreme(metric)} {smoothed}{_label(metric)} of the run ({_number(best.value)}) was at step "
        f"{best.step:,}, which has no saved checkpoint{why}"
    )


def _has_validation(frame: pd.DataFrame) -> bool:
    """Whether any validation metric (batch or full, loss or accuracy) has a value."""
    return any(
        metric.split != "train" and metric.name in frame and frame[metric.name].notna().any()
        for metric in METRICS
    )


def _basis(decider: Metric, validated_run: bool) -> Basis:
    if decider.split == "full_valid":
        return Basis.FULL_VALIDATION
    if decider.split == "valid":
        return Basis.BATCH_VALIDATION
    return Basis.TRAINING_ONLY if validated_run else Basis.NO_VALIDATION


def _deploy_advice(decider: Metric, basis: Basis, *, final: bool, overfit: bool) -> str:
    """One line for the strip: "use it right away" only when validated, finished and outside the band."""
    caveat = None
    if basis is Basis.TRAINING_ONLY:
        caveat = f"chosen by {_label(decider)}: it cannot show overfitting; pick a validation metric"
    elif basis is Basis.NO_VALIDATION:
        caveat = f"chosen by {_label(decider)}: it cannot show overfitting; add a validation file next time"
    elif overfit:
        caveat = "inside the overfitting band: validation loss was rising here; compare an earlier checkpoint"
    if not final:
        return "Best so far, the job is still running" + (f"; {caveat}." if caveat else ".")
    if caveat:
        return caveat[0].upper() + caveat[1:] + "."
    return f"{basis.capitalize()} and the job is finished: use it right away."


def _details(
    decider: Metric,
    basis: Basis,
    *,
    final: bool,
    step: int,
    span: tuple[float, float] | None,
) -> str:
    """The longer explanation behind the strip's line, one sentence per fact that limits the choice."""
    sentences = []
    if basis is Basis.BATCH_VALIDATION:
        sentences.append("Batch validation is measured on a small sample at each step, so it is noisy.")
    if basis in (Basis.TRAINING_ONLY, Basis.NO_VALIDATION):
        sentences.append(
            f"{_label(decider).capitalize()} keeps improving while a model memorises its training set, so "
            "it favours the last checkpoints whether they overfit or not."
        )
    if basis is Basis.TRAINING_ONLY:
        sentences.append(
            "This run has validation metrics: choosing one lets the data on held-out examples decide."
        )
    if basis is Basis.NO_VALIDATION:
        sentences.append(
            "This run has no validation data, so nothing measured the model on examples it did not train "
            "on: overfitting cannot be judged, and no band is drawn."
        )
    if span is not None:
        sentences.append(
            f"Step {step:,} lies in the shaded band (steps {int(span[0]):,}–{int(span[1]):,}), where "
            "validation loss rises while training loss falls: the model is learning its training set, not "
            "the task."
        )
    if not final:
        sentences.append(
            "The job is still running: a later checkpoint may do better, and the last one is only the "
            "latest so far."
        )
    return " ".join(sentences)


def recommend(
    checkpoints: pd.DataFrame,
    history: pd.DataFrame | None = None,
    metric: str | None = None,
    *,
    finished: bool = True,
    spans: Sequence[tuple[float, float]] | None = None,
    checkpoints_saved: str | None = None,
) -> Recommendation | None:
    """The best saved checkpoint by ``metric`` (default: the most trustworthy one present), explained.

    While the job is still running (``finished=False``) the last checkpoint is the latest, not the
    final one, and the advice says "best so far". ``spans`` are the run's ``overfit_spans`` (computed
    from ``history`` when not given), the same band the chart shades and the table's verdicts follow.
    ``checkpoints_saved`` (the run's ``Conventions.checkpoints_saved``) says, in the warning about a best
    point without a checkpoint, which checkpoints the source saves. None when no checkpoint has the metric.
    """
    metric = metric or default_metric(checkpoints)
    best = best_checkpoint(checkpoints, metric) if metric else None
    if best is None:
        return None
    decider = BY_NAME[metric]
    step = int(best["step"])
    if spans is None:
        spans = overfit_spans(history) if history is not None else []
    span = next((span for span in spans if in_overfit_span([step], [span])[0]), None)
    basis = _basis(decider, _has_validation(checkpoints if history is None else history))
    unsaved = None if history is None else _unsaved_best(checkpoints, history, decider, step)
    return Recommendation(
        checkpoint_id=str(best["checkpoint_id"]),
        model=str(best["model"]),
        step=step,
        metric=metric,
        value=float(best[metric]),
        reason=_reason(checkpoints, decider, best, "final" if finished else "latest"),
        unsaved_minimum=None if unsaved is None else _unsaved_warning(unsaved, checkpoints_saved),
        basis=basis,
        final=finished,
        in_overfit_span=span is not None,
        unsaved_best=unsaved,
        deploy_advice=_deploy_advice(decider, basis, final=finished, overfit=span is not None),
        details=_details(decider, basis, final=finished, step=step, span=span),
    )
