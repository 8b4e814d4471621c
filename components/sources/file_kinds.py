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

from components.data.metrics import METRIC_NAMES
from components.data.results_file import COLUMN_ALIASES, csv_start
from components.export.parquet_file import MAGIC as PARQUET_MAGIC
from components.export.schema import FORMAT

HEAD_BYTES = 4096  # what a scan reads of each file; no test looks further
# The columns only OpenAI's and Azure's result files have (with their other and legacy GPT-3 spellings): a
# CSV led by ``step`` needs one of them to be read as a result file.
RESULT_COLUMNS = frozenset(
    {*METRIC_NAMES, *COLUMN_ALIASES, "training_sequence_accuracy", "validation_sequence_accuracy"}
)
# PyTorch Lightning's CSVLogger spellings (``val_loss``, ``train_loss_step``, ``train_loss_epoch``, an
# ``epoch`` column): a metrics.csv may also have ``step`` and ``train_loss``, but it is no result file.
_LIGHTNING_COLUMN = re.compile(r"epoch|val_.*|.*_(step|epoch)")
_JSON_OBJECT = re.compile(rb"(?:\xef\xbb\xbf)?\s*\{")
_LEADING_BLANKS = re.compile(rb"(?:\xef\xbb\xbf)?\s*")
_WHITESPACE = re.compile(rb"\s")


def looks_like_json(head: bytes) -> bool:
    """Whether ``head`` starts a JSON object (after a byte order mark and blanks)."""
    return _JSON_OBJECT.match(head) is not None


def _json_with(marker: bytes) -> Callable[[bytes], bool]:
    """The test of a JSON object whose first bytes hold ``marker`` (its format's name or its own key)."""
    return lambda head: looks_like_json(head) and marker in head


def _parquet(head: bytes) -> bool:
    return head.startswith(PARQUET_MAGIC)


def csv_names(head: bytes) -> list[str]:
    """The names of a CSV header's columns (its first line after a byte order mark and blanks), lower case;
    one name when the line holds no comma. A header longer than ``head`` ends in a cut name."""
    line = re.split(rb"[\r\n]", _LEADING_BLANKS.sub(b"", head, count=1), maxsplit=1)[0]
    return [name.strip().strip('"').strip().lower() for name in line.decode("utf-8", "replace").split(",")]


def lightning_metrics(head: bytes) -> bool:
    """Whether ``head`` starts a PyTorch Lightning ``metrics.csv`` (a ``step`` column and its spellings)."""
    names = csv_names(head)
    return "step" in names and any(_LIGHTNING_COLUMN.fullmatch(name) for name in names)


def _csv(head: bytes) -> bool:
    """An OpenAI or Azure result CSV: led by the step column, with one of its metric columns, and not a
    Lightning metrics.csv."""
    return (
        csv_start(head) is not None
        and not RESULT_COLUMNS.isdisjoint(csv_names(head))
        and not lightning_metrics(head)
    )


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
    """What a run file is: its words for a run list, the test of its first bytes, and the format it is in
    words for a message. Tried in this order."""

    PARQUET_EXPORT = ("dashboard export", _parquet, "this dashboard's own exports (JSON or Parquet)")
    JSON_EXPORT = (
        "dashboard export",
        _json_with(FORMAT.encode()),
        "this dashboard's own exports (JSON or Parquet)",
    )
    TRAINER_STATE = (
        "Hugging Face trainer state",
        _json_with(b"log_history"),
        "Hugging Face Trainer / TRL trainer_state.json files",
    )
    RESULT_CSV = ("result file (CSV)", _csv, "OpenAI and Azure OpenAI result files (CSV, plain or base64)")
    RESULT_CSV_BASE64 = (
        "result file (CSV)",
        _base64_csv,
        "OpenAI and Azure OpenAI result files (CSV, plain or base64)",
    )

    def __init__(self, label: str, matches: Callable[[bytes], bool], format_read: str) -> None:
        self.label = label
        self.matches = matches
        self.format_read = format_read


def formats_read() -> str:
    """The formats this dashboard reads, in words, from the table above."""
    return ", ".join(dict.fromkeys(kind.format_read for kind in FileKind))


def sniff(head: bytes) -> FileKind | None:
    """The kind of a file from its first :data:`HEAD_BYTES` (more may be given; none further is read), or
    None when it is no run file this dashboard reads."""
    head = head[:HEAD_BYTES]
    return next((kind for kind in FileKind if kind.matches(head)), None)
