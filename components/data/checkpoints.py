"""Checkpoint objects from the API to one tidy DataFrame row each."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from components.data.bounds import STEP_RULE, time_rule, unix_seconds, usable_steps
from components.data.metrics import METRIC_NAMES
from components.data.values import as_float, as_number, as_text, column
from components.domain.note import Note, left_out
from components.wording import count

CHECKPOINT_COLUMNS: tuple[str, ...] = (
    "step",
    "checkpoint_id",
    "model",
    "created_at",
    "metrics_step",
    *METRIC_NAMES,
)


def utc_times(seconds: np.ndarray) -> pd.DatetimeIndex:
    """Unix seconds (NaN for unknown) as UTC timestamps; callers pass values already in range."""
    return pd.DatetimeIndex(pd.to_datetime(seconds, unit="s", utc=True)).astype("datetime64[ns, UTC]")


def implausible_times(raw: np.ndarray, seconds: np.ndarray) -> int:
    """How many times were sent (a number, not null) but fall outside the plausible window."""
    return int((~np.isnan(raw) & np.isnan(seconds)).sum())


def _metrics(record: Mapping[str, Any]) -> Mapping[str, Any]:
    metrics = record.get("metrics")
    return metrics if isinstance(metrics, Mapping) else {}


def checkpoints_frame(records: Iterable[Any], *, notes: list[Note] | None = None) -> pd.DataFrame:
    """One row per checkpoint, deduplicated by id, sorted by step (the API sends newest first).

    Records without an id or a usable step (see ``bounds.MAX_STEP``) cannot be placed on a curve and are
    left out; a creation time outside the plausible window is left blank. Both are counted in ``notes``.
    Columns are filled straight into arrays, so 100,000 checkpoints cost a few MB beyond the records.
    """
    records = [record for record in records if isinstance(record, Mapping)]
    steps = column(records, lambda record: as_number(record.get("step_number")))
    placed = usable_steps(steps) & np.fromiter(
        (isinstance(record.get("id"), str) for record in records), dtype=bool, count=len(records)
    )
    kept = [record for record, keep in zip(records, placed, strict=True) if keep]
    raw_times = column(kept, lambda record: as_number(record.get("created_at")))
    seconds = unix_seconds(raw_times)
    frame = pd.DataFrame(
        {
            "step": steps[placed].astype("int64"),
            "checkpoint_id": pd.array([as_text(record["id"]) for record in kept], dtype="string"),
            "model": pd.array(
                [as_text(record.get("fine_tuned_model_checkpoint")) for record in kept], "string"
            ),
            "created_at": utc_times(seconds),
            "metrics_step": column(kept, lambda record: as_float(_metrics(record).get("step"))),
            **{
                name: column(kept, lambda r, name=name: as_float(_metrics(r).get(name)))
                for name in METRIC_NAMES
            },
        },
        columns=list(CHECKPOINT_COLUMNS),
    )
    if notes is not None:
        if dropped := len(records) - len(kept):
            left_out(
                notes,
                f"Left out {count(dropped, 'checkpoint')} without an id or a usable step number "
                f"({STEP_RULE}).",
            )
        if bad_times := implausible_times(raw_times, seconds):
            left_out(
                notes, f"Ignored the creation times of {count(bad_times, 'checkpoint')}: not {time_rule()}."
            )
    frame = frame.drop_duplicates("checkpoint_id", keep="first")
    return frame.sort_values(["step", "created_at"], kind="stable").reset_index(drop=True)


def with_step_metrics(checkpoints: pd.DataFrame, per_step: pd.DataFrame) -> pd.DataFrame:
    """The checkpoints, each metric they lack taken from ``per_step`` at exactly their step.

    For sources whose checkpoints carry no metrics (Together, a trainer's folders, epoch ends of a result
    file): a checkpoint's numbers are what was logged at its step, never a neighbour's.
    """
    if checkpoints.empty or per_step.empty:
        return checkpoints
    logged = per_step.drop_duplicates("step", keep="last").set_index("step")
    filled = checkpoints.copy()
    for name in METRIC_NAMES:
        if name in logged:
            at_step = filled["step"].map(logged[name]).to_numpy(dtype="float64")
            filled[name] = filled[name].fillna(pd.Series(at_step, index=filled.index))
    return filled
