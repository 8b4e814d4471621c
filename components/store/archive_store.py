"""The archive store: finished runs kept whole in a database, each visible to the credential that fetched it.

A run is written in one transaction (its row, then its two tables), so it is stored whole or not at all;
writing the same run again replaces it in the same way. Reads are one statement each, so a run being
replaced at that moment is read as it was or as it is, never half of each. Nothing here knows Streamlit;
every database or file failure is a :class:`~components.store.errors.StoreError`.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, and_, delete, func, insert, select, text, true, tuple_
from sqlalchemy.dialects import postgresql, sqlite

from components.data.values import as_text
from components.domain import Provenance, RunData, RunRef, RunStatus, RunSummary
from components.domain.listing import MAX_QUERY_CHARS, searchable
from components.domain.ref import RUN_ID_PATTERN
from components.export.parquet_file import frame_from_parquet, frame_to_parquet
from components.export.schema import read_run_body, run_body, summary_body, summary_from_document
from components.store.engine import WRITE, make_engine, upgrade
from components.store.errors import StoreError, store_errors
from components.store.fingerprint import NO_CREDENTIAL, fingerprint, user_fingerprint
from components.store.kept_files import (
    FileRole,
    FileToKeep,
    KeptFile,
    file_bytes,
    files_of,
    files_saved,
    forget_runs_files,
    known_files,
    write_files,
)
from components.store.schema import archive_meta, archived_frames, archived_runs
from components.store.settings import StoreConfig

CODEC = "parquet-zstd"
TABLES = ("history", "checkpoints")
LIVE = frozenset({RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.PAUSED})
MAX_PAGE = 500
QUOTA_LOCK = 0x66745F71756F7461  # pg_advisory_xact_lock key ("ft_quota"): one quota check at a time
logger = logging.getLogger(__name__)
# What decoding a stored row can raise when its text or blobs are damaged: JSON and export checks
# (ExportError is a ValueError), text that is not UTF-8, a missing value, nesting too deep.
_DAMAGE = (ValueError, TypeError, KeyError, RecursionError)


class DamagedRunError(StoreError):
    """A stored run whose row or tables cannot be decoded: damaged, or saved by a newer dashboard."""

    def __init__(self) -> None:
        super().__init__(
            "The archived copy of this run cannot be read: it is damaged, or was saved by a newer dashboard."
        )


class NotArchivableError(StoreError, ValueError):
    """A run that must not be stored: still running, or only partly read."""


class QuotaReachedError(StoreError):
    """The owner already has as many runs stored as it may (visitors with neither a key nor a sign-in)."""


class OwnerKind(StrEnum):
    """What a stored run's owner fingerprint is a fingerprint of (column ``owner_kind``)."""

    KEY = "key"  # the credential the run was read with
    USER = "user"  # the signed-in user who saved it
    NONE = "none"  # nobody: saved by a visitor with neither a key nor a sign-in (NO_CREDENTIAL)


@dataclass(frozen=True)
class Owner:
    """Whom a run is stored for: a fingerprint, what it is of, and how many runs it may hold (None: any)."""

    fingerprint: str
    kind: OwnerKind = OwnerKind.KEY
    quota: int | None = None

    @classmethod
    def of(cls, owner: str | Owner) -> Owner:
        """``owner`` as an Owner: a bare fingerprint is a credential's, or nobody's (NO_CREDENTIAL)."""
        if isinstance(owner, Owner):
            return owner
        return cls(owner, OwnerKind.NONE if owner == NO_CREDENTIAL else OwnerKind.KEY)


class Kept(StrEnum):
    """How much of a run "Save all runs" finds in the archive already (:meth:`ArchiveStore.save_states`)."""

    WHOLE = "whole"  # the run and its files: nothing to read
    RUN_ONLY = "run only"  # the run (this owner's copy), without all of its files


class Saved(StrEnum):
    """What :meth:`ArchiveStore.save` did."""

    STORED = "stored"  # new in the archive
    REPLACED = "replaced"  # this credential's older copy was replaced
    ALREADY = "already stored"  # kept the copy that was there (``replace=False``)


@dataclass(frozen=True)
class SaveResult:
    """What :meth:`ArchiveStore.save` did, and how many bytes the run's tables take in the store."""

    outcome: Saved
    stored_bytes: int
    saved_at: pd.Timestamp | None  # when the copy in the archive was saved (None: nothing was written)


@dataclass(frozen=True)
class Viewer:
    """Who reads the archive: the fingerprints of a session's credentials and of its signed-in user, and
    whether the store is shared.

    A viewer sees the runs stored under any of its fingerprints and those stored with no credential; in a
    shared store (``DASHBOARD_STORE_SHARED=true``) every run.
    """

    fingerprints: frozenset[str] = frozenset()
    shared: bool = False


@dataclass(frozen=True)
class StoredRun:
    """One stored run as the archive's job list shows it (its tables are not read)."""

    summary: RunSummary  # as it was read, under its own address (e.g. openai:ftjob-…)
    archive_id: str  # its id under the archive source: archive:<archive_id>
    saved_at: pd.Timestamp
    provenance: Provenance
    history_rows: int
    checkpoint_rows: int
    stored_bytes: int

    @property
    def ref(self) -> RunRef:
        return self.summary.ref


@dataclass(frozen=True)
class ArchivedRun:
    """A whole run read back from the archive, and when it was saved."""

    run: RunData
    archive_id: str
    saved_at: pd.Timestamp


@dataclass(frozen=True)
class ListedRuns:
    """One page of stored runs, newest first, whether more follow, and how many rows of the page could not be
    read (left out, so one damaged row never fails the list)."""

    runs: tuple[StoredRun, ...]
    has_more: bool
    damaged: int = 0


def archive_id(ref: RunRef) -> str:
    """The id a run has under the archive source: ``openai-ftjob-abc`` (a source name has no ``-``, so it
    reads back unambiguously); a hash when that would be longer than an id may be."""
    plain = f"{ref.source}-{ref.run_id}"
    if RUN_ID_PATTERN.fullmatch(plain):
        return plain
    return f"{ref.source}-h{hashlib.sha256(str(ref).encode()).hexdigest()[:40]}"


def archivable_problem(run: RunData) -> str | None:
    """Why ``run`` must not be stored (still running, partly read), or None when it may be."""
    if run.summary.status in LIVE:
        return f"The run is {run.summary.status_text}: it is archived once it has finished."
    if run.is_partial:
        return "Only part of the run could be read; the archive stores a run whole."
    return None


def _utc(value: Any) -> pd.Timestamp:
    """A time from the database (SQLite gives it back without a zone; it was written in UTC)."""
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _db_time(stamp: pd.Timestamp | None) -> Any:
    return None if stamp is None else stamp.tz_convert("UTC").to_pydatetime()


def _now() -> pd.Timestamp:
    """Now, as both databases keep a time (microseconds, UTC)."""
    return pd.Timestamp.now(tz="UTC").floor("us")


def _own(ref: RunRef, owner: str) -> Any:
    """``owner``'s copy of ``ref``."""
    return and_(
        archived_runs.c.owner == owner,
        archived_runs.c.source == ref.source,
        archived_runs.c.run_id == ref.run_id,
    )


def _addressed(run: RunRef | str) -> Any:
    """The copies of a run named by its address, or by its archive id (a string: ``archive:<id>``)."""
    if isinstance(run, str):
        return archived_runs.c.archive_id == run
    return and_(archived_runs.c.source == run.source, archived_runs.c.run_id == run.run_id)


def _like(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _run_row(run: RunData, owner: Owner, blobs: dict[str, bytes], saved_at: pd.Timestamp) -> dict[str, Any]:
    """The ``archived_runs`` row of ``run`` saved at ``saved_at`` for ``owner`` (tables: ``blobs``)."""
    body = run_body(run, lambda _name, frame: {"rows": len(frame), "codec": CODEC})
    body.pop("summary")
    summary = run.summary
    return {
        "owner": owner.fingerprint,
        "owner_kind": owner.kind.value,
        "source": summary.ref.source,
        "run_id": summary.ref.run_id,
        "archive_id": archive_id(summary.ref),
        "status": summary.status.value,
        "created_at": _db_time(summary.created_at),
        "sort_time": _db_time(summary.created_at or saved_at),
        "saved_at": _db_time(saved_at),
        "fetched_at": _db_time(run.provenance.fetched_at),
        "source_label": run.provenance.label[:100],
        "endpoint": run.provenance.endpoint,
        "summary": json.dumps(summary_body(summary), ensure_ascii=True),
        "body": json.dumps(body, ensure_ascii=True, allow_nan=False),
        "history_rows": len(run.history),
        "checkpoint_rows": len(run.checkpoints),
        "stored_bytes": sum(len(blob) for blob in blobs.values()),
        "search_text": "\n".join(searchable(summary)),
    }


def _upsert(connection: Connection, row: dict[str, Any], replace: bool) -> Any:
    """Insert ``row``; on the same owner, source and run: replace the rest (``replace``) or do nothing."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(archived_runs).values(**row)
    keys = [archived_runs.c.owner, archived_runs.c.source, archived_runs.c.run_id]
    if not replace:
        return statement.on_conflict_do_nothing(index_elements=keys)
    changed = {name: statement.excluded[name] for name in row if name not in ("owner", "source", "run_id")}
    return statement.on_conflict_do_update(index_elements=keys, set_=changed)


def _check_quota(connection: Connection, owner: Owner) -> None:
    """QuotaReachedError when ``owner`` may hold no more runs; counted inside the writing transaction."""
    if owner.quota is None:
        return
    if connection.dialect.name == "postgresql":  # SQLite's BEGIN IMMEDIATE already makes writers take turns
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": QUOTA_LOCK})
    held = connection.execute(
        select(func.count()).select_from(archived_runs).where(archived_runs.c.owner == owner.fingerprint)
    ).scalar_one()
    if held >= owner.quota:
        raise QuotaReachedError(
            f"the archive already holds {held} runs saved without a key or a sign-in, the most this server "
            "allows; sign in or add a key to save more"
        )


# What the job list shows of a stored run (its tables are not read).
_LISTED = (
    archived_runs.c.id,
    archived_runs.c.summary,
    archived_runs.c.archive_id,
    archived_runs.c.saved_at,
    archived_runs.c.sort_time,
    archived_runs.c.fetched_at,
    archived_runs.c.source,
    archived_runs.c.source_label,
    archived_runs.c.endpoint,
    archived_runs.c.history_rows,
    archived_runs.c.checkpoint_rows,
    archived_runs.c.stored_bytes,
)


def _matching(query: str, statuses: Collection[RunStatus]) -> list[Any]:
    """Runs whose search text holds every word of ``query`` and (given ``statuses``) whose status is one."""
    conditions: list[Any] = [
        archived_runs.c.search_text.like(_like(word), escape="\\")
        for word in query[:MAX_QUERY_CHARS].casefold().split()
    ]
    if statuses:
        conditions.append(archived_runs.c.status.in_(sorted(status.value for status in statuses)))
    return conditions


def _newest_copy_first() -> Any:
    """``copy``: 1 for the newest saved copy of each run, 2 for the one before, …"""
    return (
        func.row_number()
        .over(
            partition_by=(archived_runs.c.source, archived_runs.c.run_id),
            order_by=(archived_runs.c.saved_at.desc(), archived_runs.c.id.desc()),
        )
        .label("copy")
    )


def _stored_run(row: Any) -> StoredRun:
    """A listed row as the job list's :class:`StoredRun`."""
    return StoredRun(
        summary=summary_from_document(json.loads(row.summary)),
        archive_id=row.archive_id,
        saved_at=_utc(row.saved_at),
        provenance=Provenance(row.source, as_text(row.source_label), row.endpoint, _utc(row.fetched_at)),
        history_rows=row.history_rows,
        checkpoint_rows=row.checkpoint_rows,
        stored_bytes=row.stored_bytes,
    )


def _listed(row: Any) -> StoredRun | None:
    """A listed row, or None when it cannot be decoded (logged; the list says how many it left out)."""
    try:
        return _stored_run(row)
    except _DAMAGE:
        logger.warning("The archived run %s cannot be decoded; it is left out of the list.", row.archive_id)
        return None


def _decoded_run(row: Any, blobs: dict[str, Any]) -> RunData:
    """A stored run from its row's body and summary and its two table blobs, every field checked."""
    body = json.loads(row.body) | {"summary": json.loads(row.summary)}

    def read_frame(name: str, spec: Any) -> pd.DataFrame:
        frame = frame_from_parquet(bytes(blobs[name]), name)
        if not isinstance(spec, dict) or spec.get("rows") != len(frame):
            raise ValueError("the stored table does not match its description")
        return frame

    return read_run_body(body, read_frame)


class ArchiveStore:
    """Finished runs in a database (SQLite or PostgreSQL): save, open, list and search them."""

    def __init__(self, engine: Engine, config: StoreConfig) -> None:
        self._engine = engine
        self.config = config
        with self._errors("be read"), engine.connect() as connection:
            key = connection.execute(
                select(archive_meta.c.value).where(archive_meta.c.name == "fingerprint_key")
            ).scalar_one()
        self._key = bytes.fromhex(key)

    def __repr__(self) -> str:
        return f"ArchiveStore({self.config.shown!r})"

    @property
    def engine(self) -> Engine:
        return self._engine

    def _errors(self, action: str) -> Any:
        return store_errors(action, self.config.shown, self.config.secrets)

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with (
            self._errors("save the run"),
            self._engine.connect().execution_options(**WRITE) as connection,
            connection.begin(),
        ):
            yield connection

    # ---- Who -----------------------------------------------------------------------------------------------

    def fingerprint(self, material: str | None) -> str:
        """The fingerprint of a credential's material in this store (``components.store.fingerprint``)."""
        return fingerprint(self._key, material)

    def user_fingerprint(self, email: str) -> str:
        """The fingerprint of the signed-in user with this e-mail address in this store."""
        return user_fingerprint(self._key, email)

    def viewer(self, materials: Iterable[str | None] = (), user: str | None = None) -> Viewer:
        """The viewer of a session holding these credentials (materials), signed in as ``user`` (an e-mail
        address) or not, in this store's sharing mode."""
        fingerprints = {self.fingerprint(material) for material in materials}
        if user:
            fingerprints.add(self.user_fingerprint(user))
        return Viewer(frozenset(fingerprints), self.config.shared)

    @staticmethod
    def _visible(viewer: Viewer) -> Any:
        if viewer.shared:
            return true()
        return archived_runs.c.owner.in_(sorted(viewer.fingerprints | {NO_CREDENTIAL}))

    # ---- Writing -------------------------------------------------------------------------------------------

    def save(
        self, run: RunData, owner: str | Owner, *, replace: bool = True, files: Sequence[FileToKeep] = ()
    ) -> SaveResult:
        """Store ``run`` whole for ``owner`` (an :class:`Owner`, or a credential's fingerprint), with its
        ``files`` (``components.store.kept_files``), in one transaction.

        ``replace``: an older copy of this run under ``owner`` is replaced (else kept, and only ``files`` are
        recorded with it). A running or partly read run raises :class:`NotArchivableError`; a new run beyond
        the owner's quota :class:`QuotaReachedError`.
        """
        if problem := archivable_problem(run):
            raise NotArchivableError(problem)
        owner = Owner.of(owner)
        blobs = {"history": frame_to_parquet(run.history), "checkpoints": frame_to_parquet(run.checkpoints)}
        saved_at = _now()
        row = _run_row(run, owner, blobs, saved_at)
        with self._write() as connection:
            existed = connection.execute(
                select(archived_runs.c.id).where(_own(run.summary.ref, owner.fingerprint))
            ).first()
            if existed is None:
                _check_quota(connection, owner)
            run_pk = connection.execute(
                _upsert(connection, row, replace).returning(archived_runs.c.id)
            ).scalar()
            if run_pk is None:
                assert existed is not None
                written = write_files(connection, existed.id, files, _db_time(saved_at))
                return SaveResult(Saved.ALREADY, written, None)
            connection.execute(delete(archived_frames).where(archived_frames.c.run_pk == run_pk))
            connection.execute(
                insert(archived_frames),
                [{"run_pk": run_pk, "name": name, "codec": CODEC, "data": blobs[name]} for name in TABLES],
            )
            written = write_files(connection, run_pk, files, _db_time(saved_at))
        outcome = Saved.REPLACED if existed is not None else Saved.STORED
        return SaveResult(outcome, row["stored_bytes"] + written, saved_at)

    def add_files(self, ref: RunRef, owner: str, files: Sequence[FileToKeep]) -> int:
        """Record ``files`` with ``owner``'s stored copy of ``ref``, which stays as it is; the bytes written.

        StoreError when that copy is gone (removed since it was found).
        """
        with self._write() as connection:
            run_pk = connection.execute(select(archived_runs.c.id).where(_own(ref, owner))).scalar()
            if run_pk is None:
                raise StoreError("The run is no longer in the archive: save it again.")
            return write_files(connection, run_pk, files, _db_time(_now()))

    # ---- Reading -------------------------------------------------------------------------------------------

    def _newest(self, where: Any, viewer: Viewer) -> Any:
        """The id of the newest copy matching ``where`` that ``viewer`` may see, as a scalar subquery."""
        return (
            select(archived_runs.c.id)
            .where(where, self._visible(viewer))
            .order_by(archived_runs.c.saved_at.desc(), archived_runs.c.id.desc())
            .limit(1)
            .scalar_subquery()
        )

    def _read(self, where: Any, viewer: Viewer) -> ArchivedRun | None:
        """The newest visible run matching ``where``, with its tables, in one statement."""
        newest = self._newest(where, viewer)
        statement = (
            select(
                archived_runs.c.archive_id,
                archived_runs.c.saved_at,
                archived_runs.c.summary,
                archived_runs.c.body,
                archived_frames.c.name,
                archived_frames.c.codec,
                archived_frames.c.data,
            )
            .join(archived_frames, archived_frames.c.run_pk == archived_runs.c.id)
            .where(archived_runs.c.id == newest)
        )
        with self._errors("be read"), self._engine.connect() as connection:
            rows = connection.execute(statement).all()
        if not rows:
            return None
        blobs = {row.name: row.data for row in rows if row.codec == CODEC}
        if set(blobs) != set(TABLES):
            raise StoreError("The archived copy of this run is incomplete; it was left out.")
        first = rows[0]
        try:
            run = _decoded_run(first, blobs)
        except _DAMAGE:
            logger.warning("The archived run %s cannot be decoded; it was left out.", first.archive_id)
            raise DamagedRunError from None
        return ArchivedRun(run, first.archive_id, _utc(first.saved_at))

    def load(self, ref: RunRef, viewer: Viewer) -> ArchivedRun | None:
        """The stored run ``ref`` (its newest copy this viewer may see), or None when there is none."""
        where = and_(archived_runs.c.source == ref.source, archived_runs.c.run_id == ref.run_id)
        return self._read(where, viewer)

    def load_archived(self, archived: str, viewer: Viewer) -> ArchivedRun | None:
        """The stored run with this archive id (``archive:<id>``), or None."""
        return self._read(archived_runs.c.archive_id == archived, viewer)

    def stored_refs(self, refs: Collection[RunRef], viewer: Viewer) -> set[RunRef]:
        """Which of ``refs`` this viewer already has in the archive (one query)."""
        if not refs:
            return set()
        pairs = [(ref.source, ref.run_id) for ref in refs]
        statement = select(archived_runs.c.source, archived_runs.c.run_id).where(
            tuple_(archived_runs.c.source, archived_runs.c.run_id).in_(pairs), self._visible(viewer)
        )
        with self._errors("be read"), self._engine.connect() as connection:
            return {RunRef(source, run_id) for source, run_id in connection.execute(statement)}

    def list_runs(
        self,
        viewer: Viewer,
        *,
        query: str = "",
        statuses: Collection[RunStatus] = (),
        offset: int = 0,
        limit: int = 100,
    ) -> ListedRuns:
        """Stored runs this viewer may see, newest first (by the run's creation, else its saving), one copy
        per run; ``query`` matches as ``components.domain.listing.search_runs`` does, ``statuses`` filters."""
        limit = max(1, min(limit, MAX_PAGE))
        conditions = [self._visible(viewer), *_matching(query, statuses)]
        ranked = select(*_LISTED, _newest_copy_first()).where(*conditions).subquery()
        statement = (
            select(ranked)
            .where(ranked.c.copy == 1)
            .order_by(ranked.c.sort_time.desc(), ranked.c.id.desc())
            .offset(max(0, offset))
            .limit(limit + 1)
        )
        with self._errors("list its runs"), self._engine.connect() as connection:
            rows = connection.execute(statement).all()
        listed = [_listed(row) for row in rows[:limit]]
        runs = tuple(run for run in listed if run is not None)
        return ListedRuns(runs, len(rows) > limit, len(listed) - len(runs))

    def count(self, viewer: Viewer) -> int:
        """How many runs this viewer may see (each run once)."""
        distinct = (
            select(archived_runs.c.source, archived_runs.c.run_id).where(self._visible(viewer)).distinct()
        )
        with self._errors("be read"), self._engine.connect() as connection:
            return connection.execute(select(func.count()).select_from(distinct.subquery())).scalar_one()

    def delete(self, ref: RunRef, viewer: Viewer) -> int:
        """Remove every copy of ``ref`` this viewer may see; how many were removed."""
        where = and_(archived_runs.c.source == ref.source, archived_runs.c.run_id == ref.run_id)
        with self._write() as connection:
            ids = select(archived_runs.c.id).where(where, self._visible(viewer))
            connection.execute(delete(archived_frames).where(archived_frames.c.run_pk.in_(ids)))
            forget_runs_files(connection, ids)
            return connection.execute(delete(archived_runs).where(archived_runs.c.id.in_(ids))).rowcount

    # ---- Kept files (components.store.kept_files) --------------------------------------------------------

    def save_states(self, refs: Collection[RunRef], viewer: Viewer, owner: str) -> dict[RunRef, Kept]:
        """Where each of ``refs`` stands for "Save all runs": WHOLE when a copy this viewer sees has its files
        saved (none failed, none skipped that the file limit now allows), RUN_ONLY when ``owner``'s copy lacks
        (some of) them; refs in neither case are left out."""
        states: dict[RunRef, Kept] = {}
        pairs = [(ref.source, ref.run_id) for ref in refs]
        for start in range(0, len(pairs), MAX_PAGE):
            statement = select(
                archived_runs.c.source,
                archived_runs.c.run_id,
                archived_runs.c.owner,
                files_saved(self.config.file_limit).label("whole"),
            ).where(
                tuple_(archived_runs.c.source, archived_runs.c.run_id).in_(pairs[start : start + MAX_PAGE]),
                self._visible(viewer),
            )
            with self._errors("be read"), self._engine.connect() as connection:
                for row in connection.execute(statement):
                    ref = RunRef(row.source, row.run_id)
                    if row.whole:
                        states[ref] = Kept.WHOLE
                    elif row.owner == owner and states.get(ref) is not Kept.WHOLE:
                        states[ref] = Kept.RUN_ONLY
        return states

    def own_files(self, ref: RunRef, owner: str) -> list[KeptFile]:
        """The files recorded with ``owner``'s copy of ``ref`` (none when it has none)."""
        with self._errors("be read"), self._engine.connect() as connection:
            run_pk = connection.execute(select(archived_runs.c.id).where(_own(ref, owner))).scalar()
            return [] if run_pk is None else files_of(connection, run_pk)

    def known_files(self, owner: str, source: str, file_ids: Collection[str]) -> dict[str, KeptFile]:
        """Which of ``file_ids`` ``owner`` already keeps with some run of ``source``, by id."""
        with self._errors("be read"), self._engine.connect() as connection:
            return known_files(connection, owner, source, file_ids)

    def kept_files(self, run: RunRef | str, viewer: Viewer) -> list[KeptFile]:
        """The files recorded with the newest copy this viewer sees of ``run`` (its address or archive id)."""
        with self._errors("be read"), self._engine.connect() as connection:
            run_pk = connection.execute(select(self._newest(_addressed(run), viewer))).scalar()
            return [] if run_pk is None else files_of(connection, run_pk)

    def kept_file(self, run: RunRef | str, viewer: Viewer, role: FileRole, file_id: str) -> bytes | None:
        """The kept bytes of one file of ``run`` (its newest copy this viewer sees), or None."""
        with self._errors("be read"), self._engine.connect() as connection:
            run_pk = connection.execute(select(self._newest(_addressed(run), viewer))).scalar()
            return None if run_pk is None else file_bytes(connection, run_pk, role, file_id)


def open_store(config: StoreConfig) -> ArchiveStore:
    """The archive ``config`` names, its schema created or migrated first; StoreError when unreachable."""
    with store_errors("be opened", config.shown, config.secrets):
        engine = make_engine(config)
        try:
            upgrade(engine)
        except BaseException:
            engine.dispose()
            raise
    try:
        return ArchiveStore(engine, config)
    except BaseException:
        engine.dispose()
        raise


__all__ = [
    "ArchiveStore",
    "ArchivedRun",
    "Kept",
    "ListedRuns",
    "NotArchivableError",
    "Owner",
    "OwnerKind",
    "QuotaReachedError",
    "SaveResult",
    "Saved",
    "StoredRun",
    "Viewer",
    "archivable_problem",
    "archive_id",
    "open_store",
]
