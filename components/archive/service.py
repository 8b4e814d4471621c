"""The archive as the page's loader uses it (no Streamlit): a finished run comes from the archive when it is
there, and goes into it when it was read from an API; the archive failing never fails the page.

- :func:`open_with_archive`: the run a page asks for. A stored copy is served with no request at all (even
  when the provider no longer answers); otherwise the source is read, and a finished run read whole from an
  API source is saved. **Refresh** reads the source again and replaces the stored copy; when the source
  fails, the stored copy is served with a note saying so.
- :func:`save_to_archive`: what the page's "Save to the archive" button calls for runs opened from files
  and uploads (they are stored only when the user asks).
- :func:`connect_archive`: the session's archive, or a note saying why there is none this time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum

import pandas as pd

from components.api.settings import KeySource
from components.domain import Note, NoteKind, RunData, RunRef, check_run_id
from components.domain.note import last_of
from components.errors import DashboardError
from components.sources.archive import ARCHIVE, NotInArchiveError, not_in_archive, served_from_archive
from components.sources.base import Progress, RunSource, SourceKind
from components.sources.registry import Registry, SourceConfig
from components.store import (
    NO_CREDENTIAL,
    ArchiveStore,
    DamagedRunError,
    NotArchivableError,
    Owner,
    OwnerKind,
    Saved,
    StoreConfig,
    StoreError,
    Viewer,
    archivable_problem,
    connect_store,
    credential_material,
)
from components.text import ECHO_CHARS, clean

logger = logging.getLogger(__name__)


class ServedFrom(StrEnum):
    """Where the run the page shows was read."""

    ARCHIVE = "archive"  # the stored copy, with no request
    SOURCE = "source"  # the source itself


@dataclass(frozen=True)
class Opened:
    """A run for the page, where it came from, and where the archive stands with it.

    ``run.notes`` already holds ``archive_note`` when there is one (a page that shows notes shows it);
    ``saved_at`` is when the copy the archive holds was saved (None: the archive has none).
    """

    run: RunData
    served_from: ServedFrom
    saved_at: pd.Timestamp | None = None
    archive_note: str | None = None


@dataclass(frozen=True)
class ArchiveAccess:
    """One session's archive: the store (None when it could not be opened), who the session is, and whom
    the runs it saves from files and uploads are filed under."""

    store: ArchiveStore | None
    viewer: Viewer
    problem: str | None = None  # why there is no archive this time, for a note in the page
    # the signed-in user, else the session's first typed key; None: neither (a visitor without a key)
    filer: Owner | None = None

    def owner(self, config: SourceConfig) -> str:
        """The fingerprint a run read through ``config`` is stored under."""
        assert self.store is not None
        return self.store.fingerprint(credential_material(config.api))


def connect_archive(
    registry: Registry, connect: Callable[[StoreConfig], ArchiveStore] = connect_store
) -> ArchiveAccess | None:
    """The archive of a session whose sources are ``registry`` (None when ``DASHBOARD_STORE=off``).

    It never raises: an archive that cannot be opened is an :class:`ArchiveAccess` without a store and with
    the reason, and the page works as it did before there was an archive.
    """
    config = registry.archive
    if config is None or config.store is None:
        return None
    try:
        store = connect(config.store)
    except StoreError as exc:
        return ArchiveAccess(None, Viewer(), f"The archive is not available this time: {exc}")
    return ArchiveAccess(store, store.viewer(config.credentials, config.user), None, _filer(store, registry))


def _filer(store: ArchiveStore, registry: Registry) -> Owner | None:
    """Whom runs from files and uploads are filed under: the signed-in user, else the first key typed in
    this session; never a key the operator configured, which every visitor of the server uses."""
    user = registry.archive.user if registry.archive is not None else None
    if user:
        return Owner(store.user_fingerprint(user), OwnerKind.USER)
    typed = (config for config in registry.configs if config.key_source is KeySource.TYPED)
    material = next((credential_material(config.api) for config in typed), None)
    return Owner.of(store.fingerprint(material)) if material else None


def _kept_automatically(config: SourceConfig, run: RunData) -> bool:
    """API runs are saved when read whole and finished; files and uploads only when asked; the demo never."""
    return config.kind is SourceKind.API and run.summary.is_terminal and archivable_problem(run) is None


def _with_note(run: RunData, note: str) -> RunData:
    return replace(run, notes=(*run.notes, Note(NoteKind.ARCHIVE, note)))


def _from_store(access: ArchiveAccess, ref: RunRef) -> tuple[Opened | None, str | None]:
    """The stored copy of ``ref`` for this viewer (None when there is none), or the note why it is unread."""
    assert access.store is not None
    try:
        archived = access.store.load(ref, access.viewer)
    except DamagedRunError:
        return (
            None,
            "The archived copy of this run cannot be read (damaged, or saved by a newer dashboard); "
            "it was read from its source instead.",
        )
    except StoreError as exc:
        return None, f"The archive could not be read ({exc}); the run was read from its source instead."
    if archived is None:
        return None, None
    run = served_from_archive(archived)
    return Opened(run, ServedFrom.ARCHIVE, archived.saved_at, last_of(run.notes, NoteKind.STORED_COPY)), None


def _from_archive_source(
    access: ArchiveAccess | None, source: RunSource, run_id: str, on_progress: Progress | None
) -> Opened:
    """A run the page opened as ``archive:<id>``: it is its own stored copy."""
    if access is None or access.store is None:
        run = source.load_run(run_id, on_progress)  # raises the archive's own error
        return Opened(run, ServedFrom.ARCHIVE, None, last_of(run.notes, NoteKind.STORED_COPY))
    archived = access.store.load_archived(check_run_id(run_id), access.viewer)
    if archived is None:
        raise NotInArchiveError(not_in_archive(run_id))
    run = served_from_archive(archived, RunRef(ARCHIVE, run_id))
    return Opened(run, ServedFrom.ARCHIVE, archived.saved_at, last_of(run.notes, NoteKind.STORED_COPY))


@dataclass(frozen=True)
class OpenOptions:
    """How the page asks for a run: where its progress goes, a partial run to continue, and Refresh."""

    on_progress: Progress | None = None
    resume: RunData | None = None  # a partial run of this very source and id, continued where it stopped
    refresh: bool = False  # read the source again and replace the stored copy


def open_with_archive(
    access: ArchiveAccess | None,
    config: SourceConfig,
    source: RunSource,
    run_id: str,
    *,
    options: OpenOptions = OpenOptions(),
) -> Opened:
    """The run ``config.name:run_id``: from the archive when stored there (unless ``options.refresh``), else
    from ``source``, saving it when it is a finished API run read whole.

    Raises what ``source.load_run`` raises only when the archive has no copy to fall back on.
    """
    ref = RunRef(config.name, run_id)
    store_ok = access is not None and access.store is not None
    if config.kind is SourceKind.ARCHIVE:
        return _from_archive_source(access, source, run_id, options.on_progress)
    notes: list[str] = [access.problem] if access is not None and access.problem else []
    stored: Opened | None = None
    if store_ok and config.kind is not SourceKind.DEMO:
        stored, problem = _from_store(access, ref)
        notes += [problem] if problem else []
        if stored is not None and not options.refresh:
            return stored
    try:
        run = source.load_run(run_id, options.on_progress, resume=options.resume)
    except DashboardError as exc:
        if stored is None:
            raise
        return _stored_instead(stored, config, exc)
    saved_at = stored.saved_at if stored is not None else None
    if store_ok and _kept_automatically(config, run):
        assert access is not None and access.store is not None
        try:
            saved_at = access.store.save(run, access.owner(config)).saved_at
        except StoreError as exc:
            notes.append(f"This run could not be saved to the archive ({exc}); it is shown as read.")
    for note in notes:
        run = _with_note(run, note)
    return Opened(run, ServedFrom.SOURCE, saved_at, notes[-1] if notes else None)


def _stored_instead(stored: Opened, config: SourceConfig, exc: DashboardError) -> Opened:
    """The stored copy, with a note saying the source failed when it was read again."""
    note = (
        f"{config.label} could not be read again ({clean(str(exc), ECHO_CHARS * 4)}); this is the "
        "archived copy."
    )
    return replace(stored, run=_with_note(stored.run, note))


@dataclass(frozen=True)
class SaveReport:
    """What a "Save to the archive" click did, in words for the page."""

    saved: bool
    message: str
    saved_at: pd.Timestamp | None = None


def save_to_archive(access: ArchiveAccess | None, config: SourceConfig, run: RunData) -> SaveReport:
    """Store a run the user asked to keep (files, uploads, or any other finished run); never raises.

    A run read from an API is stored under its key, as when it is kept automatically. A run from files or an
    upload carries no credential: it is filed under the signed-in user, else the session's typed key; a
    visitor with neither saves only when ``DASHBOARD_KEYLESS_SAVES`` allows it, up to that many runs in all,
    visible to every session.
    """
    if access is None or access.store is None:
        reason = access.problem if access is not None and access.problem else "DASHBOARD_STORE is off."
        return SaveReport(False, f"Not saved: {reason}")
    owner = Owner.of(access.owner(config)) if config.api is not None else _files_owner(access)
    if owner is None:
        return SaveReport(False, KEYLESS_OFF)
    try:
        outcome = access.store.save(run, owner)
    except (NotArchivableError, StoreError) as exc:
        return SaveReport(False, f"Not saved: {exc}")
    saved_at = outcome.saved_at or pd.Timestamp.now(tz="UTC")
    words = "Saved to" if outcome.outcome is Saved.STORED else "Saved again to"
    return SaveReport(True, f"{words} the archive on {saved_at:%Y-%m-%d %H:%M} UTC.", saved_at)


KEYLESS_OFF = (
    "Not saved: this session is not signed in and has no key of its own (a key the server holds does not "
    "count), and this server keeps no runs for such visitors (DASHBOARD_KEYLESS_SAVES). Add a key in the "
    "sidebar to save it under that key."
)


def _files_owner(access: ArchiveAccess) -> Owner | None:
    """The owner of a run from files or an upload; None when the visitor may not save one."""
    assert access.store is not None
    if access.filer is not None:
        return access.filer
    quota = access.store.config.keyless_saves
    return Owner(NO_CREDENTIAL, OwnerKind.NONE, quota) if quota > 0 else None
