"""The files kept with a stored run ("Save all runs"): what each row says, and the SQL that writes and reads
them. :class:`~components.store.archive_store.ArchiveStore` calls these inside its own transactions.

A run's files are its result files, its training and validation files and its events (as JSON lines, as
the provider sent them). Each gets one ``archived_files`` row saying what became of it; the bytes of a
kept one are one ``archived_blobs`` row, zstd-compressed and addressed by their SHA-256, so a training file
shared by twenty runs of a sweep is stored once. Everything here came from outside: names and reasons are
clipped here and shown only through ``components.text``; the bytes are offered as downloads, never read.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import pyarrow as pa
from sqlalchemy import Connection, and_, delete, exists, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from components.store.schema import archived_blobs, archived_files, archived_runs
from components.text import ID_CHARS, NOTE_CHARS, clean, clip

CODEC = "zstd"
NAME_CHARS = 255
DOWNLOAD_NAME_CHARS = 80  # of the provider's name: its end, where the extension is
EVENTS_FILE = ""  # the file id of a run's events, which are no provider file


class FileRole(StrEnum):
    """What a kept file is to its run."""

    RESULT = "result"  # the provider's per-step result file (a CSV, often base64)
    TRAINING = "training"
    VALIDATION = "validation"
    EVENTS = "events"  # the job's events as JSON lines

    @property
    def words(self) -> str:
        return {"result": "Result file", "events": "Events"}.get(self.value, f"{self.value.title()} file")


class FileState(StrEnum):
    """What became of a file when its run was saved."""

    KEPT = "kept"
    SKIPPED = "skipped"  # larger than the store's file limit; its size is recorded
    MISSING = "missing"  # the provider no longer has it (404): asking again will not help
    FAILED = "failed"  # could not be read this time; the next save tries again


@dataclass(frozen=True)
class KeptFile:
    """One file of a stored run as the archive records it (its bytes are read only for a download)."""

    role: FileRole
    file_id: str  # the provider's id; EVENTS_FILE for the events
    name: str  # the provider's name for it (untrusted; clipped), or ours
    size: int | None  # bytes as read, or as the provider gave them for a skipped file; None: unknown
    state: FileState
    reason: str | None = None  # why it was not kept
    sha256: str | None = None  # of the kept bytes


@dataclass(frozen=True)
class FileToKeep:
    """A file to record with a run, and its bytes when they were read now (None: recorded without bytes,
    or already in the store under ``record.sha256``)."""

    record: KeptFile
    data: bytes | None = field(default=None, repr=False)


def kept_bytes(role: FileRole, file_id: str, name: str, data: bytes) -> FileToKeep:
    """A file read whole, to be kept."""
    digest = hashlib.sha256(data).hexdigest()
    record = KeptFile(role, file_id, clean(name, NAME_CHARS), len(data), FileState.KEPT, None, digest)
    return FileToKeep(record, data)


def not_kept(
    role: FileRole, file_id: str, state: FileState, reason: str, size: int | None = None
) -> FileToKeep:
    """A file that is recorded without its bytes, and why."""
    record = KeptFile(
        role, file_id, clip(file_id, ID_CHARS) or role.words, size, state, clean(reason, NOTE_CHARS)
    )
    return FileToKeep(record)


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def download_name(run_id: str, file: KeptFile) -> str:
    """The name a kept file downloads under: the run's checked id, its role, and the provider's name made
    safe (letters, digits, ``.``, ``_``, ``-`` only; no leading dot, no path), so a name a server chose can
    neither climb out of the downloads folder nor hide as a dotfile."""
    safe = _UNSAFE.sub("_", file.name)[-DOWNLOAD_NAME_CHARS:].strip("._-") or file.file_id or file.role.value
    return f"{run_id}-{file.role.value}-{safe}"


def _insert(connection: Connection, table: Any, row: dict[str, Any], keys: Sequence[str]) -> Any:
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values(**row)
    if table is archived_blobs:
        return statement.on_conflict_do_nothing(index_elements=keys)
    changed = {name: statement.excluded[name] for name in row if name not in keys}
    return statement.on_conflict_do_update(index_elements=keys, set_=changed)


def write_files(connection: Connection, run_pk: int, files: Iterable[FileToKeep], saved_at: Any) -> int:
    """Record ``files`` for the stored run ``run_pk`` (replacing its rows of the same files); the bytes
    of the new blobs written, compressed."""
    written = 0
    for file in files:
        record = file.record
        if file.data is not None and record.sha256 is not None:
            packed = pa.compress(file.data, codec=CODEC, asbytes=True)
            blob = {"sha256": record.sha256, "size": len(file.data), "codec": CODEC, "data": packed}
            if connection.execute(_insert(connection, archived_blobs, blob, ["sha256"])).rowcount:
                written += len(packed)
        row = {
            "run_pk": run_pk,
            "role": record.role.value,
            "file_id": record.file_id,
            "name": record.name,
            "size": record.size,
            "state": record.state.value,
            "reason": record.reason,
            "sha256": record.sha256,
            "saved_at": saved_at,
        }
        connection.execute(_insert(connection, archived_files, row, ["run_pk", "role", "file_id"]))
    return written


def _record(row: Any) -> KeptFile:
    return KeptFile(
        FileRole(row.role), row.file_id, row.name, row.size, FileState(row.state), row.reason, row.sha256
    )


_FILE_COLUMNS = (
    archived_files.c.role,
    archived_files.c.file_id,
    archived_files.c.name,
    archived_files.c.size,
    archived_files.c.state,
    archived_files.c.reason,
    archived_files.c.sha256,
)
_ROLE_ORDER = {role: index for index, role in enumerate(FileRole)}


def files_of(connection: Connection, run_pk: int) -> list[KeptFile]:
    """The files recorded for the stored run ``run_pk``: result, training, validation, events."""
    rows = connection.execute(select(*_FILE_COLUMNS).where(archived_files.c.run_pk == run_pk)).all()
    return sorted((_record(row) for row in rows), key=lambda f: (_ROLE_ORDER[f.role], f.file_id))


def known_files(
    connection: Connection, owner: str, source: str, file_ids: Collection[str]
) -> dict[str, KeptFile]:
    """Which of ``file_ids`` (of ``source``) this owner already keeps with some run, by id: a file a sweep's
    runs share is read once."""
    if not file_ids:
        return {}
    statement = (
        select(*_FILE_COLUMNS)
        .join(archived_runs, archived_runs.c.id == archived_files.c.run_pk)
        .where(
            archived_runs.c.owner == owner,
            archived_runs.c.source == source,
            archived_files.c.file_id.in_(sorted(file_ids)),
            archived_files.c.state == FileState.KEPT.value,
            archived_files.c.role != FileRole.EVENTS.value,
        )
    )
    return {row.file_id: _record(row) for row in connection.execute(statement)}


def file_bytes(connection: Connection, run_pk: int, role: FileRole, file_id: str) -> bytes | None:
    """The kept bytes of one file of the run ``run_pk``, or None when it has none."""
    statement = (
        select(archived_blobs.c.codec, archived_blobs.c.size, archived_blobs.c.data)
        .join(archived_files, archived_files.c.sha256 == archived_blobs.c.sha256)
        .where(
            archived_files.c.run_pk == run_pk,
            archived_files.c.role == role.value,
            archived_files.c.file_id == file_id,
        )
    )
    row = connection.execute(statement).first()
    if row is None or row.codec != CODEC:
        return None
    return pa.decompress(bytes(row.data), decompressed_size=row.size, codec=CODEC, asbytes=True)


def files_saved(limit: int) -> Any:
    """Whether a stored run's files were saved whole: it has file rows, none that failed, and none skipped
    for its size that the file limit ``limit`` (bytes) now allows."""
    has_files = exists().where(archived_files.c.run_pk == archived_runs.c.id)
    failed = archived_files.c.state == FileState.FAILED.value
    fits_now = and_(
        archived_files.c.state == FileState.SKIPPED.value,
        or_(archived_files.c.size.is_(None), archived_files.c.size <= limit),
    )
    owed = exists().where(archived_files.c.run_pk == archived_runs.c.id, or_(failed, fits_now))
    return and_(has_files, ~owed)


def settled(file: KeptFile, limit: int) -> bool:
    """Whether a recorded file needs no read: kept, missing, or skipped and still over ``limit``."""
    if file.state is FileState.FAILED:
        return False
    return not (file.state is FileState.SKIPPED and (file.size is None or file.size <= limit))


def forget_runs_files(connection: Connection, run_pks: Any) -> None:
    """Remove the file rows of the runs ``run_pks`` (a select of ids), then every blob no row keeps."""
    connection.execute(delete(archived_files).where(archived_files.c.run_pk.in_(run_pks)))
    used = select(archived_files.c.sha256).where(archived_files.c.sha256.is_not(None))
    connection.execute(delete(archived_blobs).where(archived_blobs.c.sha256.not_in(used)))
