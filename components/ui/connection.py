"""The sidebar's connection block: which source a job ID opens in, where its key comes from (never the
key) and its endpoint, and any source whose settings are wrong."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import streamlit as st

from components.sources import SourceConfig, resolve_sources
from components.sources.openai import OPENAI
from components.sources.registry import DEMO_SOURCE
from components.text import NOTE_CHARS, URL_CHARS, code_span, markdown_literal

TYPED_KEY = "api_key_typed"


def secrets() -> Mapping[str, Any]:
    """Streamlit secrets, or nothing when no secrets.toml exists (reading it then raises)."""
    try:
        return {name: st.secrets[name] for name in st.secrets}
    except (FileNotFoundError, KeyError):
        return {}


def connection_sidebar() -> SourceConfig:
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
        registry = resolve_sources(env, stored, {OPENAI: typed} if typed else None)
        for problem in registry.problems:
            st.error(
                f"Configuration problem ({problem.label}): {markdown_literal(problem.message, NOTE_CHARS)}"
            )
        if any(problem.name == OPENAI for problem in registry.problems):
            st.stop()
        source = registry.job_source()
        if source is None or source.api is None:
            st.caption("No API key yet: showing the built-in demo job.")
            return DEMO_SOURCE
        st.caption(f"{source.label}: key from {source.key_origin}")
        st.caption(f"API: {code_span(source.api.display_base_url, URL_CHARS)}")
    return source
