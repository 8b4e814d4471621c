"""The job's ``metrics`` events to one tidy DataFrame row per step: the per-step curve while a job runs."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from components.data.bounds import MAX_STEP, STEP_RULE, time_rule, unix_seconds, usable_steps
from components.data.checkpoints import implausible_times, utc_times
from components.data.metrics import METRIC_NAMES
from components.data.values import as_float, as_number, column
from components.domain.note import Note, left_out
from components.wording import count

EVENT_COLUMNS: tuple[str, ...] = ("step", *METRIC_NAMES, "created_at", "total_steps")


def _data(event: Mapping[str, Any]) -> Mapping[str, Any]:
    return event["data"]


def metrics_events_frame(events: Iterable[Any], *, notes: list[Note] | None = None) -> pd.DataFrame:
    """One row per step, sorted by step; message events and events without a usable step are dropped.

    When a step is reported twice the newest event wins: it is the API's latest word on that step. A step
    outside ``bounds.MAX_STEP``, a time outside the plausible window (milliseconds are converted) and a
    ``total_steps`` that no run could have are counted in ``notes``; the time and total become NaN, the
    event is left out. Columns are filled straight into arrays: no per-event row objects.
    """
    metrics = [
        event
        for event in events
        if isinstance(event, Mapping)
        and event.get("type") == "metrics"
        and isinstance(event.get("data"), Mapping)
    ]
    steps = column(metrics, lambda event: as_float(_data(event).get("step")))
    placed = usable_steps(steps)
    kept = [event for event, keep in zip(metrics, placed, strict=True) if keep]
    raw_times = column(kept, lambda event: as_number(event.get("created_at")))
    seconds = unix_seconds(raw_times)
    totals = column(kept, lambda event: as_float(_data(event).get("total_steps")))
    plausible_totals = usable_steps(totals) & (totals > 0)
    frame = pd.DataFrame(
        {
            "step": steps[placed].astype("int64"),
            **{
                name: column(kept, lambda e, name=name: as_float(_data(e).get(name))) for name in METRIC_NAMES
            },
            "created_at": utc_times(seconds),
            "total_steps": np.where(plausible_totals, totals, np.nan),
        },
        columns=list(EVENT_COLUMNS),
    )
    if notes is not None:
        if dropped := int((~placed & ~np.isnan(steps)).sum()):
            left_out(
                notes,
                f"Left out {count(dropped, 'metrics event')} without a usable step number ({STEP_RULE}).",
            )
        if bad_times := implausible_times(raw_times, seconds):
            left_out(notes, f"Ignored the times of {count(bad_times, 'metrics event')}: not {time_rule()}.")
        if bad_totals := int((~np.isnan(totals) & ~plausible_totals).sum()):
            left_out(
                notes,
                f"Ignored the total step count of {count(bad_totals, 'metrics event')}: "
                f"not a whole number from 1 to {MAX_STEP:,}.",
            )
    return _newest_per_step(frame)


def _newest_per_step(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per step, sorted by step: the latest time wins, and among equal times the row listed last."""
    return (
        frame.sort_values(["step", "created_at"], na_position="first", kind="stable")
        .drop_duplicates("step", keep="last")
        .reset_index(drop=True)
    )


def merge_events_frames(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Frames of consecutive parts of one events list, in the list's order (newest part first), as one.

    Equal to :func:`metrics_events_frame` of the parts' events concatenated: each part is already one row
    per step, and the same rule (latest time, then listed last) picks among them. A live refresh parses
    only the new events and merges them with what it had, instead of parsing 100,000 events again.
    """
    parts = [frame for frame in frames if not frame.empty]
    if len(parts) <= 1:
        return parts[0] if parts else frames[0]
    return _newest_per_step(pd.concat(parts, ignore_index=True))


def total_steps(frame: pd.DataFrame) -> int | None:
    """The largest ``total_steps`` any event reported, for a progress bar; None when none did."""
    largest = frame["total_steps"].max()
    return int(largest) if math.isfinite(largest) else None
