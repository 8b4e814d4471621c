"""Runs opened from files, with no key and no network: a folder on the server, and uploads in the browser.

``DASHBOARD_RUNS_DIR`` is scanned (``components.sources.folder_scan``) for training output folders, folders
of training logs (TensorBoard, LLaMA-Factory, Lightning, tinker) and single run files (result CSVs, this
tool's exports), listed newest first like any source's runs. The scan is bounded (depth, entries, runs),
never follows a symbolic link, and is kept ``SCAN_SECONDS`` (a failure too); a run is opened by finding its
id in that scan and reading it through directory handles opened one component at a time without following
links (``components.sources.under_root``), so no name from outside can make it read anything but a regular
file inside the folder. An upload is one file, or a zip of a run folder (``components.sources.folder_run``).

A run's id is made from its path, never the path itself: ``{readable part}-{10 hex of a hash}``, one safe
segment (see ``components.domain.ref``), stable across restarts. Uploads get ids from their name and bytes.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from components.api.limits import MEGABYTE, Limits
from components.data.values import as_text
from components.domain import InvalidRunRefError, RunData, RunRef, RunStatus, RunSummary, check_run_id
from components.sources.base import Progress, Refresh, RunPage, SourceInfo, SourceKind
from components.sources.file_kinds import sniff
from components.sources.folder_live import FolderLive, FolderRefresh, Watch, read_live
from components.sources.folder_run import is_zip, run_from_zip
from components.sources.folder_scan import FoundRun, Scan, make_run_id, scan_folder
from components.sources.listed_status import listed_summary
from components.sources.liveness import DEFAULT_QUIET_MINUTES
from components.sources.run_files import Origin, RunFileError, run_from_bytes
from components.text import ECHO_CHARS, clean

FILES = "files"
DEFAULT_MAX_LOG_MB = 1024.0
"""The most of one appended training log in the runs folder (the operator's own files, read a chunk at a
time, so memory holds the run's frame and one chunk, not the file): a 1,000,000-step log of 20 metrics is
about 460 MB. Uploads and files read whole stay within DASHBOARD_MAX_FILE_MB."""
UPLOAD = "upload"
FILES_LABEL = "Runs folder"
UPLOAD_LABEL = "Uploaded files"
MAX_UPLOADS = 50
PAGE_SIZE = 100
# How long one scan of the runs folder answers for it: a page's reruns and an unknown ``?run=files:`` id
# cost one walk of up to MAX_ENTRIES entries per few seconds, not one each; a new run shows within it.
SCAN_SECONDS = 5.0
ZIP_LABEL = "zip of a run folder"


class _ScanCache:
    """The last scan of each runs folder (or why it failed), for ``SCAN_SECONDS``; one walk at a time."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._done: dict[tuple[Path, bytes], tuple[float, Scan | RunFileError]] = {}

    def scan(self, root: Path, salt: bytes = b"") -> Scan:
        with self._lock:
            hit = self._done.get((root, salt))
            if hit is None or self.clock() - hit[0] >= SCAN_SECONDS:
                try:
                    result: Scan | RunFileError = scan_folder(root, salt)
                except RunFileError as exc:
                    result = exc
                hit = self._done[(root, salt)] = (self.clock(), result)
        if isinstance(hit[1], RunFileError):
            raise RunFileError(str(hit[1])) from None
        return hit[1]

    def clear(self) -> None:
        with self._lock:
            self._done.clear()


SCANS = _ScanCache()


def _window(cursor: str | None) -> slice:
    """The positions of the ``PAGE_SIZE`` runs from ``cursor`` (a number this module made)."""
    if cursor is not None and not (cursor.isdigit() and len(cursor) <= 7):
        raise InvalidRunRefError("That list position is not one this dashboard made.")
    start = int(cursor or 0)
    return slice(start, start + PAGE_SIZE)


def _page(runs: Sequence[RunSummary], cursor: str | None, notes: tuple[str, ...]) -> RunPage:
    """One page of ``PAGE_SIZE`` runs from the position ``cursor``."""
    window = _window(cursor)
    more = str(window.stop) if window.stop < len(runs) else None
    return RunPage(tuple(runs[window]), more, notes if window.start == 0 else ())


def folders_label(roots: Sequence[Path]) -> str:
    """The runs folders by name, as the page shows where runs come from: ``DASHBOARD_RUNS_DIR (a, b)``."""
    return f"DASHBOARD_RUNS_DIR ({clean(', '.join(root.name for root in roots), ECHO_CHARS)})"


class FilesSource:
    """The runs in ``DASHBOARD_RUNS_DIR`` (one folder or several): training output folders, log folders and
    run files, newest first; a run still being written is read on from where the last read stopped."""

    def __init__(
        self,
        roots: Path | Sequence[Path],
        limits: Limits,
        *,
        quiet_seconds: float = DEFAULT_QUIET_MINUTES * 60,
        max_log_bytes: int = round(DEFAULT_MAX_LOG_MB * MEGABYTE),
        clock: Callable[[], float] = time.time,
    ) -> None:
        roots = (roots,) if isinstance(roots, Path) else tuple(roots)
        # One folder keeps the ids it always had; of several, each folder's path goes into its runs' ids.
        self._watches = tuple(
            Watch(
                root,
                os.fsencode(str(root)) + b"\0" if len(roots) > 1 else b"",
                limits.max_file_bytes,
                max(max_log_bytes, limits.max_file_bytes),
                quiet_seconds,
                clock,
            )
            for root in roots
        )
        self._info = SourceInfo(
            name=FILES,
            label=FILES_LABEL,
            endpoint=folders_label(roots),
            kind=SourceKind.FILES,
            inference=False,
        )

    @property
    def info(self) -> SourceInfo:
        return self._info

    def scan(self) -> Scan:
        """Everything the folders hold now (bounded), newest first: a fresh walk of each."""
        scans = [scan_folder(watch.root, watch.salt) for watch in self._watches]
        runs = sorted(
            (run for scan in scans for run in scan.runs), key=lambda run: (-run.modified, run.run_id)
        )
        return Scan(tuple(runs), tuple(note for scan in scans for note in scan.notes))

    def _found(self) -> Iterator[tuple[Watch, FoundRun]]:
        """Every run of every folder (each scan kept ``SCAN_SECONDS``), folder by folder."""
        for watch in self._watches:
            for run in SCANS.scan(watch.root, watch.salt).runs:
                yield watch, run

    def _name(self, watch: Watch, found: FoundRun) -> str:
        """A run's name: its path in its folder, after the folder's name when there are several."""
        inside = str(found.relative)
        if len(self._watches) == 1:
            return inside
        return watch.root.name if inside == "." else f"{watch.root.name}/{inside}"

    def list_runs(self, cursor: str | None = None) -> RunPage:
        notes = tuple(note for watch in self._watches for note in SCANS.scan(watch.root, watch.salt).notes)
        found = sorted(self._found(), key=lambda pair: (-pair[1].modified, pair[1].run_id))
        runs = [replace(run.summary(FILES), name=as_text(self._name(watch, run))) for watch, run in found]
        window = _window(cursor)  # the page's rows get the status their files say (a few stats each)
        for at in range(window.start, min(window.stop, len(runs))):
            runs[at] = listed_summary(*found[at], runs[at])
        return _page(runs, cursor, notes)

    def load_run(
        self, run_id: str, on_progress: Progress | None = None, *, resume: RunData | None = None
    ) -> RunData:
        """The run with this id in a fresh scan (a run that moved is not found, never guessed), read whole,
        with the live state a refresh goes on from."""
        run_id = check_run_id(run_id)
        report = on_progress or (lambda _message: None)
        report("Looking for the run in the runs folder…")
        hit = next(((watch, run) for watch, run in self._found() if run.run_id == run_id), None)
        if hit is None:
            raise RunFileError(f"No run {run_id} in the runs folder: it may have been moved or deleted.")
        report("Reading the run…")
        watch, found = hit
        return read_live(watch, found, Origin(RunRef(FILES, run_id), FILES_LABEL, self._name(watch, found)))

    def refresh(self, previous: RunData) -> Refresh:
        """``previous`` brought up to date: a few ``stat`` calls when nothing was written, else what was
        appended (``components.sources.folder_live``)."""
        state = previous.resume
        root = state.root if isinstance(state, FolderLive) else None
        watch = next((watch for watch in self._watches if watch.root == root), self._watches[0])
        run_id = previous.summary.run_id
        return FolderRefresh(previous, self._info, watch, lambda: self.load_run(run_id)).run()


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
        origin = Origin(RunRef(UPLOAD, run_id), UPLOAD_LABEL, upload.name)
        if is_zip(upload.data):
            return run_from_zip(upload.data, origin, self._limits.max_file_bytes)
        return run_from_bytes(upload.data, origin)


def _kind_label(data: bytes) -> str | None:
    """A file's kind in words for the run list; None when it is no run file (opening it says why)."""
    if is_zip(data):
        return ZIP_LABEL
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
