"""The pure parts of the MLflow and Trackio sources: a run object to a summary, histories merged by step,
logged models to checkpoints, the metric MLflow's ranking is asked for, and a live refresh's merge equal to
reading everything at once."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from components.data.mlflow import (
    checkpoint_records,
    merged_history,
    mlflow_history_frame,
    model_steps,
    parse_mlflow_run,
    ranking_metric,
)
from components.data.trackio import records
from components.domain import RunStatus

RUN = {
    "info": {"run_id": "abc123", "run_name": "sft", "status": "RUNNING", "start_time": 1_796_668_548_087},
    "data": {
        "params": [{"key": "learning_rate", "value": "2e-5"}, {"key": "num_train_epochs", "value": "3"}]
    },
    "outputs": {
        "model_outputs": [
            {"model_id": "m-1", "step": 10},
            {"model_id": "m-2", "step": "x"},
            {"model_id": "m-3", "step": 0},
        ]
    },
}


def _points(key: str, steps: list[int]) -> list[dict]:
    return [
        {"key": key, "value": step / 10, "timestamp": 1_796_668_548_087 + step, "step": step}
        for step in steps
    ]


def test_a_run_object_becomes_a_summary_with_its_status_time_and_params() -> None:
    summary = parse_mlflow_run(RUN)
    assert summary.status is RunStatus.RUNNING and summary.provider_status == "RUNNING"
    assert summary.name == "sft" and summary.finished_at is None
    assert summary.created_at.year == 2026
    assert summary.hyperparameters.learning_rate == 2e-5 and summary.hyperparameters.n_epochs == 3
    assert (
        parse_mlflow_run({**RUN, "info": {**RUN["info"], "status": "KILLED"}}).status is RunStatus.CANCELLED
    )


def test_histories_merge_by_step_with_the_catalogue_names_and_every_other_series() -> None:
    frame = mlflow_history_frame(
        {
            "loss": _points("loss", [1, 2, 3]),
            "eval_loss": _points("eval_loss", [2]),
            "train/grad_norm": _points("g", [3]),
        }
    )
    assert frame["step"].tolist() == [1, 2, 3]
    assert frame["train_loss"].tolist() == [0.1, 0.2, 0.3]
    assert math.isnan(frame["full_valid_loss"][0]) and frame["full_valid_loss"][1] == 0.2
    assert frame["train/grad_norm"].tolist()[2] == 0.3


def test_logged_models_are_checkpoints_at_the_runs_output_step_else_their_metrics_step() -> None:
    models = [
        {"info": {"model_id": "m-1", "creation_timestamp_ms": 1_796_668_548_087}, "data": {"metrics": []}},
        {"info": {"model_id": "m-2"}, "data": {"metrics": [{"key": "eval/loss", "value": 1.2, "step": 20}]}},
        {"info": {"model_id": "m-3", "name": "checkpoint-300"}, "data": {"metrics": []}},
        {"info": {}},
    ]
    got = checkpoint_records(models, model_steps(RUN))
    assert [(r["id"], r["step_number"], r["fine_tuned_model_checkpoint"]) for r in got] == [
        ("m-1", 10, "models:/m-1"),
        ("m-2", 20, "models:/m-2"),
        ("m-3", 300, "models:/m-3"),
    ]
    assert got[1]["metrics"] == {"full_valid_loss": 1.2}


def test_mlflows_ranking_is_asked_by_the_metric_our_decider_chooses() -> None:
    models = [{"data": {"metrics": [{"key": "train/loss"}, {"key": "eval/loss"}, {"key": "eval/accuracy"}]}}]
    key, decider = ranking_metric(models)
    assert key == "eval/accuracy" and decider.metric.direction.value == "higher"
    assert ranking_metric([{"data": {"metrics": [{"key": "train/learning_rate"}]}}]) is None


@settings(deadline=None)  # pandas' first call of a kind is slow on a busy machine
@given(
    st.lists(st.integers(0, 60), min_size=1, max_size=40, unique=True),
    st.lists(st.integers(0, 60), max_size=20, unique=True),
    st.integers(0, 60),
)
def test_a_refresh_merge_equals_reading_every_point_at_once(
    train: list[int], evals: list[int], cut: int
) -> None:
    train, evals = sorted(train), sorted(evals)
    histories = {"train/loss": _points("train/loss", train), "eval/loss": _points("eval/loss", evals)}
    whole = mlflow_history_frame(histories)
    known = mlflow_history_frame(
        {key: [p for p in points if p["step"] < cut] for key, points in histories.items()}
    )
    fresh = mlflow_history_frame(
        {key: [p for p in points if p["step"] >= cut] for key, points in histories.items()}
    )
    merged = merged_history(known, fresh)
    assert merged[whole.columns.tolist()].reset_index(drop=True).equals(whole)


def test_trackio_rows_take_the_trainers_global_step_and_read_nan_strings() -> None:
    rows = [
        (0, "2026-12-07T18:34:14+00:00", b'{"train/loss": 0.5, "train/global_step": 10, "x": "NaN"}'),
        (1, "2026-12-07T18:34:15+00:00", b"not json"),
    ]
    first, second = records(rows)
    assert first["step"] == 10 and math.isnan(first["x"]) and first["time"] == 1_796_668_454.0
    assert second == {"step": 1, "time": 1_796_668_455.0}
