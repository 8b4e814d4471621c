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

from components.data.json_log import read_json_log
from components.data.log_read import LogRead, step_or_none
from components.data.step_records import RecordLayout
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
    log = read_json_log(data, LLAMAFACTORY_RECORDS, "trainer_log.jsonl", notes, _RENAMED)
    total = step_or_none(log.last.get("total_steps")) or None
    return LogRead(history=log.history, total_steps=total, ended=_reached(log.last, total))


def _reached(last: Mapping[str, Any], total: int | None) -> bool:
    """Whether the last line is at the planned last step (the callback logs once more after training)."""
    current = step_or_none(last.get("current_steps"))
    return total is not None and current is not None and current >= total
