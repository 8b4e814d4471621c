"""Caching wrappers: one pooled HTTP client per base URL, and each run cached per key.

The run cache's key includes the whole ApiConfig (the API key hashed with it), so one user's data is
never served to another user's key (see shared/streamlit.md on the ``_``-argument trap).
"""

from __future__ import annotations

import httpx
import streamlit as st

from components.api import ApiConfig, FineTuningClient, make_http_client
from components.demo import DEMO_CONFIG, demo_transport
from components.domain import RunData
from components.sources import Progress, load_run

RUN_TTL_SECONDS = 120


@st.cache_resource(max_entries=16, show_spinner=False, on_release=lambda client: client.close())
def shared_http_client(base_url: str, read_timeout: float, max_retries: int, demo: bool) -> httpx.Client:
    """Keep-alive connections shared by every session for one base URL; holds no credentials."""
    return make_http_client(
        base_url,
        read_timeout=read_timeout,
        max_retries=max_retries,
        transport=demo_transport() if demo else None,
    )


def client_for(config: ApiConfig) -> FineTuningClient:
    """An API client for ``config``; the demo config is answered by the built-in fixtures."""
    limits = config.limits
    http = shared_http_client(config.base_url, limits.read_timeout, limits.max_retries, config == DEMO_CONFIG)
    return FineTuningClient(http, config)


@st.cache_data(ttl=RUN_TTL_SECONDS, max_entries=64, show_spinner=False)
def cached_run(
    config: ApiConfig, job_id: str, _on_progress: Progress | None = None, _resume: RunData | None = None
) -> RunData:
    """A job's data, cached for two minutes per (config incl. key, job ID); errors are not cached.

    ``_resume`` is not part of the key: it is a partial run of this very (config, job ID), which the
    caller keeps in its own session, so a load that misses the cache continues it instead of starting over.
    """
    return load_run(client_for(config), job_id, _on_progress, resume=_resume)


def forget_run(config: ApiConfig, job_id: str) -> None:
    """Drop one cached run, for the Refresh button."""
    cached_run.clear(config, job_id)
