"""One opened archive per store configuration and process: engines pool their connections and are meant to
be shared, and opening one checks the schema, which a page should not repeat on every run."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from components.store.archive_store import ArchiveStore, open_store
from components.store.errors import StoreError
from components.store.settings import StoreConfig

RETRY_SECONDS = 60.0
"""How long a store that could not be opened is not tried again: a page must not wait for a dead database's
connect timeout on every run, and a database that comes back is used again within a minute."""

_opened: dict[StoreConfig, ArchiveStore] = {}
_failed: dict[StoreConfig, tuple[float, StoreError]] = {}
_lock = threading.Lock()


def connect_store(config: StoreConfig, clock: Callable[[], float] = time.monotonic) -> ArchiveStore:
    """The archive ``config`` names, opened once per process; a failure is given back for
    :data:`RETRY_SECONDS` without trying again, then tried again."""
    with _lock:
        store = _opened.get(config)
        if store is not None:
            return store
        failed = _failed.get(config)
        if failed is not None and clock() - failed[0] < RETRY_SECONDS:
            raise failed[1]
        try:
            store = _opened[config] = open_store(config)
        except StoreError as exc:
            _failed[config] = (clock(), exc)
            raise
        _failed.pop(config, None)
        return store


def forget_stores() -> None:
    """Close every opened archive (tests, and a process that is about to fork)."""
    with _lock:
        for store in _opened.values():
            store.engine.dispose()
        _opened.clear()
        _failed.clear()
