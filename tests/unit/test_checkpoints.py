"""Checkpoint JSON to the tidy frame, and the choice of the best checkpoint."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from components.data.best import available_metrics, best_checkpoint, default_metric
from components.data.checkpoints import CHECKPOINT_COLUMNS, checkpoints_frame
from components.data.metrics import METRIC_NAMES
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
