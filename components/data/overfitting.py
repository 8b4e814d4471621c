"""Where a run starts to overfit, and what that says of each checkpoint, for users with no early stopping."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

import numpy as np
import pandas as pd

from components.data.smoothing import MAX_WEIGHT, smooth, typical_gap

# Full validation has one point per epoch: heavy smoothing would drag each point towards the first.
FULL_VALID_MAX_WEIGHT = 0.6
MIN_VALID_POINTS = 3
# A rise this many times the noise left in the two smoothed points it compares is not chance.
SIGNIFICANT = 3
# Hampel filter for batch validation: a point this many noise units from the median of this many
# neighbouring points is one bad batch.
SPIKE_WINDOW = 5
SPIKE_SIGMAS = 5
_MAD_TO_SIGMA = 0.6745  # median |x| of a normal variable, in standard deviations


class CheckpointVerdict(StrEnum):
    """What the overfitting band says about one step, in the words the table and the text use."""

    OVERFITTING = "overfitting"
    LOSS_RISING = "evaluation loss rising; the deciding metric overrules it"
    BEFORE = "before overfitting starts"
    AFTER = "after an overfitting span"
    NO_SIGN = "no sign of overfitting"
    NO_VALIDATION = "not judged: no validation data"
    TOO_FEW_POINTS = "not judged: too few validation points"


def _by_step(history: pd.DataFrame, column: str) -> pd.Series:
    """The column's finite values indexed by step, in step order."""
    values = history.set_index("step")[column].sort_index()
    return values[np.isfinite(values.to_numpy(dtype="float64"))]


def _smoothed(values: pd.Series, weight: float) -> pd.Series:
    """``values`` (indexed by step) smoothed with ``weight`` per point at their own typical spacing.

    The noise test below counts in points, so the weight here is per logged point, not per step; gaps
    of another length (a missing batch) still decay by their distance.
    """
    return smooth(values, values.index, weight, typical_gap(values.index))


def _scatter(values: pd.Series) -> float:
    """The noise of batch validation points, from second differences so that the trend does not count.

    For white noise of spread sigma a second difference has spread sigma·√6; the median keeps a single
    spike (batch loss 10.1 against 0.57 happens) from swamping the estimate.
    """
    second = np.diff(values.to_numpy(dtype="float64"), n=2)
    return float(np.median(np.abs(second))) / _MAD_TO_SIGMA / np.sqrt(6)


def _smoothed_spread(weight: float, count: int) -> np.ndarray:
    """The share of the points' spread left in each debiased EMA point: 1 for the first, then less."""
    weight = min(max(weight, 0.0), MAX_WEIGHT)
    n = np.arange(1, count + 1)
    return np.sqrt((1 - weight) * (1 - weight ** (2 * n)) / ((1 + weight) * (1 - weight**n) ** 2))


def _scale_weight(weight: float, points: int, min_fraction: float) -> float:
    """Enough smoothing to average over ``min_fraction`` of the points, since shorter wiggles don't count.

    On a long noisy run a light weight leaves wiggles whose extremes, over thousands of points, pass any
    fixed noise test; a few points (full validation) keep the weight they were given.
    """
    return max(weight, 1 - 1 / max(min_fraction * points, 1))


def _validation(history: pd.DataFrame, weight: float) -> tuple[pd.Series, float, float]:
    """The validation curve to read, the smoothing weight it takes, and the noise of its points."""
    batch = _by_step(history, "valid_loss")
    if len(batch) >= MIN_VALID_POINTS:
        noise = _scatter(batch)
        # A point far from its neighbours' median is a bad batch (10.1 against 0.57), not a trend.
        median = batch.rolling(SPIKE_WINDOW, center=True, min_periods=1).median()
        return batch.where((batch - median).abs() <= SPIKE_SIGMAS * noise, median), weight, noise
    # Full validation covers the whole split, so its points carry no sampling noise.
    return _by_step(history, "full_valid_loss"), min(weight, FULL_VALID_MAX_WEIGHT), 0.0


def overfit_spans(
    history: pd.DataFrame, *, weight: float = 0.9, min_fraction: float = 0.03
) -> list[tuple[int, int]]:
    """Step ranges where smoothed validation loss rises while smoothed training loss still falls.

    That divergence is the early-stopping signal: the model is learning the training set, not the task.
    A span runs from a best-so-far validation point (where early stopping would keep the model) to the
    highest point before validation beats that best again. Slope signs between neighbouring points would
    be simpler, but on a noisy run they flip at random and break a real rise into pieces or erase it.
    A rise must clear three times the noise left after smoothing, last ``min_fraction`` of the run, and
    come with lower training loss at its end. Batch validation is preferred for its many points
    (single-batch spikes removed); full validation, one point per epoch, is the fallback. ``weight`` is
    raised on long runs so that the smoothing spans ``min_fraction`` of the points.
    """
    valid, weight_valid, noise = _validation(history, weight)
    train = _by_step(history, "train_loss")
    if len(valid) < MIN_VALID_POINTS or len(train) < 2:
        return []
    weight_valid = _scale_weight(weight_valid, len(valid), min_fraction)
    weight_train = _scale_weight(weight, len(train), min_fraction)
    steps = valid.index.to_numpy()
    smoothed = _smoothed(valid, weight_valid).to_numpy()
    train_smoothed = np.interp(steps, train.index.to_numpy(), _smoothed(train, weight_train).to_numpy())
    # Each point's episode is the position of the best smoothed value so far; its peak ends the span.
    positions = np.arange(len(smoothed))
    best_at = np.maximum.accumulate(np.where(smoothed == np.minimum.accumulate(smoothed), positions, 0))
    peaks = pd.Series(smoothed).groupby(best_at).idxmax()
    starts, peaks = peaks.index.to_numpy(), peaks.to_numpy()
    spread = noise * _smoothed_spread(weight_valid, len(smoothed))
    rise = smoothed[peaks] - smoothed[starts]
    shortest = min_fraction * (history["step"].max() - history["step"].min())
    keep = (
        (rise > SIGNIFICANT * np.hypot(spread[starts], spread[peaks]))
        & (steps[peaks] - steps[starts] >= shortest)
        & (train_smoothed[peaks] < train_smoothed[starts])
    )
    return [
        (int(start), int(peak)) for start, peak in zip(steps[starts[keep]], steps[peaks[keep]], strict=True)
    ]


def _count(history: pd.DataFrame, column: str) -> int:
    return int(np.isfinite(history[column].to_numpy(dtype="float64")).sum())


def unjudged(history: pd.DataFrame) -> CheckpointVerdict | None:
    """Why the band cannot judge this run (no validation loss, or too few points), or None when it can.

    The preconditions are :func:`overfit_spans`' own: three validation points of one kind, two training.
    """
    valid = [_count(history, name) for name in ("valid_loss", "full_valid_loss")]
    if not any(valid):
        return CheckpointVerdict.NO_VALIDATION
    if max(valid) < MIN_VALID_POINTS or _count(history, "train_loss") < 2:
        return CheckpointVerdict.TOO_FEW_POINTS
    return None


def in_overfit_span(steps: np.ndarray | Sequence[float], spans: Sequence[tuple[float, float]]) -> np.ndarray:
    """True for each step inside a span: after its start (the best point, still worth keeping) to its end."""
    steps = np.asarray(steps, dtype="float64")
    inside = np.zeros(steps.shape, dtype=bool)
    for start, end in spans:
        inside |= (steps > start) & (steps <= end)
    return inside


def verdicts_at(
    steps: np.ndarray | Sequence[float], spans: Sequence[tuple[float, float]], history: pd.DataFrame
) -> list[CheckpointVerdict]:
    """The band's verdict at each step: the one rule the band, the table and the recommendation share."""
    steps = np.asarray(steps, dtype="float64")
    reason = unjudged(history)
    if reason is not None:
        return [reason] * len(steps)
    if not spans:
        return [CheckpointVerdict.NO_SIGN] * len(steps)
    first = min(start for start, _ in spans)
    chosen = np.select([in_overfit_span(steps, spans), steps <= first], [0, 1], default=2)
    return [
        (CheckpointVerdict.OVERFITTING, CheckpointVerdict.BEFORE, CheckpointVerdict.AFTER)[int(i)]
        for i in chosen
    ]


def checkpoint_verdicts(
    checkpoints: pd.DataFrame, spans: Sequence[tuple[float, float]], history: pd.DataFrame
) -> pd.DataFrame:
    """Per checkpoint: validation minus training loss, their ratio, and the band's verdict at its step.

    ``spans`` are :func:`overfit_spans` of ``history``, so the table says "overfitting" exactly where
    the chart shades. The gap uses full validation where present, since it covers the whole validation
    split, and batch validation otherwise; rows missing either loss get NA rather than a misleading
    number. The ratio is a plain number: a fixed scale on it (once "mild overfitting" from 1.2) called
    checkpoints overfit that the band, which follows the validation trend, did not.
    """
    validation = checkpoints["full_valid_loss"].fillna(checkpoints["valid_loss"])
    identity = [column for column in ("step", "checkpoint_id") if column in checkpoints]
    verdicts = verdicts_at(checkpoints["step"].to_numpy(), spans, history)
    return checkpoints[identity].assign(
        gap=validation - checkpoints["train_loss"],
        ratio=validation / checkpoints["train_loss"],
        verdict=pd.array([str(verdict) for verdict in verdicts], dtype="string"),
    )


def overruled(verdicts: pd.DataFrame) -> pd.DataFrame:
    """``verdicts`` where a task metric or reward decides: the band follows the losses, which can rise from
    over-confidence while that metric still improves, so "overfitting" becomes the loss's own words and no
    longer reads as a reason not to deploy (the strip says the same)."""
    said = verdicts["verdict"].replace(str(CheckpointVerdict.OVERFITTING), str(CheckpointVerdict.LOSS_RISING))
    return verdicts.assign(verdict=said.astype("string"))
