"""A running job, live: a fragment reads what is new on a timer and redraws the page only when it changed.

The run being watched is kept in this browser session (never in a cache shared between sessions), with the
config it was read with, so a tick hands it to :func:`components.sources.live.refresh_run` and pays only
for what is new (a quiet tick is one request). The fragment draws the progress block (steps, epochs,
elapsed, the expected finish, what the last tick read) on every tick; when a tick brought something new it
asks for a full rerun, and the page is rebuilt from the session's run: the chart, strip and table grow,
while zoom, the pick, the metric, smoothing and every option stay, since they live in widget state and
the URL. When the job ends (and its run is read whole) the run goes to the archive and the ticking stops.
A failed tick keeps everything known and says what failed.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from components.archive import connect_archive, save_to_archive
from components.domain import RunData
from components.page.live import LiveRun, checked_line, ended_note, is_timer_tick, tick
from components.page.progress import ProgressView, run_progress_view
from components.sources import SourceConfig, SourceKind
from components.sources.live import needs_refresh
from components.ui.cached_reads import forget_run, source_for
from components.ui.connection import Connection
from components.ui.session_slot import SessionSlot

TOGGLE_KEY = "auto_refresh"
PAGE_RUNS_KEY = "auto_refresh_page_runs"
SEEN_KEY = "auto_refresh_seen"
LIVE_KEY = "live_run"


LIVE = SessionSlot[LiveRun](LIVE_KEY)  # the run watched, for its config (key included) and job id


def current_run(config: SourceConfig, run_id: str, *, refresh: bool) -> RunData | None:
    """This session's live copy of the run (newer than any cached one), unless Refresh asks to read it
    again; None when this session watches no such run. The page loads the run only when this is None."""
    live = LIVE.get((config, run_id))
    return live.run if live is not None and not refresh else None


def _watch(config: SourceConfig, run_id: str, run: RunData) -> LiveRun:
    """The session's live entry for ``run``, started afresh when ``run`` was loaded rather than kept live."""
    live = LIVE.get((config, run_id))
    if live is None or live.run is not run:
        live = LiveRun(run)
        LIVE.put((config, run_id), live)  # one per session: watching another job drops the last
    return live


def progress_block(view: ProgressView) -> None:
    """The progress bar and what it says; an overdue estimate in orange."""
    st.progress(view.fraction or 0.0, text=view.label)
    if view.caption:
        st.caption(f":orange[{view.caption}]" if view.overdue else view.caption)


def _draw(live: LiveRun, now: pd.Timestamp, interval: float | None) -> None:
    view = run_progress_view(live.run, now)
    if view is not None:
        progress_block(view)
    if interval is not None:
        st.caption(checked_line(live, interval))


def _archive_finished(connection: Connection, config: SourceConfig, run: RunData) -> str | None:
    """Store the run of a job that ended while watched; the archive's word on it (None: not stored)."""
    if config.kind is not SourceKind.API:
        return None
    access = connect_archive(connection.registry)
    if access is None:
        return None
    return save_to_archive(access, config, run).message


def _ticker(connection: Connection, config: SourceConfig, run_id: str, interval: float) -> None:
    live = LIVE.get((config, run_id))
    if live is None:  # another job replaced it in this session
        return
    page_runs = st.session_state[PAGE_RUNS_KEY]
    now = pd.Timestamp.now(tz="UTC")
    if is_timer_tick(page_runs, st.session_state.get(SEEN_KEY)):
        live = tick(live, source_for(config), now)
        assert live.last is not None
        if not live.last.keep_refreshing:
            live = replace(live, ended_note=ended_note(_archive_finished(connection, config, live.run)))
            forget_run(config, run_id)  # the cache holds the job as it was, running
        LIVE.put((config, run_id), live)
        if live.rerun_page:
            st.rerun()  # the whole page, rebuilt from the session's run; widget state keeps the view
    st.session_state[SEEN_KEY] = page_runs
    _draw(live, now, interval)


def live_progress(connection: Connection, config: SourceConfig, run_id: str, run: RunData) -> None:
    """A running job's progress, read again every ``connection.refresh_seconds`` while the sidebar toggle
    (on by default) says so; a finished job shows nothing here but, once, that it ended while watched.

    ``config`` is the run's source; ``run`` is what the page shows: :func:`current_run` when this session
    watches it, else a fresh load.
    """
    live = _watch(config, run_id, run)
    now = pd.Timestamp.now(tz="UTC")
    if live.ended_note is not None:
        st.success(live.ended_note, icon=":material/flag:")
    interval = connection.refresh_seconds
    if not needs_refresh(source_for(config), run) or interval is None:
        if not run.summary.is_terminal:
            _draw(live, now, None)
        return
    st.session_state[PAGE_RUNS_KEY] = st.session_state.get(PAGE_RUNS_KEY, 0) + 1
    enabled = st.sidebar.toggle(
        "Auto-refresh while the job runs",
        value=True,
        key=TOGGLE_KEY,
        help=(
            f"Reads what is new every {interval:g} s (one request when nothing is) until the job ends; "
            "the chart and table grow in place."
        ),
    )
    if enabled:
        # Wrapped here, not at import, so the interval is this session's setting (Streamlit names a
        # fragment by its function and place in the page, so every run finds the same fragment).
        st.fragment(_ticker, run_every=interval)(connection, config, run_id, interval)
    else:
        _draw(live, now, None)
