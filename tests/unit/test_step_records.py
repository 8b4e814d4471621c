"""Records merged by step through a format's :class:`RecordLayout`."""

from __future__ import annotations

import numpy as np
import pytest

from components.data.bounds import STEP_RULE
from components.data.step_records import RecordLayout, step_records_frame
from components.domain.note import Note, NoteKind

LAYOUT = RecordLayout(
    "s", {"l": "train_loss", "v": "full_valid_loss"}, time_key="t", seconds_per_time_unit=1e-3, ignored={"x"}
)


def test_the_keys_a_layout_names_are_never_extras() -> None:
    assert LAYOUT.taken == {"s", "l", "v", "t", "x"}
    assert RecordLayout("step", {"loss": "train_loss"}).taken == {"step", "loss"}


def test_records_merge_by_step_with_times_in_the_layouts_unit_and_the_rest_as_extras() -> None:
    records = [
        {"s": 2, "l": 0.5, "t": 1_700_000_000_000, "x": 9.0, "lr": 0.1},
        {"s": 1, "l": 0.9, "t": 1_700_000_000_000},
        {"s": 2, "v": 0.7},
        {"l": 1.0},  # no step
        "not a record",
    ]
    notes: list[Note] = []
    frame = step_records_frame(records, LAYOUT, notes=notes, what="log")
    assert frame["step"].tolist() == [1, 2]
    assert frame["train_loss"].tolist() == [0.9, 0.5]
    assert np.isnan(frame["full_valid_loss"].iloc[0]) and frame["full_valid_loss"].iloc[1] == 0.7
    assert str(frame["created_at"].iloc[0]) == "2023-11-14 22:13:20+00:00"
    assert list(frame.columns)[-2:] == ["created_at", "lr"] and "x" not in frame
    assert notes == [
        Note(NoteKind.LEFT_OUT, f"Left out 1 entry of the log without a usable step ({STEP_RULE}).")
    ]


def test_every_numeric_key_is_kept_up_to_the_bound_then_the_sparsest_go(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from components.data import metric_columns

    records = [{"s": step, "a": 1.0, "b": 2.0, **({"c": 3.0} if step < 3 else {})} for step in range(1, 5)]
    records.append({"s": 1, "rare": 4.0})
    frame = step_records_frame(records, LAYOUT)
    assert list(frame.columns)[-4:] == ["a", "b", "c", "rare"]

    monkeypatch.setattr(metric_columns, "MAX_METRIC_COLUMNS", 2)
    notes: list[Note] = []
    frame = step_records_frame(records, LAYOUT, notes=notes, what="log")
    assert list(frame.columns)[-2:] == ["a", "b"] and "c" not in frame and "rare" not in frame
    assert notes == [
        Note(
            NoteKind.LEFT_OUT,
            "The log has 4 metrics, more than the 2 the dashboard keeps: left out the 2 with the fewest "
            "values.",
        )
    ]
