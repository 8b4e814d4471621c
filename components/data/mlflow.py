"""An MLflow run's REST objects (shared/formats.md §1) to the dashboard's summary, per-step frame and
checkpoints. Pure: no HTTP here.

- ``run.info``: status (RUNNING, SCHEDULED, FINISHED, FAILED, KILLED), ``start_time`` / ``end_time`` in ms
  (no ``end_time`` while RUNNING), ``run_name``; ``run.data.params`` give the hyperparameters shown.
- Metric histories (``{key, value, timestamp, step}``) are merged by step, every key kept: the names
  Hugging Face's MLflow callback and TRL log (``loss``, ``eval_loss``, ``train/loss``, ``eval/loss``,
  ``mean_token_accuracy``…) become the catalogue's columns, every other numeric series an extra under its
  own name, classified by the open metric model.
- MLflow 3 logged models are checkpoints: the model has no step of its own, the run's
  ``outputs.model_outputs[{model_id, step}]`` gives it (a model named ``checkpoint-N`` logged without a
  step is at step N); its metrics are those linked to it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from components.data.checkpoint_names import checkpoint_step
from components.data.job import finite, text_or_none, whole
from components.data.metric_model import Decider, classify_all, default_decider
from components.data.step_records import RecordLayout, step_records_frame
from components.domain import Hyperparameters, Note, RunRef, RunStatus, RunSummary

MLFLOW = "mlflow"
MLFLOW_METRICS: dict[str, str] = {
    "loss": "train_loss",
    "train_loss": "train_loss",
    "train/loss": "train_loss",
    "mean_token_accuracy": "train_mean_token_accuracy",
    "train/mean_token_accuracy": "train_mean_token_accuracy",
    "eval_loss": "full_valid_loss",
    "eval/loss": "full_valid_loss",
    "eval_mean_token_accuracy": "full_valid_mean_token_accuracy",
    "eval/mean_token_accuracy": "full_valid_mean_token_accuracy",
}
"""What Hugging Face's MLflow callback (raw keys) and TRL's ``train/…`` / ``eval/…`` names mean in the
catalogue: the Trainer evaluates the whole eval set, so ``eval_*`` is full validation."""
# Throughput and run summaries, not measures of the model (the Trainer's final summary among them).
MLFLOW_IGNORED = frozenset(
    {
        "train_runtime",
        "train_samples_per_second",
        "train_steps_per_second",
        "total_flos",
        "eval_runtime",
        "eval_samples_per_second",
        "eval_steps_per_second",
        "train/train_runtime",
        "train/total_flos",
    }
)
MLFLOW_RECORDS = RecordLayout(
    "step", MLFLOW_METRICS, time_key="time", seconds_per_time_unit=0.001, ignored=MLFLOW_IGNORED
)
_STATUS = {
    "RUNNING": RunStatus.RUNNING,
    "SCHEDULED": RunStatus.QUEUED,
    "FINISHED": RunStatus.SUCCEEDED,
    "FAILED": RunStatus.FAILED,
    "KILLED": RunStatus.CANCELLED,
}
_LEARNING_RATE = ("learning_rate", "lr")
_EPOCHS = ("num_train_epochs", "n_epochs", "epochs")
_BATCH = ("per_device_train_batch_size", "batch_size", "train_batch_size")


def _ms(value: Any) -> pd.Timestamp | None:
    number = finite(value)
    return None if number is None else pd.Timestamp(number, unit="ms", tz="UTC")


def pairs(items: Any) -> dict[str, str]:
    """MLflow's ``[{key, value}]`` params or tags as a mapping (odd entries left out)."""
    if not isinstance(items, list):
        return {}
    return {
        item["key"]: str(item.get("value", ""))
        for item in items
        if isinstance(item, Mapping) and isinstance(item.get("key"), str)
    }


def _param(params: Mapping[str, str], names: Sequence[str]) -> float | None:
    return next((value for name in names if (value := finite(params.get(name))) is not None), None)


def run_status(info: Mapping[str, Any]) -> RunStatus:
    return _STATUS.get(str(info.get("status", "")), RunStatus.UNKNOWN)


def parse_mlflow_run(run: Mapping[str, Any], source: str = MLFLOW) -> RunSummary:
    """A run object (``runs/get`` or ``runs/search``) as a summary."""
    info = run["info"]
    params = pairs(run.get("data", {}).get("params"))
    epochs, batch = _param(params, _EPOCHS), _param(params, _BATCH)
    return RunSummary(
        ref=RunRef(source, str(info["run_id"])),
        status=run_status(info),
        provider_status=text_or_none(info.get("status")),
        name=text_or_none(info.get("run_name")),
        base_model=text_or_none(params.get("model_name_or_path") or params.get("base_model")),
        created_at=_ms(info.get("start_time")),
        finished_at=_ms(info.get("end_time")),
        hyperparameters=Hyperparameters(
            n_epochs=whole(epochs) if epochs is not None else None,
            batch_size=whole(batch) if batch is not None else None,
            learning_rate=_param(params, _LEARNING_RATE),
        ),
        total_steps=whole(params.get("max_steps")),
    )


def latest_steps(run: Mapping[str, Any]) -> dict[str, int]:
    """Each metric's latest logged step, as ``runs/get`` reports it: what a live refresh compares."""
    metrics = run.get("data", {}).get("metrics", [])
    steps: dict[str, int] = {}
    for item in metrics if isinstance(metrics, list) else []:
        step = whole(item.get("step")) if isinstance(item, Mapping) else None
        if isinstance(item, Mapping) and isinstance(item.get("key"), str):
            steps[item["key"]] = step if step is not None else 0
    return steps


def step_records(histories: Mapping[str, Iterable[Mapping[str, Any]]]) -> list[dict[str, Any]]:
    """One record per logged step, every metric's value at it (the last one logged wins) and its time."""
    by_step: dict[int, dict[str, Any]] = {}
    for key, points in histories.items():
        for point in points:
            step = point.get("step", 0)
            record = by_step.setdefault(step, {"step": step}) if isinstance(step, int) else None
            if record is not None:
                record[key] = point.get("value")
                record["time"] = point.get("timestamp")
    return [by_step[step] for step in sorted(by_step)]


def mlflow_history_frame(
    histories: Mapping[str, Iterable[Mapping[str, Any]]], *, notes: list[Note] | None = None
) -> pd.DataFrame:
    """Every metric's history merged by step, as the catalogue's columns and extras."""
    return step_records_frame(step_records(histories), MLFLOW_RECORDS, notes=notes, what="metric histories")


def model_steps(run: Mapping[str, Any]) -> dict[str, int]:
    """model_id → step, from the run's ``outputs.model_outputs``."""
    outputs = run.get("outputs", {}).get("model_outputs", [])
    steps: dict[str, int] = {}
    for item in outputs if isinstance(outputs, list) else []:
        if isinstance(item, Mapping) and isinstance(item.get("model_id"), str):
            step = whole(item.get("step"))
            if step is not None:
                steps[item["model_id"]] = step
    return steps


def _model_metrics(model: Mapping[str, Any]) -> dict[str, float]:
    """A model's metrics under the catalogue's names where they have one, else as logged."""
    metrics = model.get("data", {}).get("metrics", [])
    values: dict[str, float] = {}
    for item in metrics if isinstance(metrics, list) else []:
        if isinstance(item, Mapping) and isinstance(item.get("key"), str):
            value = finite(item.get("value"))
            if value is not None:
                values[MLFLOW_METRICS.get(item["key"], item["key"])] = value
    return values


def _logged_step(model: Mapping[str, Any]) -> int | None:
    """The latest step a model's metrics were logged at: its step when the run names none."""
    metrics = model.get("data", {}).get("metrics", [])
    steps = [whole(item.get("step")) for item in metrics if isinstance(item, Mapping)]
    return max((step for step in steps if step is not None), default=None)


def _model_step(output_step: int | None, model: Mapping[str, Any]) -> int | None:
    """A model's step: the run's output step; when that is missing or 0 (``log_model`` without a step) and
    the model is named ``checkpoint-N``, N; else the step its metrics were logged at."""
    named = checkpoint_step(text_or_none(model.get("info", {}).get("name")))
    if output_step:
        return output_step
    if named is not None:
        return named
    return output_step if output_step is not None else _logged_step(model)


def checkpoint_records(models: Iterable[Mapping[str, Any]], steps: Mapping[str, int]) -> list[dict[str, Any]]:
    """Logged models as checkpoint records (``components.data.checkpoints.checkpoints_frame``): the id is
    the model's, the name to load is ``models:/<model_id>``, the step the run's output says (else the
    step its metrics were logged at)."""
    records = []
    for model in models:
        info = model.get("info", {})
        model_id = info.get("model_id") if isinstance(info, Mapping) else None
        if not isinstance(model_id, str):
            continue
        step = _model_step(steps.get(model_id), model)
        created = finite(info.get("creation_timestamp_ms"))
        records.append(
            {
                "id": model_id,
                "step_number": step,
                "fine_tuned_model_checkpoint": f"models:/{model_id}",
                "created_at": None if created is None else created / 1000,
                "metrics": _model_metrics(model),
            }
        )
    return records


def ranking_metric(models: Iterable[Mapping[str, Any]]) -> tuple[str, Decider] | None:
    """The metric to ask MLflow's ranking for: the one of the models' metrics our decider would choose by,
    as logged (``eval/loss``), so both rankings judge the same thing; None when no metric has a direction."""
    keys = {
        item["key"]
        for model in models
        for item in model.get("data", {}).get("metrics", [])
        if isinstance(item, Mapping) and isinstance(item.get("key"), str)
    }
    decider = default_decider(classify_all(sorted(keys)), None)
    return None if decider is None else (decider.metric.name, decider)


def merged_history(known: pd.DataFrame | None, fresh: pd.DataFrame) -> pd.DataFrame:
    """``known`` with ``fresh``'s values written over it step by step (new steps added), columns kept in the
    order first seen."""
    if known is None or known.empty:
        return fresh
    if fresh.empty:
        return known
    both = fresh.set_index("step").combine_first(known.set_index("step")).reset_index()
    order = [*known.columns, *(name for name in fresh.columns if name not in known.columns)]
    return both[order]
