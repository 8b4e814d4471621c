"""What a run file is, told from its first bytes, never from its (untrusted) name: the one test every file
reader uses (the runs folder's scan, uploads, and the parsers behind both).

Each kind is one row of :class:`FileKind`: its words for a run list and the test its first bytes must pass.
The rows are tried in order and the first that passes wins, so a new format is one new row here (and its
reader in ``components.sources.run_files``).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from enum import Enum

from components.data.results_file import csv_start
from components.export.parquet_file import MAGIC as PARQUET_MAGIC
from components.export.schema import FORMAT

HEAD_BYTES = 4096  # what a scan reads of each file; no test looks further
_JSON_OBJECT = re.compile(rb"(?:\xef\xbb\xbf)?\s*\{")
_WHITESPACE = re.compile(rb"\s")


def looks_like_json(head: bytes) -> bool:
    """Whether ``head`` starts a JSON object (after a byte order mark and blanks)."""
    return _JSON_OBJECT.match(head) is not None


def _json_with(marker: bytes) -> Callable[[bytes], bool]:
    """The test of a JSON object whose first bytes hold ``marker`` (its format's name or its own key)."""
    return lambda head: looks_like_json(head) and marker in head


def _parquet(head: bytes) -> bool:
    return head.startswith(PARQUET_MAGIC)


def _csv(head: bytes) -> bool:
    """A result CSV: its header, led by the step column, after a byte order mark and blank lines."""
    return csv_start(head) is not None


def _base64_csv(head: bytes) -> bool:
    """A result CSV in base64, as OpenAI serves it (maybe wrapped in lines): the head's whole 4-character
    groups decode to the start of a result CSV."""
    compact = _WHITESPACE.sub(b"", head)
    try:
        decoded = base64.b64decode(compact[: len(compact) // 4 * 4], validate=True)
    except binascii.Error:
        return False
    return _csv(decoded)


class FileKind(Enum):
    """What a run file is: its words for a run list, and the test of its first bytes. Tried in this order."""

    PARQUET_EXPORT = ("dashboard export", _parquet)
    JSON_EXPORT = ("dashboard export", _json_with(FORMAT.encode()))
    TRAINER_STATE = ("Hugging Face trainer state", _json_with(b"log_history"))
    RESULT_CSV = ("result file (CSV)", _csv)
    RESULT_CSV_BASE64 = ("result file (CSV)", _base64_csv)

    def __init__(self, label: str, matches: Callable[[bytes], bool]) -> None:
        self.label = label
        self.matches = matches


def sniff(head: bytes) -> FileKind | None:
    """The kind of a file from its first :data:`HEAD_BYTES` (more may be given; none further is read), or
    None when it is no run file this dashboard reads."""
    head = head[:HEAD_BYTES]
    return next((kind for kind in FileKind if kind.matches(head)), None)
