"""Trackio's stored rows (shared/formats.md §2) to the dashboard's per-step frame and step candidates. Pure.

A row of the ``metrics`` table holds one ``log()`` call: its ``step``, its flush ``timestamp`` (ISO 8601)
and ``metrics``, a JSON object (NaN and infinities written as the strings ``"NaN"``, ``"Infinity"``).
Hugging Face's Trackio callback logs without a step, so Trackio's own counter is not the trainer's step:
``train/global_step``, when logged, is the step. The names are those of the MLflow mapping
(``train/loss``, ``eval/loss``, the Trainer's raw keys); every other number is kept under its own name.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from components.data.checkpoints import checkpoints_frame
from components.data.mlflow import MLFLOW_IGNORED, MLFLOW_METRICS
from components.data.step_records import RecordLayout, step_records_frame
from components.domain import Note

GLOBAL_STEP = "train/global_step"
TRACKIO_RECORDS = RecordLayout(
    "step", MLFLOW_METRICS, time_key="time", ignored=MLFLOW_IGNORED | {GLOBAL_STEP, "train/epoch_step"}
)
_SPECIAL = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
EVALUATED = ("full_valid_loss", "full_valid_mean_token_accuracy")

Row = tuple[int, Any, Any]
"""One stored row: (step, timestamp, metrics JSON)."""


def _decoded(raw: Any) -> dict[str, Any]:
    """A row's metrics object; anything else (broken JSON, a list) is no metrics."""
    try:
        value = json.loads(raw.decode() if isinstance(raw, bytes) else str(raw))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return {}
    if not isinstance(value, dict):
        return {}
    return {key: _SPECIAL.get(item, item) if isinstance(item, str) else item for key, item in value.items()}


def _seconds(timestamp: Any) -> float | None:
    """An ISO 8601 time as Unix seconds (UTC when it names no zone); None when it is not one."""
    try:
        moment = datetime.fromisoformat(str(timestamp))
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def records(rows: Iterable[Row]) -> list[dict[str, Any]]:
    """One record per row: its metrics, its step (``train/global_step`` when logged) and its time."""
    out = []
    for step, timestamp, raw in rows:
        record: dict[str, Any] = _decoded(raw)
        global_step = record.get(GLOBAL_STEP)
        usable = isinstance(global_step, int | float) and not isinstance(global_step, bool)
        out.append({**record, "step": global_step if usable else step, "time": _seconds(timestamp)})
    return out


def trackio_history_frame(rows: Iterable[Row], *, notes: list[Note] | None = None) -> pd.DataFrame:
    """The run's rows merged by step: the catalogue's columns and every other metric."""
    return step_records_frame(records(rows), TRACKIO_RECORDS, notes=notes, what="Trackio metrics")


def evaluated_steps(history: pd.DataFrame) -> pd.DataFrame:
    """Trackio records no checkpoints: the steps with a full evaluation are offered as step candidates
    (``step_only`` 1, named ``step-N``, no model name invented)."""
    marked = pd.Series(False, index=history.index)
    for name in EVALUATED:
        marked |= history[name].notna()
    steps = history.loc[marked, "step"].tolist()
    frame = checkpoints_frame([{"id": f"step-{step}", "step_number": step} for step in steps])
    frame["step_only"] = 1
    return frame


def config_values(raw: Any) -> Mapping[str, Any]:
    """A run's stored config object (hyperparameters), or nothing."""
    return _decoded(raw)
