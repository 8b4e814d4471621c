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

from components.data.best import available_metrics, best_checkpoint
from components.data.metric_model import Direction, Kind, MetricInfo, Split, classify, default_decider
from components.data.metric_model.priority import reward_family, task_family
from components.data.metrics import BY_NAME, sentence_label
from components.data.overfitting import in_overfit_span, overfit_spans
from components.data.smoothing import smooth, typical_gap

# Batch validation is too noisy to compare point by point; TensorBoard's default smoothing tames it.
BATCH_SMOOTHING = 0.6
_HELD_OUT = (Split.FULL_EVAL, Split.NAMED_EVAL, Split.MIXED_EVAL)


class Basis(StrEnum):
    """What the recommendation rests on: only validation can show overfitting. FULL_VALIDATION is any
    evaluation on held-out data (the whole set, a named set); :func:`basis_words` says which."""

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
    step_only: bool = False  # a validated step where no checkpoint was saved (model empty)
    band_overruled: bool = False  # inside the band, but a task metric decides and still improves there


def _label(metric: MetricInfo) -> str:
    """A label that fits inside a sentence, e.g. full validation loss, evaluation F1."""
    return sentence_label(metric.name)


def _number(value: float) -> str:
    """Three decimals, or three significant digits for values too small for that."""
    return f"{value:.3f}" if abs(value) >= 0.01 else f"{value:.3g}"


def _extreme(metric: MetricInfo) -> str:
    """Which end of the metric is better, as a word."""
    return "highest" if metric.direction is Direction.HIGHER else "lowest"


def _against_final(metric: MetricInfo, value: float, final: pd.Series, last: str) -> str:
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


def _reason(checkpoints: pd.DataFrame, metric: MetricInfo, best: pd.Series, last: str) -> str:
    value, step = float(best[metric.name]), int(best["step"])
    count = int(checkpoints[metric.name].notna().sum())
    at = f"{_number(value)} at step {step:,}"
    if _is_step_only(best):
        text = f"The best validated step by {_label(metric)}: {at}. No checkpoint was saved at that step."
    elif count == 1:
        text = f"Only one saved checkpoint has a {_label(metric)}: {at}."
    else:
        among = f"the {count:,} saved checkpoints" + ("" if count == len(checkpoints) else " that report it")
        final = checkpoints.loc[checkpoints["step"].idxmax()]
        comparison = (
            f"the {last} checkpoint" if step == final["step"] else _against_final(metric, value, final, last)
        )
        text = f"{_extreme(metric).capitalize()} {_label(metric)} of {among}: {at}, {comparison}."
    return text


def _is_step_only(row: pd.Series) -> bool:
    """Whether a checkpoint row is a validated step where no checkpoint was saved."""
    value = row.get("step_only")
    return bool(value) if value is not None and pd.notna(value) else False


def _validation_metric(decider: MetricInfo, history: pd.DataFrame) -> MetricInfo | None:
    """The decider itself when it is measured on held-out data, else the best validation loss the run has."""
    if decider.held_out:
        return decider if decider.name in history else None
    present = (name for name in ("full_valid_loss", "valid_loss") if name in history)
    return next((classify(name) for name in present if history[name].notna().any()), None)


def _unsaved_best(
    checkpoints: pd.DataFrame, history: pd.DataFrame, decider: MetricInfo, step: int
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
    smoothed = metric.split is Split.BATCH_VALID
    curve = smooth(raw, raw.index, BATCH_SMOOTHING, typical_gap(raw.index)) if smoothed else raw
    higher = metric.direction is Direction.HIGHER
    best_step = int(curve.idxmax() if higher else curve.idxmin())
    best_value, at_recommended = curve[best_step], np.interp(step, curve.index, curve.to_numpy())
    better = best_value > at_recommended if higher else best_value < at_recommended
    if not better or best_step in set(checkpoints["step"]):
        return None
    return UnsavedBest(
        step=best_step,
        metric=metric.name,
        value=float(best_value),
        raw_value=float(raw[best_step]),
        smoothed=smoothed,
    )


def _unsaved_warning(best: UnsavedBest, metric: MetricInfo, checkpoints_saved: str | None) -> str:
    """The warning about ``best`` (by ``metric``, the decider, unless a validation loss stood in for it);
    ``checkpoints_saved`` is the source's checkpoint policy, in words."""
    metric = metric if best.metric == metric.name else classify(best.metric)
    smoothed = "smoothed " if best.smoothed else ""
    why = f": {checkpoints_saved}." if checkpoints_saved else "."
    return (
        f"The {_extreme(metric)} {smoothed}{_label(metric)} of the run ({_number(best.value)}) was at step "
        f"{best.step:,}, which has no saved checkpoint{why}"
    )


def _has_validation(frame: pd.DataFrame) -> bool:
    """Whether any metric measured on held-out data (batch or full, any set) has a value."""
    return any(classify(name).held_out for name in available_metrics(frame))


def _basis(decider: MetricInfo, validated_run: bool) -> Basis:
    if decider.split in _HELD_OUT:
        return Basis.FULL_VALIDATION
    if decider.split is Split.BATCH_VALID:
        return Basis.BATCH_VALIDATION
    return Basis.TRAINING_ONLY if validated_run else Basis.NO_VALIDATION


def basis_words(decider: MetricInfo, basis: Basis) -> str:
    """The basis as the strip says it: OpenAI's full validation by its name, other held-out evaluations as
    such, a named evaluation set by its name."""
    if basis is not Basis.FULL_VALIDATION or decider.name in BY_NAME:
        return str(basis)
    if decider.set_name:
        return f"validated by a held-out evaluation (the {decider.set_name} set)"
    return "validated by a held-out evaluation"


def overrules_band(decider: MetricInfo) -> bool:
    """Whether the decider outweighs the overfitting band: a task metric or a reward, which can still
    improve while the evaluation loss rises from over-confidence (token accuracy moves with the loss)."""
    return decider.kind is not Kind.LOSS and (
        task_family(decider) is not None or reward_family(decider) is not None
    )


def _band_line(decider: MetricInfo, span: tuple[float, float]) -> str:
    label = _label(decider)
    return (
        f"evaluation loss rises from step {int(span[0]):,} while {label} still improves: the choice follows "
        f"{label}"
    )


def _deploy_advice(
    decider: MetricInfo, basis: Basis, *, final: bool, span: tuple[float, float] | None
) -> str:
    """One line for the strip: "use it right away" only when validated, finished and outside the band
    (or inside it, when the deciding task metric overrules the losses: then it says so)."""
    overfit = span is not None and not overrules_band(decider)
    caveat = None
    if span is not None and not overfit and basis is Basis.FULL_VALIDATION:
        caveat = _band_line(decider, span)
    elif basis is Basis.TRAINING_ONLY:
        caveat = f"chosen by {_label(decider)}: it cannot show overfitting; pick a validation metric"
    elif basis is Basis.NO_VALIDATION:
        caveat = f"chosen by {_label(decider)}: it cannot show overfitting; add a validation file next time"
    elif overfit:
        caveat = "inside the overfitting band: validation loss was rising here; compare an earlier checkpoint"
    if not final:
        return "Best so far, the job is still running" + (f"; {caveat}." if caveat else ".")
    if caveat:
        return caveat[0].upper() + caveat[1:] + "."
    return f"{basis_words(decider, basis).capitalize()} and the job is finished: use it right away."


def _details(
    decider: MetricInfo,
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
    if span is not None and overrules_band(decider):
        sentences.append(
            f"Step {step:,} lies in the shaded band (steps {int(span[0]):,}–{int(span[1]):,}), where the "
            f"losses say overfitting; {_label(decider)} decides, and it still improves there."
        )
    elif span is not None:
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


def _decider(checkpoints: pd.DataFrame, metric: MetricInfo | str | None) -> MetricInfo | None:
    """``metric`` as a MetricInfo (a name is classified by the metric model), or by default the metric the
    documented order picks among the checkpoints' metrics."""
    if isinstance(metric, MetricInfo):
        return metric
    if metric is not None:
        return classify(metric)
    decider = default_decider([classify(name) for name in available_metrics(checkpoints)], None)
    return None if decider is None else decider.metric


def recommend(
    checkpoints: pd.DataFrame,
    history: pd.DataFrame | None = None,
    metric: MetricInfo | str | None = None,
    *,
    finished: bool = True,
    spans: Sequence[tuple[float, float]] | None = None,
    checkpoints_saved: str | None = None,
) -> Recommendation | None:
    """The best saved checkpoint by ``metric`` (the page's decider, with its direction; a name is read by
    the metric model; default: the documented order's pick), explained.

    While the job is still running (``finished=False``) the last checkpoint is the latest, not the
    final one, and the advice says "best so far". ``spans`` are the run's ``overfit_spans`` (computed
    from ``history`` when not given), the same band the chart shades and the table's verdicts follow.
    ``checkpoints_saved`` (the run's ``Conventions.checkpoints_saved``) says, in the warning about a best
    point without a checkpoint, which checkpoints the source saves. None when no checkpoint has the metric
    or it has no direction. A result file's validated step (``step_only``) is named as a step, no model.
    """
    decider = _decider(checkpoints, metric)
    best = None if decider is None else best_checkpoint(checkpoints, decider.name, decider.direction)
    if decider is None or best is None:
        return None
    step = int(best["step"])
    if spans is None:
        spans = overfit_spans(history) if history is not None else []
    span = next((span for span in spans if in_overfit_span([step], [span])[0]), None)
    basis = _basis(decider, _has_validation(checkpoints if history is None else history))
    unsaved = None if history is None else _unsaved_best(checkpoints, history, decider, step)
    step_only = _is_step_only(best)
    return Recommendation(
        checkpoint_id=str(best["checkpoint_id"]),
        model="" if step_only else str(best["model"]),
        step=step,
        metric=decider.name,
        value=float(best[decider.name]),
        reason=_reason(checkpoints, decider, best, "final" if finished else "latest"),
        unsaved_minimum=None if unsaved is None else _unsaved_warning(unsaved, decider, checkpoints_saved),
        basis=basis,
        final=finished,
        in_overfit_span=span is not None,
        unsaved_best=unsaved,
        deploy_advice=_deploy_advice(decider, basis, final=finished, span=span),
        details=_details(decider, basis, final=finished, step=step, span=span),
        step_only=step_only,
        band_overruled=span is not None and overrules_band(decider),
    )
