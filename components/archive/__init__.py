"""The archive for the page (``service``: open runs from it, save runs to it) and from the command line
(``python -m components.archive``: store every finished run of every configured source)."""

from components.archive.service import (
    ArchiveAccess,
    Opened,
    OpenOptions,
    SaveReport,
    ServedFrom,
    connect_archive,
    open_with_archive,
    save_to_archive,
)

__all__ = [
    "ArchiveAccess",
    "OpenOptions",
    "Opened",
    "SaveReport",
    "ServedFrom",
    "connect_archive",
    "open_with_archive",
    "save_to_archive",
]
