"""The archive as a run source: the finished runs this session may see, newest first, opened with no request.

Each run keeps the address it was read under (``openai:ftjob-…``) in the list; under this source it is
``archive:<archive id>`` (``archive:openai-ftjob-…``), which opens even when its provider is no longer
configured or no longer answers. The note on an opened run says where it was read and when it was saved.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace

import pandas as pd

from components.domain import Note, NoteKind, Provenance, RunData, RunRef, RunStatus, check_run_id
from components.errors import DashboardError
from components.sources.base import Progress, RunPage, SourceInfo, SourceKind
from components.store import ArchivedRun, ArchiveStore, StoreConfig, Viewer
from components.text import ECHO_CHARS, clean
from components.wording import count

ARCHIVE = "archive"
ARCHIVE_LABEL = "Archive"
PAGE_SIZE = 100
_MAX_OFFSET_DIGITS = 9


class NotInArchiveError(DashboardError):
    """No stored run with that id that this session may see."""


def not_in_archive(run_id: str) -> str:
    """The message for an archive id this session has no run under."""
    return f"No run {run_id} in the archive for this key: it was never saved, or saved with another key."


def damaged_note(damaged: int) -> str:
    """The list's note for stored runs it left out because they cannot be read."""
    runs = count(damaged, "stored run")
    return (
        f"{runs} cannot be read (damaged, or saved by a newer dashboard) and "
        f"{'is' if damaged == 1 else 'are'} left out of this list."
    )


def _when(stamp: pd.Timestamp) -> str:
    return f"{stamp.tz_convert('UTC'):%Y-%m-%d %H:%M} UTC"


def archive_note(saved_at: pd.Timestamp, provenance: Provenance) -> str:
    """The sentence shown with a run served from the archive: what it is, where it was read, and when."""
    return (
        f"From the archive, saved {_when(saved_at)}: read from {clean(provenance.label, ECHO_CHARS)} "
        f"({clean(provenance.endpoint, ECHO_CHARS * 2)}) on {_when(provenance.fetched_at)}. No request was "
        "made for it."
    )


def store_endpoint(config: StoreConfig) -> str:
    """The store in words, safe to show: its kind and file or database name (no host, user or password)."""
    if config.sqlite_path is not None:
        return f"DASHBOARD_STORE (SQLite {clean(config.sqlite_path.name, ECHO_CHARS)})"
    return f"DASHBOARD_STORE (PostgreSQL {clean(config.url.database or '', ECHO_CHARS)})"


def served_from_archive(archived: ArchivedRun, ref: RunRef | None = None) -> RunData:
    """The archived run with the archive's note, under ``ref`` (default: the address it was read under)."""
    run = archived.run
    summary = run.summary if ref is None else replace(run.summary, ref=ref)
    note = Note(NoteKind.STORED_COPY, archive_note(archived.saved_at, run.provenance))
    return replace(run, summary=summary, notes=(*run.notes, note))


def _offset(cursor: str | None) -> int:
    if cursor is None:
        return 0
    if not (cursor.isdigit() and len(cursor) <= _MAX_OFFSET_DIGITS):
        raise NotInArchiveError("That list position is not one this dashboard made.")
    return int(cursor)


class ArchiveSource:
    """The runs of one archive that one viewer may see."""

    def __init__(self, store: ArchiveStore, viewer: Viewer) -> None:
        self._store = store
        self._viewer = viewer
        self._info = SourceInfo(
            name=ARCHIVE,
            label=ARCHIVE_LABEL,
            endpoint=store_endpoint(store.config),
            kind=SourceKind.ARCHIVE,
            inference=False,
        )

    @property
    def info(self) -> SourceInfo:
        return self._info

    @property
    def viewer(self) -> Viewer:
        return self._viewer

    def list_runs(self, cursor: str | None = None) -> RunPage:
        """Up to 100 stored runs after ``cursor``, newest first, each under ``archive:<archive id>``."""
        return self.search(cursor=cursor)

    def search(
        self, query: str = "", statuses: Collection[RunStatus] = (), cursor: str | None = None
    ) -> RunPage:
        """Like :meth:`list_runs`, searched and filtered in the database as ``components.domain.listing``
        searches and filters a list (so an archive of thousands of runs is never read whole)."""
        start = _offset(cursor)
        page = self._store.list_runs(
            self._viewer, query=query, statuses=statuses, offset=start, limit=PAGE_SIZE
        )
        runs = tuple(
            replace(
                stored.summary,
                ref=RunRef(ARCHIVE, stored.archive_id),
                name=stored.summary.name or f"{stored.provenance.label} {stored.summary.run_id}",
            )
            for stored in page.runs
        )
        notes = (damaged_note(page.damaged),) if page.damaged else ()
        return RunPage(runs, str(start + page.damaged + len(runs)) if page.has_more else None, notes)

    def load_run(
        self, run_id: str, on_progress: Progress | None = None, *, resume: RunData | None = None
    ) -> RunData:
        """The stored run ``archive:<run_id>``, exactly as it was saved, with the archive's note."""
        run_id = check_run_id(run_id)
        if on_progress is not None:
            on_progress("Reading the run from the archive…")
        archived = self._store.load_archived(run_id, self._viewer)
        if archived is None:
            raise NotInArchiveError(not_in_archive(run_id))
        return served_from_archive(archived, RunRef(ARCHIVE, run_id))
