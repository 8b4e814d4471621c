"""Fetching with visible progress (pages and items so far), and every failure as a message.

A partial run (a list stopped before its end) is kept in this browser session, and only for the same
config (key included) and job, so the next load of that job, by Refresh, auto-refresh or the cache
expiring, continues it from its saved cursors; it is never handed to another session or key.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from components.archive import connect_archive
from components.domain import RunData
from components.sources import SourceConfig, SourceKind
from components.text import markdown_literal
from components.ui.connection import Connection
from components.ui.errors import show_error
from components.ui.loaders import cached_run, forget_run

PARTIAL_KEY = "partial_run"


@dataclass(frozen=True)
class _Partial:
    """The last partial run of this session, with what it was read with."""

    config: SourceConfig
    job_id: str
    run: RunData


def _saved_partial(config: SourceConfig, job_id: str) -> RunData | None:
    saved = st.session_state.get(PARTIAL_KEY)
    if isinstance(saved, _Partial) and saved.config == config and saved.job_id == job_id:
        return saved.run
    return None


def _remember(config: SourceConfig, job_id: str, run: RunData) -> None:
    """Keep a partial run to resume (one per session bounds the memory); forget it once complete."""
    if run.is_partial:
        st.session_state[PARTIAL_KEY] = _Partial(config, job_id, run)
    elif _saved_partial(config, job_id) is not None:
        del st.session_state[PARTIAL_KEY]


def load_with_status(connection: Connection, job_id: str, *, refresh: bool) -> RunData | None:
    """The run of ``connection.source``, or None after showing why it could not be read. Never raises.

    While it loads, a status box counts pages and items; once loaded the box goes (the header says in one
    line what was read), so it takes no room above the chart. API runs go through the archive, when one
    is configured; the demo never does.
    """
    config = connection.source
    archive = connect_archive(connection.registry) if config.kind is SourceKind.API else None
    if refresh:
        forget_run(config, job_id)
    shown = markdown_literal(job_id)  # checked, but ``_`` could still start emphasis in a label
    slot = st.empty()
    status = slot.status(f"Loading {shown}…", expanded=False)
    try:
        run = cached_run(
            config,
            job_id,
            _on_progress=lambda message: status.update(label=message),
            _resume=_saved_partial(config, job_id),
            _archive=archive,
            _refresh=refresh,
        )
    except Exception as exc:  # every failure becomes a message in the page, never a traceback
        status.update(label=f"Could not load {shown}", state="error")
        show_error(exc)
        return None
    _remember(config, job_id, run)
    slot.empty()
    return run
