"""How sure the recommendation is, from the run's own curves: the noise band of batch validation and the
checkpoints tied with the best within it, or, for full validation, that the run cannot tell.

Batch validation is a small sample at every step, so its noise can be read off the series itself
(:mod:`components.data.uncertainty.noise`); full validation is one number per evaluation, and without
per-example values nothing says how much of a gap between two checkpoints is luck. Pure; the run page
draws the line under the strip and the band on the chart.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from components.data.metric_model import Direction, MetricInfo, Split
from components.data.metrics import sentence_label
from components.data.recommend import Basis, Recommendation
from components.data.uncertainty.noise import CurveNoise, Ties, curve_noise, ties_with_best
from components.data.uncertainty.selection import noise_optimism
from components.data.uncertainty.words import amount, optimism_words
from components.wording import count

FULL_CANNOT_TELL = (
    "{label} is one number per evaluation and the source gives no per-example values, so how sure this "
    "choice is cannot be told from it: scored answers under Try checkpoints can tell."
)
TOO_FEW = (
    "Too few batch-validation points to estimate their noise, so how sure this choice is cannot be told."
)


@dataclass(frozen=True)
class Sureness:
    """What the strip says of it (``short``, one line at most, so the chart keeps its place; None when
    its details say it all), the full account for its details (``line``), the band to draw (batch
    validation only) and the tied checkpoints."""

    line: str
    metric: str
    noise: CurveNoise | None = None
    tied_ids: tuple[str, ...] = ()
    short: str | None = None


def _steps(steps: list[int]) -> str:
    words = [f"{step:,}" for step in steps]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _tie_line(frame: pd.DataFrame, ties: Ties, metric: MetricInfo, sigma: float) -> str:
    """Who is tied with the best, the earliest named as the cheaper one, and the numerically best said."""
    label, noise = sentence_label(metric.name), f"±{amount(sigma, False)} a measurement"
    best = frame.iloc[ties.best]
    if not ties.others:
        return f"No other checkpoint is within the noise of {label} ({noise}) of step {int(best['step']):,}."
    steps = [int(frame.iloc[i]["step"]) for i in ties.tied]
    lowest = "highest" if metric.direction is Direction.HIGHER else "lowest"
    earliest = frame.iloc[ties.earliest]
    first = (
        f"Within the noise of {label} ({noise}), {count(len(steps), 'checkpoint')} are tied with the best: "
        f"steps {_steps(steps)}."
    )
    if ties.earliest == ties.best:
        return f"{first} Step {int(best['step']):,}, the earliest of them, also has the {lowest} value."
    early_value, best_value = (amount(float(row[metric.name]), False) for row in (earliest, best))
    return (
        f"{first} The earliest, step {int(earliest['step']):,} ({early_value}), is as good by this curve and "
        f"cheaper to reach; step {int(best['step']):,} has the {lowest} value ({best_value})."
    )


def _short(frame: pd.DataFrame, ties: Ties) -> str:
    """The strip's line: the tied steps and the earliest of them (the strip names the best itself)."""
    if not ties.others:
        return "No other checkpoint is within batch validation's noise of it."
    steps = _steps([int(frame.iloc[i]["step"]) for i in ties.tied])
    earliest = int(frame.iloc[ties.earliest]["step"])
    cheaper = (
        "" if ties.earliest == ties.best else f"; step {earliest:,}, the earliest, is as good and cheaper"
    )
    return f"Tied within batch validation's noise: steps {steps}{cheaper}."


def _batch(checkpoints: pd.DataFrame, history: pd.DataFrame, metric: MetricInfo) -> Sureness:
    name = metric.name
    noise = curve_noise(history["step"], history[name]) if name in history else None
    frame = checkpoints[checkpoints[name].notna()].sort_values("step", kind="stable").reset_index(drop=True)
    if noise is None or frame.empty:
        return Sureness(TOO_FEW, name)
    sigma = noise.at(frame["step"])
    higher = metric.direction is Direction.HIGHER
    ties = ties_with_best(frame["step"], frame[name], sigma, higher=higher)
    if ties is None:
        return Sureness(TOO_FEW, name)
    line = _tie_line(frame, ties, metric, float(np.median(sigma)))
    short = _short(frame, ties)
    if len(frame) > 1:
        optimism = noise_optimism(frame[name], sigma, higher=higher)
        line += " " + optimism_words(
            optimism, len(frame), points=False, lower_is_better=not higher, on="this noisy curve"
        )
    tied = tuple(str(frame.iloc[i]["checkpoint_id"]) for i in ties.tied)
    return Sureness(line, name, noise, tied, short)


def sureness_of(
    checkpoints: pd.DataFrame, history: pd.DataFrame, advice: Recommendation, metric: MetricInfo
) -> Sureness | None:
    """What can be said about how sure ``advice`` is from the curves; None when there is nothing to
    weigh (one checkpoint, or a training metric: the strip already says what limits that choice)."""
    if checkpoints[metric.name].notna().sum() < 2:
        return None
    if metric.split is Split.BATCH_VALID:
        return _batch(checkpoints, history, metric)
    if advice.basis is Basis.FULL_VALIDATION:
        return Sureness(FULL_CANNOT_TELL.format(label=sentence_label(metric.name).capitalize()), metric.name)
    return None
