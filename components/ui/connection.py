"""The sidebar's connection block: where the key comes from (never the key), and the base URL."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import streamlit as st

from components.api import ApiConfig, ConfigError, KeySource, resolve_config
from components.text import NOTE_CHARS, URL_CHARS, code_span, markdown_literal

TYPED_KEY = "api_key_typed"


def _secrets() -> Mapping[str, Any]:
    """Streamlit secrets, or nothing when no secrets.toml exists (reading it then raises)."""
    try:
        return {name: st.secrets[name] for name in st.secrets}
    except (FileNotFoundError, KeyError):
        return {}


def connection_sidebar() -> tuple[ApiConfig, KeySource]:
    """Resolve the API settings and show their origin; a password field only when no key is configured."""
    env, secrets = os.environ, _secrets()
    configured = any(source.get("OPENAI_API_KEY") for source in (env, secrets))
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
        try:
            config, source = resolve_config(env, secrets, typed)
        except ConfigError as exc:
            st.error(f"Configuration problem: {markdown_literal(exc, NOTE_CHARS)}")
            st.stop()
        if source is KeySource.NONE:
            st.caption("No API key yet: showing the built-in demo job.")
        else:
            st.caption(f"API key: from {source.describe('OPENAI_API_KEY')}")
            st.caption(f"API: {code_span(config.display_base_url, URL_CHARS)}")
    return config, source
