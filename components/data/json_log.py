"""A training log written as JSON Lines (LLaMA-Factory's ``trainer_log.jsonl``, the tinker cookbook's
``metrics.jsonl``) to one row per step, and its last line.

A log of flat objects, each with its step, is read column by column (``json_lines.flat_frame``): a
million-step log is read in about the time ``json.loads`` of its lines takes, with no Python object per
value. Any other log is read line by line (``json_lines.json_lines``) into the same frame, with a note for
each kind of line left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from components.data.json_lines import flat_frame, json_lines
from components.data.step_records import RecordLayout, frame_steps, records_by_step, step_records_frame
from components.domain.note import Note


@dataclass(frozen=True)
class JsonLog:
    """A JSON Lines log's rows by step (``step_records_frame``'s columns) and its last object (what the log
    says last: a planned total, a progress), a key the line lacks missing or NaN."""

    history: pd.DataFrame
    last: Mapping[str, Any] = field(default_factory=dict)


def read_json_log(
    data: bytes,
    layout: RecordLayout,
    what: str,
    notes: list[Note] | None = None,
    renamed: Mapping[str, str] | None = None,
) -> JsonLog:
    """The log in ``data``, its keys ``renamed`` (a format's own short names for the metric model's)."""
    renamed = renamed or {}
    frame = flat_frame(data)
    if frame is not None and not _both_named(frame, renamed):
        frame = frame.rename(columns=renamed)
        steps = frame_steps(frame, layout.step_key)
        if steps is not None:
            last = frame.iloc[-1:].to_dict("records")[0]
            return JsonLog(records_by_step(frame, steps, layout, notes=notes, what=what), last)
    records = [_renamed(record, renamed) for record in json_lines(data, what, notes)]
    history = step_records_frame(records, layout, notes=notes, what=what)
    return JsonLog(history, records[-1] if records else {})


def _both_named(frame: pd.DataFrame, renamed: Mapping[str, str]) -> bool:
    """Whether a key and its new name are both logged: which one stands is then up to each line's order."""
    return any(old in frame and new in frame for old, new in renamed.items())


def _renamed(record: Mapping[str, Any], renamed: Mapping[str, str]) -> Mapping[str, Any]:
    if renamed.keys().isdisjoint(record):
        return record
    return {renamed.get(key, key): value for key, value in record.items()}
