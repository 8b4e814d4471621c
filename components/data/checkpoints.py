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
    "step_only",
    *METRIC_NAMES,
)
"""Every checkpoint frame's columns, then any metric beyond the catalogue its source logged. ``metrics_step``
is the step its metrics were measured at (the earliest, when taken from several; NaN: none); ``step_only``
is 1 for a logged step offered as a candidate where no checkpoint is known to be saved (a result file's
validated steps: ``model`` is empty, no name is invented), else 0."""
# Columns of a per-step frame that are not metrics of the model.
_NOT_METRICS = frozenset({"step", "metrics_step", "step_only", "total_steps"})


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
            "step_only": np.zeros(len(kept), dtype="int64"),
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
    """The checkpoints, each metric they lack (the catalogue's and every other one logged) from ``per_step``.

    For sources whose checkpoints carry no metrics (Together, a trainer's folders, a result file's steps): a
    checkpoint's numbers are what was logged at its step, else at the nearest logged step before it up to one
    logging interval of that metric (a checkpoint at step 336 of a run logged every 10 steps gets step 330's
    values; one two intervals past the last log gets none). ``metrics_step`` says from which step.
    """
    if checkpoints.empty or per_step.empty:
        return checkpoints
    logged = per_step.drop_duplicates("step", keep="last").sort_values("step", kind="stable")
    steps = logged["step"].to_numpy(dtype="int64")
    targets = checkpoints["step"].to_numpy(dtype="int64")
    taken_from = np.full(len(checkpoints), np.nan)
    columns: dict[str, np.ndarray] = {}
    for name in logged.columns:
        if name in _NOT_METRICS or not pd.api.types.is_float_dtype(logged[name]):
            continue
        values, sources = nearest_logged(steps, logged[name].to_numpy(dtype="float64"), targets)
        own = (
            checkpoints[name].to_numpy(dtype="float64")
            if name in checkpoints
            else np.full(len(targets), np.nan)
        )
        use = np.isnan(own) & ~np.isnan(values)
        columns[name] = np.where(use, values, own)
        taken_from = np.fmin(taken_from, np.where(use, sources, np.nan))
    said = checkpoints["metrics_step"].to_numpy(dtype="float64")
    columns["metrics_step"] = np.where(np.isnan(said), taken_from, said)
    kept = checkpoints.drop(columns=[name for name in columns if name in checkpoints])
    filled = pd.concat([kept, pd.DataFrame(columns, index=checkpoints.index)], axis="columns")
    return filled[[*checkpoints.columns, *(name for name in columns if name not in checkpoints)]]


def nearest_logged(
    steps: np.ndarray, values: np.ndarray, targets: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For each target step, the value logged at it or at the nearest step before it no further than one
    logging interval (the median gap between the steps this metric was logged at), and that step; NaN for
    none. ``steps`` ascending and unique."""
    have = ~np.isnan(values)
    logged_steps, logged_values = steps[have], values[have]
    none = np.full(len(targets), np.nan)
    if not len(logged_steps):
        return none, none
    interval = float(np.median(np.diff(logged_steps))) if len(logged_steps) > 1 else 0.0
    at = np.searchsorted(logged_steps, targets, side="right") - 1
    found = at >= 0
    at = np.maximum(at, 0)
    near = found & (targets - logged_steps[at] <= interval)
    return np.where(near, logged_values[at], none), np.where(near, logged_steps[at].astype("float64"), none)
