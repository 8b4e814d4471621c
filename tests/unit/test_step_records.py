"""Records merged by step through a format's :class:`RecordLayout`."""

from __future__ import annotations

import numpy as np

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
