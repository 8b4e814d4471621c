"""A run folder's training logs, read from the runs folder into one :class:`LogRead`.

A folder holding several logs is one run (``components.sources.files`` finds them): TensorBoard event files
(all of one folder, as TensorBoard groups a run, in name order), LLaMA-Factory's ``trainer_log.jsonl``,
Lightning's ``metrics.csv`` with ``hparams.yaml`` and its ``checkpoints/*.ckpt``, the tinker cookbook's
``metrics.jsonl`` and ``checkpoints.jsonl``. Each file is read whole, at most ``DASHBOARD_MAX_FILE_MB``,
through ``components.sources.under_root``. Nothing is kept between reads.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from components.data.event_scalars import files_merged, read_events
from components.data.lightning_logs import checkpoint_records, read_hparams
from components.data.log_read import LogRead, empty_history, merged
from components.domain.note import Note
from components.sources.event_files import events_in
from components.sources.file_kinds import FileKind
from components.sources.log_files import label_of, log_from_bytes
from components.sources.under_root import opened_under, read_under

EVENTS = FileKind.TENSORBOARD_EVENTS
_READ_LAST = (EVENTS, FileKind.TINKER_CHECKPOINTS)  # events in their own pass; checkpoints need the last step


@dataclass(frozen=True)
class FolderLogs:
    """What a run folder holds besides a trainer state, each path relative to the runs folder."""

    files: tuple[tuple[PurePosixPath, FileKind], ...] = ()
    checkpoint_files: tuple[PurePosixPath, ...] = ()  # Lightning's *.ckpt, read by name only
    hparams: PurePosixPath | None = None

    @property
    def label(self) -> str:
        return label_of(kind for _, kind in self.files)


def _events(root: Path, paths: list[PurePosixPath], max_bytes: int, notes: list[Note]) -> LogRead:
    reads = []
    for path in sorted(paths, key=lambda path: path.name):
        with opened_under(root, path, max_bytes) as handle:
            reads.append(read_events(events_in(handle), notes))
    return files_merged(reads)


def read_folder_logs(root: Path, logs: FolderLogs, max_bytes: int) -> LogRead:
    """Every log of ``logs`` as one (the first of a step's values wins: events, then the others)."""
    notes: list[Note] = []
    events = [path for path, kind in logs.files if kind is EVENTS]
    reads = [_events(root, events, max_bytes, notes)] if events else []
    reads += [
        log_from_bytes(kind, read_under(root, path, max_bytes), notes)
        for path, kind in logs.files
        if kind not in _READ_LAST
    ]
    last_step = merged(reads).last_step if reads else None
    reads += [
        log_from_bytes(kind, read_under(root, path, max_bytes), notes, last_step=last_step)
        for path, kind in logs.files
        if kind is FileKind.TINKER_CHECKPOINTS
    ]
    if logs.checkpoint_files:
        reads.append(LogRead(empty_history(), checkpoints=checkpoint_records(logs.checkpoint_files)))
    if logs.hparams is not None:
        hyperparameters = read_hparams(read_under(root, logs.hparams, max_bytes), notes)
        reads.append(LogRead(empty_history(), hyperparameters=hyperparameters))
    return replace(merged(reads), notes=tuple(notes))
