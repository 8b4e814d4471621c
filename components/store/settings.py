"""Where the archive lives: ``DASHBOARD_STORE`` (a SQLite file by default, PostgreSQL for a team), whether
every session may read every stored run (``DASHBOARD_STORE_SHARED``), and the largest file "Save all runs"
keeps with a run (``DASHBOARD_SAVE_FILE_LIMIT_MB``), and how many runs visitors with neither a key nor a
sign-in may save (``DASHBOARD_KEYLESS_SAVES``: none unless the operator says so).

A store URL can hold a database password, so it is never shown as given: :attr:`StoreConfig.shown` masks the
password, ``repr`` shows only that, and a value that cannot be parsed is refused without repeating it. A
password can also come as a query key (``?password=…``, ``?sslpassword=…``): every password-like key is taken
out of the URL when it is read and handed to the driver apart (:attr:`StoreConfig.connect_secrets`), so no
rendering of the URL (ours, SQLAlchemy's engine, a driver's message) can hold it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from components.api.settings import ConfigError, Settings

STORE_VARIABLE = "DASHBOARD_STORE"
SHARED_VARIABLE = "DASHBOARD_STORE_SHARED"
FILE_LIMIT_VARIABLE = "DASHBOARD_SAVE_FILE_LIMIT_MB"
KEYLESS_SAVES_VARIABLE = "DASHBOARD_KEYLESS_SAVES"
MAX_KEYLESS_SAVES = 100_000
DEFAULT_FILE_LIMIT_MB = 50.0
"""Training files are mostly a few MB; 50 MB keeps nearly all of them while one file (held in memory while
it is read and compressed) stays small beside the server's memory. A larger one is recorded with its size."""
MAX_FILE_LIMIT_MB = 1000.0
"""Under the 1 GB that one SQLite or PostgreSQL value may hold."""
MEGABYTE = 1_000_000
APP_FOLDER = "ft-checkpoint-dashboard"
FILE_NAME = "archive.sqlite3"
OFF = frozenset({"off", "none", "disabled"})
_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})
POSTGRES_DRIVER = "postgresql+psycopg"
# Query keys whose value is a secret (libpq's password and sslpassword, and anything named like one).
_SECRET_KEY = re.compile(r"pass(word|wd)|secret|token", re.IGNORECASE)
_HINT = f"{STORE_VARIABLE} must be a SQLite file path, a sqlite:///… URL, a {POSTGRES_DRIVER}://… URL, or off"


@dataclass(frozen=True)
class StoreConfig:
    """One archive: its database URL (never shown whole) and whether it is shared by every session."""

    url: URL = field(repr=False)
    shared: bool = False
    file_limit: int = round(DEFAULT_FILE_LIMIT_MB * MEGABYTE)  # bytes: the largest file saved with a run
    keyless_saves: int = 0  # how many runs visitors with neither a key nor a sign-in may save, in all
    connect_secrets: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    """Password-like query keys of the URL as given, passed to the driver apart from the URL."""

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.url.get_backend_name()

    @property
    def shown(self) -> str:
        """The URL with its password masked (``***``), safe for a log line, a message or the page."""
        return self.url.render_as_string(hide_password=True)

    @property
    def sqlite_path(self) -> Path | None:
        """The SQLite file, or None for PostgreSQL."""
        return Path(self.url.database or "") if self.dialect == "sqlite" else None

    @property
    def secrets(self) -> tuple[str, ...]:
        """What must be cut from any text before it is shown: the password, if the URL has one."""
        given = (self.url.password, *(value for _, value in self.connect_secrets))
        return tuple(secret for secret in given if secret)

    def __repr__(self) -> str:
        return (
            f"StoreConfig({self.shown!r}, shared={self.shared}, file_limit={self.file_limit}, "
            f"keyless_saves={self.keyless_saves})"
        )


def default_store_path(env: Mapping[str, Any]) -> Path:
    """``$XDG_DATA_HOME/ft-checkpoint-dashboard/archive.sqlite3``, else under ``~/.local/share``."""
    data_home = str(env.get("XDG_DATA_HOME") or "").strip()
    base = (
        Path(data_home) if data_home and Path(data_home).is_absolute() else Path.home() / ".local" / "share"
    )
    return base / APP_FOLDER / FILE_NAME


def _sqlite_url(path: Path) -> URL:
    return URL.create("sqlite", database=str(path.expanduser().resolve()))


def _parse(raw: str) -> URL:
    if "://" not in raw:
        return _sqlite_url(Path(raw))
    try:
        url = make_url(raw)
    except (ArgumentError, ValueError):  # their messages repeat the URL, password and all
        raise ConfigError(f"{_HINT}; its value cannot be read as a URL.") from None
    backend = url.get_backend_name()
    if backend == "sqlite":
        if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
            raise ConfigError(
                f"{STORE_VARIABLE} must name a SQLite file: an in-memory database keeps nothing."
            )
        return _sqlite_url(Path(url.database))
    if backend == "postgresql":
        if url.drivername not in ("postgresql", POSTGRES_DRIVER):
            raise ConfigError(f"{_HINT}: the PostgreSQL driver here is psycopg ({POSTGRES_DRIVER}://…).")
        return url.set(drivername=POSTGRES_DRIVER)
    raise ConfigError(f"{_HINT}.")


def _without_secrets(url: URL) -> tuple[URL, tuple[tuple[str, str], ...]]:
    """``url`` without its password-like query keys, and those keys with their (last) values."""
    secret = sorted(key for key in url.query if _SECRET_KEY.search(key))
    if not secret:
        return url, ()
    values = {key: url.query[key] for key in secret}
    kept = tuple((key, value if isinstance(value, str) else value[-1]) for key, value in values.items())
    return url.difference_update_query(secret), kept


def _flag(settings: Settings, name: str) -> bool:
    raw = (settings.text(name) or "false").lower()
    if raw not in _TRUE | _FALSE:
        raise ConfigError(f"{name} must be true or false.")
    return raw in _TRUE


def resolve_store(
    env: Mapping[str, Any] | None = None, secrets: Mapping[str, Any] | None = None
) -> StoreConfig | None:
    """The archive from the environment, then secrets; the per-user SQLite file when unset; None when off."""
    env = os.environ if env is None else env
    settings = Settings(env, secrets or {})
    raw = settings.text(STORE_VARIABLE)
    if raw is not None and raw.lower() in OFF:
        return None
    url, connect_secrets = _without_secrets(
        _parse(raw) if raw is not None else _sqlite_url(default_store_path(env))
    )
    limit = settings.number(FILE_LIMIT_VARIABLE, DEFAULT_FILE_LIMIT_MB, 0.001, MAX_FILE_LIMIT_MB)
    keyless = settings.whole(KEYLESS_SAVES_VARIABLE, 0, 0, MAX_KEYLESS_SAVES)
    return StoreConfig(
        url, _flag(settings, SHARED_VARIABLE), round(limit * MEGABYTE), keyless, connect_secrets
    )
