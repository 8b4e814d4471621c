"""Checkpoint JSON to the tidy frame, and the choice of the best checkpoint."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest

from components.data.best import available_metrics, best_checkpoint, choose_decider, run_metrics
from components.data.checkpoints import CHECKPOINT_COLUMNS, checkpoints_frame
from components.data.metrics import METRIC_NAMES
from components.domain import Note
from tests.spec_examples import SPEC_EXAMPLE, SPEC_SINGLE


def test_spec_list_example_is_sorted_by_step_with_absent_metrics_as_nan() -> None:
    frame = checkpoints_frame(SPEC_EXAMPLE)
    assert list(frame.columns) == list(CHECKPOINT_COLUMNS)
    assert frame["step"].tolist() == [1000, 2000]
    assert frame["checkpoint_id"].tolist() == [
        "ftckpt_enQCFmOTGj3syEpYVhBRLTSy",
        "ftckpt_zc4Q7MP6XxulcVzj4MZdwsAB",
    ]
    assert frame["full_valid_loss"].tolist() == [0.167, 0.134]
    assert frame["train_loss"].isna().all() and frame["valid_loss"].isna().all()
    assert frame["created_at"].iloc[1] == pd.Timestamp(1721764867, unit="s", tz="UTC")
    assert all(frame[name].dtype == "float64" for name in METRIC_NAMES)


def test_single_example_has_all_seven_metrics() -> None:
    row = checkpoints_frame([SPEC_SINGLE]).iloc[0]
    assert row["metrics_step"] == 88.0
    assert row["valid_loss"] == 10.112 and row["full_valid_mean_token_accuracy"] == 0.944
    assert row["model"].endswith(":ckpt-step-88")


def test_duplicates_are_dropped_and_garbage_is_nan_not_zero() -> None:
    records = [
        {
            "id": "b",
            "step_number": 20,
            "metrics": {"train_loss": None, "valid_loss": "oops", "full_valid_loss": True},
        },
        {"id": "a", "step_number": 10, "metrics": {"train_loss": "0.5"}},
        {"id": "a", "step_number": 10, "metrics": {"train_loss": 9.9}},
        {"id": "c", "step_number": float("nan")},
        {"step_number": 30},
        "not a dict",
        {"id": "d", "step_number": 40, "metrics": None, "extra": {"unknown": 1}},
    ]
    frame = checkpoints_frame(records)
    assert frame["checkpoint_id"].tolist() == ["a", "b", "d"]
    assert frame.loc[0, "train_loss"] == 0.5
    assert frame.loc[1, ["train_loss", "valid_loss", "full_valid_loss"]].isna().all()
    assert frame.loc[2, list(METRIC_NAMES)].isna().all()


def default_metric(frame: pd.DataFrame) -> str | None:
    """The default decider of checkpoints alone (no declared metric): the page's rule (issue 15 moved it
    from data.best.default_metric to choose_decider over the metric model)."""
    decider = choose_decider(run_metrics(frame, frame), available_metrics(frame), None)
    return None if decider is None else decider.metric.name


def test_an_empty_list_gives_an_empty_frame_with_the_columns() -> None:
    frame = checkpoints_frame([])
    assert frame.empty and list(frame.columns) == list(CHECKPOINT_COLUMNS)
    assert default_metric(frame) is None


def _frame(**metrics: list[float]) -> pd.DataFrame:
    steps = range(100, 100 * (len(next(iter(metrics.values()))) + 1), 100)
    records = [
        {
            "id": f"c{step}",
            "step_number": step,
            "metrics": {k: v[i] for k, v in metrics.items() if not math.isnan(v[i])},
        }
        for i, step in enumerate(steps)
    ]
    return checkpoints_frame(records)


@pytest.mark.parametrize(
    ("metrics", "expected"),
    [
        (
            {"train_loss": [1.0, 0.5], "valid_loss": [1.1, 0.9], "full_valid_loss": [math.nan, 0.7]},
            "full_valid_loss",
        ),
        ({"train_loss": [1.0, 0.5], "valid_loss": [1.1, 0.9]}, "valid_loss"),
        ({"train_loss": [1.0, 0.5]}, "train_loss"),
        ({"train_mean_token_accuracy": [0.5, 0.6]}, "train_mean_token_accuracy"),
    ],
)
def test_default_metric_prefers_full_validation_then_batch_then_training(
    metrics: dict[str, list[float]], expected: str
) -> None:
    assert default_metric(_frame(**metrics)) == expected


def test_best_is_the_lowest_loss_or_highest_accuracy_and_ties_go_to_the_earliest_step() -> None:
    frame = _frame(full_valid_loss=[0.5, 0.4, 0.4, 0.6], full_valid_mean_token_accuracy=[0.8, 0.9, 0.85, 0.9])
    assert best_checkpoint(frame, "full_valid_loss")["step"] == 200
    assert best_checkpoint(frame, "full_valid_mean_token_accuracy")["step"] == 200
    assert best_checkpoint(frame, "valid_loss") is None
    assert available_metrics(frame) == ["full_valid_loss", "full_valid_mean_token_accuracy"]


def test_spec_example_best_is_step_2000() -> None:
    best = best_checkpoint(checkpoints_frame(SPEC_EXAMPLE), "full_valid_loss")
    assert best["model"].endswith("ckpt-step-2000") and best["full_valid_loss"] == 0.134


def _checkpoint(checkpoint_id: str, step: Any, created_at: Any = 1_721_764_800) -> dict[str, Any]:
    return {
        "id": checkpoint_id,
        "step_number": step,
        "created_at": created_at,
        "metrics": {"train_loss": 0.5},
    }


def test_impossible_step_numbers_are_left_out_with_a_note() -> None:
    notes: list[Note] = []
    frame = checkpoints_frame(
        [
            _checkpoint("huge-float", 1e20),
            _checkpoint("huge-int", 10**20),
            _checkpoint("beyond", 1_000_000_001),
            _checkpoint("negative", -1),
            _checkpoint("half", 2.5),
            _checkpoint("text", "100"),
            _checkpoint("zero", 0),
            _checkpoint("last", 1_000_000_000),
        ],
        notes=notes,
    )
    assert frame["checkpoint_id"].tolist() == ["zero", "last"]
    assert frame["step"].tolist() == [0, 1_000_000_000] and frame["step"].dtype == "int64"
    assert [note.text for note in notes] == [
        "Left out 6 checkpoints without an id or a usable step number "
        "(a whole number from 0 to 1,000,000,000)."
    ]


def test_creation_times_outside_the_window_are_blank_and_milliseconds_are_read() -> None:
    notes: list[Note] = []
    frame = checkpoints_frame(
        [
            _checkpoint("seconds", 1, 1_721_764_867),
            _checkpoint("millis", 2, 1_721_764_867_000),
            _checkpoint("far", 3, 10**14),  # 3.2 million years from now in seconds, 5,138 in milliseconds
            _checkpoint("1970", 4, 1),
            _checkpoint("2096", 5, 4_000_000_000),
            _checkpoint("none", 6, None),
        ],
        notes=notes,
    )
    expected = pd.Timestamp("2024-07-23 20:01:07", tz="UTC")
    assert frame["created_at"].tolist()[:2] == [expected, expected]
    assert frame["created_at"].isna().tolist() == [False, False, True, True, True, True]
    assert frame["created_at"].dtype == "datetime64[ns, UTC]"
    # Absent is not implausible: three notes-worthy times, not four.
    assert len(notes) == 1
    assert notes[0].text.startswith("Ignored the creation times of 3 checkpoints: not a date from 2015 to 20")


def test_numbers_too_big_for_a_float_are_missing() -> None:
    record = _checkpoint("big", 5)
    record["metrics"] = {"train_loss": 10**400, "valid_loss": "1e400"}
    row = checkpoints_frame([record]).iloc[0]
    assert math.isnan(row["train_loss"]) and row["valid_loss"] == math.inf


def test_lone_surrogates_become_question_marks_so_arrow_can_carry_the_frame() -> None:
    """JSON may escape half a UTF-16 pair (``"\\ud800"``); UTF-8, so Arrow and the page, cannot carry it."""
    record = _checkpoint("ckpt-\ud800", 5)
    record["fine_tuned_model_checkpoint"] = "ft:model:\udfff:ckpt-step-5"
    frame = checkpoints_frame([record])
    assert frame["checkpoint_id"].tolist() == ["ckpt-?"]
    assert frame["model"].tolist() == ["ft:model:?:ckpt-step-5"]
    pa.Table.from_pandas(frame)  # raised UnicodeEncodeError before
