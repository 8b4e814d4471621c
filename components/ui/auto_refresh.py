"""While a job runs, read it again every minute without a click (the cache would otherwise hold it)."""

from __future__ import annotations

import os

import streamlit as st

from components.sources import SourceConfig
from components.ui.loaders import forget_run

TOGGLE_KEY = "auto_refresh"
PAGE_RUNS_KEY = "auto_refresh_page_runs"
SEEN_KEY = "auto_refresh_seen"
DEFAULT_INTERVAL_SECONDS = 60.0


def refresh_interval(raw: str | None) -> float:
    """``DASHBOARD_REFRESH_SECONDS`` if it is a number of at least 1 s, else a minute."""
    try:
        seconds = float(raw) if raw else DEFAULT_INTERVAL_SECONDS
    except ValueError:
        return DEFAULT_INTERVAL_SECONDS
    return seconds if seconds >= 1 else DEFAULT_INTERVAL_SECONDS


INTERVAL_SECONDS = refresh_interval(os.environ.get("DASHBOARD_REFRESH_SECONDS"))


def is_timer_tick(page_runs: int, seen: int | None) -> bool:
    """A fragment run with no page run since the last one can only come from the fragment's timer."""
    return seen == page_runs


@st.fragment(run_every=INTERVAL_SECONDS)
def _ticker(config: SourceConfig, job_id: str) -> None:
    page_runs = st.session_state[PAGE_RUNS_KEY]
    if is_timer_tick(page_runs, st.session_state.get(SEEN_KEY)):
        forget_run(config, job_id)
        st.rerun()
    st.session_state[SEEN_KEY] = page_runs


def auto_refresh(config: SourceConfig, job_id: str, *, running: bool) -> None:
    """A sidebar toggle, on by default for jobs that have not finished; nothing for finished jobs."""
    if not running:
        return
    st.session_state[PAGE_RUNS_KEY] = st.session_state.get(PAGE_RUNS_KEY, 0) + 1
    enabled = st.sidebar.toggle(
        "Auto-refresh while the job runs",
        value=True,
        key=TOGGLE_KEY,
        help=f"Reads the job, its checkpoints and metrics again every {INTERVAL_SECONDS:g} s until it ends.",
    )
    if enabled:
        _ticker(config, job_id)
