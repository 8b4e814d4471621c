"""Epoch and wall-time axes, so runs of different sizes and speeds can be read side by side."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from components.data.bounds import MAX_EPOCHS, MAX_STEP

# Float steps per epoch (e.g. 1000 / 3) must still land the last epoch end on the last step.
_STEP_TOLERANCE = 1e-6
# More epoch ends than this are never built: the bound on what a server's numbers can make us allocate.
MAX_EPOCH_ENDS = 100
# Lines the eye can use: 40 dotted lines on a 20,000-step run were a grey wash (issue 7).
MAX_EPOCH_LINES = 12


def steps_per_epoch(
    *, n_epochs: int | str | None, total_steps: int | None, checkpoint_steps: Sequence[int]
) -> float | None:
    """Steps per epoch from the job's hyperparameters, else from the spacing of its checkpoints.

    The hyperparameters are exact when known and plausible; ``n_epochs="auto"`` is not known, and an
    epoch shorter than one step is not plausible. OpenAI saves one checkpoint per epoch end, so the
    median spacing of the saved ones is an epoch even when early ones are gone.
    """
    known_epochs = isinstance(n_epochs, int) and not isinstance(n_epochs, bool) and 0 < n_epochs <= MAX_EPOCHS
    known_steps = (
        isinstance(total_steps, int) and not isinstance(total_steps, bool) and total_steps <= MAX_STEP
    )
    if known_epochs and known_steps and total_steps >= n_epochs:
        return total_steps / n_epochs
    steps = np.unique(np.asarray(checkpoint_steps, dtype="float64"))
    if len(steps) >= 2:
        return float(np.median(np.diff(steps)))
    return None


def epoch_ends(spe: float, last_step: float, limit: int = MAX_EPOCH_ENDS) -> list[float]:
    """The steps where epochs end, for dotted boundary lines up to the last step.

    The count is worked out before any list is built: more than ``limit`` ends give none at all, so
    that no epoch length or step a server sends can make this allocate more than ``limit`` items.
    """
    if not (math.isfinite(spe) and math.isfinite(last_step) and spe > 0 and last_step > 0):
        return []
    ends = last_step / spe + _STEP_TOLERANCE  # may be inf: compared, never converted
    return [k * spe for k in range(1, math.floor(ends) + 1)] if ends < limit + 1 else []


def _round_stride(count: int, limit: int) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, … epochs that leaves at most ``limit`` lines for ``count``."""
    strides = (base * 10**power for power in itertools.count() for base in (1, 2, 5))
    return next(stride for stride in strides if math.ceil(count / stride) <= limit)


def epoch_lines(ends: Sequence[float], limit: int = MAX_EPOCH_LINES) -> list[float]:
    """At most ``limit`` of the epoch ends to draw: every k-th epoch for a round k, and always the last.

    A round stride (every 5th epoch, every 10th) keeps the lines evenly spaced and on the epoch axis's
    ticks. The last epoch end marks where training stopped, so it is always drawn; the multiple of k
    just before it is dropped when it would sit less than half a stride away.
    """
    count = len(ends)
    if count <= limit:
        return list(ends)
    stride = _round_stride(count, limit)
    epochs = list(range(stride, count + 1, stride))
    if epochs and count - epochs[-1] < stride / 2:
        epochs.pop()  # the last multiple, when it crowds the last epoch (or is it)
    epochs.append(count)
    return [ends[epoch - 1] for epoch in epochs]


def to_epoch(steps: pd.Series, spe: float) -> pd.Series:
    """Steps as fractional epochs, to align runs trained on datasets of different sizes."""
    return (steps.astype("float64") / spe).rename("epoch")


@dataclass(frozen=True)
class LoggedEpochs:
    """The epochs a run's file states at its logged steps, which win over any epoch length we derive.

    A Trainer logs ``epoch`` at each entry (step 2,400 may be epoch 0.32 while ``max_steps`` over
    ``num_train_epochs`` would make it 1.0). ``steps`` rise strictly and ``epochs`` never fall; step 0
    is epoch 0. Between logged steps the epoch is interpolated by step; past the last one it goes on at
    the run's average rate (its last epoch over its last step), so a running job's axis reaches its end.
    """

    steps: tuple[float, ...]
    epochs: tuple[float, ...]

    @property
    def _rate(self) -> float:
        """Epochs per step, on average over the run: the slope beyond the last logged step."""
        return self.epochs[-1] / self.steps[-1]

    def at(self, steps: pd.Series) -> pd.Series:
        """Steps as the epochs the file states, interpolated between its logged steps."""
        at = steps.to_numpy(dtype="float64")
        epochs = np.interp(at, self.steps, self.epochs)
        beyond = self.epochs[-1] + (at - self.steps[-1]) * self._rate
        return pd.Series(np.where(at > self.steps[-1], beyond, epochs), index=steps.index, name="epoch")

    def ends(self, last_step: float, limit: int = MAX_EPOCH_ENDS) -> list[float]:
        """The steps where the file's epoch reaches each whole number, up to ``last_step``.

        As :func:`epoch_ends`, the count is worked out first: more than ``limit`` ends give none.
        """
        if not (math.isfinite(last_step) and last_step > 0):
            return []
        last_epoch = float(self.at(pd.Series([float(last_step)])).iloc[0]) + _STEP_TOLERANCE
        if not (math.isfinite(last_epoch) and last_epoch < limit + 1):
            return []
        epochs, first = np.unique(np.asarray(self.epochs), return_index=True)  # where each value begins
        steps = np.asarray(self.steps)[first]
        wholes = np.arange(1, math.floor(last_epoch) + 1, dtype="float64")
        inside = np.interp(wholes, epochs, steps)
        beyond = self.steps[-1] + (wholes - self.epochs[-1]) / self._rate
        return np.where(wholes > self.epochs[-1], beyond, inside).tolist()


def logged_epochs(history: pd.DataFrame) -> LoggedEpochs | None:
    """The ``epoch`` column of a history as :class:`LoggedEpochs`; None where the file logs no epochs.

    Rows with no finite, non-negative step and epoch are skipped; a step logged twice keeps its highest
    epoch, and an epoch lower than one before it (a resumed run's rounding) is raised to it, so the
    axis never runs backwards. None as well when no logged epoch is above 0: nothing to scale by.
    """
    if "epoch" not in history.columns:
        return None
    steps = pd.to_numeric(history["step"], errors="coerce").astype("float64")
    epochs = pd.to_numeric(history["epoch"], errors="coerce").astype("float64")
    known = np.isfinite(steps) & np.isfinite(epochs) & (steps >= 0) & (epochs >= 0)
    by_step = epochs[known].groupby(steps[known]).max().sort_index().cummax()
    by_step = by_step[by_step.index > 0]
    if by_step.empty or by_step.iloc[-1] <= 0:
        return None
    steps_at = (0.0, *by_step.index.to_numpy(dtype="float64").tolist())
    return LoggedEpochs(steps=steps_at, epochs=(0.0, *by_step.to_numpy(dtype="float64").tolist()))


def elapsed_seconds(steps: pd.Series, anchors: pd.DataFrame) -> pd.Series | None:
    """Seconds since the run started at each step, from the few steps whose time is known.

    Checkpoints carry ``created_at``; between them time is interpolated linearly over step, and beyond
    them the end segments are extended. The start is the time extrapolated back to step 0, so the axis
    reads as training time rather than time since the first surviving checkpoint. None with fewer than
    two timed steps, since one point gives no speed.
    """
    timed = anchors.dropna(subset=["created_at"])
    times = timed.groupby("step")["created_at"].min().sort_index()
    if len(times) < 2:
        return None
    xs = times.index.to_numpy(dtype="float64")
    ys = (times - times.iloc[0]).dt.total_seconds().to_numpy()
    first_slope = (ys[1] - ys[0]) / (xs[1] - xs[0])
    last_slope = (ys[-1] - ys[-2]) / (xs[-1] - xs[-2])
    at = steps.to_numpy(dtype="float64")
    seconds = np.interp(at, xs, ys)
    seconds = np.where(at < xs[0], ys[0] + (at - xs[0]) * first_slope, seconds)
    seconds = np.where(at > xs[-1], ys[-1] + (at - xs[-1]) * last_slope, seconds)
    start = ys[0] - xs[0] * first_slope
    return pd.Series(np.clip(seconds - start, 0, None), index=steps.index, name="elapsed_seconds")
