"""One opened archive per store configuration and process: engines pool their connections and are meant to
be shared, and opening one checks the schema, which a page should not repeat on every run."""

from __future__ import annotations

import threading

from components.store.archive_store import ArchiveStore, open_store
from components.store.settings import StoreConfig

_opened: dict[StoreConfig, ArchiveStore] = {}
_lock = threading.Lock()


def connect_store(config: StoreConfig) -> ArchiveStore:
    """The archive ``config`` names, opened once per process (a failure is not remembered: the next call
    tries again, so a database that comes back is used again)."""
    with _lock:
        store = _opened.get(config)
        if store is None:
            store = _opened[config] = open_store(config)
        return store


def forget_stores() -> None:
    """Close every opened archive (tests, and a process that is about to fork)."""
    with _lock:
        for store in _opened.values():
            store.engine.dispose()
        _opened.clear()
