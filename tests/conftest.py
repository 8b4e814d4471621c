"""Shared fixtures: the stand-in API on loopback, a real PostgreSQL server, and clean Streamlit caches
between tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st

from components.sources.files import SCANS
from devtools.postgres import PostgresServer, find_bindir, postgres_server
from devtools.standin import DEFAULT_API_KEY, StandInServer

NO_POSTGRES = "PostgreSQL is not installed here (Debian's postgresql package; scripts/test.sh installs it)"


@pytest.fixture(scope="session")
def standin_server() -> Iterator[StandInServer]:
    """One real HTTP stand-in for the whole session; tests reset it before use."""
    with StandInServer() as server:
        yield server


@pytest.fixture
def standin(standin_server: StandInServer) -> StandInServer:
    """The stand-in with no runs, faults or recorded requests."""
    standin_server.reset()
    return standin_server


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the session, started from Debian's binaries in a temporary folder.

    Skipped only when the binaries are absent; a server that fails to start fails the tests that need it.
    """
    if find_bindir() is None:
        pytest.skip(NO_POSTGRES)
    with postgres_server() as server:
        yield server


@pytest.fixture
def api_key() -> str:
    return DEFAULT_API_KEY


@pytest.fixture(autouse=True)
def _clear_streamlit_caches() -> Iterator[None]:
    """Streamlit caches are module-global, as is the runs folder's scan cache: without this, one test's data
    leaks into the next (and a test that writes into a folder it listed a moment ago would see the old
    scan)."""
    st.cache_data.clear()
    st.cache_resource.clear()
    SCANS.clear()
    yield


FIXTURES = Path(__file__).parent / "fixtures"
FIXTURE_TIME = 1_767_225_600  # 2026-01-01 UTC: long before any test runs


@pytest.fixture(scope="session", autouse=True)
def _committed_fixtures_are_finished_runs() -> None:
    """The committed run folders were written long ago, whenever the checkout made their files: a run the
    runs folder reads is shown as running while its files were written within DASHBOARD_QUIET_MINUTES."""
    for path in [FIXTURES, *FIXTURES.rglob("*")]:
        if not path.is_symlink():
            os.utime(path, (FIXTURE_TIME, FIXTURE_TIME))
