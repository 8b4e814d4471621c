"""DASHBOARD_STORE and DASHBOARD_STORE_SHARED: a per-user SQLite file by default, PostgreSQL through psycopg,
off on request, and a password in a store URL never shown, repeated or logged."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from components.api import ConfigError
from components.store import StoreConfig, StoreError, default_store_path, open_store, resolve_store
from components.store.engine import make_engine

PASSWORD = "s3cret-Pa55word"


def test_the_default_is_a_sqlite_file_under_xdg_data_home(tmp_path: Path) -> None:
    config = resolve_store({"XDG_DATA_HOME": str(tmp_path)}, {})
    assert config is not None and config.dialect == "sqlite" and not config.shared
    assert config.sqlite_path == tmp_path / "ft-checkpoint-dashboard" / "archive.sqlite3"


def test_without_xdg_data_home_the_file_is_under_local_share(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_store_path({}) == tmp_path / ".local/share/ft-checkpoint-dashboard/archive.sqlite3"
    assert default_store_path({"XDG_DATA_HOME": "relative/not/allowed"}).is_relative_to(tmp_path)


@pytest.mark.parametrize("value", ["{path}", "sqlite:///{path}"])
def test_a_path_or_a_sqlite_url_names_the_file(tmp_path: Path, value: str) -> None:
    path = tmp_path / "team.db"
    config = resolve_store({"DASHBOARD_STORE": value.format(path=path)}, {})
    assert config is not None and config.sqlite_path == path


@pytest.mark.parametrize("value", ["off", "OFF", "none", "disabled"])
def test_the_archive_can_be_turned_off(value: str) -> None:
    assert resolve_store({"DASHBOARD_STORE": value}, {}) is None


@pytest.mark.parametrize("scheme", ["postgresql", "postgresql+psycopg"])
def test_postgresql_urls_use_psycopg_and_never_show_the_password(scheme: str) -> None:
    secrets = {
        "DASHBOARD_STORE": f"{scheme}://dash:{PASSWORD}@db.example:5433/archive",
        "DASHBOARD_STORE_SHARED": "true",
    }
    config = resolve_store({}, secrets)
    assert isinstance(config, StoreConfig)
    assert config.url.drivername == "postgresql+psycopg" and config.shared and config.dialect == "postgresql"
    assert config.url.password == PASSWORD  # kept to connect with …
    for shown in (config.shown, repr(config), str(config), f"{config}", str(config.url), repr(config.url)):
        assert PASSWORD not in shown  # … and in nothing that can be shown
    assert "***" in config.shown and config.secrets == (PASSWORD,)


@pytest.mark.parametrize("key", ["password", "sslpassword", "PassWord"])
def test_a_password_in_the_query_is_never_shown_nor_logged(
    key: str, caplog: pytest.LogCaptureFixture
) -> None:
    raw = f"postgresql+psycopg://dash@127.0.0.1:1/archive?{key}={PASSWORD}&sslmode=disable"
    config = resolve_store({"DASHBOARD_STORE": raw}, {})
    assert isinstance(config, StoreConfig)
    assert config.connect_secrets == ((key, PASSWORD),) and config.secrets == (PASSWORD,)
    assert config.url.query == {"sslmode": "disable"}
    engine = make_engine(config)
    try:
        for shown in (config.shown, repr(config), str(config.url), repr(config.url), repr(engine)):
            assert PASSWORD not in shown
        with caplog.at_level(logging.DEBUG), pytest.raises(StoreError) as info:
            open_store(config)  # nothing listens on port 1: the failure is logged and raised
        assert PASSWORD not in caplog.text and PASSWORD not in str(info.value)
        assert "could not be opened" in caplog.text or "could not" in str(info.value)
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("value", "says"),
    [
        (f"postgresql://dash:{PASSWORD}@db:notaport/archive", "cannot be read as a URL"),
        (f"mysql://dash:{PASSWORD}@db/archive", "SQLite file path"),
        (f"postgresql+psycopg2://dash:{PASSWORD}@db/archive", "psycopg"),
        ("sqlite:///:memory:", "keeps nothing"),
        ("sqlite://", "keeps nothing"),
    ],
)
def test_a_store_url_that_cannot_be_used_is_refused_without_repeating_it(value: str, says: str) -> None:
    with pytest.raises(ConfigError, match=says) as raised:
        resolve_store({"DASHBOARD_STORE": value}, {})
    assert PASSWORD not in str(raised.value) and "dash" not in str(raised.value)


@pytest.mark.parametrize(("value", "shared"), [("true", True), ("1", True), ("no", False), ("", False)])
def test_shared_is_a_yes_or_no(tmp_path: Path, value: str, shared: bool) -> None:
    env = {"DASHBOARD_STORE": str(tmp_path / "a.db"), "DASHBOARD_STORE_SHARED": value}
    config = resolve_store(env, {})
    assert config is not None and config.shared is shared


def test_shared_must_be_true_or_false(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="DASHBOARD_STORE_SHARED must be true or false"):
        resolve_store({"DASHBOARD_STORE": str(tmp_path / "a.db"), "DASHBOARD_STORE_SHARED": "team"}, {})
