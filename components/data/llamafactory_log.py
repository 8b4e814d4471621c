"""LLaMA-Factory's ``trainer_log.jsonl`` to a :class:`LogRead`.

Its ``LogCallback`` (``src/llamafactory/train/callbacks.py``, ``on_log``) appends one line per Trainer log:
``current_steps, total_steps, loss, eval_loss, predict_loss, reward, accuracy`` (TRL's
``rewards/accuracies``), ``lr, epoch, percentage, elapsed_time, remaining_time`` and, when counted,
``throughput, total_tokens`` and ``vram_*``; keys whose value is None are dropped, so a training line has
``loss`` and an evaluation line ``eval_loss``. The Trainer evaluates the whole eval set: ``eval_loss`` is
full validation, as in a trainer state.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from components.data.json_lines import json_lines
from components.data.log_read import LogRead, step_or_none
from components.data.step_records import RecordLayout, step_records_frame
from components.domain.note import Note

LLAMAFACTORY_RECORDS = RecordLayout(
    "current_steps",
    {"loss": "train_loss", "eval_loss": "full_valid_loss"},
    ignored=("total_steps", "percentage"),
)
# The log's own short names for what TRL calls otherwise: the same metric under the metric model's name.
_RENAMED = {"accuracy": "rewards/accuracies"}


def read_llamafactory_log(data: bytes, notes: list[Note] | None = None) -> LogRead:
    """The run in a ``trainer_log.jsonl``: its steps, its planned total, and whether it got there."""
    records = [
        {_RENAMED.get(key, key): value for key, value in record.items()}
        if not _RENAMED.keys().isdisjoint(record)
        else record
        for record in json_lines(data, "trainer_log.jsonl", notes)
    ]
    history = step_records_frame(records, LLAMAFACTORY_RECORDS, notes=notes, what="trainer_log.jsonl")
    return LogRead(history=history, total_steps=_total(records), ended=_reached_total(records))


def _total(records: list[Mapping[str, Any]]) -> int | None:
    return (step_or_none(records[-1].get("total_steps")) or None) if records else None


def _reached_total(records: list[Mapping[str, Any]]) -> bool:
    """Whether the last line is at the planned last step (the callback logs once more after training)."""
    total = _total(records)
    current = step_or_none(records[-1].get("current_steps")) if records else None
    return total is not None and current is not None and current >= total
