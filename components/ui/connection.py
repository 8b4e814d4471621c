"""The sidebar's sources block: every configured source (label and endpoint, where its key comes from,
never the key), keys typed for this session only, the problems of sources whose settings are wrong, the
switch between sources' job lists, and runs opened from files.

Nothing here makes a request: a source that is not configured is never built (``resolve_sources``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from components.api import ApiConfig, ConfigError
from components.api.config import typed_azure_endpoint
from components.api.limits import Limits
from components.inference.spending import SpendingRules, resolve_spending
from components.page.route import JobList, listable
from components.settings import resolve_settings
from components.sources import Registry, SourceConfig, SourceKind, Upload, resolve_sources
from components.sources.archive import store_endpoint
from components.sources.azure import AZURE
from components.sources.files import UPLOAD, UPLOAD_LABEL, folders_label
from components.sources.openai import OPENAI
from components.sources.registry import DEMO_SOURCE, KEY_VARIABLES
from components.sources.together import TOGETHER
from components.text import ECHO_CHARS, NOTE_CHARS, URL_CHARS, clean, code_span, markdown_literal
from components.ui.navigation import go

TYPED_KEY = "api_key_typed"  # OpenAI's typed key (the name older tests and links know)
TYPED_KEYS = {OPENAI: TYPED_KEY, AZURE: "azure_key_typed", TOGETHER: "together_key_typed"}
AZURE_ENDPOINT_KEY = "azure_endpoint_typed"
KEY_LABELS = {OPENAI: "OpenAI API key", AZURE: "Azure OpenAI API key", TOGETHER: "Together AI API key"}
KEY_PLACEHOLDERS = {OPENAI: "sk-…", AZURE: "key 1 or key 2 of the resource", TOGETHER: "tgp_…"}


@dataclass(frozen=True)
class Connection:
    """Every configured source (the archive among them), the one a job ID opens in, and this session's
    uploads (``components.ui.uploads.upload_sidebar``)."""

    source: SourceConfig  # where a job ID opens: OpenAI, else Azure; the demo when neither is configured
    registry: Registry
    refresh_seconds: float | None  # how often a running job is read again; None: the setting is wrong
    limits: Limits = field(default_factory=Limits)
    uploads: tuple[Upload, ...] = ()
    compat: ApiConfig | None = None  # DASHBOARD_COMPAT_BASE_URL: answers replacement models
    spending: SpendingRules = field(default_factory=SpendingRules)  # what the server's keys may be used for

    @property
    def upload_ids(self) -> frozenset[str]:
        return frozenset(upload.run_id for upload in self.uploads)


def secrets() -> Mapping[str, Any]:
    """Streamlit secrets, or nothing when no secrets.toml exists (reading it then raises)."""
    try:
        return {name: st.secrets[name] for name in st.secrets}
    except (FileNotFoundError, KeyError):
        return {}


def endpoint_of(config: SourceConfig) -> str:
    """What a source reads, safe to show: a base URL without credentials, a folder's name, the store."""
    if config.api is not None:
        return config.api.display_base_url
    if config.runs_dirs:
        return folders_label(config.runs_dirs)
    if config.tracker_dir is not None:
        return f"TRACKIO_DIR ({clean(config.tracker_dir.name, ECHO_CHARS)})"
    if config.store is not None:
        return store_endpoint(config.store)
    if config.name == UPLOAD:
        return "this browser session"
    return "built in"


def source_label(config: SourceConfig | None, name: str) -> str:
    """A source's name in words, for the switch."""
    if name == UPLOAD:
        return UPLOAD_LABEL
    return config.label if config is not None else name


def _configured(name: str, env: Mapping[str, Any], stored: Mapping[str, Any]) -> bool:
    variable = KEY_VARIABLES[name]
    return any(source.get(variable) for source in (env, stored))


def _typed_keys(env: Mapping[str, Any], stored: Mapping[str, Any]) -> tuple[dict[str, str], str | None]:
    """Password fields for the sources without a configured key (kept in this session only), and the Azure
    endpoint typed, if any (``components.api.config.typed_azure_config`` gives it the typed key only)."""
    missing = [name for name in (OPENAI, AZURE, TOGETHER) if not _configured(name, env, stored)]
    typed: dict[str, str] = {}
    typed_endpoint = None
    if not missing:
        return typed, typed_endpoint
    helper = "Kept in this browser session only: never in the URL, a log or a shared cache."
    with st.expander("Add a key for this session", expanded=OPENAI in missing and len(missing) == 3):
        for name in missing:
            endpoint = None
            if name == AZURE and not any(source.get("AZURE_OPENAI_ENDPOINT") for source in (env, stored)):
                text = st.text_input(
                    "Azure OpenAI endpoint",
                    key=AZURE_ENDPOINT_KEY,
                    placeholder="https://<resource>.openai.azure.com/",
                    help="Your resource's endpoint, on an Azure host (*.openai.azure.com and the like).",
                )
                endpoint = typed_azure_endpoint(text) if text else None
                if text and endpoint is None:
                    st.caption("Use your resource's https://…openai.azure.com/ endpoint.")
                if endpoint is None:
                    continue
            value = st.text_input(
                KEY_LABELS[name],
                type="password",
                key=TYPED_KEYS[name],
                placeholder=KEY_PLACEHOLDERS[name],
                help=helper,
            )
            if value:
                typed[name] = value
            typed_endpoint = endpoint or typed_endpoint
    return typed, typed_endpoint


def _spending(env: Mapping[str, Any], stored: Mapping[str, Any]) -> tuple[SpendingRules, str | None]:
    """The operator's rules for the server's keys; the defaults and the problem when a setting is wrong."""
    try:
        return resolve_spending(env, stored), None
    except ConfigError as exc:
        return SpendingRules(), str(exc)


def source_details(config: SourceConfig) -> str:
    """A source's endpoint and where its key comes from (never the key), as Markdown."""
    endpoint = code_span(endpoint_of(config), URL_CHARS)
    return endpoint + (f" · key from {config.key_origin}" if config.kind is SourceKind.API else "")


def describe_source(config: SourceConfig) -> str:
    """One line: the source, its endpoint, where its key comes from (never the key)."""
    return f"{markdown_literal(config.label)}: {source_details(config)}"


def connection_sidebar() -> tuple[Connection, DeltaGenerator]:
    """The sources of this session, named with their endpoints and problems where called (the sidebar).

    Password fields appear for sources with no configured key. A source whose settings are wrong is named
    with its problem and left out; a problem with OpenAI's settings stops the page, as a job would
    otherwise open somewhere the user did not mean. Also returns the place for :func:`source_switch`,
    under the sources and above the key fields (the switch needs the page's route, known later).
    """
    env, stored = os.environ, secrets()
    st.subheader("Sources")
    listed, switch, keys = st.container(), st.container(), st.container()
    with keys:
        typed, typed_endpoint = _typed_keys(env, stored)
    settings = resolve_settings(env, stored)
    store = settings.store
    registry = resolve_sources(env, stored, typed or None, azure_endpoint=typed_endpoint, store=store)
    spending, spending_problem = _spending(env, stored)
    with listed:
        for problem in (*registry.problems, *settings.problems):
            message = markdown_literal(problem.message, NOTE_CHARS)
            st.error(f"Configuration problem ({problem.label}): {message}")
        if spending_problem is not None:
            message = markdown_literal(spending_problem, NOTE_CHARS)
            st.error(f"Configuration problem (budgets, the defaults apply): {message}")
        if any(problem.name == OPENAI for problem in registry.problems):
            st.stop()
        if registry.is_demo:
            st.caption("No API key yet: the built-in demo job shows until you add one or open a file.")
        shown = [config for config in registry.configs if config.kind is not SourceKind.DEMO]
        if len(shown) == 1:  # with several, the switch names each one (see source_switch)
            st.caption(describe_source(shown[0]))
        if store is not None and any(config.kind is SourceKind.API for config in registry.configs):
            kept = markdown_literal(store_endpoint(store))
            st.caption(f"Finished runs are kept in the archive: {kept}")
        if settings.compat is not None:
            compat = code_span(settings.compat.display_base_url, URL_CHARS)
            st.caption(f"Replacement models answer through the OpenAI-compatible endpoint {compat}")
    job_source = registry.job_source()
    connection = Connection(
        source=job_source if job_source is not None and job_source.api is not None else DEMO_SOURCE,
        registry=registry,
        refresh_seconds=settings.refresh_seconds,
        limits=settings.limits,
        compat=settings.compat,
        spending=spending,
    )
    return connection, switch


SWITCH_KEY = "source_switch"


def _switched() -> None:
    """A source chosen in the switch: its list, in place of any run open now."""
    chosen = st.session_state.get(SWITCH_KEY)
    if chosen:
        go(JobList(chosen))


def source_switch(connection: Connection, current: str | None) -> None:
    """Which source's runs to show, when there is more than one to choose from (uploads among them), each
    with its endpoint and key origin."""
    names = listable(connection.registry, connection.upload_ids)
    if len(names) < 2:
        return
    st.session_state[SWITCH_KEY] = current if current in names else None
    labels = {name: source_label(connection.registry.get(name), name) for name in names}
    configs = [connection.registry.get(name) for name in names]
    st.radio(
        "Show runs from",
        names,
        format_func=labels.__getitem__,  # picklable, as the session's state must be
        captions=[source_details(config) if config else "this browser session" for config in configs],
        key=SWITCH_KEY,
        on_change=_switched,
    )
