"""The archive for the page (``service``: open runs from it, save runs to it), "Save all runs" with their
files (``save_all``: the job list's button), and the command line (``python -m components.archive``: the
same for every configured API source)."""

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
