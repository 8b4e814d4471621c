"""Shared fixtures: the stand-in API on loopback, and clean Streamlit caches between tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import streamlit as st

from devtools.standin import DEFAULT_API_KEY, StandInServer


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


@pytest.fixture
def api_key() -> str:
    return DEFAULT_API_KEY


@pytest.fixture(autouse=True)
def _clear_streamlit_caches() -> Iterator[None]:
    """Streamlit caches are module-global: without this, one test's data leaks into the next."""
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
