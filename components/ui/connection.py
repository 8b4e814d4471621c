"""The sidebar's connection block: which source a job ID opens in, where its key comes from (never the
key), its endpoint, the archive, and any source whose settings are wrong."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import streamlit as st

from components.api import ConfigError
from components.sources import Problem, Registry, SourceConfig, resolve_sources
from components.sources.archive import ARCHIVE_LABEL, store_endpoint
from components.sources.openai import OPENAI
from components.sources.registry import DEMO_SOURCE
from components.store import resolve_store
from components.text import NOTE_CHARS, URL_CHARS, code_span, markdown_literal
from components.ui.auto_refresh import refresh_interval

TYPED_KEY = "api_key_typed"
_T = TypeVar("_T")


@dataclass(frozen=True)
class Connection:
    """The source a job ID opens in, and every configured source (the archive among them)."""

    source: SourceConfig
    registry: Registry
    refresh_seconds: float | None  # how often a running job is read again; None: the setting is wrong


def secrets() -> Mapping[str, Any]:
    """Streamlit secrets, or nothing when no secrets.toml exists (reading it then raises)."""
    try:
        return {name: st.secrets[name] for name in st.secrets}
    except (FileNotFoundError, KeyError):
        return {}


def _setting(label: str, read: Callable[[], _T]) -> tuple[_T | None, Problem | None]:
    """A page-wide setting; a wrong one is a problem to show, and the page goes on without what it sets."""
    try:
        return read(), None
    except ConfigError as exc:
        return None, Problem(label.lower(), label, str(exc))


def connection_sidebar() -> Connection:
    """The source a job ID opens in (OpenAI, else Azure OpenAI; the demo when neither is configured).

    A password field for an OpenAI key appears only when none is configured. A source whose settings are
    wrong is named with its problem; a problem with OpenAI's settings stops the page, as a job would
    otherwise open somewhere the user did not mean.
    """
    env, stored = os.environ, secrets()
    configured = any(source.get("OPENAI_API_KEY") for source in (env, stored))
    with st.sidebar:
        st.subheader("Connection")
        typed = None
        if not configured:
            typed = st.text_input(
                "OpenAI API key",
                type="password",
                key=TYPED_KEY,
                placeholder="sk-…",
                help="Kept in this browser session only: never in the URL, a log or a shared cache.",
            )
        store, store_problem = _setting(ARCHIVE_LABEL, lambda: resolve_store(env, stored))
        refresh_seconds, refresh_problem = _setting("Auto-refresh", lambda: refresh_interval(env, stored))
        registry = resolve_sources(env, stored, {OPENAI: typed} if typed else None, store=store)
        own = [problem for problem in (store_problem, refresh_problem) if problem is not None]
        for problem in (*registry.problems, *own):
            st.error(
                f"Configuration problem ({problem.label}): {markdown_literal(problem.message, NOTE_CHARS)}"
            )
        if any(problem.name == OPENAI for problem in registry.problems):
            st.stop()
        source = registry.job_source()
        if source is None or source.api is None:
            st.caption("No API key yet: showing the built-in demo job.")
            source = DEMO_SOURCE
        else:
            st.caption(f"{source.label}: key from {source.key_origin}")
            st.caption(f"API: {code_span(source.api.display_base_url, URL_CHARS)}")
        if store is not None and source.api is not None:
            st.caption(f"Finished runs are kept in the archive: {markdown_literal(store_endpoint(store))}")
    return Connection(source, registry, refresh_seconds)
