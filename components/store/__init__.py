"""The archive: finished runs kept in a database (SQLite by default, PostgreSQL for a team) so they stay
readable after their provider stops serving them. No Streamlit here."""

from components.store.archive_store import (
    ArchivedRun,
    ArchiveStore,
    DamagedRunError,
    Kept,
    ListedRuns,
    NotArchivableError,
    Owner,
    OwnerKind,
    QuotaReachedError,
    Saved,
    SaveResult,
    StoredRun,
    Viewer,
    archivable_problem,
    archive_id,
    open_store,
)
from components.store.connections import connect_store, forget_stores
from components.store.errors import StoreError
from components.store.fingerprint import NO_CREDENTIAL, credential_material
from components.store.kept_files import FileRole, FileState, FileToKeep, KeptFile, kept_bytes, not_kept
from components.store.settings import (
    FILE_LIMIT_VARIABLE,
    KEYLESS_SAVES_VARIABLE,
    SHARED_VARIABLE,
    STORE_VARIABLE,
    StoreConfig,
    default_store_path,
    resolve_store,
)

__all__ = [
    "FILE_LIMIT_VARIABLE",
    "KEYLESS_SAVES_VARIABLE",
    "NO_CREDENTIAL",
    "SHARED_VARIABLE",
    "STORE_VARIABLE",
    "ArchiveStore",
    "ArchivedRun",
    "DamagedRunError",
    "FileRole",
    "FileState",
    "FileToKeep",
    "Kept",
    "KeptFile",
    "ListedRuns",
    "NotArchivableError",
    "Owner",
    "OwnerKind",
    "QuotaReachedError",
    "SaveResult",
    "Saved",
    "StoreConfig",
    "StoreError",
    "StoredRun",
    "Viewer",
    "archivable_problem",
    "archive_id",
    "connect_store",
    "credential_material",
    "default_store_path",
    "forget_stores",
    "kept_bytes",
    "not_kept",
    "open_store",
    "resolve_store",
]
