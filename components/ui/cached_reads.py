"""Caching wrappers: one pooled HTTP client per base URL, and each run cached per source config and id.

The run cache's key includes the whole SourceConfig (its credential hashed with it), so one user's data
is never served to another user's key (see shared/streamlit.md on the ``_``-argument trap). Runs go
through the archive (``components.archive``): a finished run stored there is served with no request, and
a finished run read from its API is stored.
"""

from __future__ import annotations

import httpx
import streamlit as st

from components.api import make_http_client
from components.archive import ArchiveAccess, Opened, OpenOptions, open_with_archive
from components.domain import RunData
from components.sources import Progress, RunSource, SourceConfig, open_source

RUN_TTL_SECONDS = 120


@st.cache_resource(max_entries=16, show_spinner=False, on_release=lambda client: client.close())
def shared_http_client(base_url: str, read_timeout: float, max_retries: int) -> httpx.Client:
    """Keep-alive connections shared by every session for one base URL; holds no credentials."""
    return make_http_client(base_url, read_timeout=read_timeout, max_retries=max_retries)


def source_for(config: SourceConfig) -> RunSource:
    """The source ``config`` describes; an API source reads through the shared client of its base URL."""
    if config.api is None:
        return open_source(config)
    limits = config.limits
    return open_source(
        config, shared_http_client(config.api.base_url, limits.read_timeout, limits.max_retries)
    )


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
