"""A run found in a folder, read: from the runs folder, or from a zip of a run folder given as an upload.

A zip is unpacked into a private temporary folder (names that would leave it, links and weights' bytes
never written; at most ``MAX_ENTRIES`` members and the upload limit in all), scanned like the runs folder,
and its newest run read; the folder is gone when the run is read.
"""

from __future__ import annotations

import io
import stat
import tempfile
import zipfile
import zlib
from dataclasses import replace
from pathlib import Path, PurePosixPath

from components.api.limits import MEGABYTE
from components.domain import RunData
from components.domain.note import Note, NoteKind
from components.sources.base import parsed
from components.sources.file_kinds import FileKind, formats_read
from components.sources.folder_logs import FileMark, combined, marks_of, read_marks
from components.sources.folder_scan import MAX_ENTRIES, FoundRun, scan_folder
from components.sources.run_files import NotARunFileError, Origin, RunFileError, run_from_bytes, run_from_logs
from components.wording import count

ZIP_MAGIC = b"PK\x03\x04"
# A zipped run folder's weights, never read: unpacked empty (a checkpoint file's name is all that is read).
WEIGHT_SUFFIXES = (".ckpt", ".safetensors", ".bin", ".pt", ".pth")
_ZIP_FAILURES = (
    zipfile.BadZipFile,
    zlib.error,
    NotImplementedError,
    RuntimeError,
    EOFError,
    OSError,
    ValueError,
)


def found_marks(found: FoundRun) -> tuple[FileMark, ...]:
    """Unread marks of every file a found run is read from: its logs, and its trainer state or run file."""
    if found.kind is FileKind.TRAINER_STATE:
        assert found.state_file is not None
        return (*marks_of(found.logs), FileMark(found.state_file, found.kind))
    if found.logs.files:
        return marks_of(found.logs)
    return (FileMark(found.relative, found.kind),)


def run_of_marks(found: FoundRun, marks: tuple[FileMark, ...], origin: Origin) -> RunData:
    """A found run from its files as read (``marks``): a trainer state with its checkpoints and logs, a
    folder's training logs, or one run file."""
    prefix = f"{found.relative}/" if found.relative.parts else ""
    logs = (
        parsed(f"training logs of {origin.shown}", combined, marks, found.logs) if found.logs.files else None
    )
    if found.kind is FileKind.TRAINER_STATE:
        state = next(mark for mark in marks if mark.kind is FileKind.TRAINER_STATE)
        run = run_from_bytes(
            state.data, origin, checkpoint_steps=found.checkpoint_steps, model_prefix=prefix, logs=logs
        )
        return run if logs is None else replace(run, summary=replace(run.summary, method=found.label))
    if logs is not None:
        return run_from_logs(logs, origin, found.label)
    return run_from_bytes(marks[0].data, origin)


def load_found(root: Path, found: FoundRun, origin: Origin, max_bytes: int) -> RunData:
    """A found run read whole from ``root``."""
    marks = parsed(f"training logs of {origin.shown}", read_marks, root, found_marks(found), max_bytes)
    return run_of_marks(found, marks, origin)


def is_zip(data: bytes) -> bool:
    return data.startswith(ZIP_MAGIC)


def run_from_zip(data: bytes, origin: Origin, max_bytes: int) -> RunData:
    """The newest run in a zip of a run folder (or of a folder of runs, saying how many it holds)."""
    with tempfile.TemporaryDirectory(prefix="dashboard-upload-") as folder:
        root = Path(folder)
        try:
            _unpack(data, root, max_bytes)
        except _ZIP_FAILURES as exc:
            raise RunFileError(f"The zip {origin.shown} cannot be unpacked ({type(exc).__name__}).") from None
        runs = scan_folder(root).runs
        if not runs:
            raise NotARunFileError(
                f"The zip {origin.shown} holds no run this dashboard reads. It reads {formats_read()}."
            )
        found = runs[0]
        inside = f"{origin.name}/{found.relative}" if found.relative.parts else origin.name
        run = load_found(root, found, replace(origin, name=inside), max_bytes)
    if len(runs) == 1:
        return run
    note = Note(
        NoteKind.INFO,
        f"The zip holds {count(len(runs), 'run')}; this is the newest. Upload one run folder per zip to see "
        "the others.",
    )
    return replace(run, notes=(*run.notes, note))


def _unpack(data: bytes, root: Path, max_bytes: int) -> None:
    """The zip's regular files under ``root``, their names kept inside it, at most ``max_bytes`` in all."""
    budget = max_bytes
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = archive.infolist()
        if len(members) > MAX_ENTRIES:
            raise ValueError("too many members")
        for member in members:
            path = PurePosixPath(member.filename)
            if (
                member.is_dir()
                or stat.S_ISLNK(member.external_attr >> 16)
                or not _inside(path, member.filename)
            ):
                continue
            target = root.joinpath(*path.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("xb") as out:
                if path.name.endswith(WEIGHT_SUFFIXES):
                    continue
                with archive.open(member) as source:
                    while chunk := source.read(MEGABYTE):
                        budget -= len(chunk)
                        if budget < 0:
                            raise _too_large(max_bytes)
                        out.write(chunk)


def _too_large(max_bytes: int) -> RunFileError:
    return RunFileError(
        f"The zip unpacks to more than {max_bytes / MEGABYTE:g} MB, the most the dashboard reads from one "
        "upload (DASHBOARD_MAX_FILE_MB)."
    )


def _inside(path: PurePosixPath, name: str) -> bool:
    """Whether a member's name stays inside the folder it is unpacked to."""
    return (
        bool(path.parts)
        and not path.is_absolute()
        and "\\" not in name
        and not any(part in ("", ".", "..") for part in path.parts)
    )
