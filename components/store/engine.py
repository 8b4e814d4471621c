"""The archive's database: one SQLAlchemy engine per store, and its schema brought to the newest revision.

SQLite runs in WAL mode (readers never wait for a writer) with a 30 s busy timeout, and every write
transaction starts with ``BEGIN IMMEDIATE``: two writers queue for the write lock instead of one failing
half-way. PostgreSQL is reached through psycopg 3. Both start with the schema migrated by Alembic under a
lock (a PostgreSQL advisory lock, or SQLite's write lock), so two servers starting at once migrate it once.
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text

from components.store.private_files import open_private
from components.store.settings import StoreConfig

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "archive_schema_version"
SQLITE_BUSY_SECONDS = 30
WAL_RETRY_SECONDS = 0.05
POSTGRES_CONNECT_SECONDS = 10
WRITE = {"archive_write": True}
"""Execution options of a write transaction (SQLite: ``BEGIN IMMEDIATE``)."""
MIGRATION_LOCK = 0x66745F6172636831  # pg_advisory_xact_lock key: "ft_arch1"


def _sqlite_file(path: Path) -> None:
    """The SQLite file's folder (private to the user) and the file itself (readable by the user only)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.close(open_private(path))


def _use_wal(cursor: sqlite3.Cursor) -> None:
    """WAL mode, switched once per file (the mode is kept in the file). Servers opening a new archive at once
    race for that switch, and the loser can be told "database is locked" at once, without the busy timeout
    being waited: it tries again until the timeout has passed."""
    deadline = time.monotonic() + SQLITE_BUSY_SECONDS
    while True:
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(WAL_RETRY_SECONDS)


def _sqlite_engine(config: StoreConfig) -> Engine:
    assert config.sqlite_path is not None
    _sqlite_file(config.sqlite_path)
    engine = create_engine(
        config.url, connect_args={"timeout": SQLITE_BUSY_SECONDS}, hide_parameters=True, pool_pre_ping=False
    )

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy, not pysqlite, says when a transaction begins
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
        _use_wal(cursor)
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        write = connection.get_execution_options().get("archive_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def make_engine(config: StoreConfig) -> Engine:
    """A pooled engine for ``config`` (statement parameters, which hold run data, are kept out of errors)."""
    if config.dialect == "sqlite":
        return _sqlite_engine(config)
    return create_engine(
        config.url,
        hide_parameters=True,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=5,
        connect_args={
            "connect_timeout": POSTGRES_CONNECT_SECONDS,
            "application_name": "ft-checkpoint-dashboard",
            **dict(config.connect_secrets),  # kept out of the URL, so out of every rendering of it
        },
    )


def head_revision() -> str:
    """The newest schema revision this code ships."""
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head is not None
    return head


def current_revision(connection: Connection) -> str | None:
    """The schema revision of the database behind ``connection`` (None: an empty database)."""
    return MigrationContext.configure(
        connection, opts={"version_table": VERSION_TABLE}
    ).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (default: the newest), once even when several servers start at once.

    The check is lock-free when the schema is already there; otherwise the migration runs in one transaction
    that first takes the lock, and Alembic reads the revision again under it.
    """
    if revision == "head":
        with engine.connect() as connection:
            if current_revision(connection) == head_revision():
                return
    with engine.connect().execution_options(**WRITE) as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        else:
            connection.execute(text("SELECT 1"))  # BEGIN IMMEDIATE: the write lock is held from here
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        connection.commit()
