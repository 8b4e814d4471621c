"""The store's own files beside a SQLite archive (the database, the command's lock file), opened without
following a symbolic link and only when the user running the dashboard owns them: a link planted in the
store's folder could otherwise point the dashboard at another user's file (or a FIFO that never answers)."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from components.store.errors import StoreError
from components.text import ECHO_CHARS, clean


def open_private(path: Path) -> int:
    """A read-write descriptor of ``path`` (created private to the user when missing); StoreError when it
    is a symbolic link, not a regular file, or owned by another user. The caller closes it."""
    name = clean(path.name, ECHO_CHARS)
    try:
        fd = os.open(path, os.O_CREAT | os.O_RDWR | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise StoreError(
                f"The archive's file {name} is a symbolic link; the dashboard does not follow links there. "
                "Remove it (the dashboard makes its own files)."
            ) from None
        raise
    facts = os.fstat(fd)
    if not stat.S_ISREG(facts.st_mode) or facts.st_uid != os.geteuid():
        os.close(fd)
        raise StoreError(
            f"The archive's file {name} is not a file of the user running the dashboard; it is left alone. "
            "Remove it, or point DASHBOARD_STORE at a folder of this user's own."
        )
    return fd
