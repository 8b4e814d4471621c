"""Fetching a run by its address with visible progress (pages and items so far), every failure a message.

Runs go through the archive (``components.archive.open_with_archive``): a finished run stored there is
served with no request, and the page says so. API and folder runs are cached per (source config, key
included, run id); uploaded runs are read from this session's bytes and kept in this session only, never
in a cache another session could reach.

A partial run (a list stopped before its end) is kept in this browser session, and only for the same
config (key included) and run, so the next load of that run, by Refresh, auto-refresh or the cache
expiring, continues it from its saved cursors; it is never handed to another session or key.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from components.archive import Opened, ServedFrom, connect_archive
from components.domain import RunData, RunRef
from components.sources import SourceConfig, SourceKind, UploadSource, upload_config
from components.sources.files import UPLOAD
from components.text import markdown_literal
from components.ui.auto_refresh import current_run
from components.ui.cached_reads import cached_run, forget_run
from components.ui.connection import Connection
from components.ui.errors import show_error
from components.ui.first_paint import preload_chart_library
from components.ui.session_slot import SessionSlot

PARTIAL = SessionSlot[RunData]("partial_run")
"""The last partial run of this session, kept for the (config, run id) it was read with."""
SERVED = SessionSlot[tuple[ServedFrom, pd.Timestamp | None, str | None]]("served_run")
"""How this session's last loaded run was served (source or archive, when saved, the archive's sentence), for
the (config, run id) it was read with: a rerun takes the session's own copy of the run, and says the same."""
UPLOADED_RUNS_KEY = "uploaded_runs"
LOADING_ICON = ":material/hourglass_top:"
KEPT_UPLOADS = 4  # parsed uploaded runs kept per session (a comparison of a few reads none again)


@dataclass(frozen=True)
class Loaded:
    """A run the page shows: its address, its data, the source it was read through, and the archive's word.

    ``saved_at`` is when the archive's copy was saved (None: it holds none); ``archive_note`` the sentence
    the page shows about it (also among ``run.notes``).
    """

    ref: RunRef
    run: RunData
    config: SourceConfig
    served_from: ServedFrom = ServedFrom.SOURCE
    saved_at: pd.Timestamp | None = None
    archive_note: str | None = None


def _remember(config: SourceConfig, run_id: str, run: RunData) -> None:
    """Keep a partial run to resume (one per session bounds the memory); forget it once complete."""
    if run.is_partial:
        PARTIAL.put((config, run_id), run)
    else:
        PARTIAL.clear((config, run_id))


def config_of(connection: Connection, source: str) -> SourceConfig | None:
    """The config the source ``source`` is read with in this session (uploads: the session's own)."""
    if source == UPLOAD:
        return upload_config(connection.limits)
    return connection.registry.get(source)


def _uploaded(connection: Connection, config: SourceConfig, run_id: str) -> Opened:
    """An uploaded run, parsed once per session from the session's bytes (never a shared cache)."""
    kept: dict[str, RunData] = st.session_state.setdefault(UPLOADED_RUNS_KEY, {})
    if run_id not in kept:
        run = UploadSource(connection.uploads, config.limits).load_run(run_id)
        while len(kept) >= KEPT_UPLOADS:  # the oldest parsed run goes first; its bytes stay
            del kept[next(iter(kept))]
        kept[run_id] = run
    return Opened(kept[run_id], ServedFrom.SOURCE)


def load_ref(
    connection: Connection, ref: RunRef, *, refresh: bool = False, preload_chart: bool = False
) -> Loaded | None:
    """The run ``ref`` names, or None after showing why it could not be read. Never raises.

    While it loads, a line counts pages and items; once loaded the line goes (the header says in one line
    what was read), so it takes no room above the chart. A line, not ``st.status``: that box sleeps 50 ms
    when it is created, on every visit, cached run or not. With ``preload_chart`` (a page drawing one run),
    on a session's first run page the line also holds an invisible chart, so the browser loads plotly while
    the run is read (:func:`components.ui.first_paint.preload_chart_library`). API runs go through the
    archive when one is configured; the demo and runs from files never do (files are saved only when the user
    asks).
    """
    shown = markdown_literal(str(ref))  # checked, but ``_`` could still start emphasis in a label
    config = config_of(connection, ref.source)
    if config is None:
        st.error(f"The source of {shown} is not configured on this dashboard.", icon=":material/error:")
        return None
    reads_archive = config.kind in (SourceKind.API, SourceKind.ARCHIVE)
    archive = connect_archive(connection.registry) if reads_archive else None
    # The loading line's place, made on every run (empty when the session holds the run): the page below
    # keeps its element positions from one run to the next, so a rerun redraws it in place.
    box = st.empty()
    watched = current_run(config, ref.run_id, refresh=refresh)
    if watched is not None:  # this session's live copy is newer than any cached one
        served = SERVED.get((config, ref.run_id)) or (ServedFrom.SOURCE, None, None)
        return Loaded(ref, watched, config, *served)
    if refresh:
        forget_run(config, ref.run_id)
    with box.container():  # the loading line, and on a session's first run page plotly loading meanwhile
        slot = st.empty()
        slot.caption(f"{LOADING_ICON} Loading {shown}…")
        if preload_chart:
            preload_chart_library()
    # Progress is said from inside the cached read, where Streamlit records every element to replay it on
    # a cache hit (and cannot replay one drawn into a block made outside). It is said in the script's own
    # context instead, unrecorded: the line is gone once the run is loaded, so there is nothing to replay.
    outside = contextvars.copy_context()
    try:
        if ref.source == UPLOAD:
            opened = _uploaded(connection, config, ref.run_id)
        else:
            opened = cached_run(
                config,
                ref.run_id,
                _on_progress=lambda message: outside.copy().run(slot.caption, f"{LOADING_ICON} {message}"),
                _resume=PARTIAL.get((config, ref.run_id)),
                _archive=archive,
                _refresh=refresh,
            )
    except Exception as exc:  # every failure becomes a message in the page, never a traceback
        box.caption(f"Could not load {shown}.")
        show_error(exc)
        return None
    _remember(config, ref.run_id, opened.run)
    box.empty()
    served = (opened.served_from, opened.saved_at, opened.archive_note)
    SERVED.put((config, ref.run_id), served)
    return Loaded(ref, opened.run, config, *served)
