"""Smoothing weighted by distance in steps, so that series logged at different rates smooth alike.

TensorBoard's debiased EMA decays by one weight per *point*. A series logged every step and one logged
every tenth step then average over spans ten times apart: at 0.99 the batch validation line lags by a
thousand steps and can keep falling long after its raw points turned up (issue 7). Here a point ``gap``
steps after the previous one decays the running average by ``weight ** (gap / reference_gap)``, so the
weight means the same thing on every series: the decay over one training step.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

MAX_WEIGHT = 0.999
# Steps become nanosecond "times" for pandas' time-aware EWM; a step is this many ticks, so that a
# reference gap such as 2.5 steps is still a whole number of ticks (Timedelta has no fractions).
_TICKS_PER_STEP = 1_000


def typical_gap(steps: pd.Series | Sequence[float] | np.ndarray) -> float:
    """The median gap between distinct steps: the spacing a series is logged at; 1 with no gap to measure."""
    gaps = np.diff(np.unique(np.asarray(steps, dtype="float64")))
    return float(np.median(gaps)) if len(gaps) else 1.0


def reference_gap(history: pd.DataFrame) -> float:
    """The training series' typical step gap: the distance one smoothing ``weight`` decays over.

    Training loss is the densest series, so its gap is the natural unit: 1 for most runs, the checkpoint
    spacing when the history is only checkpoints. Without two training points the steps of the whole
    history are used.
    """
    train = history["step"][np.isfinite(history["train_loss"].to_numpy(dtype="float64"))]
    return typical_gap(train if train.nunique() >= 2 else history["step"])


def smooth(
    values: pd.Series, steps: pd.Series | Sequence[float] | np.ndarray, weight: float, gap: float = 1.0
) -> pd.Series:
    """Debiased EMA over steps: a point counts ``weight ** (distance in steps / gap)`` as much as the newest.

    The weights are normalised by their sum, as TensorBoard's debiasing ``1 - w**n`` does, so a short
    series is not pulled towards zero; with points ``gap`` apart it is exactly TensorBoard's smoothing.
    pandas' time-aware ``ewm`` computes this decay (``(1 - alpha) ** (Δt / halflife)``) in compiled code.
    Non-finite points stay as they are and do not count. Series of one or two points and constant
    series are returned untouched: smoothing them only hides the data (TensorBoard #786, #1127).
    ``values`` and ``steps`` are aligned by position; ``weight`` is capped at ``MAX_WEIGHT``.
    """
    weight = min(weight, MAX_WEIGHT)
    finite = np.isfinite(values.to_numpy(dtype="float64"))
    points = values[finite].astype("float64")
    if weight <= 0 or len(points) < 3 or points.nunique() == 1:
        return values
    at = np.asarray(steps, dtype="float64")[finite]
    order = np.argsort(at, kind="stable")
    ticks = np.round(at[order] * _TICKS_PER_STEP).astype("int64")
    averaged = (
        points.iloc[order]
        .reset_index(drop=True)
        .ewm(
            alpha=1 - weight,
            halflife=pd.Timedelta(max(round(gap * _TICKS_PER_STEP), 1), unit="ns"),
            times=pd.DatetimeIndex(ticks.astype("datetime64[ns]")),
        )
        .mean()
        .to_numpy()
    )
    smoothed = values.astype("float64")
    placed = np.empty(len(points))
    placed[order] = averaged
    smoothed[finite] = placed
    return smoothed
