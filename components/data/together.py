"""Together AI's job, checkpoint and metric objects to a summary and tidy frames.

Shapes: together-python ``types/finetune.py`` and shared/providers.md. Times are ISO strings on jobs and
checkpoints and nanoseconds on metrics. Checkpoints carry no id and no metrics: an intermediate one is
named ``{job id}:{step}`` as Together's SDK names it (and its CLI downloads it), the final one by the job's
output model; their metrics are the per-step values logged at their step. Evaluations run over the whole
validation file, so ``eval/loss`` is full validation (``full_valid_loss``). Together reports no accuracy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from components.data.bounds import MAX_BATCH_SIZE, MAX_EPOCHS, MAX_STEP, MAX_TRAINED_TOKENS
from components.data.checkpoints import checkpoints_frame
from components.data.job import CheckedFields, finite, job_id_of, mapping, text_or_none
from components.data.step_records import RecordLayout, step_records_frame
from components.domain import Hyperparameters, RunRef, RunStatus, RunSummary
from components.domain.note import Note
from components.domain.ref import RUN_ID_PATTERN
from components.errors import MalformedDataError

TOGETHER = "together"
NO_ACCURACY = "Together AI reports no accuracy for fine-tuning jobs: only training and validation loss."
METRIC_KEYS: dict[str, str] = {"train/loss": "train_loss", "eval/loss": "full_valid_loss"}
STEP_KEY = "train/global_step"
NANOSECONDS = 1e-9
METRIC_RECORDS = RecordLayout(STEP_KEY, METRIC_KEYS, time_key="timestamp", seconds_per_time_unit=NANOSECONDS)


def parse_together_job(obj: Any, *, run_id: str | None = None, notes: list[Note] | None = None) -> RunSummary:
    """The summary of one Together job object (from the list or the job endpoint)."""
    sent_id = job_id_of(obj)
    if run_id is None and not RUN_ID_PATTERN.fullmatch(sent_id):
        raise MalformedDataError("Together AI sent a fine-tuning job whose id is not a plain id.")
    checked = CheckedFields(notes)
    status = text_or_none(obj.get("status"))
    method = mapping(obj.get("training_method")).get("method")  # "sft" or "dpo"
    terminal = RunStatus.from_provider(status).is_terminal
    updated = checked.iso_time("updated_at", obj.get("updated_at"))
    output = text_or_none(obj.get("model_output_name")) or text_or_none(obj.get("output_name"))
    return RunSummary(
        ref=RunRef(TOGETHER, run_id or sent_id),
        status=RunStatus.from_provider(status),
        provider_status=status,
        name=output,
        base_model=text_or_none(obj.get("model")),
        fine_tuned_model=output,
        suffix=text_or_none(obj.get("suffix")),
        method=text_or_none(method),
        created_at=checked.iso_time("created_at", obj.get("created_at")),
        finished_at=updated if terminal else None,
        updated_at=updated,
        trained_tokens=checked.whole("token_count", obj.get("token_count"), 0, MAX_TRAINED_TOKENS),
        hyperparameters=Hyperparameters(
            n_epochs=checked.whole("n_epochs", obj.get("n_epochs"), 1, MAX_EPOCHS),
            batch_size=checked.whole("batch_size", obj.get("batch_size"), 1, MAX_BATCH_SIZE),
            learning_rate=checked.positive("learning_rate", obj.get("learning_rate")),
        ),
        error_message=_error(obj),
        total_steps=checked.whole("total_steps", obj.get("total_steps"), 1, MAX_STEP),
        training_file=text_or_none(obj.get("training_file")),
        validation_file=text_or_none(obj.get("validation_file")),
    )


def _error(obj: Mapping[str, Any]) -> str | None:
    """The last error event's message of a failed job, if any (Together has no error object)."""
    if RunStatus.from_provider(text_or_none(obj.get("status"))) is not RunStatus.FAILED:
        return None
    events = obj.get("events")
    for event in reversed(events if isinstance(events, list) else []):
        event = mapping(event)
        if str(event.get("level", "")).lower() == "error" or str(event.get("type", "")).upper().endswith(
            "ERROR"
        ):
            return text_or_none(event.get("message"))
    return None


def together_metrics_frame(records: Iterable[Any], *, notes: list[Note] | None = None) -> pd.DataFrame:
    """One row per step from the metrics endpoint: train and eval records joined by ``train/global_step``."""
    return step_records_frame(records, METRIC_RECORDS, notes=notes, what="metrics")


def _is_final(item: Mapping[str, Any]) -> bool:
    return "intermediate" not in str(item.get("checkpoint_type", "")).lower()


def together_checkpoints_frame(
    items: Iterable[Any], *, job_id: str, output_model: str | None, notes: list[Note] | None = None
) -> pd.DataFrame:
    """One row per checkpoint, named as Together's SDK names them, in the columns every source uses."""
    checked = CheckedFields(notes, "checkpoint")
    records = []
    for item in items:
        if not isinstance(item, Mapping):
            continue
        step = item.get("step")
        final = _is_final(item)
        name = job_id if final else f"{job_id}:{step}"
        created = checked.iso_time("created_at", item.get("created_at"))
        records.append(
            {
                "id": name,
                "step_number": step,
                "created_at": created.timestamp() if created is not None else None,
                "fine_tuned_model_checkpoint": (output_model or job_id) if final else name,
            }
        )
    return checkpoints_frame(records, notes=notes)


@dataclass(frozen=True)
class JobCounters:
    """How far a Together job says it has got: what a live refresh compares to know what changed.

    ``marks`` counts the job's own events that announce a checkpoint or an epoch end (``CHECKPOINT_SAVE``,
    ``EPOCH_COMPLETE``); every count is None when the job object does not carry it.
    """

    status: str | None = None
    steps: int | None = None
    epochs: int | None = None
    evals: int | None = None
    marks: int | None = None


_MARK_TYPES = ("CHECKPOINT", "EPOCH")


def job_counters(obj: Mapping[str, Any]) -> JobCounters:
    """The progress counters of a Together job object (``steps_completed``, ``epochs_completed``…)."""

    def counter(name: str) -> int | None:
        value = obj.get(name)
        return (
            value
            if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_STEP
            else None
        )

    events = obj.get("events")
    marks = (
        sum(
            1
            for event in events
            if isinstance(event, Mapping)
            and any(kind in str(event.get("type", "")).upper() for kind in _MARK_TYPES)
        )
        if isinstance(events, list)
        else None
    )
    return JobCounters(
        text_or_none(obj.get("status")),
        counter("steps_completed"),
        counter("epochs_completed"),
        counter("evals_completed"),
        marks,
    )


def early_stopping_best(obj: Mapping[str, Any]) -> tuple[int | None, float | None]:
    """The step and metric Together's early stopping judged best (documented, UNCONFIRMED in the SDK)."""
    step = obj.get("early_stopping_best_step")
    best = step if isinstance(step, int) and not isinstance(step, bool) and 0 <= step <= MAX_STEP else None
    return best, finite(obj.get("early_stopping_best_metric"))
