"""One archive command at a time per store: cron may start the next run while the last one still works.

PostgreSQL: a session-level advisory lock, held by one connection for as long as the command runs, so
commands on different machines sharing the database take turns too. SQLite: ``flock`` on a file beside the
database (never through a symbolic link, and only a file of the user's own: ``private_files``). Either way
the lock goes with the process, so a killed command never leaves it behind.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text

from components.store.archive_store import ArchiveStore
from components.store.private_files import open_private

COMMAND_LOCK = 0x66745F6172636832  # "ft_arch2"


@contextmanager
def _file_lock(path: Path) -> Iterator[bool]:
    fd = open_private(path)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)  # closing the file releases the lock


@contextmanager
def command_lock(store: ArchiveStore) -> Iterator[bool]:
    """Hold the store's command lock while the block runs; yields False (and holds nothing) when another
    process holds it. StoreError when the lock file is a symbolic link or not the user's own."""
    path = store.config.sqlite_path
    if path is not None:
        with _file_lock(path.with_name(path.name + ".archive-lock")) as held:
            yield held
        return
    with store.engine.connect() as connection:
        held = bool(
            connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": COMMAND_LOCK}).scalar()
        )
        connection.commit()
        try:
            yield held
        finally:
            if held:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": COMMAND_LOCK})
                connection.commit()
