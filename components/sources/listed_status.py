"""A runs-folder run's status for the run list, as its page gives it, from the end of its files.

The run page reads a run whole and decides its status from the trainer's own signals and its files' last
write (``components.sources.liveness``). The list cannot read every run whole, and need not: the signals are
in the last records each format writes. LLaMA-Factory's last line (its step of the total), the tinker
cookbook's last metrics (its progress) and ``final`` checkpoint, the Trainer's final summary in its event
files, a trainer state's tail (the Trainer writes it with sorted keys: ``max_steps``, ``stateful_callbacks``
with ``should_training_stop``, and the final summary as the last ``log_history`` entry all come after the
log; ``global_step`` before it, in the head the scan reads; other writers' ``max_steps`` is looked for there
too), and Lightning's last step logged against its
checkpoints' names. So each file of a run is read only at its end (``TAIL_BYTES``, a trainer state's and a
``metrics.csv``'s head too), and the files and folders the page watches are stat'ed for the last write.

Cost per row: the stats of its files and watched folders; and, once per state of its files (kept per run as
the scan found it, ``MAX_KEPT`` runs), one read of at most ``TAIL_BYTES`` of each log and trainer state, so a
list read again over runs that were not written since reads no file's content beyond the scan's own sniff.
Exports keep the status the scan gives (theirs is inside them, read whole only when opened).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path, PurePosixPath

from components.data.event_scalars import read_events
from components.data.lightning_logs import checkpoint_records
from components.data.log_read import LogRead, empty_history, merged
from components.data.trainer_state import TrainerState
from components.domain import RunStatus, RunSummary
from components.domain.note import Note
from components.errors import DashboardError
from components.sources.event_files import records_in_tail
from components.sources.file_kinds import HEAD_BYTES, FileKind
from components.sources.folder_live import Watch, saved_last, watched_folders
from components.sources.folder_logs import seen_of
from components.sources.folder_run import found_marks
from components.sources.folder_scan import GLOBAL_STEP, FoundRun
from components.sources.liveness import status_of
from components.sources.log_files import log_from_bytes
from components.sources.run_files import trainer_status
from components.sources.under_root import opened_under, stat_all

TAIL_BYTES = 65_536  # the end of a file read for its last records: a final summary, the last lines
MAX_KEPT = 4_096  # runs whose ending is kept (a scan lists at most 1,000)
_ANY_SIZE = sys.maxsize  # the list reads a file's end, never the whole: its size does not matter here
_MAX_STEPS = re.compile(rb'"max_steps"\s*:\s*(\d{1,10})\b')
_STOP = re.compile(rb'"should_training_stop"\s*:\s*true\b')
_SUMMARY = re.compile(rb'"train_runtime"\s*:')
_FILE_RUNS = frozenset({FileKind.RESULT_CSV, FileKind.RESULT_CSV_BASE64})  # read as finished runs


@dataclass(frozen=True)
class Ending:
    """What the end of a run's files says: SUCCEEDED when they say it ended (``said``: the trainer's words
    for how), and whether it reached its planned last step (or, Lightning, saved a checkpoint there)."""

    status: RunStatus = RunStatus.UNKNOWN
    said: str | None = None
    at_end: bool = False


def listed_summary(watch: Watch, found: FoundRun, summary: RunSummary) -> RunSummary:
    """``summary`` (the scan's row for ``found``) with the status the run's page would give it now."""
    if found.kind in (FileKind.JSON_EXPORT, FileKind.PARQUET_EXPORT):
        return summary
    ending = ending_of(watch.root, found)
    paths = [*watched_folders(found), *(mark.path for mark in found_marks(found))]
    stats = [seen_of(info) for info in stat_all(watch.root, paths).values()]
    last_write = max([found.modified, *(seen[2] / 1e9 for seen in stats if seen is not None)])
    said = replace(summary, status=ending.status, provider_status=ending.said)
    return status_of(said, ending.at_end, last_write, watch.clock(), watch.quiet_seconds)


@lru_cache(maxsize=MAX_KEPT)
def ending_of(root: Path, found: FoundRun) -> Ending:
    """What the end of ``found``'s files says (kept per run as found: a run written since is found anew);
    a file that cannot be read says nothing (its page says why)."""
    if found.kind in _FILE_RUNS:
        return Ending(RunStatus.SUCCEEDED)
    try:
        logs = [_log_end(root, path, kind) for path, kind in _in_read_order(found)]
        read = merged([log for log in logs if log is not None]) if logs else None
        if found.kind is FileKind.TRAINER_STATE:
            assert found.state_file is not None
            return _trainer_ending(_state_end(root, found.state_file), read)
    except (DashboardError, OSError):
        return Ending()
    return _log_ending(found, read)


def _in_read_order(found: FoundRun) -> list[tuple[PurePosixPath, FileKind]]:
    """The run's logs as its page merges them: event files first (by name), then the others."""
    files = found.logs.files
    events = sorted(
        (item for item in files if item[1] is FileKind.TENSORBOARD_EVENTS), key=lambda i: i[0].name
    )
    return [*events, *(item for item in files if item[1] is not FileKind.TENSORBOARD_EVENTS)]


def _log_ending(found: FoundRun, read: LogRead | None) -> Ending:
    if read is None:
        return Ending()
    last = read.last_step
    at_end = bool(read.total_steps and last is not None and last >= read.total_steps)
    steps = (int(record["step_number"]) for record in checkpoint_records(found.logs.checkpoint_files))
    return Ending(
        RunStatus.SUCCEEDED if read.ended else RunStatus.UNKNOWN,
        None,
        at_end or saved_last(found, steps, last),
    )


def _trainer_ending(state: TrainerState, logs: LogRead | None) -> Ending:
    """A trainer state's words (finished, stopped early), and whether its steps, with the logs' beside it,
    reached ``max_steps``."""
    status, said = trainer_status(state)
    last = max(state.global_step or 0, (logs.last_step if logs is not None else None) or 0)
    at_end = bool(state.max_steps) and last >= (state.max_steps or 0)
    return Ending(status, said if status is RunStatus.SUCCEEDED else None, at_end)


def _end(root: Path, path: PurePosixPath) -> tuple[int, bytes]:
    """The last ``TAIL_BYTES`` of a file and the offset they start at."""
    with opened_under(root, path, _ANY_SIZE) as handle:
        start = max(handle.seek(0, 2) - TAIL_BYTES, 0)
        handle.seek(start)
        return start, handle.read(TAIL_BYTES)


def _head(root: Path, path: PurePosixPath) -> bytes:
    with opened_under(root, path, _ANY_SIZE) as handle:
        return handle.read(HEAD_BYTES)


def _lines(start: int, data: bytes) -> bytes:
    """The whole lines of a file's end: the first one cut by the read and a last one being written left."""
    if start:
        data = data[data.find(b"\n") + 1 :] if b"\n" in data else b""
    return data[: data.rfind(b"\n") + 1]


def _log_end(root: Path, path: PurePosixPath, kind: FileKind) -> LogRead | None:
    """The last records of one log, read as its kind (a Lightning ``metrics.csv`` under its header)."""
    start, data = _end(root, path)
    notes: list[Note] = []
    if kind is FileKind.TENSORBOARD_EVENTS:
        events = records_in_tail(data)
        return read_events(events, notes) if events else None
    lines = _lines(start, data)
    if kind is FileKind.LIGHTNING_METRICS and start:
        head = _head(root, path)
        lines = head[: head.find(b"\n") + 1] + lines
    return log_from_bytes(kind, lines, notes) if lines.strip() else None


def _state_end(root: Path, path: PurePosixPath) -> TrainerState:
    """What a trainer state's head and end say: its ``global_step``, ``max_steps``, and whether it ended
    (the final summary entry, or ``should_training_stop``)."""
    head = _head(root, path)
    step = GLOBAL_STEP.search(head)
    _, end = _end(root, path)
    total = [int(match) for match in _MAX_STEPS.findall(end) or _MAX_STEPS.findall(head)]
    return TrainerState(
        history=empty_history(),
        global_step=int(step.group(1)) if step else None,
        max_steps=total[-1] if total else None,
        num_train_epochs=None,
        train_batch_size=None,
        save_steps=None,
        tokens_seen=None,
        best_model_checkpoint=None,
        best_step=None,
        best_metric=None,
        ended=bool(_STOP.search(end) or _SUMMARY.search(end)),
    )
