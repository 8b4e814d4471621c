"""Metric values as the page writes them: losses with four decimals, accuracies as percentages."""

from __future__ import annotations

import math

from components.data.metric_model import Direction, classify
from components.data.metrics import BY_NAME

MINUS = "\u2212"  # a minus sign, as wide as the plus sign it lines up with


def metric_text(name: str, value: float | None) -> str:
    """``0.5597`` for a loss, ``91.84 %`` for an accuracy; an em dash when there is no value."""
    if value is None or not math.isfinite(value):
        return "—"
    return f"{value:.2%}" if is_percent(name) else f"{value:.4f}"


def is_percent(name: str) -> bool:
    """OpenAI's token accuracies are fractions shown as percentages (in the text and the table alike);
    other metrics as logged."""
    return name in BY_NAME and BY_NAME[name].higher_is_better


def difference_text(name: str, delta: float | None) -> str:
    """A signed difference, worded as better or worse for this metric (accuracy in points)."""
    if delta is None or not math.isfinite(delta) or delta == 0:
        return "same" if delta == 0 else "—"
    direction = classify(name).direction
    better = delta > 0 if direction is Direction.HIGHER else delta < 0
    number = f"{delta * 100:+.2f} pt" if is_percent(name) else f"{delta:+.4f}"
    if direction not in (Direction.LOWER, Direction.HIGHER):
        return number.replace("-", MINUS)
    return f"{number.replace('-', MINUS)} ({'better' if better else 'worse'})"
