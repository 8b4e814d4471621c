"""Caching wrappers: pooled HTTP clients, and each run cached per source config and id.

The operator's endpoints (``OPENAI_BASE_URL``, ``AZURE_OPENAI_ENDPOINT``…) share one client each across
every session: only the operator can add one, so the pool stays small and no entry is ever evicted or closed
while a session is using it. An endpoint a visitor typed gets a client of that browser session alone, closed
when the session's endpoint changes or the session ends: typing endpoints can never close another session's
connections.

The run cache's key includes the whole SourceConfig (its credential hashed with it), so one user's data
is never served to another user's key (see shared/streamlit.md on the ``_``-argument trap). Runs go
through the archive (``components.archive``): a finished run stored there is served with no request, and
a finished run read from its API is stored.
"""

from __future__ import annotations

import httpx
import streamlit as st

from components.api import ApiConfig, make_http_client
from components.archive import ArchiveAccess, Opened, OpenOptions, open_with_archive
from components.domain import RunData
from components.sources import Progress, RunSource, SourceConfig, open_source

RUN_TTL_SECONDS = 120


@st.cache_resource(show_spinner=False)
def _operator_client(base_url: str, read_timeout: float, max_retries: int) -> httpx.Client:
    """Keep-alive connections shared by every session for one operator-configured base URL; holds no
    credentials. Never evicted and never closed by the cache: clearing it drops the entry, and a load still
    using the client finishes before it is collected."""
    return make_http_client(base_url, read_timeout=read_timeout, max_retries=max_retries)


@st.cache_resource(
    scope="session", max_entries=1, show_spinner=False, on_release=lambda client: client.close()
)
def _visitor_client(base_url: str, read_timeout: float, max_retries: int) -> httpx.Client:
    """The client of an endpoint typed in this browser session: its own, replaced (and closed) when the
    session's endpoint changes, closed when the session ends."""
    return make_http_client(base_url, read_timeout=read_timeout, max_retries=max_retries)


def http_client(api: ApiConfig) -> httpx.Client:
    """The pooled client of ``api``'s base URL: shared when the operator configured it, else the session's."""
    pool = _visitor_client if api.visitor_endpoint else _operator_client
    return pool(api.base_url, api.limits.read_timeout, api.limits.max_retries)


def source_for(config: SourceConfig) -> RunSource:
    """The source ``config`` describes; an API source reads through the pooled client of its base URL."""
    return open_source(config) if config.api is None else open_source(config, http_client(config.api))


@st.cache_data(ttl=RUN_TTL_SECONDS, max_entries=64, show_spinner=False)
def cached_run(
    config: SourceConfig,
    run_id: str,
    _on_progress: Progress | None = None,
    _resume: RunData | None = None,
    _archive: ArchiveAccess | None = None,
    _refresh: bool = False,
) -> Opened:
    """A run and where it was served from, cached for two minutes per (source config incl. key, run id);
    errors are not cached.

    ``_resume`` is not part of the key: it is a partial run of this very (config, run id), which the
    caller keeps in its own session, so a load that misses the cache continues it instead of starting over.
    Nor are ``_archive`` (the session's archive: only runs of the key in ``config`` are served from it, or
    any in a team-shared one) and ``_refresh`` (read the source again rather than the archived copy).
    """
    return open_with_archive(
        _archive,
        config,
        source_for(config),
        run_id,
        options=OpenOptions(on_progress=_on_progress, resume=_resume, refresh=_refresh),
    )


def forget_run(config: SourceConfig, run_id: str) -> None:
    """Drop one cached run, for the Refresh button."""
    cached_run.clear(config, run_id)
