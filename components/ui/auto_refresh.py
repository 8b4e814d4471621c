"""While a job runs, read it again every minute without a click (the cache would otherwise hold it)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from components.api.settings import Settings
from components.sources import SourceConfig
from components.ui.loaders import forget_run

TOGGLE_KEY = "auto_refresh"
PAGE_RUNS_KEY = "auto_refresh_page_runs"
SEEN_KEY = "auto_refresh_seen"
INTERVAL_SETTING = "DASHBOARD_REFRESH_SECONDS"
DEFAULT_INTERVAL_SECONDS = 60.0
MAX_INTERVAL_SECONDS = 86_400.0


def refresh_interval(env: Mapping[str, Any], secrets: Mapping[str, Any]) -> float:
    """``DASHBOARD_REFRESH_SECONDS`` from the environment, then secrets: 1 s to a day, a minute when unset.

    Any other value is a ConfigError naming the setting, as for every other setting.
    """
    return Settings(env, secrets).number(INTERVAL_SETTING, DEFAULT_INTERVAL_SECONDS, 1, MAX_INTERVAL_SECONDS)


def is_timer_tick(page_runs: int, seen: int | None) -> bool:
    """A fragment run with no page run since the last one can only come from the fragment's timer."""
    return seen == page_runs


def _ticker(config: SourceConfig, job_id: str) -> None:
    page_runs = st.session_state[PAGE_RUNS_KEY]
    if is_timer_tick(page_runs, st.session_state.get(SEEN_KEY)):
        forget_run(config, job_id)
        st.rerun()
    st.session_state[SEEN_KEY] = page_runs


def auto_refresh(config: SourceConfig, job_id: str, *, running: bool, interval: float | None) -> None:
    """A sidebar toggle, on by default for jobs that have not finished; nothing for finished jobs, nor
    when the interval setting is wrong (the sidebar names that problem)."""
    if not running or interval is None:
        return
    st.session_state[PAGE_RUNS_KEY] = st.session_state.get(PAGE_RUNS_KEY, 0) + 1
    enabled = st.sidebar.toggle(
        "Auto-refresh while the job runs",
        value=True,
        key=TOGGLE_KEY,
        help=f"Reads the job, its checkpoints and metrics again every {interval:g} s until it ends.",
    )
    if enabled:
        # Wrapped here, not at import, so the interval is this session's setting (Streamlit names a
        # fragment by its function and place in the page, so every run finds the same fragment).
        st.fragment(_ticker, run_every=interval)(config, job_id)
