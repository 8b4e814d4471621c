"""The checkpoint to deploy, with the reason in words, so the choice can be checked rather than trusted."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from components.data.best import best_checkpoint, default_metric
from components.data.metrics import BY_NAME, Metric
from components.data.smoothing import smooth, typical_gap

# Batch validation is too noisy to compare point by point; TensorBoard's default smoothing tames it.
BATCH_SMOOTHING = 0.6
_SPLIT_WORDS = {"train": "training", "valid": "batch validation", "full_valid": "full validation"}


@dataclass(frozen=True)
class Recommendation:
    """The recommended checkpoint, the metric that chose it, and what a careful reader should know."""

    checkpoint_id: str
    model: str
    step: int
    metric: str
    value: float
    reason: str
    unsaved_minimum: str | None


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
    where = f"step {int(final['step'])}"
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
    at = f"{_number(value)} at step {step}"
    if count == 1:
        text = f"Only one saved checkpoint has a {_label(metric)}: {at}."
    else:
        among = f"the {count} saved checkpoints" + ("" if count == len(checkpoints) else " that report it")
        final = checkpoints.loc[checkpoints["step"].idxmax()]
        comparison = (
            f"the {last} checkpoint" if step == final["step"] else _against_final(metric, value, final, last)
        )
        text = f"{_extreme(metric).capitalize()} {_label(metric)} of {among}: {at}, {comparison}."
    if metric.split == "valid":
        text += " Batch validation is measured on a small sample at each step, so it is noisy."
    return text


def _validation_metric(decider: Metric, history: pd.DataFrame) -> Metric | None:
    """The decider itself when it is a validation metric, else the best validation loss the run has."""
    if decider.split != "train":
        return decider
    return next(
        (BY_NAME[name] for name in ("full_valid_loss", "valid_loss") if history[name].notna().any()), None
    )


def _unsaved_minimum(
    checkpoints: pd.DataFrame, history: pd.DataFrame, decider: Metric, step: int
) -> str | None:
    """A warning when the run was at its best at a step OpenAI did not keep (only the last 3 epochs are)."""
    metric = _validation_metric(decider, history)
    if metric is None:
        return None
    curve = history.set_index("step")[metric.name].dropna().sort_index()
    if curve.empty:
        return None
    if metric.split == "valid":
        curve = smooth(curve, curve.index, BATCH_SMOOTHING, typical_gap(curve.index))
    best_step = int(curve.idxmax() if metric.higher_is_better else curve.idxmin())
    best_value, at_recommended = curve[best_step], np.interp(step, curve.index, curve.to_numpy())
    better = best_value > at_recommended if metric.higher_is_better else best_value < at_recommended
    if not better or best_step in set(checkpoints["step"]):
        return None
    smoothed = "smoothed " if metric.split == "valid" else ""
    return (
        f"The {_extreme(metric)} {smoothed}{_label(metric)} of the run ({_number(best_value)}) was at step "
        f"{best_step}, which has no saved checkpoint: OpenAI saves one only at each epoch end, and keeps "
        "only those of the last 3 epochs."
    )


def recommend(
    checkpoints: pd.DataFrame,
    history: pd.DataFrame | None = None,
    metric: str | None = None,
    *,
    finished: bool = True,
) -> Recommendation | None:
    """The best saved checkpoint by ``metric`` (default: the most trustworthy one present), explained.

    While the job is still running (``finished=False``) the last checkpoint is the latest, not the
    final one. None when no checkpoint has the metric.
    """
    metric = metric or default_metric(checkpoints)
    best = best_checkpoint(checkpoints, metric) if metric else None
    if best is None:
        return None
    decider = BY_NAME[metric]
    step = int(best["step"])
    return Recommendation(
        checkpoint_id=str(best["checkpoint_id"]),
        model=str(best["model"]),
        step=step,
        metric=metric,
        value=float(best[metric]),
        reason=_reason(checkpoints, decider, best, "final" if finished else "latest"),
        unsaved_minimum=None if history is None else _unsaved_minimum(checkpoints, history, decider, step),
    )
