"""A run in the runs folder, watched while its trainer writes it: each refresh reads only what was appended.

The live state (:class:`FolderLive`, kept in ``RunData.resume``) holds each file's :class:`FileMark` (how far
it was read, ``components.sources.folder_logs``) and the stat of every folder that would change if a file or
checkpoint appeared (the run folder, its logs' folders, Lightning's ``checkpoints/``, the Trainer's
``runs/`` and each ``checkpoint-N/`` whose trainer state is not written yet). A refresh
(:class:`FolderRefresh`, the shared steps of ``components.sources.refresh``) first stats those folders and
files, one directory handle per folder and one ``stat`` each, and reads no file's content when nothing
changed; a changed folder has the run found again (new ``checkpoint-N`` folders,
``.ckpt`` files, event files), a changed file is read on from its mark. The status is what the files say
(``components.sources.liveness``): running while they are written, finished when the trainer says so.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from components.domain import RunData
from components.sources.base import SourceInfo, parsed
from components.sources.file_kinds import FileKind
from components.sources.folder_logs import FileMark, Seen, read_marks, seen_of, shared_with
from components.sources.folder_run import found_marks, run_of_marks
from components.sources.folder_scan import FoundRun, rescan_run
from components.sources.liveness import local_status
from components.sources.refresh import Kept, LiveRefresh, Merged, Rebuilt
from components.sources.run_files import Origin, RunFileError
from components.sources.under_root import stat_all

LAST_CHECKPOINT = "last.ckpt"


@dataclass(frozen=True)
class Watch:
    """How a run folder's files are read and when a run counts as quiet (the source's settings)."""

    root: Path
    salt: bytes
    max_bytes: int  # a file read whole (a trainer state, a result file)
    max_log_bytes: int  # an appended log, read a chunk at a time
    quiet_seconds: float
    clock: Callable[[], float] = time.time


@dataclass(frozen=True)
class FolderLive:
    """A watched run between refreshes: where it is, each file's mark, and its folders' stats."""

    root: Path
    found: FoundRun
    origin: Origin
    marks: tuple[FileMark, ...]
    folders: tuple[tuple[PurePosixPath, Seen | None], ...]
    last_write: float  # the newest modification time seen, in seconds


def watched_folders(found: FoundRun) -> tuple[PurePosixPath, ...]:
    """The folders whose change means a file or checkpoint may have appeared (none for a single file): a
    ``checkpoint-N/`` still without its trainer state changes when the Trainer writes it there, last."""
    if not found.logs.files and found.kind is not FileKind.TRAINER_STATE:
        return ()
    here = found.relative
    folders = {here, *(path.parent for path, _ in found.logs.files), here / "checkpoints"}
    if found.kind is FileKind.TRAINER_STATE:
        folders.add(here / "runs")
        folders.update(here / f"checkpoint-{step}" for step in found.pending_checkpoints)
    return tuple(sorted(folders))


def saved_last(found: FoundRun, steps: Iterable[int], last_step: int | None) -> bool:
    """Lightning, whose logs say no end: its ``last.ckpt`` was saved, or a checkpoint (of ``steps``) at the
    last step logged."""
    if found.kind is not FileKind.LIGHTNING_METRICS:
        return False
    if any(path.name == LAST_CHECKPOINT for path in found.logs.checkpoint_files):
        return True
    return last_step is not None and max(steps, default=-1) >= last_step


def _saved_last(found: FoundRun, run: RunData) -> bool:
    steps = run.checkpoints["step"].dropna() if "step" in run.checkpoints else ()
    return saved_last(
        found, (int(step) for step in steps), None if run.history.empty else int(run.history["step"].max())
    )


def _newest(stats: dict[PurePosixPath, Seen | None]) -> float:
    return max((seen[2] / 1e9 for seen in stats.values() if seen is not None), default=0.0)


def read_live(watch: Watch, found: FoundRun, origin: Origin, known: tuple[FileMark, ...] = ()) -> RunData:
    """The run read on from ``known`` marks (whole when there are none), its status from its files, and the
    live state the next refresh goes on from in ``resume``."""
    folders = watched_folders(found)
    by_path = {mark.path: mark for mark in known}
    marks = tuple(by_path.get(mark.path, mark) for mark in found_marks(found))
    stats = {
        path: seen_of(info)
        for path, info in stat_all(watch.root, [*folders, *(m.path for m in marks)]).items()
    }
    marks = parsed(
        f"training logs of {origin.shown}",
        read_marks,
        watch.root,
        marks,
        watch.max_bytes,
        stats,
        watch.max_log_bytes,
    )
    run = run_of_marks(found, marks, origin)
    last_write = max(_newest(stats), found.modified)
    summary = local_status(
        run, last_write, watch.clock(), watch.quiet_seconds, saved_last=_saved_last(found, run)
    )
    folder_stats = tuple((path, stats[path]) for path in folders)
    state = FolderLive(watch.root, found, origin, shared_with(marks, run.history), folder_stats, last_write)
    return replace(run, summary=summary, resume=state)


class FolderRefresh(LiveRefresh[FolderLive, dict[PurePosixPath, Seen | None]]):
    """One refresh of a watched run folder: stats first, then what changed read on from its marks."""

    reload_what = "the run folder"
    probe_what = "the run folder's files"

    def __init__(self, previous: RunData, info: SourceInfo, watch: Watch, reload: Callable[[], RunData]):
        super().__init__(previous, info)
        self.watch = watch
        self._reload = reload

    def live_state(self) -> FolderLive | None:
        state = self.previous.resume
        return state if isinstance(state, FolderLive) else None

    def reload(self, resume: RunData | None) -> RunData:
        return self._reload()

    def probe(self, state: FolderLive) -> dict[PurePosixPath, Seen | None]:
        paths = [*(path for path, _ in state.folders), *(mark.path for mark in state.marks)]
        return {path: seen_of(info) for path, info in stat_all(self.watch.root, paths).items()}

    def merge(self, state: FolderLive, probe: dict[PurePosixPath, Seen | None]) -> Merged:
        moved = any(probe.get(path) != seen for path, seen in state.folders)
        if not moved and all(probe.get(mark.path) == mark.seen for mark in state.marks):
            return self._quiet(state)
        found = rescan_run(self.watch.root, state.found.relative, self.watch.salt) if moved else state.found
        if found is None:
            self.owe("files", "the run folder", "it is gone or holds no run now")
            return Kept(state, is_partial=False)
        try:
            run = read_live(self.watch, found, state.origin, state.marks)
        except RunFileError as exc:
            self.owe("files", "the run's files", str(exc))
            return Kept(state, is_partial=False)
        return Rebuilt(lambda _notes: run)  # read afresh: its own notes say how

    def _quiet(self, state: FolderLive) -> Merged:
        """Nothing was written: the run is kept, unless its quiet time changes what its status is."""
        run = self.previous
        summary = local_status(
            run,
            state.last_write,
            self.watch.clock(),
            self.watch.quiet_seconds,
            saved_last=_saved_last(state.found, run),
        )
        if summary.status is run.summary.status:
            return Kept(state, is_partial=False)
        return Rebuilt(lambda notes: replace(run, summary=summary, notes=tuple(notes)))
