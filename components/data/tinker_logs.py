"""The tinker cookbook's ``metrics.jsonl`` and ``checkpoints.jsonl`` (also written by the Fireworks cookbook
before it moved checkpoints to its control plane) to a :class:`LogRead`.

``metrics.jsonl`` (``tinker_cookbook/utils/ml_log.py`` ``JsonLogger``, ``stores/training_store.py``) has one
``{"step": s, ...}`` line per step; supervised training (``supervised/train.py``) logs ``epoch, progress,
learning_rate, num_sequences, num_tokens, num_loss_tokens, train_mean_nll`` (its training loss) and, every
``eval_every`` steps, its evaluator's ``test/nll`` on the held-out set: the run's only evaluation, read as
full validation loss. ``progress`` is ``(step + 1) / total``: 1.0 on the last step.

``checkpoints.jsonl`` (``checkpoint_utils.py``, ``CheckpointRecord``) has ``name, batch?, epoch?, final?,
state_path?, sampler_path?`` and the loop state's other keys; periodic checkpoints are named
``f"{step:06d}"`` and the last one ``final`` (saved after the last step). A checkpoint's model is its
``sampler_path`` (what a sampling client loads), else its ``state_path``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from components.data.json_lines import json_lines
from components.data.json_log import read_json_log
from components.data.log_read import LogRead, empty_history, step_or_none
from components.data.step_records import RecordLayout
from components.data.values import as_number, as_text
from components.domain.note import Note

TINKER_RECORDS = RecordLayout("step", {"train_mean_nll": "train_loss", "test/nll": "full_valid_loss"})
FINAL = "final"


def read_tinker_metrics(data: bytes, notes: list[Note] | None = None) -> LogRead:
    """The run in a ``metrics.jsonl``: its steps, its planned total (from ``progress``), whether it ended."""
    log = read_json_log(data, TINKER_RECORDS, "metrics.jsonl", notes)
    total, ended = _progress(log.last)
    return LogRead(history=log.history, total_steps=total, ended=ended)


def _progress(last: Mapping[str, Any]) -> tuple[int | None, bool]:
    step, progress = step_or_none(last.get("step")), as_number(last.get("progress"))
    if step is None or not (math.isfinite(progress) and 0 < progress <= 1):
        return None, False
    return step_or_none(round((step + 1) / progress)), progress >= 1


def read_tinker_checkpoints(data: bytes, last_step: int | None, notes: list[Note] | None = None) -> LogRead:
    """The checkpoints of a ``checkpoints.jsonl``: a periodic one at the step its name says (or its ``step``
    key, as Fireworks wrote), ``final`` at ``last_step`` (the last step logged; unplaced without one)."""
    records = []
    for record in json_lines(data, "checkpoints.jsonl", notes):
        name = as_text(record.get("name"))
        step = _step_of(name, record, last_step)
        model = record.get("sampler_path") or record.get("state_path")
        records.append(
            {
                "id": name,
                "step_number": step,
                "fine_tuned_model_checkpoint": as_text(model) if model else None,
            }
        )
    ended = any(record["id"] == FINAL for record in records)
    return LogRead(history=empty_history(), checkpoints=tuple(records), ended=ended)


def _step_of(name: str, record: Mapping[str, Any], last_step: int | None) -> int | None:
    if name.isascii() and name.isdigit() and len(name) <= 10:
        return step_or_none(int(name))
    stated = step_or_none(record.get("step"))
    if stated is not None:
        return stated
    return last_step if name == FINAL or record.get("final") is True else None
