"""A run folder's training logs, read from the runs folder into one :class:`LogRead`, each file from where
its last read stopped.

A folder holding several logs is one run (``components.sources.files`` finds them): TensorBoard event files
(all of one folder, as TensorBoard groups a run, in name order), LLaMA-Factory's ``trainer_log.jsonl``,
Lightning's ``metrics.csv`` with ``hparams.yaml`` and its ``checkpoints/*.ckpt``, the tinker cookbook's
``metrics.jsonl`` and ``checkpoints.jsonl``. An appended log is at most ``DASHBOARD_MAX_LOG_MB``, any other
file ``DASHBOARD_MAX_FILE_MB``, each read through ``components.sources.under_root``.

What each file was read up to is a :class:`FileMark`: the appended logs (event files, JSON lines, Lightning's
``metrics.csv``) keep the byte offset of their last whole record and what those records said, so a run
folder watched live reads only what was appended (:func:`read_logs` with the last marks); a file that
shrank or was replaced (another inode) is read again from its start, and so is a ``metrics.csv`` whose
header changed (Lightning rewrites the whole file when a new metric appears). The small files a writer
rewrites whole (a tinker ``checkpoints.jsonl``, ``hparams.yaml``, a trainer state) keep their bytes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

import pandas as pd

from components.api.limits import MEGABYTE
from components.data.event_scalars import files_merged, read_events
from components.data.lightning_logs import checkpoint_records, read_hparams
from components.data.log_read import LogRead, appended, empty_history, merged
from components.domain.note import Note
from components.domain.run import HistorySource
from components.sources.event_files import records_from
from components.sources.file_kinds import FileKind
from components.sources.log_files import label_of, log_from_bytes
from components.sources.under_root import LOG_BOUND, read_tail

EVENTS = FileKind.TENSORBOARD_EVENTS
LIGHTNING = FileKind.LIGHTNING_METRICS
CHUNK_BYTES = 16 * MEGABYTE  # read of an appended log at once: its records are parsed chunk by chunk
APPENDED = frozenset({EVENTS, FileKind.LLAMAFACTORY_LOG, FileKind.TINKER_METRICS, LIGHTNING})
Seen = tuple[int, int, int]  # a file's inode, size and modification time (ns) when it was read


@dataclass(frozen=True)
class FolderLogs:
    """What a run folder holds besides a trainer state, each path relative to the runs folder."""

    files: tuple[tuple[PurePosixPath, FileKind], ...] = ()
    checkpoint_files: tuple[PurePosixPath, ...] = ()  # Lightning's *.ckpt, read by name only
    hparams: PurePosixPath | None = None

    @property
    def label(self) -> str:
        return label_of(kind for _, kind in self.files)


@dataclass(frozen=True)
class FileMark:
    """What one file was read up to: ``offset`` bytes of whole records saying ``read`` (an appended log), or
    its ``data`` (a file rewritten whole); ``head`` is a ``metrics.csv``'s header line.

    ``shared`` names the columns of the file's own history when ``read.history`` is the run's history, which
    holds it row for row (:func:`shared_with`): a long log's steps are then held once, by the run, and the
    live state keeps what it needs to go on (offsets, the log's facts)."""

    path: PurePosixPath
    kind: FileKind | None  # None: hparams.yaml
    seen: Seen | None = None
    offset: int = 0
    head: bytes = b""
    read: LogRead | None = None
    data: bytes = b""
    shared: tuple[str, ...] = ()

    @property
    def own(self) -> LogRead | None:
        """What the file's records said: ``read``, its history taken from the run's rows when shared (the
        rows the logs gave, not a checkpoint's own)."""
        if self.read is None or not self.shared:
            return self.read
        history = self.read.history
        logged = (history["source"] != HistorySource.CHECKPOINTS.value).to_numpy(dtype=bool)
        own = history.loc[logged, list(self.shared)].reset_index(drop=True)
        return replace(self.read, history=own)


def shared_with(marks: tuple[FileMark, ...], history: pd.DataFrame) -> tuple[FileMark, ...]:
    """``marks`` with the history of their one log read from a run's ``history`` when it gives that back
    exactly (a run read from one log: its rows, and rows of its checkpoints' own); else ``marks``."""
    logged = [mark for mark in marks if mark.read is not None and not mark.read.history.empty]
    if len(logged) != 1 or "source" not in history:
        return marks
    [mark] = logged
    own = mark.own
    assert own is not None
    columns = tuple(own.history.columns)
    if not set(columns) <= set(history.columns):
        return marks
    shared = replace(mark, read=replace(own, history=history), shared=columns)
    given = shared.own
    if given is None or not given.history.equals(own.history):
        return marks
    return tuple(shared if other is mark else other for other in marks)


def seen_of(info: os.stat_result | None) -> Seen | None:
    return None if info is None else (info.st_ino, info.st_size, info.st_mtime_ns)


def _parsed(kind: FileKind, data: bytes, head: bytes) -> tuple[LogRead | None, int]:
    """The whole records at the start of ``data`` (a file from a record's start) and the bytes they take; what
    reading them left out is in the read's own notes, so it stays with the file's mark."""
    notes: list[Note] = []
    if kind is EVENTS:
        events, used = records_from(data)
        read = files_merged([read_events(events, notes)]) if events else None
    else:
        used = data.rfind(b"\n") + 1
        whole = data[:used]
        read = (
            log_from_bytes(kind, head + whole if head else whole, notes)
            if whole and not whole.isspace()
            else None
        )
    return (None if read is None else replace(read, notes=(*read.notes, *notes))), used


def _header(data: bytes) -> bytes:
    end = data.find(b"\n")
    return data[: end + 1] if end >= 0 else b""


def read_mark(root: Path, mark: FileMark, seen: Seen | None, bounds: tuple[int, int]) -> FileMark:
    """``mark``'s file read on from where ``mark`` stopped (from its start when it shrank, was replaced or its
    header changed; whole when it is rewritten whole); ``mark`` itself when ``seen`` says it is unchanged.
    ``bounds``: the most bytes of a file read whole, and of an appended log (read a chunk at a time)."""
    if seen is not None and seen == mark.seen:
        return mark
    if mark.kind not in APPENDED:
        return replace(mark, seen=seen, data=read_tail(root, mark.path, 0, bounds[0]))
    assert mark.kind is not None
    max_bytes = bounds[1]
    again = mark.seen is None or seen is None or seen[0] != mark.seen[0] or seen[1] < mark.offset
    if mark.kind is LIGHTNING and not again:
        again = read_tail(root, mark.path, 0, max_bytes, length=len(mark.head), bound=LOG_BOUND) != mark.head
    return replace(_read_on(root, FileMark(mark.path, mark.kind) if again else mark, max_bytes), seen=seen)


def _read_on(root: Path, mark: FileMark, max_bytes: int) -> FileMark:
    """``mark`` with the whole records after its offset read, ``CHUNK_BYTES`` at a time (more for a record
    longer than that): a long log is held as one chunk's records at once and the frames they make, never
    as the whole file's records."""
    assert mark.kind is not None
    parts = [earlier] if (earlier := mark.own) is not None else []
    at, size, head = mark.offset, CHUNK_BYTES, mark.head
    while True:
        data = read_tail(root, mark.path, at, max_bytes, length=size, bound=LOG_BOUND)
        if mark.kind is LIGHTNING and at == 0:
            head = _header(data)  # the first chunk holds the header; the others are read under it
        read, used = _parsed(mark.kind, data, head if at else b"")
        if read is not None:
            parts.append(read)
        at += used
        if len(data) < size:
            whole = appended(*parts) if parts else None
            return replace(mark, offset=at, head=head, read=whole, shared=())
        size = size * 2 if used == 0 else CHUNK_BYTES


def marks_of(logs: FolderLogs) -> tuple[FileMark, ...]:
    """Unread marks of every file of ``logs``."""
    marks = [FileMark(path, kind) for path, kind in logs.files]
    if logs.hparams is not None:
        marks.append(FileMark(logs.hparams, None))
    return tuple(marks)


def combined(marks: tuple[FileMark, ...], logs: FolderLogs) -> LogRead:
    """Every log read as one (the first of a step's values wins: events, then the others)."""
    notes: list[Note] = []
    events = [mark.own for mark in sorted(marks, key=lambda m: m.path.name) if mark.kind is EVENTS]
    reads = [files_merged(read for read in events if read is not None)] if events else []
    reads += [read for mark in marks if mark.kind in APPENDED - {EVENTS} and (read := mark.own) is not None]
    last_step = merged(reads).last_step if reads else None
    reads += [
        log_from_bytes(mark.kind, mark.data, notes, last_step=last_step)
        for mark in marks
        if mark.kind is FileKind.TINKER_CHECKPOINTS
    ]
    if logs.checkpoint_files:
        reads.append(LogRead(empty_history(), checkpoints=checkpoint_records(logs.checkpoint_files)))
    for mark in marks:
        if mark.kind is None:
            reads.append(LogRead(empty_history(), hyperparameters=read_hparams(mark.data, notes)))
    read = merged(reads)
    return replace(read, notes=(*read.notes, *notes))


def read_marks(
    root: Path,
    marks: tuple[FileMark, ...],
    max_bytes: int,
    seen: dict[PurePosixPath, Seen | None] | None = None,
    max_log_bytes: int | None = None,
) -> tuple[FileMark, ...]:
    """Every file of ``marks`` read on from its mark; ``seen`` is each file's stat now (a file missing from it
    is read, and its next read starts again from its start). An appended log may be ``max_log_bytes`` (the
    runs folder's own bound), any other file ``max_bytes``."""
    bounds = (max_bytes, max_log_bytes or max_bytes)
    return tuple(read_mark(root, mark, (seen or {}).get(mark.path), bounds) for mark in marks)
