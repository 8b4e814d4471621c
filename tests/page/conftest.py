"""Fixtures of the page tests: a clean environment, the app pointed at the stand-in API, an archive."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from components.store import forget_stores
from devtools.standin import DEFAULT_API_KEY, StandInServer
from tests.page.page_support import FORBIDDEN_KEY, clear_settings, new_app


@pytest.fixture
def no_api_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No setting from the machine running the tests, and no archive."""
    clear_settings(monkeypatch)


@pytest.fixture
def api_env(monkeypatch: pytest.MonkeyPatch, no_api_env: None, standin: StandInServer) -> StandInServer:
    """The app reads the (reset) stand-in with its accepted key; faults answer fast."""
    monkeypatch.setenv("OPENAI_API_KEY", DEFAULT_API_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", standin.base_url)
    monkeypatch.setenv("OPENAI_TIMEOUT", "5")
    monkeypatch.setenv("OPENAI_MAX_RETRIES", "2")
    return standin


@pytest.fixture
def archive(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, no_api_env: None) -> Iterator[Path]:
    """The app with an archive in a temporary SQLite file (the page tests' default is no archive)."""
    path = tmp_path / "archive.sqlite3"
    monkeypatch.setenv("DASHBOARD_STORE", str(path))
    yield path
    forget_stores()


@pytest.fixture
def open_page(api_env: StandInServer) -> Callable[..., AppTest]:
    """Run app.py once with ``?job=`` (and optionally ``?ckpt=``) against the stand-in."""

    def _open(job: str | None = None, *, ckpt: str | None = None) -> AppTest:
        return new_app(job=job, ckpt=ckpt).run()

    return _open


@pytest.fixture(scope="session")
def forbidding_server() -> Iterator[StandInServer]:
    """A second stand-in that knows the default key and also a key that may not read any job (403)."""
    with StandInServer(api_keys=(DEFAULT_API_KEY, FORBIDDEN_KEY), forbidden_keys=(FORBIDDEN_KEY,)) as server:
        yield server


@pytest.fixture
def forbidding(
    forbidding_server: StandInServer, no_api_env: None, monkeypatch: pytest.MonkeyPatch
) -> StandInServer:
    """The forbidding stand-in, reset, with the app pointed at it (no key set: each test picks one)."""
    forbidding_server.reset()
    monkeypatch.setenv("OPENAI_BASE_URL", forbidding_server.base_url)
    monkeypatch.setenv("OPENAI_MAX_RETRIES", "0")
    return forbidding_server
