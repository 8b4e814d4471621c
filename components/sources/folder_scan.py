"""One bounded walk of a runs folder: which runs it holds, what each is, where its files are.

- A **training output folder** (``checkpoint-N/trainer_state.json`` and/or a final ``trainer_state.json``)
  is one run; its subfolders are its checkpoints, and its training logs join it: LLaMA-Factory's
  ``trainer_log.jsonl`` beside it and the TensorBoard events of its newest ``runs/<date>_<host>/``.
- A **folder holding training logs** (``file_kinds.LOG_KINDS``: event files, ``trainer_log.jsonl``,
  Lightning's ``metrics.csv``, tinker's ``metrics.jsonl``/``checkpoints.jsonl``) is one run, whatever mix it
  holds, with Lightning's ``hparams.yaml`` and ``checkpoints/*.ckpt``. Every folder with event files is a run
  of its own, as TensorBoard groups them, so a log folder of several versions lists them all.
- Any other **run file** (a result CSV, an export) is a run of its own.

Folders are walked through directory handles, never through a symbolic link, at most ``MAX_DEPTH`` deep and
``MAX_ENTRIES`` entries in all; a file is told by its first bytes (``file_kinds.sniff``), looked at only
when its name is one a trainer writes.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path, PurePosixPath

import pandas as pd

from components.data.values import as_text
from components.domain import RunRef, RunStatus, RunSummary
from components.sources.file_kinds import HEAD_BYTES, LOG_KINDS, FileKind, sniff
from components.sources.folder_logs import FolderLogs
from components.sources.log_files import label_of
from components.sources.run_files import RunFileError
from components.sources.under_root import open_dir, open_root, read_at

MAX_DEPTH = 4  # the folder itself is depth 0: runs/<project>/<experiment>/<run>/checkpoint-N
MAX_ENTRIES = 20_000  # directory entries looked at in one scan
MAX_RUNS = 1_000
MAX_CHECKPOINT_FOLDERS = 10_000
# checkpoint-N folders still without a trainer state watched for it, the highest first: the Trainer writes the
# state last, into the folder it is saving (a save in progress is the newest; more are leftovers)
MAX_PENDING_CHECKPOINTS = 16
TRAINER_STATE = "trainer_state.json"
HPARAMS = "hparams.yaml"
RUN_FILE_SUFFIXES = (".csv", ".json", ".jsonl", ".txt", ".parquet")
EVENT_FILE_PREFIX = "events.out.tfevents."
_CHECKPOINT_FOLDER = re.compile(r"checkpoint-(\d{1,10})")
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
GLOBAL_STEP = re.compile(rb'"global_step"\s*:\s*(\d{1,10})\b')
# The order a folder run's kind is named by: its first kind present.
_LOG_ORDER = (
    FileKind.LIGHTNING_METRICS,
    FileKind.LLAMAFACTORY_LOG,
    FileKind.TINKER_METRICS,
    FileKind.TINKER_CHECKPOINTS,
    FileKind.TENSORBOARD_EVENTS,
)


NO_LOGS = FolderLogs()


def make_run_id(readable: str, unique: bytes) -> str:
    """``{readable}-{hash}``: letters, digits, ``-`` and ``_`` only, at most 80 characters."""
    slug = _UNSAFE.sub("-", readable).strip("-_")[:60] or "run"
    return f"{slug}-{hashlib.sha256(unique).hexdigest()[:10]}"


def _timestamp(seconds: float) -> pd.Timestamp | None:
    try:
        return pd.Timestamp(seconds, unit="s", tz="UTC")
    except (ValueError, OverflowError):
        return None


@dataclass(frozen=True)
class FoundRun:
    """A run found in the folder: where (relative, never shown whole), what, and when it last changed."""

    run_id: str
    relative: PurePosixPath  # the run's folder (trainer output, logs) or file, relative to the root
    kind: FileKind
    modified: float
    state_file: PurePosixPath | None = None  # trainer output: the trainer_state.json that went furthest
    checkpoint_steps: tuple[int, ...] = ()
    pending_checkpoints: tuple[int, ...] = ()  # checkpoint-N folders whose trainer state is not written yet
    logs: FolderLogs = NO_LOGS

    @property
    def label(self) -> str:
        """What its files were recognised as, in words."""
        return label_of([self.kind, *(kind for _, kind in self.logs.files)])

    def summary(self, source: str) -> RunSummary:
        return RunSummary(
            ref=RunRef(source, self.run_id),
            status=RunStatus.UNKNOWN,
            name=as_text(str(self.relative)),  # a name that is not UTF-8 keeps "?" for its bad bytes
            method=self.label,
            updated_at=_timestamp(self.modified),
        )


@dataclass(frozen=True)
class Scan:
    """What one scan found, newest first, and what it left out."""

    runs: tuple[FoundRun, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Sniffed:
    """A file of a folder that is a run file: its name, kind and time."""

    name: str
    kind: FileKind
    modified: float


def _entries(fd: int) -> Iterator[os.DirEntry[str]]:
    with os.scandir(fd) as entries:
        yield from entries


def _is_candidate(name: str) -> bool:
    """Whether a file's name is one a trainer or this dashboard writes (only those are sniffed)."""
    return name.lower().endswith(RUN_FILE_SUFFIXES) or name.startswith(EVENT_FILE_PREFIX)


def scan_folder(root: Path, salt: bytes = b"") -> Scan:
    """Everything ``root`` holds now (bounded), newest first; RunFileError when it cannot be opened.
    ``salt`` goes into every run id (one of several runs folders: its path, so ids stay unique)."""
    return _Scanner(root, salt).scan()


def rescan_run(root: Path, relative: PurePosixPath, salt: bytes = b"") -> FoundRun | None:
    """The run folder at ``relative`` inside ``root`` found again (its files and checkpoints now), its
    subfolders not searched for other runs; None when it is gone or no longer a run."""
    scanner = _Scanner(root, salt)
    try:
        fd = open_root(root)
        try:
            for part in relative.parts:
                child = open_dir(fd, part)
                os.close(fd)
                fd = child
            scanner._walk(fd, relative, MAX_DEPTH)
        finally:
            os.close(fd)
    except OSError:
        return None
    return next((run for run in scanner.runs if run.relative == relative), None)


class _Scanner:
    """One bounded walk of the folder through directory handles, never through a symbolic link."""

    def __init__(self, root: Path, salt: bytes = b"") -> None:
        self.root = root
        self.salt = salt
        self.seen = 0
        self.skipped = 0
        self.runs: list[FoundRun] = []

    def scan(self) -> Scan:
        try:
            fd = open_root(self.root)
        except OSError as exc:
            raise RunFileError(f"DASHBOARD_RUNS_DIR cannot be opened ({type(exc).__name__}).") from None
        try:
            self._walk(fd, PurePosixPath(), 0)
        finally:
            os.close(fd)
        notes = []
        if self._full():
            notes.append(
                f"The runs folder is larger than one scan reads ({MAX_ENTRIES:,} entries, {MAX_RUNS:,} "
                f"runs, {MAX_DEPTH} levels): some runs may be missing. Point DASHBOARD_RUNS_DIR at a "
                "smaller folder."
            )
        if self.skipped:
            notes.append(f"Skipped {self.skipped:,} entries that could not be read.")
        ordered = sorted(self.runs, key=lambda run: (-run.modified, run.run_id))
        return Scan(tuple(ordered), tuple(notes))

    def _full(self) -> bool:
        return self.seen >= MAX_ENTRIES or len(self.runs) >= MAX_RUNS

    def _list(self, fd: int) -> tuple[list[os.DirEntry[str]], list[os.DirEntry[str]]] | None:
        """The folders and regular files of ``fd`` by name (links left out), within the scan's bound."""
        try:  # never more entries than the scan has left: a folder of millions costs no more than the bound
            entries = sorted(
                islice(_entries(fd), max(MAX_ENTRIES - self.seen, 0)), key=lambda entry: entry.name
            )
        except OSError:
            self.skipped += 1
            return None
        self.seen += len(entries)
        folders, files = [], []
        for entry in entries:
            try:
                if entry.is_symlink():
                    continue
                if entry.is_dir(follow_symlinks=False):
                    folders.append(entry)
                elif entry.is_file(follow_symlinks=False):
                    files.append(entry)
            except OSError:
                self.skipped += 1
        return folders, files

    def _walk(self, fd: int, here: PurePosixPath, depth: int) -> None:
        listed = self._list(fd)
        if listed is None:
            return
        folders, files = listed
        checkpoints, pending = self._checkpoint_states(fd, folders)
        state = next((file for file in files if file.name == TRAINER_STATE), None)
        state_mtime = self._mtime(state) if state is not None else None
        if checkpoints or state_mtime is not None:
            self._add_trainer_run(fd, here, (checkpoints, pending), state_mtime, files)
            return  # a training output folder is one run: its subfolders are its checkpoints
        sniffed = [found for file in files if (found := self._sniff(fd, file)) is not None]
        for found in sniffed:
            if found.kind not in LOG_KINDS and not self._full():
                self._add_file(here, found)
        if any(found.kind in LOG_KINDS for found in sniffed) and not self._full():
            self._add_log_run(fd, here, sniffed, folders, files)
        if depth < MAX_DEPTH:
            self._descend(fd, here, depth, folders)

    def _descend(self, fd: int, here: PurePosixPath, depth: int, folders: list[os.DirEntry[str]]) -> None:
        for folder in folders:
            if self._full():
                return
            try:
                child = open_dir(fd, folder.name)
            except OSError:
                self.skipped += 1
                continue
            try:
                self._walk(child, here / folder.name, depth + 1)
            finally:
                os.close(child)

    def _mtime(self, entry: os.DirEntry[str]) -> float | None:
        try:
            return entry.stat(follow_symlinks=False).st_mtime
        except OSError:
            self.skipped += 1
            return None

    def _checkpoint_states(
        self, fd: int, folders: list[os.DirEntry[str]]
    ) -> tuple[dict[int, float], tuple[int, ...]]:
        """Each ``checkpoint-N`` folder holding a trainer state: N and the state's time; and the N of the
        highest ``MAX_PENDING_CHECKPOINTS`` folders holding none yet (a save still being written)."""
        checkpoints: dict[int, float] = {}
        pending: list[int] = []
        for folder in folders:
            match = _CHECKPOINT_FOLDER.fullmatch(folder.name)
            if match and len(checkpoints) < MAX_CHECKPOINT_FOLDERS:
                mtime = _state_mtime(fd, folder.name)
                if mtime is not None:
                    checkpoints[int(match.group(1))] = mtime
                else:
                    pending.append(int(match.group(1)))
        return checkpoints, tuple(sorted(pending)[-MAX_PENDING_CHECKPOINTS:])

    def _sniff(self, fd: int, file: os.DirEntry[str]) -> _Sniffed | None:
        if not _is_candidate(file.name) or file.name == TRAINER_STATE:
            return None
        try:
            head = read_at(fd, file.name, HEAD_BYTES, whole=False)
            modified = file.stat(follow_symlinks=False).st_mtime
        except (OSError, RunFileError):
            self.skipped += 1
            return None
        kind = sniff(head)
        return _Sniffed(file.name, kind, modified) if kind is not None else None

    def _add_trainer_run(
        self,
        fd: int,
        here: PurePosixPath,
        saves: tuple[dict[int, float], tuple[int, ...]],
        state_mtime: float | None,
        files: list[os.DirEntry[str]],
    ) -> None:
        """The training output folder ``here`` as one run; ``saves``: its checkpoints with a trainer state
        (N and the state's time) and those without one yet."""
        checkpoints, pending = saves
        logs = [
            found
            for file in files
            if (found := self._sniff(fd, file)) is not None and found.kind in LOG_KINDS
        ]
        logs += self._newest_events(fd, "runs")
        times = [*checkpoints.values(), *([state_mtime] if state_mtime is not None else [])]
        self.runs.append(
            FoundRun(
                run_id=make_run_id(here.name or self.root.name, self.salt + os.fsencode(str(here))),
                relative=here,
                kind=FileKind.TRAINER_STATE,
                modified=max([*times, *(found.modified for found in logs)]),
                state_file=here / _furthest_state(fd, checkpoints, top_level=state_mtime is not None),
                checkpoint_steps=tuple(sorted(checkpoints)),
                pending_checkpoints=pending,
                logs=FolderLogs(files=tuple((here / found.name, found.kind) for found in logs)),
            )
        )

    def _newest_events(self, fd: int, name: str) -> list[_Sniffed]:
        """The event files of the newest subfolder of ``name`` (the Trainer's ``runs/<date>_<host>/``), their
        names relative to the output folder; none when there is no such folder."""
        try:
            runs = open_dir(fd, name)
        except OSError:
            return []
        try:
            listed = self._list(runs)
            candidates = []
            for folder in listed[0] if listed else []:
                try:
                    child = open_dir(runs, folder.name)
                except OSError:
                    self.skipped += 1
                    continue
                try:
                    events = self._event_files(child)
                finally:
                    os.close(child)
                if events:
                    candidates.append((max(found.modified for found in events), folder.name, events))
        finally:
            os.close(runs)
        if not candidates:
            return []
        _, folder, events = max(candidates)
        return [_Sniffed(f"{name}/{folder}/{found.name}", found.kind, found.modified) for found in events]

    def _event_files(self, fd: int) -> list[_Sniffed]:
        listed = self._list(fd)
        files = listed[1] if listed else []
        found = [self._sniff(fd, file) for file in files if file.name.startswith(EVENT_FILE_PREFIX)]
        return [item for item in found if item is not None and item.kind is FileKind.TENSORBOARD_EVENTS]

    def _add_log_run(
        self,
        fd: int,
        here: PurePosixPath,
        sniffed: list[_Sniffed],
        folders: list[os.DirEntry[str]],
        files: list[os.DirEntry[str]],
    ) -> None:
        """The folder's training logs as one run, with Lightning's hparams.yaml and checkpoint files."""
        logs = sorted(
            (found for found in sniffed if found.kind in LOG_KINDS), key=lambda f: _LOG_ORDER.index(f.kind)
        )
        checkpoint_files = (
            self._checkpoint_files(fd, here) if any(f.name == "checkpoints" for f in folders) else ()
        )
        self.runs.append(
            FoundRun(
                run_id=make_run_id(here.name or self.root.name, self.salt + os.fsencode(str(here))),
                relative=here,
                kind=logs[0].kind,
                modified=max(found.modified for found in logs),
                logs=FolderLogs(
                    files=tuple(
                        (here / found.name, found.kind) for found in sorted(logs, key=lambda f: f.name)
                    ),
                    checkpoint_files=checkpoint_files,
                    hparams=here / HPARAMS if any(file.name == HPARAMS for file in files) else None,
                ),
            )
        )

    def _checkpoint_files(self, fd: int, here: PurePosixPath) -> tuple[PurePosixPath, ...]:
        """Lightning's ``checkpoints/*.ckpt`` beside its logs (names only, never read)."""
        try:
            child = open_dir(fd, "checkpoints")
        except OSError:
            return ()
        try:
            listed = self._list(child)
        finally:
            os.close(child)
        files = listed[1] if listed else []
        names = [file.name for file in files if file.name.endswith(".ckpt")][:MAX_CHECKPOINT_FOLDERS]
        return tuple(here / "checkpoints" / name for name in names)

    def _add_file(self, here: PurePosixPath, found: _Sniffed) -> None:
        relative = here / found.name
        self.runs.append(
            FoundRun(
                make_run_id(Path(found.name).stem, self.salt + os.fsencode(str(relative))),
                relative,
                found.kind,
                found.modified,
            )
        )


def _state_mtime(fd: int, folder: str) -> float | None:
    try:
        info = os.stat(f"{folder}/{TRAINER_STATE}", dir_fd=fd, follow_symlinks=False)
    except OSError:
        return None
    return info.st_mtime if stat.S_ISREG(info.st_mode) else None


def _furthest_state(fd: int, checkpoints: Collection[int], *, top_level: bool) -> str:
    """The trainer state that went furthest, relative to the output folder ``fd``: the highest
    ``global_step`` the file states, of the top-level one and the last ``checkpoint-N``'s (whose step is N
    when its head does not say); a tie goes to the top-level one. Never the newest file time: a copy or a
    checkout can make ``checkpoint-20/`` newer than the end of a 120-step run."""
    candidates = [f"checkpoint-{max(checkpoints)}/{TRAINER_STATE}"] if checkpoints else []
    if top_level:
        candidates.append(TRAINER_STATE)
    steps = {name: _stated_step(fd, name) for name in candidates}
    if checkpoints and steps[candidates[0]] is None:
        steps[candidates[0]] = max(checkpoints)
    return max(
        candidates, key=lambda name: (steps[name] if steps[name] is not None else -1, name == TRAINER_STATE)
    )


def _stated_step(fd: int, name: str) -> int | None:
    """The ``global_step`` a trainer state's head states (the Trainer sorts its keys: it comes before the
    log), else None."""
    try:
        match = GLOBAL_STEP.search(read_at(fd, name, HEAD_BYTES, whole=False))
    except (OSError, RunFileError):
        return None
    return int(match.group(1)) if match else None
