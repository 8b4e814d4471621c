"""Runs that differ only in their seed, grouped: the mean curve with its band, the spread of the best
checkpoint's metric across seeds, and configurations ranked by mean with that spread.

Assumptions: two runs are repeats of one configuration when their source reports the same base model,
method, training and validation files and hyperparameters (the sources do not report the seed itself, so
runs equal in all of these are taken to differ in it, as a provider's own random seed makes them); a run
whose source names neither its base model nor its training file is never grouped. The seeds of a
configuration are a sample of the seeds one could have drawn, so the spread says how much the seed alone
moves the result.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from components.domain import RunSummary

GRID_POINTS = 400


def config_key(summary: RunSummary) -> tuple[object, ...] | None:
    """What makes two runs repeats of one configuration; None when the run says too little to tell."""
    if summary.base_model is None and summary.training_file is None:
        return None
    h = summary.hyperparameters
    return (
        summary.base_model,
        summary.method,
        summary.training_file,
        summary.validation_file,
        str(h.n_epochs),
        str(h.batch_size),
        str(h.learning_rate_multiplier),
        str(h.learning_rate),
    )


def seed_groups(summaries: Sequence[RunSummary]) -> list[list[int]]:
    """Positions of the runs grouped by configuration, in the order each group first appears (a run
    alone is a group of one)."""
    groups: dict[object, list[int]] = {}
    for position, summary in enumerate(summaries):
        key = config_key(summary)
        groups.setdefault(key if key is not None else ("alone", position), []).append(position)
    return list(groups.values())


@dataclass(frozen=True)
class SeedBand:
    """A group's curves on one x grid (the range every seed covers): mean, ±1 sd, min and max."""

    x: np.ndarray
    mean: np.ndarray
    sd: np.ndarray  # NaN with one seed
    low: np.ndarray
    high: np.ndarray
    seeds: int


def seed_band(curves: Sequence[tuple[np.ndarray, np.ndarray]], points: int = GRID_POINTS) -> SeedBand | None:
    """The band of ``curves`` (each ``(x, y)``, finite, x ascending) interpolated onto ``points`` evenly
    spaced x over the range all of them cover; None when they share no range."""
    if not curves or any(len(x) < 2 for x, _ in curves):
        return None
    start, stop = max(float(x[0]) for x, _ in curves), min(float(x[-1]) for x, _ in curves)
    if stop <= start:
        return None
    grid = np.linspace(start, stop, points)
    stack = np.vstack([np.interp(grid, x, y) for x, y in curves])
    sd = stack.std(axis=0, ddof=1) if len(curves) > 1 else np.full(points, math.nan)
    return SeedBand(grid, stack.mean(axis=0), sd, stack.min(axis=0), stack.max(axis=0), len(curves))


@dataclass(frozen=True)
class Spread:
    """One number per seed (each seed's best checkpoint's metric): how far the seed alone moves it."""

    values: tuple[float, ...]

    @property
    def seeds(self) -> int:
        return len(self.values)

    @property
    def mean(self) -> float:
        return float(np.mean(self.values))

    @property
    def sd(self) -> float:
        return float(np.std(self.values, ddof=1)) if self.seeds > 1 else math.nan

    @property
    def low(self) -> float:
        return min(self.values)

    @property
    def high(self) -> float:
        return max(self.values)


@dataclass(frozen=True)
class RankedConfig:
    """A configuration's place by mean, and whether its range of seeds overlaps the next one's."""

    label: str
    spread: Spread
    overlaps_next: bool


def rank_configs(spreads: Mapping[str, Spread], *, higher: bool) -> list[RankedConfig]:
    """Configurations best first by their mean over seeds; ``overlaps_next`` when the min–max ranges of
    this one and the next touch (then the seeds alone could swap them: the order is not settled)."""
    ordered = sorted(spreads.items(), key=lambda item: -item[1].mean if higher else item[1].mean)
    ranked = []
    for place, (label, spread) in enumerate(ordered):
        following = ordered[place + 1][1] if place + 1 < len(ordered) else None
        overlaps = following is not None and spread.low <= following.high and following.low <= spread.high
        ranked.append(RankedConfig(label, spread, overlaps))
    return ranked
