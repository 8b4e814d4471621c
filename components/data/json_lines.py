"""A JSON Lines file (one object per line, as LLaMA-Factory and the tinker cookbook append them) to records.

A line that is not a JSON object is left out with a note, except an unfinished last line (no final newline,
and not a whole object): a writer may be in the middle of it, so it is left for the next read without a
word.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from components.domain.note import Note, left_out
from components.wording import count


def json_lines(data: bytes, what: str, notes: list[Note] | None = None) -> list[Mapping[str, Any]]:
    """The JSON objects of ``data``, one per non-blank line, in order."""
    lines = data.split(b"\n")
    unfinished = len(lines) - 1  # the part after the last newline (empty when the file ends with one)
    records: list[Mapping[str, Any]] = []
    bad = 0
    for number, line in enumerate(lines):
        if not line.strip():
            continue
        record = _object(line)
        if record is not None:
            records.append(record)
        elif number != unfinished:
            bad += 1
    if bad and notes is not None:
        left_out(notes, f"Left out {count(bad, 'line')} of the {what} that are not JSON objects.")
    return records


def _object(line: bytes) -> dict[str, Any] | None:
    try:
        record = json.loads(line)
    except (ValueError, RecursionError):
        return None
    return record if isinstance(record, dict) else None
