"""Metrics events to per-step rows: message events, null data and repeated steps are all normal."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from components.data.events import EVENT_COLUMNS, metrics_events_frame, total_steps
from components.data.metrics import METRIC_NAMES
from components.domain import Note


def metrics_event(step: Any, created_at: int, **data: Any) -> dict[str, Any]:
    return {
        "object": "fine_tuning.job.event",
        "id": f"ftevent-{step}-{created_at}",
        "created_at": created_at,
        "level": "info",
        "message": f"Step {step}/300",
        "type": "metrics",
        "data": {"step": step, **data},
    }


# Newest first, as the API lists them; metrics events interleaved with messages.
EVENTS: list[dict[str, Any]] = [
    {
        "object": "fine_tuning.job.event",
        "id": "ftevent-done",
        "created_at": 1721765000,
        "level": "info",
        "message": "The job has successfully completed",
        "type": "message",
        "data": {},
    },
    metrics_event(
        300,
        1721764990,
        train_loss=0.15,
        valid_loss=0.27,
        full_valid_loss=0.40,
        train_mean_token_accuracy=0.95,
        valid_mean_token_accuracy=0.9,
        full_valid_mean_token_accuracy=0.88,
        total_steps=300,
    ),
    {
        "object": "fine_tuning.job.event",
        "id": "ftevent-null",
        "created_at": 1721764950,
        "type": "metrics",
        "data": None,
    },
    metrics_event(2, 1721764820, train_loss=1.1, total_steps=300),
    {"id": "ftevent-msg", "created_at": 1721764810, "type": "message", "message": "Step 1/300", "data": None},
    metrics_event(1, 1721764810, train_loss=1.5, train_mean_token_accuracy=0.5, total_steps=300),
]


def test_only_metrics_events_become_rows() -> None:
    frame = metrics_events_frame(EVENTS)

    assert list(frame.columns) == list(EVENT_COLUMNS)
    assert frame["step"].tolist() == [1, 2, 300]
    assert frame["train_loss"].tolist() == [1.5, 1.1, 0.15]
    assert frame.loc[2, "full_valid_mean_token_accuracy"] == 0.88


def test_dtypes() -> None:
    frame = metrics_events_frame(EVENTS)

    assert frame["step"].dtype == "int64"
    assert all(frame[name].dtype == "float64" for name in (*METRIC_NAMES, "total_steps"))
    assert frame["created_at"].dtype == "datetime64[ns, UTC]"
    assert frame.loc[0, "created_at"] == pd.Timestamp(1721764810, unit="s", tz="UTC")


def test_missing_keys_are_nan_not_zero() -> None:
    frame = metrics_events_frame(EVENTS)

    assert math.isnan(frame.loc[0, "valid_loss"])
    assert math.isnan(frame.loc[1, "train_mean_token_accuracy"])


def test_garbage_values_are_nan() -> None:
    frame = metrics_events_frame(
        [metrics_event(5, 100, train_loss=True, valid_loss="n/a", full_valid_loss=[1], total_steps=None)]
    )

    assert frame[[*METRIC_NAMES, "total_steps"]].isna().all().all()


def test_unusable_event_times_are_nat() -> None:
    events = [
        metrics_event(1, 1721764810),
        {**metrics_event(2, 0), "created_at": 1e20},
        {**metrics_event(3, 0), "created_at": "x"},
    ]

    frame = metrics_events_frame(events)

    assert frame["step"].tolist() == [1, 2, 3]
    assert frame["created_at"].isna().tolist() == [False, True, True]


def test_events_without_a_usable_step_are_dropped() -> None:
    events = [
        metrics_event(None, 100, train_loss=1.0),
        metrics_event(True, 100, train_loss=1.0),
        metrics_event("x", 100, train_loss=1.0),
        metrics_event(2.5, 100, train_loss=1.0),
        {"type": "metrics", "created_at": 100, "data": {"train_loss": 1.0}},
        {"type": "metrics", "created_at": 100, "data": "step 3"},
        {"type": "metrics", "created_at": 100},
        {"created_at": 100, "data": {"step": 7, "train_loss": 1.0}},  # no type: not known to be metrics
        "not an event",
        metrics_event(4.0, 100, train_loss=0.4),
    ]

    frame = metrics_events_frame(events)  # type: ignore[arg-type]

    assert frame["step"].tolist() == [4]
    assert frame["train_loss"].tolist() == [0.4]


def test_duplicate_steps_keep_the_newest_event() -> None:
    events = [
        metrics_event(10, 1721764200, train_loss=0.2),
        metrics_event(10, 1721764300, train_loss=0.3),  # newest, though not first in the list
        metrics_event(10, 1721764100, train_loss=0.1),
        {**metrics_event(10, 0, train_loss=0.9), "created_at": None},  # unknown time counts as oldest
    ]

    frame = metrics_events_frame(events)

    assert len(frame) == 1
    assert frame.loc[0, "train_loss"] == 0.3
    assert frame.loc[0, "created_at"] == pd.Timestamp(1721764300, unit="s", tz="UTC")


def test_no_events_give_an_empty_frame_with_the_schema() -> None:
    frame = metrics_events_frame([])

    assert frame.empty
    assert list(frame.columns) == list(EVENT_COLUMNS)
    assert frame["step"].dtype == "int64"
    assert frame["created_at"].dtype == "datetime64[ns, UTC]"


def test_total_steps_is_the_largest_reported() -> None:
    events = [
        metrics_event(1, 100, total_steps=300),
        metrics_event(2, 101, total_steps=310),
        metrics_event(3, 102),
    ]

    assert total_steps(metrics_events_frame(events)) == 310


def test_total_steps_is_none_when_never_reported() -> None:
    assert total_steps(metrics_events_frame([metrics_event(1, 100, train_loss=1.0)])) is None
    assert total_steps(metrics_events_frame([])) is None


def test_an_event_step_of_1e20_is_left_out_not_wrapped_to_a_negative_number() -> None:
    notes: list[Note] = []
    events = [
        metrics_event(1, 1721764810, train_loss=1.0),
        metrics_event(1e20, 1721764811, train_loss=0.9),
        metrics_event(10**20, 1721764812, train_loss=0.8),
        metrics_event(-3, 1721764813, train_loss=0.7),
        metrics_event(1_000_000_000, 1721764814, train_loss=0.6),
    ]

    frame = metrics_events_frame(events, notes=notes)

    assert frame["step"].tolist() == [1, 1_000_000_000]
    assert [note.text for note in notes] == [
        "Left out 3 metrics events without a usable step number (a whole number from 0 to 1,000,000,000)."
    ]


def test_event_times_in_milliseconds_are_read_and_impossible_ones_are_blank() -> None:
    notes: list[Note] = []
    events = [
        metrics_event(1, 1721764810),
        metrics_event(2, 1721764820_000),  # milliseconds
        metrics_event(3, 10**14),
        metrics_event(4, 5),
    ]

    frame = metrics_events_frame(events, notes=notes)

    assert frame["created_at"].tolist()[:2] == [
        pd.Timestamp(1721764810, unit="s", tz="UTC"),
        pd.Timestamp(1721764820, unit="s", tz="UTC"),
    ]
    assert frame["created_at"].isna().tolist() == [False, False, True, True]
    assert len(notes) == 1 and notes[0].text.startswith(
        "Ignored the times of 2 metrics events: not a date from 2015"
    )


def test_an_impossible_total_step_count_is_ignored() -> None:
    notes: list[Note] = []
    events = [
        metrics_event(1, 1721764810, total_steps=1e20),
        metrics_event(2, 1721764811, total_steps=0),
        metrics_event(3, 1721764812, total_steps=-300),
    ]

    frame = metrics_events_frame(events, notes=notes)

    assert total_steps(frame) is None
    assert [note.text for note in notes] == [
        "Ignored the total step count of 3 metrics events: not a whole number from 1 to 1,000,000,000."
    ]
