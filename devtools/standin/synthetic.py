"""Deterministic, realistic fake fine-tuning runs shaped like the OpenAI API.

Shapes follow /work/shared/api.md. Curves are vectorised with numpy so that
100k-step runs stay cheap enough for benchmarks.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

Status = Literal["succeeded", "running"]
ResultFile = Literal["base64", "plain"] | None
CsvFlavour = Literal["openai", "azure", "azure-legacy", "extra"]

DEFAULT_BASE_MODEL = "gpt-4o-mini-2024-07-18"
DEFAULT_START = 1_732_000_000
_ALPHABET = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"))
_BATCH_SIZE = 4

# Metric keys as events and checkpoints name them (api.md §1, §2.1), in a stable order.
METRIC_KEYS = (
    "train_loss",
    "train_mean_token_accuracy",
    "valid_loss",
    "valid_mean_token_accuracy",
    "full_valid_loss",
    "full_valid_mean_token_accuracy",
)

# Result-CSV column -> metric key (None = always empty), per provider (api.md §2.4).
_OPENAI_COLUMNS: dict[str, str | None] = {
    "train_loss": "train_loss",
    "train_accuracy": "train_mean_token_accuracy",
    "valid_loss": "valid_loss",
    "valid_mean_token_accuracy": "valid_mean_token_accuracy",
    "full_valid_loss": "full_valid_loss",
    "full_valid_mean_token_accuracy": "full_valid_mean_token_accuracy",
}
CSV_COLUMNS: dict[str, dict[str, str | None]] = {
    "openai": _OPENAI_COLUMNS,
    "azure": {
        "train_loss": "train_loss",
        "train_mean_token_accuracy": "train_mean_token_accuracy",
        "valid_loss": "valid_loss",
        "validation_mean_token_accuracy": "valid_mean_token_accuracy",
        "full_valid_loss": "full_valid_loss",
        "full_valid_mean_token_accuracy": "full_valid_mean_token_accuracy",
    },
    # Azure's older docs: exact-match accuracy columns under other names.
    "azure-legacy": {
        "train_loss": "train_loss",
        "training_accuracy": "train_mean_token_accuracy",
        "valid_loss": "valid_loss",
        "valid_accuracy": "valid_mean_token_accuracy",
    },
    # DPO/RFT-style extras: the reward columns are empty except at epoch ends,
    # where a 0..1 score (the full-validation accuracy) stands in for a reward.
    "extra": {
        **_OPENAI_COLUMNS,
        "train_mean_reward": None,
        "full_valid_mean_reward": "full_valid_mean_token_accuracy",
    },
}


@dataclass(frozen=True)
class SyntheticRun:
    """Everything the stand-in server needs to serve one fine-tuning job."""

    job: dict
    checkpoints: list[dict]  # newest first
    events: list[dict]  # newest first
    files: dict[str, bytes]  # file id -> raw body of GET /files/{id}/content


def make_run(
    job_id: str = "ftjob-demo",
    *,
    n_steps: int = 480,
    n_epochs: int = 4,
    seed: int = 7,
    status: Status = "succeeded",
    progress: float = 1.0,
    kept_checkpoints: int = 3,
    with_validation: bool = True,
    result_file: ResultFile = "base64",
    csv_flavour: CsvFlavour = "openai",
    base_model: str = DEFAULT_BASE_MODEL,
    start: int = DEFAULT_START,
) -> SyntheticRun:
    """A supervised job with per-step curves that overfit late, as real runs do.

    `progress` is the fraction of steps done; a succeeded job must be at 1.0.
    Curves and ids depend only on `seed` and the shape, so a running job is a
    prefix of the succeeded job with the same arguments.
    """
    if n_epochs < 1 or n_steps < n_epochs or n_steps % n_epochs:
        raise ValueError("n_steps must be a positive multiple of n_epochs")
    if status not in ("succeeded", "running"):
        raise ValueError(f"unsupported status {status!r}")
    if not 0.0 <= progress <= 1.0 or (status == "succeeded" and progress != 1.0):
        raise ValueError("progress must be in [0, 1], and 1.0 for a succeeded job")
    if csv_flavour not in CSV_COLUMNS or result_file not in ("base64", "plain", None):
        raise ValueError("unknown csv_flavour or result_file")
    if kept_checkpoints < 0:
        raise ValueError("kept_checkpoints must be >= 0")

    rng = np.random.default_rng(seed)
    steps_per_epoch = n_steps // n_epochs
    curves = _curves(rng, n_steps, steps_per_epoch, with_validation)
    succeeded = status == "succeeded"
    job = _job(
        rng,
        job_id,
        status=status,
        base_model=base_model,
        start=start,
        n_steps=n_steps,
        n_epochs=n_epochs,
        seed=seed,
        with_validation=with_validation,
        with_result=succeeded and result_file is not None,
    )
    done = round(progress * n_steps)
    columns = {key: curves[key].tolist() for key in METRIC_KEYS}
    # Every epoch end is drawn (keeping ids stable across `progress`), then only
    # the newest `kept_checkpoints` of the finished epochs are kept, as OpenAI does.
    epoch_ends = list(range(steps_per_epoch, n_steps + 1, steps_per_epoch))
    every = _checkpoints(rng, job, epoch_ends, columns, start)
    checkpoints = [c for c in every if c["step_number"] <= done][:kept_checkpoints]
    events = _events(rng, job, columns, n_steps, done, start)
    files = {}
    if job["result_files"]:
        csv = _result_csv(curves, csv_flavour)
        files[job["result_files"][0]] = base64.b64encode(csv) if result_file == "base64" else csv
    return SyntheticRun(job, checkpoints, events, files)


def make_checkpoints_only(job_id: str, n: int, *, seed: int = 1, start: int = DEFAULT_START) -> SyntheticRun:
    """A succeeded job with `n` fully-measured checkpoints (steps 10..10n), for paging tests.

    `start` is the job's creation time, so many small jobs can be listed in a known order.
    """
    if n < 1:
        raise ValueError("n must be >= 1")
    rng = np.random.default_rng(seed)
    n_steps = 10 * n
    curves = _curves(rng, n_steps, 10, with_validation=True)
    job = _job(
        rng,
        job_id,
        status="succeeded",
        base_model=DEFAULT_BASE_MODEL,
        start=start,
        n_steps=n_steps,
        n_epochs=n,
        seed=seed,
        with_validation=True,
        with_result=False,
    )
    columns = {key: curves[key].tolist() for key in METRIC_KEYS}
    steps = list(range(10, n_steps + 1, 10))
    return SyntheticRun(job, _checkpoints(rng, job, steps, columns, start), [], {})


def _alnum(rng: np.random.Generator, count: int, length: int) -> list[str]:
    """`count` random alphanumeric strings drawn in one vectorised call."""
    chars = _ALPHABET[rng.integers(0, len(_ALPHABET), size=(count, length))]
    return chars.view(f"<U{length}").ravel().tolist()


def _at(start: int, step: int) -> int:
    """Unix time at which `step` finishes: 60 s of setup, then about 2 s per step."""
    return start + 60 + 2 * step


def _accuracy(loss: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """Token accuracy that rises as loss falls: loss 2.0 -> ~0.6, loss 0.3 -> ~0.95."""
    return np.clip(0.6 + 0.35 * (2.0 - loss) / 1.7 + 0.01 * noise, 0.5, 0.99)


def _curves(
    rng: np.random.Generator, n_steps: int, steps_per_epoch: int, with_validation: bool
) -> dict[str, np.ndarray]:
    """Per-step metrics (index = step - 1); NaN marks a metric not measured at that step.

    All noise is drawn whether or not validation is on, so the training curve
    does not depend on `with_validation`.
    """
    step = np.arange(1, n_steps + 1)
    n_epochs = n_steps // steps_per_epoch
    t = step / n_steps
    decay = 1.6 * np.exp(-5.0 * t)
    epoch_drop = 0.16 * ((step - 1) // steps_per_epoch) / n_epochs
    train_loss = (0.4 + decay - epoch_drop) * np.exp(0.08 * rng.standard_normal(n_steps))
    train_acc = _accuracy(train_loss, rng.standard_normal(n_steps))

    # Validation falls with training, then rises over the last ~1.5 epochs.
    overfit = np.clip(step / steps_per_epoch - max(n_epochs - 1.5, n_epochs / 2), 0.0, None)
    valid_trend = 0.45 + decay + 0.15 * overfit + 0.1 * overfit**2
    valid_loss = valid_trend * np.exp(0.12 * rng.standard_normal(n_steps))
    valid_acc = _accuracy(valid_loss, 3.0 * rng.standard_normal(n_steps))
    full_loss = valid_trend * np.exp(0.02 * rng.standard_normal(n_steps))
    full_acc = _accuracy(full_loss, rng.standard_normal(n_steps))

    epoch_end = step % steps_per_epoch == 0
    batch_valid = with_validation & ((step % 10 == 0) | epoch_end)
    full_valid = with_validation & epoch_end
    metrics = {
        "train_loss": train_loss,
        "train_mean_token_accuracy": train_acc,
        "valid_loss": np.where(batch_valid, valid_loss, np.nan),
        "valid_mean_token_accuracy": np.where(batch_valid, valid_acc, np.nan),
        "full_valid_loss": np.where(full_valid, full_loss, np.nan),
        "full_valid_mean_token_accuracy": np.where(full_valid, full_acc, np.nan),
    }
    return {"step": step} | {key: np.round(values, 5) for key, values in metrics.items()}


def _measured(columns: dict[str, list[float]], index: int) -> dict[str, float]:
    """The metrics measured at one step; absent ones are left out, not null."""
    return {key: column[index] for key, column in columns.items() if column[index] == column[index]}


def _job(
    rng: np.random.Generator,
    job_id: str,
    *,
    status: Status,
    base_model: str,
    start: int,
    n_steps: int,
    n_epochs: int,
    seed: int,
    with_validation: bool,
    with_result: bool,
) -> dict:
    """A FineTuningJob object (api.md §2.2); every id is drawn even if unused, for stable ids."""
    training, validation, result = (f"file-{s}" for s in _alnum(rng, 3, 22))
    organization, model_id = _alnum(rng, 1, 24)[0], _alnum(rng, 1, 8)[0]
    tokens_per_example = int(rng.integers(200, 600))
    hyperparameters = {"n_epochs": n_epochs, "batch_size": _BATCH_SIZE, "learning_rate_multiplier": 1.8}
    succeeded = status == "succeeded"
    end = _at(start, n_steps) + 30
    return {
        "object": "fine_tuning.job",
        "id": job_id,
        "created_at": start,
        "finished_at": end if succeeded else None,
        "status": status,
        "model": base_model,
        "fine_tuned_model": f"ft:{base_model}:my-org:demo:{model_id}" if succeeded else None,
        "hyperparameters": hyperparameters,
        "method": {"type": "supervised", "supervised": {"hyperparameters": dict(hyperparameters)}},
        "trained_tokens": n_steps * _BATCH_SIZE * tokens_per_example if succeeded else None,
        "result_files": [result] if with_result else [],
        "training_file": training,
        "validation_file": validation if with_validation else None,
        "organization_id": f"org-{organization}",
        "seed": seed,
        "error": None,
        "estimated_finish": None if succeeded else end,
        "integrations": None,
        "metadata": {},
    }


def _checkpoints(
    rng: np.random.Generator,
    job: dict,
    steps: list[int],
    columns: dict[str, list[float]],
    start: int,
) -> list[dict]:
    """FineTuningJobCheckpoint objects for `steps` (ascending), returned newest first."""
    ids, model_ids = _alnum(rng, len(steps), 24), _alnum(rng, len(steps), 8)
    checkpoints = [
        {
            "object": "fine_tuning.job.checkpoint",
            "id": f"ftckpt_{checkpoint_id}",
            "created_at": _at(start, step),
            "fine_tuned_model_checkpoint": f"ft:{job['model']}:my-org:demo:{model_id}:ckpt-step-{step}",
            "fine_tuning_job_id": job["id"],
            "step_number": step,
            "metrics": {"step": float(step)} | _measured(columns, step - 1),
        }
        for step, checkpoint_id, model_id in zip(steps, ids, model_ids, strict=True)
    ]
    return checkpoints[::-1]


def _step_message(data: dict) -> str:
    """The human-readable text OpenAI puts on a metrics event (api.md §2.1)."""
    parts = [f"training loss={data['train_loss']:.2f}"]
    for key, label in (("valid_loss", "validation loss"), ("full_valid_loss", "full validation loss")):
        if key in data:
            parts.append(f"{label}={data[key]:.2f}")
    return f"Step {data['step']}/{data['total_steps']}: " + ", ".join(parts)


def _events(
    rng: np.random.Generator,
    job: dict,
    columns: dict[str, list[float]],
    n_steps: int,
    done: int,
    start: int,
) -> list[dict]:
    """FineTuningJobEvent objects up to step `done`, returned newest first."""
    timeline: list[tuple[int, str, dict | None]] = [(_at(start, 0), "Fine-tuning job started", None)]
    for index in range(done):
        data = {"step": index + 1, "total_steps": n_steps} | _measured(columns, index)
        timeline.append((_at(start, index + 1), _step_message(data), data))
    if job["status"] == "succeeded":
        finished = job["finished_at"]
        model = job["fine_tuned_model"]
        timeline.append((finished - 1, f"New fine-tuned model created: {model}", None))
        timeline.append((finished, "The job has successfully completed", None))
    ids = _alnum(rng, n_steps + 3, 24)  # sized for the finished run so ids stay stable
    events = [
        {
            "object": "fine_tuning.job.event",
            "id": f"ftevent-{event_id}",
            "created_at": created_at,
            "level": "info",
            "message": message,
            "type": "message" if data is None else "metrics",
            "data": data,
        }
        for event_id, (created_at, message, data) in zip(ids, timeline, strict=False)
    ]
    return events[::-1]


def _result_csv(curves: dict[str, np.ndarray], flavour: CsvFlavour) -> bytes:
    """The result CSV, oldest step first, with empty cells where a value is absent."""
    nothing = np.full(len(curves["step"]), np.nan)
    table = {"step": curves["step"]} | {
        column: nothing if key is None else curves[key] for column, key in CSV_COLUMNS[flavour].items()
    }
    return pd.DataFrame(table).to_csv(index=False, lineterminator="\n").encode()
