"""Y-axis ranges that stay readable when one spike, or the steep early drop, would flatten the rest."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from components.data.best import available_metrics, best_checkpoint

_PADDING = 0.05
# Without checkpoints to go by, a choice is made over the last 70 % of the run, past the early drop.
CHOICE_START = 0.3
# Steps shown before the first candidate, as a share of the run, so its curve arrives from somewhere.
_CHOICE_MARGIN = 0.05
# Framing that zooms in less than this is not worth leaving the full range for.
_MIN_ZOOM = 1.5
# A point further than this many standard deviations from both neighbours is a spike.
_SPIKE_SIGMAS = 5
_MAD_TO_SIGMA = 0.6745  # median |x| of a normal variable, in standard deviations


def _padded(bottom: float, top: float) -> tuple[float, float]:
    pad = _PADDING * (top - bottom) if top > bottom else (_PADDING * abs(bottom) or _PADDING)
    return float(bottom - pad), float(top + pad)


def robust_range(
    values: Iterable[pd.Series], low: float = 5, high: float = 95, log: bool = False
) -> tuple[float, float] | None:
    """The y-range for "ignore outliers": percentiles of all finite values pooled, padded by 5 %.

    As TensorBoard does, the 5th–95th percentiles keep a spike like batch validation's 10.1 against 0.57
    from setting the scale. With ``log`` only positive values count and the bounds are log10, which is
    what plotly expects for a log axis. None when there is nothing to scale to.
    """
    pooled = np.concatenate([np.empty(0), *(np.asarray(series, dtype="float64") for series in values)])
    pooled = pooled[np.isfinite(pooled)]
    if log:
        pooled = np.log10(pooled[pooled > 0])
    if not len(pooled):
        return None
    return _padded(*np.percentile(pooled, [low, high]))


def _spikes(values: np.ndarray) -> np.ndarray:
    """True at single points that jump away from both neighbours, in the same direction, by more than
    five times the spread of the values (batch loss 10.1 between two 0.57s).

    The spread is the median absolute deviation, which a few spikes do not move. A genuine minimum moves
    by about the spread and a drop at an epoch start moves towards one side only, so both stay; the ends
    have one neighbour each and are never called spikes.
    """
    flagged = np.zeros(len(values), dtype=bool)
    if len(values) < 3:
        return flagged
    spread = float(np.median(np.abs(values - np.median(values)))) / _MAD_TO_SIGMA
    change = np.diff(values)
    before, after = change[:-1], -change[1:]  # each middle point minus its left and its right neighbour
    same_side = np.sign(before) == np.sign(after)
    flagged[1:-1] = same_side & (np.minimum(np.abs(before), np.abs(after)) > _SPIKE_SIGMAS * spread)
    return flagged


def _best_steps(checkpoints: pd.DataFrame) -> list[float]:
    """The steps of the checkpoints some metric ranks best: wherever the ★ may land, it must be in view."""
    best = [best_checkpoint(checkpoints, name) for name in available_metrics(checkpoints)]
    return [float(row["step"]) for row in best if row is not None]


def _choice_start(history: pd.DataFrame, checkpoints: pd.DataFrame, best_steps: list[float]) -> float:
    """The step from which checkpoints are chosen: the first saved checkpoint, but not inside the first
    30 % of the run (the early drop) unless a checkpoint there is the best by some metric; then a margin.
    """
    first, last = float(history["step"].min()), float(history["step"].max())
    late = first + CHOICE_START * (last - first)
    start = max(float(checkpoints["step"].min()), late) if not checkpoints.empty else late
    return max(first, min([start, *best_steps]) - _CHOICE_MARGIN * (last - first))


def choice_range(
    history: pd.DataFrame, checkpoints: pd.DataFrame, columns: Sequence[str], log: bool = False
) -> tuple[float, float] | None:
    """A y-range framing where the choice is made, so the early drop does not squeeze it to the bottom.

    From the first saved checkpoint (not before 30 % of the run, unless a checkpoint there is the best
    by a metric) less a margin, to the end, the series ``columns`` of one plot pooled. Single spikes are
    left out, except at the checkpoints a metric ranks best, which must stay in view. Padded by 5 %; log10
    bounds with ``log``, as plotly expects. None when there is nothing to frame or the frame would zoom in
    less than 1.5 times on the full range.
    """
    if history.empty:
        return None
    best_steps = _best_steps(checkpoints)
    start = _choice_start(history, checkpoints, best_steps)
    framed, everything = [], []
    for column in columns:
        steps = history["step"].to_numpy(dtype="float64")
        values = history[column].to_numpy(dtype="float64")
        if log:
            with np.errstate(divide="ignore", invalid="ignore"):
                values = np.where(values > 0, np.log10(values), np.nan)
        present = np.isfinite(values)
        steps, values = steps[present], values[present]
        everything.append(values)
        region = steps >= start
        kept = ~_spikes(values[region]) | np.isin(steps[region], best_steps)
        framed.append(values[region][kept])
    framed_values, all_values = np.concatenate(framed), np.concatenate(everything)
    if not len(framed_values):
        return None
    bottom, top = float(framed_values.min()), float(framed_values.max())
    full = float(all_values.max() - all_values.min())
    if full == 0 or full < _MIN_ZOOM * (top - bottom):
        return None
    return _padded(bottom, top)
