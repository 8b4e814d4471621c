"""What one training log says, read into the shapes every source shares, and several logs of one run merged.

Each local format's reader (TensorBoard event files, LLaMA-Factory's ``trainer_log.jsonl``, Lightning's
``metrics.csv``, the tinker cookbook's ``metrics.jsonl`` and ``checkpoints.jsonl``) takes a file's records
and returns a :class:`LogRead`; none keeps state between calls, so a later reader of only the bytes
appended since the last read can merge its :class:`LogRead` into the earlier one with :func:`merged`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from components.data.bounds import MAX_STEP
from components.data.metrics import METRIC_NAMES
from components.data.step_records import last_by_step
from components.data.trainer_args import BestMetric
from components.data.values import as_number
from components.domain.note import Note


@dataclass(frozen=True)
class LogRead:
    """A log's per-step frame (``step_records_frame``'s columns), its checkpoints (records for
    ``checkpoints_frame``: ``id``, ``step_number``, ``fine_tuned_model_checkpoint``), and its facts."""

    history: pd.DataFrame
    checkpoints: tuple[Mapping[str, Any], ...] = ()
    total_steps: int | None = None
    ended: bool = False  # the log says training ended (its last step reached, a final checkpoint)
    hyperparameters: Mapping[str, float] = field(default_factory=dict)  # batch_size, learning_rate
    notes: tuple[Note, ...] = ()  # what reading the log left out, in words
    best_metric: BestMetric | None = None  # what the trainer's arguments say it chooses by (event files)

    @property
    def last_step(self) -> int | None:
        return None if self.history.empty else int(self.history["step"].max())


def empty_history() -> pd.DataFrame:
    """A per-step frame with no steps (a log that holds only checkpoints or settings)."""
    return pd.DataFrame(
        {"step": pd.Series(dtype="int64"), **{name: pd.Series(dtype="float64") for name in METRIC_NAMES}}
    )


def _ordered(frame: pd.DataFrame, order: Sequence[str]) -> pd.DataFrame:
    """``frame``'s columns as every source has them: step, the catalogue, created_at, then the others in the
    order they were first seen."""
    head = ["step", *METRIC_NAMES, *(["created_at"] if "created_at" in frame else [])]
    rest = [name for name in dict.fromkeys(order) if name in frame and name not in head]
    columns = [name for name in head if name in frame] + rest
    return frame if list(frame.columns) == columns else frame[columns]


def merged_frames(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """One per-step frame of several, by step: a value of an earlier frame wins over a later one's at the same
    step and column; a later frame fills what earlier ones lack (other steps, other columns)."""
    frames = [frame for frame in frames if not frame.empty]
    if not frames:
        return empty_history()
    if len(frames) == 1 and frames[0]["step"].dtype == "int64" and frames[0]["step"].is_unique:
        return _ordered(frames[0].reset_index(drop=True), frames[0].columns)  # one log: not copied
    order = [name for frame in frames for name in frame.columns]
    result = frames[0].drop_duplicates("step", keep="last").set_index("step")
    for frame in frames[1:]:
        result = result.combine_first(frame.drop_duplicates("step", keep="last").set_index("step"))
    result = result.reset_index()
    result["step"] = result["step"].astype("int64")
    return _ordered(result, order)


def merged(reads: Sequence[LogRead]) -> LogRead:
    """Several logs of one run as one: histories by :func:`merged_frames` (the first read wins at a step),
    every checkpoint, the first stated total and declared metric, ended when any says so, hyperparameters of
    the first that states each."""
    hyperparameters: dict[str, float] = {}
    for read in reversed(reads):
        hyperparameters.update(read.hyperparameters)
    return LogRead(
        history=merged_frames(read.history for read in reads),
        checkpoints=tuple(record for read in reads for record in read.checkpoints),
        total_steps=next((read.total_steps for read in reads if read.total_steps), None),
        ended=any(read.ended for read in reads),
        hyperparameters=hyperparameters,
        notes=tuple(note for read in reads for note in read.notes),
        best_metric=next((read.best_metric for read in reads if read.best_metric), None),
    )


def appended(*parts: LogRead) -> LogRead:
    """One log read in parts, in the order they were written (each part the records after the one before),
    as a read of the whole would be: at a step several hold, a column's latest value wins (a reader keeps
    the last logged); the latest part's total and facts stand where it states them; columns keep the order
    they were first seen in."""
    frames = [part.history for part in parts if not part.history.empty]
    if len(frames) > 1:
        joined = pd.concat(frames, ignore_index=True, sort=False)
        history = _ordered(last_by_step(joined), list(joined.columns))
    else:
        history = frames[0] if frames else empty_history()
    hyperparameters: dict[str, float] = {}
    for part in parts:
        hyperparameters.update(part.hyperparameters)
    return LogRead(
        history=history,
        checkpoints=tuple(record for part in parts for record in part.checkpoints),
        total_steps=next((part.total_steps for part in reversed(parts) if part.total_steps), None),
        ended=any(part.ended for part in parts),
        hyperparameters=hyperparameters,
        notes=tuple(note for part in parts for note in part.notes),
        best_metric=next((part.best_metric for part in reversed(parts) if part.best_metric), None),
    )


def step_or_none(value: Any) -> int | None:
    """A step count a log states (a JSON number, not a string), when it is a whole number from 0 to
    ``MAX_STEP``; else None."""
    number = as_number(value)
    if not math.isfinite(number) or number != int(number) or not 0 <= number <= MAX_STEP:
        return None
    return int(number)
