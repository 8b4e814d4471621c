"""The noise of a batch-validation curve, estimated from the series itself, and the checkpoints tied with
the best within it.

Batch validation is measured on a small sample of the validation set at every step, so each point is the
true curve plus sampling noise. Assumptions: the noise is independent from point to point with a spread
that changes slowly along the run, and the true curve is close to straight over a few neighbouring points.

- **Residuals**: each point against the median of its ``NEIGHBOURS`` neighbours on either side (not
  itself): a straight trend cancels in the symmetric median, an outlying batch moves its neighbours' median
  by one rank at most, and for independent normal noise of spread σ the residual has spread
  ``σ · √(1 + 0.1382)`` (0.1382 σ²: the variance of the median of 10 normal values), which is divided out.
- **Robust spread**: 1.4826 × the median absolute deviation of the residuals over a window of ``SPAN``
  residuals around each point (the whole series when shorter): a normal's σ, untouched by the odd
  outlying batch, and following a spread that shrinks as the loss falls.
- **The band** is drawn around the centred running median of the same ``2·NEIGHBOURS + 1`` points, ±1 σ.
- **Tied with the best**: two independent measurements of equal truth differ by more than
  ``1.96 · √(σ₁² + σ₂²)`` only 5 % of the time, so a checkpoint whose deciding value is within that of the
  best one's cannot be told from it by this curve.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

NEIGHBOURS = 5
SPAN = 41
MAD_TO_SD = 1.4826  # a normal's σ over its median absolute deviation
TIE_Z = 1.96
MIN_POINTS = 2 * NEIGHBOURS + 3  # fewer points than this give no estimate
# Var(median of 2·NEIGHBOURS = 10 standard normal values), by 8·10⁶ draws (tables give 0.1383).
MEDIAN_VARIANCE = 0.1382


@dataclass(frozen=True)
class CurveNoise:
    """Per point of the series (in step order): the running-median trend and the estimated noise σ."""

    steps: np.ndarray
    trend: np.ndarray
    sigma: np.ndarray

    @property
    def typical(self) -> float:
        """The median σ over the run, for a sentence."""
        return float(np.median(self.sigma))

    def at(self, steps: Sequence[float] | np.ndarray) -> np.ndarray:
        """σ at other steps (a checkpoint's), read off the nearest points of the curve."""
        return np.interp(np.asarray(steps, dtype="float64"), self.steps, self.sigma)


def neighbour_residuals(values: np.ndarray) -> np.ndarray:
    """Each inner point minus the median of its neighbours, scaled to the noise's own spread."""
    windows = sliding_window_view(values, 2 * NEIGHBOURS + 1)
    others = np.median(np.delete(windows, NEIGHBOURS, axis=1), axis=1)
    return (windows[:, NEIGHBOURS] - others) / math.sqrt(1 + MEDIAN_VARIANCE)


def robust_sd(residuals: np.ndarray) -> float:
    """1.4826 × the median absolute deviation: a normal's σ, robust to outliers."""
    return MAD_TO_SD * float(np.median(np.abs(residuals - np.median(residuals))))


def _local_sd(residuals: np.ndarray, span: int) -> np.ndarray:
    """The robust spread over a window of ``span`` residuals centred on each one (edges take the nearest)."""
    if len(residuals) <= span:
        return np.full(len(residuals), robust_sd(residuals))
    windows = sliding_window_view(residuals, span)
    middle = np.median(windows, axis=1, keepdims=True)
    local = MAD_TO_SD * np.median(np.abs(windows - middle), axis=1)
    return np.pad(local, (span // 2, span - 1 - span // 2), mode="edge")


def curve_noise(
    steps: Sequence[float] | np.ndarray, values: Sequence[float] | np.ndarray
) -> CurveNoise | None:
    """The noise of a logged series (finite points only, ordered by step); None with too few points."""
    steps, values = np.asarray(steps, dtype="float64"), np.asarray(values, dtype="float64")
    keep = np.isfinite(steps) & np.isfinite(values)
    order = np.argsort(steps[keep], kind="stable")
    steps, values = steps[keep][order], values[keep][order]
    if len(values) < MIN_POINTS:
        return None
    sigma = np.pad(_local_sd(neighbour_residuals(values), SPAN), NEIGHBOURS, mode="edge")
    trend = pd.Series(values).rolling(2 * NEIGHBOURS + 1, center=True, min_periods=1).median().to_numpy()
    return CurveNoise(steps, trend, sigma)


@dataclass(frozen=True)
class Ties:
    """Which checkpoints (positions in the order given) are tied with the numerically best one."""

    best: int
    tied: tuple[int, ...]  # the best included, in step order
    earliest: int  # the earliest tied: as good by this curve, and reached sooner

    @property
    def others(self) -> tuple[int, ...]:
        return tuple(index for index in self.tied if index != self.best)


def ties_with_best(
    steps: Sequence[float], values: Sequence[float], sigma: Sequence[float], *, higher: bool
) -> Ties | None:
    """The checkpoints whose value is within ``1.96 · √(σ² + σ_best²)`` of the best; None without values.
    An exact tie for the best goes to the earliest step, as the recommendation's does."""
    steps_, values_, sigma_ = (np.asarray(x, dtype="float64") for x in (steps, values, sigma))
    finite = np.flatnonzero(np.isfinite(values_))
    if not len(finite):
        return None
    order = finite[np.lexsort((steps_[finite], -values_[finite] if higher else values_[finite]))]
    best = int(order[0])
    gap = np.abs(values_ - values_[best])
    within = np.isfinite(values_) & (gap <= TIE_Z * np.sqrt(sigma_**2 + sigma_[best] ** 2))
    tied = tuple(int(i) for i in np.flatnonzero(within)[np.argsort(steps_[within], kind="stable")])
    return Ties(best=best, tied=tied, earliest=tied[0])
