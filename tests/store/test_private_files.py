"""The store's own files beside a SQLite archive are opened without following a symbolic link and only when
the user running the dashboard owns them: a link planted in the store's folder (to another user's file, or to
a file that does not exist yet) is refused with a message, and the file it points at is left untouched."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from components.store import StoreError, open_store, resolve_store
from components.store.locks import command_lock
from devtools.many_jobs import add_jobs
from devtools.standin import StandInServer
from tests.store.test_archive_command import archive, command_env


def _sqlite(tmp_path: Path):
    config = resolve_store({"DASHBOARD_STORE": str(tmp_path / "store" / "archive.sqlite3")}, {})
    assert config is not None and config.sqlite_path is not None
    return config


def _lock_path(config) -> Path:
    return config.sqlite_path.with_name(config.sqlite_path.name + ".archive-lock")


def test_a_lock_file_planted_as_a_link_is_refused_and_its_target_untouched(tmp_path: Path) -> None:
    config = _sqlite(tmp_path)
    store = open_store(config)
    victim = tmp_path / "victim"
    _lock_path(config).symlink_to(victim)
    try:
        with pytest.raises(StoreError, match="symbolic link"), command_lock(store):
            pass
    finally:
        store.engine.dispose()
    assert not victim.exists()


def test_the_command_says_so_and_stops(standin: StandInServer, tmp_path: Path) -> None:
    config = _sqlite(tmp_path)
    open_store(config).engine.dispose()
    _lock_path(config).symlink_to(tmp_path / "victim")
    add_jobs(standin, 1)
    done = archive(command_env(standin, config, tmp_path))
    assert done.returncode == 2 and "symbolic link" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "victim").exists() and standin.requests == []


def test_a_store_file_planted_as_a_link_is_refused(tmp_path: Path) -> None:
    config = _sqlite(tmp_path)
    config.sqlite_path.parent.mkdir(mode=0o700)
    victim = tmp_path / "victim.sqlite3"
    config.sqlite_path.symlink_to(victim)
    with pytest.raises(StoreError, match="symbolic link"):
        open_store(config)
    assert not victim.exists()


def test_a_fifo_or_another_users_file_is_left_alone(tmp_path: Path) -> None:
    config = _sqlite(tmp_path)
    store = open_store(config)
    try:
        os.mkfifo(_lock_path(config))  # opening it must not hang, and it is no lock file
        with pytest.raises(StoreError, match="not a file of the user"), command_lock(store):
            pass
        os.unlink(_lock_path(config))
        if os.geteuid() == 0:  # only root can give a file away: the owner check itself
            _lock_path(config).touch()
            os.chown(_lock_path(config), 65534, 65534)
            with pytest.raises(StoreError, match="not a file of the user"), command_lock(store):
                pass
    finally:
        store.engine.dispose()
