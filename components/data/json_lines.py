"""A JSON Lines file (one object per line, as LLaMA-Factory and the tinker cookbook append them) to records.

A line that is not a JSON object is left out with a note, except an unfinished last line (no final newline,
and not a whole object): a writer may be in the middle of it, so it is left for the next read without a
word.

A long log of flat objects (a million steps of twenty numbers) is read column by column by Arrow's JSON
reader (:func:`flat_frame`), which makes no Python object per value; only logs whose every line it reads
exactly as ``json.loads`` would are given to it, the others are read line by line.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as arrow_json

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


def flat_frame(data: bytes) -> pd.DataFrame | None:
    """The JSON objects of ``data`` as a frame (a row per line, a column per key in the order first seen, a
    key a line lacks or sends as null missing), read by Arrow; None unless every line is a flat object Arrow
    reads as :func:`json_lines` does.

    What Arrow is given is checked on the bytes first (each check a scan in C): ASCII (``json.loads``
    decodes each line on its own, Arrow does not check UTF-8), ending with a newline (nothing unfinished),
    and every ``{`` the first byte of a line, with no ``[`` (Arrow's parser recurses: a deep nesting would
    overflow its stack). A line that is no object, or one Arrow refuses (a key twice,
    a number beyond float, a column of numbers and strings, a lone surrogate ``\\ud800``), makes Arrow refuse
    the whole. Values that are no finite number are looked for in the bytes only when Arrow read some: Arrow
    also takes ``-NaN``, ``Inf`` and ``-Inf``, which Python does not, and a log holding those is read line by
    line too.
    """
    if not (
        data.startswith(b"{")
        and data.endswith(b"\n")
        and data.isascii()
        and b"[" not in data
        and data.count(b"{") == data.count(b"\n{") + 1
    ):
        return None
    try:
        table = arrow_json.read_json(io.BytesIO(data))
    except (pa.ArrowException, ValueError):
        return None
    if not all(_finite(column) for column in table.columns) and not _python_words(data):
        return None
    return table.to_pandas()


def _python_words(data: bytes) -> bool:
    """Whether every word for a value that is no finite number is Python's (``NaN``, ``Infinity``,
    ``-Infinity``), not one only Arrow takes (``-NaN``, ``Inf``, ``-Inf``)."""
    return b"-NaN" not in data and data.count(b"Inf") == data.count(b"Infinity")


def _finite(column: pa.ChunkedArray) -> bool:
    """Whether a column holds no NaN or infinity (a missing value is no number and passes)."""
    return not pa.types.is_floating(column.type) or pc.all(pc.is_finite(column)).as_py() is not False
