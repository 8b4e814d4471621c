"""Every store test runs against SQLite and against a real PostgreSQL server, each on a fresh database."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from components.store import ArchiveStore, StoreConfig, forget_stores, open_store, resolve_store


@pytest.fixture(params=["sqlite", "postgresql"])
def store_config(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreConfig]:
    """An empty store's settings: a SQLite file, or a new database on the session's PostgreSQL server."""
    if request.param == "sqlite":
        config = resolve_store({"DASHBOARD_STORE": str(tmp_path / "archive.sqlite3")}, {})
        assert config is not None
        yield config
        return
    server = request.getfixturevalue("postgres")
    name = f"archive_{uuid.uuid4().hex[:12]}"
    server.create_database(name)
    config = resolve_store({"DASHBOARD_STORE": server.url(name)}, {})
    assert config is not None
    yield config
    forget_stores()
    server.drop_database(name)


@pytest.fixture
def store(store_config: StoreConfig) -> Iterator[ArchiveStore]:
    opened = open_store(store_config)
    yield opened
    opened.engine.dispose()


@pytest.fixture(autouse=True)
def _no_store_left_open() -> Iterator[None]:
    yield
    forget_stores()
