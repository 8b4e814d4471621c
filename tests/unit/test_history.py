"""build_history and densest: the densest source per step, checkpoints joined and filling the gaps."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from components.data.checkpoints import checkpoints_frame
from components.data.events import metrics_events_frame
from components.data.history import build_history, densest
from components.data.metrics import METRIC_NAMES
from components.data.results_file import results_frame
from components.domain import HistorySource

RESULT_FILE, METRICS_EVENTS, CHECKPOINTS = (
    HistorySource.RESULT_FILE,
    HistorySource.METRICS_EVENTS,
    HistorySource.CHECKPOINTS,
)

JOINED = ["source", "checkpoint_id", "model", "created_at"]
T0 = 1_721_764_000  # times below are seconds after this one (2024-07-23)


def checkpoint(step: int, created_at: int, **metrics: float) -> dict[str, Any]:
    return {
        "object": "fine_tuning.job.checkpoint",
        "id": f"ftckpt_{step}",
        "created_at": T0 + created_at,
        "fine_tuned_model_checkpoint": f"ft:gpt-4o-mini-2024-07-18:my-org:suffix:abc:ckpt-step-{step}",
        "fine_tuning_job_id": "ftjob-abc123",
        "step_number": step,
        "metrics": {"step": step, **metrics},
    }


def metrics_event(step: int, created_at: int, **data: float) -> dict[str, Any]:
    return {
        "type": "metrics",
        "created_at": T0 + created_at,
        "data": {"step": step, "total_steps": 4, **data},
    }


# Newest first, like the API; step 4 is the last epoch of a 4-step job, step 5 a checkpoint no curve reported.
CHECKPOINTS_FRAME = checkpoints_frame(
    [
        checkpoint(5, 1000, train_loss=0.05, full_valid_loss=0.15),
        checkpoint(4, 900, train_loss=9.0, full_valid_loss=0.2, full_valid_mean_token_accuracy=0.9),
        checkpoint(2, 800, train_loss=9.0, full_valid_loss=0.3),
    ]
)
# An older result file: no full_valid_* columns, and a DPO-style extra column.
RESULTS = results_frame(
    "step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy,train_mean_reward\n"
    "1,1.0,0.5,,,0.1\n2,0.8,0.6,0.9,0.55,0.2\n3,0.6,0.7,,,0.3\n4,0.4,0.8,0.5,0.75,0.4\n"
)
EVENTS = metrics_events_frame(
    [metrics_event(2, 820, train_loss=0.85), metrics_event(1, 810, train_loss=1.1, full_valid_loss=0.33)]
)


def history_of(
    checkpoints: pd.DataFrame, results: pd.DataFrame | None = None, events: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The OpenAI source's history: the result file, else metrics events, else the checkpoints."""
    return build_history(checkpoints, *densest(checkpoints, (results, RESULT_FILE), (events, METRICS_EVENTS)))


def test_sources_are_named_as_the_page_says_them() -> None:
    assert (RESULT_FILE, METRICS_EVENTS, CHECKPOINTS) == ("result file", "metrics events", "checkpoints")


def test_densest_takes_the_first_non_empty_candidate_else_the_checkpoints() -> None:
    empty = results_frame("step,train_loss\n")
    assert densest(CHECKPOINTS_FRAME, (RESULTS, RESULT_FILE), (EVENTS, METRICS_EVENTS))[1] is RESULT_FILE
    assert densest(CHECKPOINTS_FRAME, (empty, RESULT_FILE), (EVENTS, METRICS_EVENTS))[1] is METRICS_EVENTS
    assert densest(CHECKPOINTS_FRAME, (None, RESULT_FILE), (None, METRICS_EVENTS))[1] is CHECKPOINTS
    assert densest(checkpoints_frame([]), (None, RESULT_FILE))[1] is HistorySource.NONE


def test_result_file_is_preferred_and_checkpoints_are_joined() -> None:
    history = history_of(CHECKPOINTS_FRAME, results=RESULTS, events=EVENTS)

    assert list(history.columns) == ["step", *METRIC_NAMES, "train_mean_reward", *JOINED]
    assert history["step"].tolist() == [1, 2, 3, 4, 5]
    assert history["source"].tolist() == [RESULT_FILE] * 4 + [CHECKPOINTS]
    # The result file's own values win over the checkpoint's at the same step.
    assert history["train_loss"].tolist() == [1.0, 0.8, 0.6, 0.4, 0.05]
    assert history["train_mean_reward"].tolist()[:4] == [0.1, 0.2, 0.3, 0.4]
    assert math.isnan(history.loc[4, "train_mean_reward"])
    assert history["checkpoint_id"].tolist() == [pd.NA, "ftckpt_2", pd.NA, "ftckpt_4", "ftckpt_5"]
    assert history.loc[3, "model"].endswith(":ckpt-step-4")
    assert history.loc[0, "model"] is pd.NA


def test_metrics_missing_from_the_result_file_are_filled_from_checkpoints() -> None:
    history = history_of(CHECKPOINTS_FRAME, results=RESULTS).set_index("step")

    assert history.loc[2, "full_valid_loss"] == 0.3
    assert history.loc[4, "full_valid_loss"] == 0.2
    assert history.loc[4, "full_valid_mean_token_accuracy"] == 0.9
    assert math.isnan(history.loc[1, "full_valid_loss"])
    assert math.isnan(history.loc[3, "full_valid_loss"])


def test_created_at_comes_from_checkpoints_for_a_result_file() -> None:
    history = history_of(CHECKPOINTS_FRAME, results=RESULTS)

    assert history["created_at"].dtype == "datetime64[ns, UTC]"
    assert history["created_at"].isna().tolist() == [True, False, True, False, False]
    assert history.loc[1, "created_at"] == pd.Timestamp(T0 + 800, unit="s", tz="UTC")


def test_events_are_used_without_a_result_file() -> None:
    history = history_of(CHECKPOINTS_FRAME, events=EVENTS)

    assert list(history.columns) == ["step", *METRIC_NAMES, *JOINED]  # total_steps is not a metric
    assert history["step"].tolist() == [1, 2, 4, 5]
    assert history["source"].tolist() == [METRICS_EVENTS, METRICS_EVENTS, CHECKPOINTS, CHECKPOINTS]
    assert history["train_loss"].tolist() == [1.1, 0.85, 9.0, 0.05]
    assert history.loc[1, "full_valid_loss"] == 0.3  # filled from the checkpoint at step 2
    assert history.loc[0, "full_valid_loss"] == 0.33
    # The event's own time at event steps, the checkpoint's where only a checkpoint exists.
    assert history["created_at"].tolist() == [
        pd.Timestamp(T0 + t, unit="s", tz="UTC") for t in (810, 820, 900, 1000)
    ]
    assert history.loc[1, "checkpoint_id"] == "ftckpt_2"


def test_an_empty_result_file_falls_back_to_events() -> None:
    empty = results_frame("step,train_loss\n")

    history = history_of(CHECKPOINTS_FRAME, results=empty, events=EVENTS)

    assert history.loc[0, "source"] == METRICS_EVENTS


def test_checkpoints_alone() -> None:
    history = history_of(CHECKPOINTS_FRAME)

    assert list(history.columns) == ["step", *METRIC_NAMES, *JOINED]
    assert history["step"].tolist() == [2, 4, 5]
    assert history["source"].tolist() == [CHECKPOINTS] * 3
    assert history["checkpoint_id"].tolist() == ["ftckpt_2", "ftckpt_4", "ftckpt_5"]
    assert history["train_loss"].tolist() == [9.0, 9.0, 0.05]
    assert history["created_at"].notna().all()


def test_without_checkpoints_no_step_is_marked() -> None:
    history = history_of(checkpoints_frame([]), results=RESULTS)

    assert history["step"].tolist() == [1, 2, 3, 4]
    assert history["checkpoint_id"].isna().all()
    assert history["created_at"].isna().all()
    assert history["source"].tolist() == [RESULT_FILE] * 4


def test_no_data_at_all_is_an_empty_history() -> None:
    history = history_of(checkpoints_frame([]), events=metrics_events_frame([]))

    assert history.empty
    assert list(history.columns) == ["step", *METRIC_NAMES, *JOINED]


@pytest.mark.parametrize("kwargs", [{}, {"results": RESULTS}, {"events": EVENTS}])
def test_dtypes(kwargs: dict[str, pd.DataFrame]) -> None:
    history = history_of(CHECKPOINTS_FRAME, **kwargs)

    assert history["step"].dtype == "int64"
    assert all(history[name].dtype == "float64" for name in METRIC_NAMES)
    assert all(history[name].dtype == "string" for name in ("source", "checkpoint_id", "model"))
    assert history["created_at"].dtype == "datetime64[ns, UTC]"
    assert history["step"].is_unique and history["step"].is_monotonic_increasing


def test_two_checkpoints_at_one_step_keep_the_newest() -> None:
    frame = checkpoints_frame(
        [
            {**checkpoint(4, 900, full_valid_loss=0.2), "id": "ftckpt_old"},
            {**checkpoint(4, 950, full_valid_loss=0.25), "id": "ftckpt_new"},
        ]
    )

    history = history_of(frame, results=RESULTS)

    assert history.loc[history["step"] == 4, "checkpoint_id"].tolist() == ["ftckpt_new"]
    assert len(history) == 4


def test_100k_steps() -> None:
    steps = 100_000
    rng = np.random.default_rng(0)
    results = pd.DataFrame(
        {
            "step": np.arange(1, steps + 1, dtype="int64"),
            **{name: rng.random(steps) for name in METRIC_NAMES},
            "train_mean_reward": rng.random(steps),
        }
    )
    results.loc[::2, "full_valid_loss"] = np.nan
    frame = checkpoints_frame(
        [checkpoint(step, 1000 + step, full_valid_loss=0.1) for step in (33_333, 66_666, 100_000, 100_001)]
    )

    history = history_of(frame, results=results)

    assert len(history) == steps + 1
    assert history["step"].is_monotonic_increasing
    assert history["checkpoint_id"].notna().sum() == 4
    assert (
        history.loc[history["step"] == 66_666, "full_valid_loss"].item()
        == results.loc[66_665, "full_valid_loss"]
    )
    assert (
        history.loc[history["step"] == 33_333, "full_valid_loss"].item() == 0.1
    )  # odd step, even index: was NaN
    assert history.loc[history["step"] == 100_001, "source"].item() == CHECKPOINTS
