"""The job's ``metrics`` events to one tidy DataFrame row per step: the per-step curve while a job runs."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from components.data.checkpoints import as_float
from components.data.metrics import METRIC_NAMES

EVENT_COLUMNS: tuple[str, ...] = ("step", *METRIC_NAMES, "created_at", "total_steps")


def _row(event: Mapping[str, Any]) -> dict[str, float] | None:
    data = event.get("data")
    if event.get("type") != "metrics" or not isinstance(data, Mapping):
        return None
    return {
        "step": as_float(data.get("step")),
        **{name: as_float(data.get(name)) for name in METRIC_NAMES},
        "created_at": as_float(event.get("created_at")),
        "total_steps": as_float(data.get("total_steps")),
    }


def metrics_events_frame(events: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """One row per step, sorted by step; message events and events without a whole-number step are dropped.

    When a step is reported twice the newest event wins: it is the API's latest word on that step.
    """
    rows = [row for event in events if isinstance(event, Mapping) and (row := _row(event))]
    frame = pd.DataFrame(rows, columns=list(EVENT_COLUMNS), dtype="float64")
    frame = frame[frame["step"] % 1 == 0]  # drops missing, infinite and fractional steps
    created_at = pd.to_datetime(frame["created_at"], unit="s", utc=True, errors="coerce")
    return (
        frame.astype({"step": "int64"})
        .assign(created_at=created_at.astype("datetime64[ns, UTC]"))
        .sort_values(["step", "created_at"], na_position="first", kind="stable")
        .drop_duplicates("step", keep="last")
        .reset_index(drop=True)
    )


def total_steps(frame: pd.DataFrame) -> int | None:
    """The largest ``total_steps`` any event reported, for a progress bar; None when none did."""
    largest = frame["total_steps"].max()
    return int(largest) if math.isfinite(largest) else None
