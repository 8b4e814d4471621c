"""Runs opened from files, with no key and no network: a folder on the server, and uploads in the browser.

``DASHBOARD_RUNS_DIR`` is scanned for training output folders (``checkpoint-N/trainer_state.json``; the
trainer state with the highest ``global_step`` holds the whole history) and for single run files (result
CSVs, this tool's exports), listed newest first like any source's runs. The scan is bounded (depth, entries,
runs), never follows a symbolic link, and a run is opened by re-finding its id in a fresh scan and reading
it through directory handles opened one component at a time without following links, so no name from
outside can make it read anything but a regular file inside the folder.

A run's id is made from its path, never the path itself: ``{readable part}-{10 hex of a hash}``, one safe
segment (see ``components.domain.ref``), stable across restarts. Uploads get ids from their name and bytes.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path, PurePosixPath

import pandas as pd

from components.api.limits import MEGABYTE, Limits
from components.data.values import as_text
from components.domain import InvalidRunRefError, RunData, RunRef, RunStatus, RunSummary, check_run_id
from components.sources.base import Progress, RunPage, SourceInfo, SourceKind
from components.sources.file_kinds import HEAD_BYTES, FileKind, sniff
from components.sources.run_files import Origin, RunFileError, run_from_bytes
from components.text import ECHO_CHARS, clean

FILES = "files"
UPLOAD = "upload"
FILES_LABEL = "Runs folder"
UPLOAD_LABEL = "Uploaded files"
MAX_DEPTH = 4  # the folder itself is depth 0: runs/<project>/<experiment>/<run>/checkpoint-N
MAX_ENTRIES = 20_000  # directory entries looked at in one scan
MAX_RUNS = 1_000
MAX_CHECKPOINT_FOLDERS = 10_000
MAX_UPLOADS = 50
PAGE_SIZE = 100
TRAINER_STATE = "trainer_state.json"
RUN_FILE_SUFFIXES = (".csv", ".json", ".txt", ".parquet")
_CHECKPOINT_FOLDER = re.compile(r"checkpoint-(\d{1,10})")
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
_GLOBAL_STEP = re.compile(rb'"global_step"\s*:\s*(\d{1,10})\b')
_NOFOLLOW = os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


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
    relative: PurePosixPath  # the run's folder (trainer output) or file, relative to the root
    kind: FileKind
    modified: float
    state_file: PurePosixPath | None = None  # trainer output: the trainer_state.json that went furthest
    checkpoint_steps: tuple[int, ...] = ()

    def summary(self, source: str) -> RunSummary:
        return RunSummary(
            ref=RunRef(source, self.run_id),
            status=RunStatus.UNKNOWN,
            name=as_text(str(self.relative)),  # a name that is not UTF-8 keeps "?" for its bad bytes
            method=self.kind.label,
            updated_at=_timestamp(self.modified),
        )


@dataclass(frozen=True)
class Scan:
    """What one scan found, newest first, and what it left out."""

    runs: tuple[FoundRun, ...]
    notes: tuple[str, ...] = ()


def _entries(fd: int) -> Iterator[os.DirEntry[str]]:
    with os.scandir(fd) as entries:
        yield from entries


def _open_dir(parent: int, name: str) -> int:
    return os.open(name, os.O_RDONLY | os.O_DIRECTORY | _NOFOLLOW, dir_fd=parent)


class _Scanner:
    """One bounded walk of the folder through directory handles, never through a symbolic link."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.seen = 0
        self.skipped = 0
        self.runs: list[FoundRun] = []

    def scan(self) -> Scan:
        try:
            fd = os.open(self.root, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0))
        except OSError as exc:
            raise RunFileError(f"DASHBOARD_RUNS_DIR cannot be opened ({type(exc).__name__}).") from None
        try:
            self._walk(fd, PurePosixPath(), 0)
        finally:
            os.close(fd)
        notes = []
        if self.seen >= MAX_ENTRIES or len(self.runs) >= MAX_RUNS:
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

    def _walk(self, fd: int, here: PurePosixPath, depth: int) -> None:
        try:  # never more entries than the scan has left: a folder of millions costs no more than the bound
            entries = sorted(islice(_entries(fd), MAX_ENTRIES - self.seen), key=lambda entry: entry.name)
        except OSError:
            self.skipped += 1
            return
        self.seen += len(entries)
        checkpoints: dict[int, float] = {}
        state_mtime: float | None = None
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
        for folder in folders:
            match = _CHECKPOINT_FOLDER.fullmatch(folder.name)
            if match and len(checkpoints) < MAX_CHECKPOINT_FOLDERS:
                mtime = self._state_mtime(fd, folder.name)
                if mtime is not None:
                    checkpoints[int(match.group(1))] = mtime
        for file in files:
            if file.name == TRAINER_STATE:
                try:
                    state_mtime = file.stat(follow_symlinks=False).st_mtime
                except OSError:
                    self.skipped += 1
        if checkpoints or state_mtime is not None:
            self._add_trainer_run(fd, here, checkpoints, state_mtime)
            return  # a training output folder is one run: its subfolders are its checkpoints
        for file in files:
            if not self._full() and file.name.lower().endswith(RUN_FILE_SUFFIXES):
                self._add_file(fd, here, file)
        if depth >= MAX_DEPTH:
            return
        for folder in folders:
            if self._full():
                return
            try:
                child = _open_dir(fd, folder.name)
            except OSError:
                self.skipped += 1
                continue
            try:
                self._walk(child, here / folder.name, depth + 1)
            finally:
                os.close(child)

    def _state_mtime(self, fd: int, folder: str) -> float | None:
        try:
            info = os.stat(f"{folder}/{TRAINER_STATE}", dir_fd=fd, follow_symlinks=False)
        except OSError:
            return None
        return info.st_mtime if stat.S_ISREG(info.st_mode) else None

    def _add_trainer_run(
        self, fd: int, here: PurePosixPath, checkpoints: dict[int, float], state_mtime: float | None
    ) -> None:
        modified = max([*checkpoints.values(), *([state_mtime] if state_mtime is not None else [])])
        readable = here.name or self.root.name
        self.runs.append(
            FoundRun(
                run_id=make_run_id(readable, os.fsencode(str(here))),
                relative=here,
                kind=FileKind.TRAINER_STATE,
                modified=modified,
                state_file=here / _furthest_state(fd, checkpoints, top_level=state_mtime is not None),
                checkpoint_steps=tuple(sorted(checkpoints)),
            )
        )

    def _add_file(self, fd: int, here: PurePosixPath, file: os.DirEntry[str]) -> None:
        try:
            head = _read_at(fd, file.name, HEAD_BYTES, whole=False)
            modified = file.stat(follow_symlinks=False).st_mtime
        except (OSError, RunFileError):
            self.skipped += 1
            return
        kind = sniff(head)
        if kind is None:
            return
        relative = here / file.name
        self.runs.append(
            FoundRun(make_run_id(Path(file.name).stem, os.fsencode(str(relative))), relative, kind, modified)
        )


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
        match = _GLOBAL_STEP.search(_read_at(fd, name, HEAD_BYTES, whole=False))
    except (OSError, RunFileError):
        return None
    return int(match.group(1)) if match else None


def _read_at(fd: int, name: str, max_bytes: int, *, whole: bool = True) -> bytes:
    """Up to ``max_bytes`` of the regular file ``name`` in directory ``fd``, never through a link.

    ``whole``: the file must fit, else RunFileError (a sniff reads only the start).
    """
    file_fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK | _NOFOLLOW, dir_fd=fd)
    with os.fdopen(file_fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise RunFileError(f"{clean(name, ECHO_CHARS)} is not a regular file.")
        data = handle.read(max_bytes + 1 if whole else max_bytes)
    if whole and len(data) > max_bytes:
        raise RunFileError(
            f"{clean(name, ECHO_CHARS)} is larger than {max_bytes / MEGABYTE:g} MB, the most the dashboard "
            "reads from one file (DASHBOARD_MAX_FILE_MB)."
        )
    return data


def read_under(root: Path, relative: PurePosixPath, max_bytes: int) -> bytes:
    """A regular file at ``relative`` inside ``root``, each component opened without following a link."""
    parts = relative.parts
    if not parts or any(part in ("", ".", "..") or "/" in part for part in parts):
        raise RunFileError("A run file's path is not inside the runs folder.")
    try:
        fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0))
        try:
            for part in parts[:-1]:
                child = _open_dir(fd, part)
                os.close(fd)
                fd = child
            return _read_at(fd, parts[-1], max_bytes)
        finally:
            os.close(fd)
    except OSError as exc:
        raise RunFileError(
            f"The run file {clean(str(relative), ECHO_CHARS * 2)} could not be read "
            f"({type(exc).__name__}); it may have been moved. Refresh the list."
        ) from None


def _page(runs: Sequence[RunSummary], cursor: str | None, notes: tuple[str, ...]) -> RunPage:
    """One page of ``PAGE_SIZE`` runs from the position ``cursor`` (a number this module made)."""
    if cursor is not None and not (cursor.isdigit() and len(cursor) <= 7):
        raise InvalidRunRefError("That list position is not one this dashboard made.")
    start = int(cursor or 0)
    end = start + PAGE_SIZE
    return RunPage(tuple(runs[start:end]), str(end) if end < len(runs) else None, notes if start == 0 else ())


class FilesSource:
    """The runs in ``DASHBOARD_RUNS_DIR``: training output folders and run files, newest first."""

    def __init__(self, root: Path, limits: Limits) -> None:
        self._root = root
        self._limits = limits
        self._info = SourceInfo(
            name=FILES,
            label=FILES_LABEL,
            endpoint=f"DASHBOARD_RUNS_DIR ({clean(root.name, ECHO_CHARS)})",
            kind=SourceKind.FILES,
            inference=False,
        )

    @property
    def info(self) -> SourceInfo:
        return self._info

    def scan(self) -> Scan:
        """Everything the folder holds now (bounded), newest first."""
        return _Scanner(self._root).scan()

    def list_runs(self, cursor: str | None = None) -> RunPage:
        scan = self.scan()
        return _page([run.summary(FILES) for run in scan.runs], cursor, scan.notes)

    def load_run(
        self, run_id: str, on_progress: Progress | None = None, *, resume: RunData | None = None
    ) -> RunData:
        """The run with this id in a fresh scan (a run that moved is not found, never guessed)."""
        run_id = check_run_id(run_id)
        report = on_progress or (lambda _message: None)
        report("Looking for the run in the runs folder…")
        found = next((run for run in self.scan().runs if run.run_id == run_id), None)
        if found is None:
            raise RunFileError(f"No run {run_id} in the runs folder: it may have been moved or deleted.")
        report("Reading the run…")
        origin = Origin(RunRef(FILES, run_id), FILES_LABEL, str(found.relative))
        max_bytes = self._limits.max_file_bytes
        if found.kind is FileKind.TRAINER_STATE:
            assert found.state_file is not None
            data = read_under(self._root, found.state_file, max_bytes)
            prefix = f"{found.relative}/" if found.relative.parts else ""
            return run_from_bytes(data, origin, checkpoint_steps=found.checkpoint_steps, model_prefix=prefix)
        return run_from_bytes(read_under(self._root, found.relative, max_bytes), origin)


@dataclass(frozen=True)
class Upload:
    """A file given in the browser: its (untrusted) name and its bytes."""

    name: str
    data: bytes

    @property
    def run_id(self) -> str:
        return make_run_id(Path(self.name).stem, self.data)


class UploadSource:
    """Files uploaded in this browser session, each one run (``upload:<id>``); nothing leaves the session."""

    def __init__(self, uploads: Sequence[Upload], limits: Limits) -> None:
        self._uploads = {upload.run_id: upload for upload in uploads[:MAX_UPLOADS]}
        self._limits = limits
        self._info = SourceInfo(
            name=UPLOAD,
            label=UPLOAD_LABEL,
            endpoint="this browser session",
            kind=SourceKind.FILES,
            inference=False,
        )

    @property
    def info(self) -> SourceInfo:
        return self._info

    def list_runs(self, cursor: str | None = None) -> RunPage:
        runs = [
            RunSummary(
                ref=RunRef(UPLOAD, run_id),
                status=RunStatus.UNKNOWN,
                name=as_text(upload.name),
                method=_kind_label(upload.data),
            )
            for run_id, upload in self._uploads.items()
        ]
        return _page(runs, cursor, ())

    def load_run(
        self, run_id: str, on_progress: Progress | None = None, *, resume: RunData | None = None
    ) -> RunData:
        upload = self._uploads.get(check_run_id(run_id))
        if upload is None:
            raise RunFileError(f"No uploaded file {run_id} in this session: upload it again.")
        check_upload(upload, self._limits)
        return run_from_bytes(upload.data, Origin(RunRef(UPLOAD, run_id), UPLOAD_LABEL, upload.name))


def _kind_label(data: bytes) -> str | None:
    """A file's kind in words for the run list; None when it is no run file (opening it says why)."""
    kind = sniff(data)
    return kind.label if kind is not None else None


def check_upload(upload: Upload, limits: Limits) -> Upload:
    """The upload, or RunFileError when it is larger than ``DASHBOARD_MAX_FILE_MB``."""
    if len(upload.data) > limits.max_file_bytes:
        raise RunFileError(
            f"{clean(upload.name, ECHO_CHARS)} is larger than {limits.max_file_bytes / MEGABYTE:g} MB, the "
            "most the dashboard reads from one file (DASHBOARD_MAX_FILE_MB)."
        )
    return upload
