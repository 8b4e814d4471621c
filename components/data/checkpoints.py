"""Checkpoint objects from the API to one tidy DataFrame row each."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from components.data.metrics import METRIC_NAMES

CHECKPOINT_COLUMNS: tuple[str, ...] = (
    "step",
    "checkpoint_id",
    "model",
    "created_at",
    "metrics_step",
    *METRIC_NAMES,
)


def as_float(value: Any) -> float:
    """A metric value as float; absent, null, boolean or non-numeric values become NaN, never 0."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return float("nan")
    try:
        return float(value)
    except ValueError:
        return float("nan")


def _row(record: Mapping[str, Any]) -> dict[str, Any] | None:
    step = record.get("step_number")
    checkpoint_id = record.get("id")
    if not math.isfinite(as_float(step)) or isinstance(step, str) or not isinstance(checkpoint_id, str):
        return None
    metrics = record.get("metrics")
    metrics = metrics if isinstance(metrics, Mapping) else {}
    model = record.get("fine_tuned_model_checkpoint")
    created = record.get("created_at")
    return {
        "step": int(step),
        "checkpoint_id": checkpoint_id,
        "model": model if isinstance(model, str) else "",
        "created_at": created if isinstance(created, int | float) and not isinstance(created, bool) else None,
        "metrics_step": as_float(metrics.get("step")),
        **{name: as_float(metrics.get(name)) for name in METRIC_NAMES},
    }


def checkpoints_frame(records: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """One row per checkpoint, deduplicated by id, sorted by step (the API sends newest first).

    Records without an id or a step cannot be placed on a curve and are dropped.
    """
    rows = [row for record in records if isinstance(record, Mapping) and (row := _row(record))]
    frame = pd.DataFrame(rows, columns=list(CHECKPOINT_COLUMNS))
    frame = frame.drop_duplicates("checkpoint_id", keep="first")
    frame["step"] = frame["step"].astype("int64")
    frame["created_at"] = pd.to_datetime(frame["created_at"], unit="s", utc=True).astype(
        "datetime64[ns, UTC]"
    )
    for name in ("metrics_step", *METRIC_NAMES):
        frame[name] = frame[name].astype("float64")
    frame["checkpoint_id"] = frame["checkpoint_id"].astype("string")
    frame["model"] = frame["model"].astype("string")
    return frame.sort_values(["step", "created_at"], kind="stable").reset_index(drop=True)
