"""One training log file's bytes to a :class:`LogRead`, by its kind (``components.sources.file_kinds``):
the readers of ``components.data`` behind one table, for a single uploaded file and for a run folder."""

from __future__ import annotations

from collections.abc import Iterable

from components.data.event_scalars import files_merged, read_events
from components.data.lightning_logs import read_lightning_metrics
from components.data.llamafactory_log import read_llamafactory_log
from components.data.log_read import LogRead
from components.data.tinker_logs import read_tinker_checkpoints, read_tinker_metrics
from components.domain.note import Note
from components.sources.event_files import events_of_bytes
from components.sources.file_kinds import FileKind


def log_from_bytes(
    kind: FileKind, data: bytes, notes: list[Note], *, last_step: int | None = None
) -> LogRead:
    """The log in ``data`` read as ``kind`` (one of ``LOG_KINDS``); ``last_step`` places a tinker ``final``
    checkpoint (the last step its metrics logged)."""
    match kind:
        case FileKind.TENSORBOARD_EVENTS:
            return files_merged([read_events(events_of_bytes(data), notes)])
        case FileKind.LLAMAFACTORY_LOG:
            return read_llamafactory_log(data, notes)
        case FileKind.LIGHTNING_METRICS:
            return read_lightning_metrics(data, notes)
        case FileKind.TINKER_METRICS:
            return read_tinker_metrics(data, notes)
        case FileKind.TINKER_CHECKPOINTS:
            return read_tinker_checkpoints(data, last_step, notes)
    raise ValueError(f"{kind} is no training log")


def label_of(kinds: Iterable[FileKind]) -> str:
    """What a run's files were recognised as, in words: ``Lightning CSVLogger + TensorBoard events``."""
    return " + ".join(dict.fromkeys(kind.label for kind in kinds))
