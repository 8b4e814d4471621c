"""What a run file is, told from its first bytes, never from its (untrusted) name: the one test every file
reader uses (the runs folder's scan, uploads, and the parsers behind both).

Each kind is one row of :class:`FileKind`: its words for a run list and the test its first bytes must pass.
The rows are tried in order and the first that passes wins, so a new format is one new row here (and its
reader in ``components.sources.run_files``, or ``components.sources.folder_logs`` for the training logs of
:data:`LOG_KINDS`, which a run folder reads together as one run).
"""

from __future__ import annotations

import base64
import binascii
import re
import struct
from collections.abc import Callable
from enum import Enum

from google.protobuf.message import DecodeError
from tensorboard.compat.proto import event_pb2
from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c

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
_LLAMAFACTORY_LINE = re.compile(rb'\{"current_steps": \d+, "total_steps": \d+[,}]')
_TINKER_METRICS_LINE = re.compile(rb'\{"step": \d+[,}]')
_TINKER_CHECKPOINT_LINE = re.compile(rb'\{"name": "')


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


def _tensorboard_events(head: bytes) -> bool:
    """A TensorBoard event file: its first TFRecord checks out (the length's and the data's masked CRC-32C,
    as TensorBoard's own reader checks them) and holds an Event naming its ``file_version``, which every
    writer puts first (``brain.Event:2``)."""
    if len(head) < 16:
        return False
    (length,) = struct.unpack("<Q", head[:8])
    if struct.unpack("<I", head[8:12])[0] != masked_crc32c(head[:8]) or length > len(head) - 16:
        return False
    data = head[12 : 12 + length]
    if struct.unpack("<I", head[12 + length : 16 + length])[0] != masked_crc32c(data):
        return False
    try:
        event = event_pb2.Event.FromString(data)
    except DecodeError:
        return False
    return event.file_version.startswith("brain.Event:")


def _first_line(head: bytes) -> bytes:
    return _LEADING_BLANKS.sub(b"", head, count=1).split(b"\n", 1)[0]


def _llamafactory_log(head: bytes) -> bool:
    """LLaMA-Factory's trainer_log.jsonl: a JSON line led by its LogCallback's first two keys."""
    return _LLAMAFACTORY_LINE.match(_first_line(head)) is not None


def _tinker_metrics(head: bytes) -> bool:
    """The tinker cookbook's metrics.jsonl: a JSON line led by its ``step`` (JsonLogger writes it first)."""
    return _TINKER_METRICS_LINE.match(_first_line(head)) is not None


def _tinker_checkpoints(head: bytes) -> bool:
    """The tinker cookbook's checkpoints.jsonl: a JSON line led by the checkpoint's name, with a path."""
    line = _first_line(head)
    return _TINKER_CHECKPOINT_LINE.match(line) is not None and (
        b'"state_path"' in line or b'"sampler_path"' in line
    )


class FileKind(Enum):
    """What a run file is: its words for a run list, the test of its first bytes, and the format it is in
    words for a message. Tried in this order."""

    PARQUET_EXPORT = ("dashboard export", _parquet, "this dashboard's exports (JSON, Parquet)")
    JSON_EXPORT = (
        "dashboard export",
        _json_with(FORMAT.encode()),
        "this dashboard's exports (JSON, Parquet)",
    )
    TRAINER_STATE = (
        "Hugging Face trainer state",
        _json_with(b"log_history"),
        "Trainer / TRL trainer_state.json",
    )
    TENSORBOARD_EVENTS = (
        "TensorBoard events",
        _tensorboard_events,
        "TensorBoard event files",
    )
    LLAMAFACTORY_LOG = ("LLaMA-Factory log", _llamafactory_log, "LLaMA-Factory trainer_log.jsonl")
    LIGHTNING_METRICS = (
        "Lightning CSVLogger",
        lightning_metrics,
        "Lightning metrics.csv",
    )
    TINKER_METRICS = (
        "Tinker metrics",
        _tinker_metrics,
        "Tinker metrics.jsonl, checkpoints.jsonl",
    )
    TINKER_CHECKPOINTS = (
        "Tinker checkpoints",
        _tinker_checkpoints,
        "Tinker metrics.jsonl, checkpoints.jsonl",
    )
    RESULT_CSV = ("result file (CSV)", _csv, "OpenAI / Azure result CSVs (plain or base64)")
    RESULT_CSV_BASE64 = (
        "result file (CSV)",
        _base64_csv,
        "OpenAI / Azure result CSVs (plain or base64)",
    )

    def __init__(self, label: str, matches: Callable[[bytes], bool], format_read: str) -> None:
        self.label = label
        self.matches = matches
        self.format_read = format_read

    def __reduce_ex__(self, protocol: object) -> tuple[object, tuple[object, str]]:
        """Pickled by name (a run's live state is cached by Streamlit, which pickles): its test is a
        function, which pickle cannot name."""
        return getattr, (type(self), self.name)


# Training logs: what a run folder holds besides (or instead of) a trainer state, read together as one run.
LOG_KINDS = frozenset(
    {
        FileKind.TENSORBOARD_EVENTS,
        FileKind.LLAMAFACTORY_LOG,
        FileKind.LIGHTNING_METRICS,
        FileKind.TINKER_METRICS,
        FileKind.TINKER_CHECKPOINTS,
    }
)


def formats_read() -> str:
    """The formats this dashboard reads, in words, from the table above."""
    return ", ".join(dict.fromkeys(kind.format_read for kind in FileKind))


def sniff(head: bytes) -> FileKind | None:
    """The kind of a file from its first :data:`HEAD_BYTES` (more may be given; none further is read), or
    None when it is no run file this dashboard reads."""
    head = head[:HEAD_BYTES]
    return next((kind for kind in FileKind if kind.matches(head)), None)
