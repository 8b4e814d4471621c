"""One run's page: where it came from, how training went, which checkpoint to deploy, and the way back to
its source's list. Every decision is made by ``components.page.build_page``; this only draws it."""

from __future__ import annotations

import streamlit as st

from components.archive import ServedFrom
from components.domain import NoteKind
from components.page import build_page, prepare
from components.page.route import JobList
from components.sources.demo import DEMO
from components.sources.files import UPLOAD_LABEL
from components.text import NOTE_CHARS, URL_CHARS, code_span, markdown_literal
from components.ui.auto_refresh import live_progress
from components.ui.checkpoint_table import checkpoint_table
from components.ui.connection import Connection, endpoint_of
from components.ui.curves_panel import CHART_KEY, curves_panel
from components.ui.exports import export_buttons
from components.ui.first_paint import rest_of_page_ready
from components.ui.job_header import job_header
from components.ui.kept_files import kept_files_panel
from components.ui.metric_help import metric_help
from components.ui.more_metrics import more_metrics
from components.ui.navigation import go
from components.ui.recommendation import recommendation_strip
from components.ui.recommended_vs_selected import comparison_panel
from components.ui.recordings import run_answer_sets
from components.ui.retirement import retirement_line
from components.ui.run_loading import Loaded
from components.ui.selection import picked, zoom_of
from components.ui.try_checkpoints import try_checkpoints
from components.ui.uploads import save_file_run
from components.ui.view_options import view_options

BACK_KEY = "back_to_list"
UNAVAILABLE_ICONS = {"accuracy": ":material/percent:", "loss": ":material/show_chart:"}


def back_to_list(source: str) -> None:
    """Leave the run for its source's list (the list's pages, search and filter are kept in the session)."""
    go(JobList(source))


def where_from(loaded: Loaded) -> None:
    """One row above the run: back to the list it belongs to, and the source and endpoint it was read
    from, with the archive's word when the run came from there (nothing for the demo, which has neither a
    list nor an endpoint; its info box says what it is)."""
    if loaded.ref.source == DEMO:
        return
    label = UPLOAD_LABEL if loaded.config.name != loaded.ref.source else loaded.config.label
    note = archived(loaded)
    # With the archive's sentence the line is long: kept beside the button (its words wrap there) rather
    # than moved below it, so the note costs a line or two, not a row of its own.
    with st.container(horizontal=True, vertical_alignment="center", gap="medium", wrap=note is None):
        st.button(
            f"All runs of {label}",
            key=BACK_KEY,
            icon=":material/arrow_back:",
            type="tertiary",
            on_click=back_to_list,
            args=(loaded.ref.source,),
        )
        st.caption(source_line(loaded, note), width="stretch")


def archived(loaded: Loaded) -> str | None:
    """The archive's sentence about a run it served (when it was saved, where it was read), else None."""
    return loaded.archive_note if loaded.served_from is ServedFrom.ARCHIVE else None


def source_line(loaded: Loaded, note: str | None) -> str:
    """``Source: Azure OpenAI · `https://…/openai/v1```: where the page read this run; ``note``, the
    archive's sentence about a run it served, follows on the same line, so the chart keeps its place on
    the first screen."""
    endpoint = code_span(endpoint_of(loaded.config), URL_CHARS)
    line = f"Source: {markdown_literal(loaded.config.label)} · {endpoint}"
    return f"{line} · :material/inventory_2: {markdown_literal(note, NOTE_CHARS)}" if note else line


def run_page(connection: Connection, loaded: Loaded) -> None:
    """The whole single-run page for a loaded run."""
    run, run_id = loaded.run, loaded.ref.run_id
    where_from(loaded)
    prepared = prepare(run)
    selected_id = picked(run.checkpoints["checkpoint_id"].astype(str).tolist())
    zoom = zoom_of(run_id)
    # Laid out top to bottom here, filled once the options (read by widgets further down) are known.
    header, strip, toolbar = st.container(), st.container(), st.container()
    options, better = view_options(
        prepared, run_id, zoomed=zoom is not None, toolbar=toolbar if prepared.has_curves else None
    )
    page = build_page(prepared, options, selected_id=selected_id, zoom=zoom, direction=better)
    with header:
        archive = connection.registry.archive is not None
        job_header(page.header, retirement_line(run, loaded.saved_at, archive=archive))
        live_progress(connection, loaded.config, run_id, run)
        on_source_line = archived(loaded) is not None  # the stored copy's sentence, said above
        for note in page.notes:
            if not (on_source_line and note.kind is NoteKind.STORED_COPY):
                st.warning(markdown_literal(note.text, NOTE_CHARS), icon=":material/warning:")
        if page.waiting:
            st.info(page.waiting, icon=":material/hourglass:")
    if page.strip is not None:
        with strip:
            recommendation_strip(page.strip)
    if page.provider_best is not None:
        with strip:
            st.caption(markdown_literal(page.provider_best, NOTE_CHARS))
    if page.chart is not None:
        curves_panel(page.chart, run_id, page.loaded)
        for kind, reason in page.unavailable:  # where that metric's panel would be
            st.info(markdown_literal(reason, NOTE_CHARS), icon=UNAVAILABLE_ICONS.get(kind))
        if not rest_of_page_ready(CHART_KEY):  # a session's first chart is drawn before the rest
            return
        more_metrics(prepared, options, page.chart, run_id)
    else:
        st.info(page.no_curves, icon=":material/hourglass:")
        st.caption(f"Read: {page.loaded}.")
    if page.comparison is not None:
        comparison_panel(page.comparison)
    if page.table is not None:
        st.markdown("#### All checkpoints")
        checkpoint_table(page.table)
    try_checkpoints(loaded.config, run, page.strip.checkpoint_id if page.strip else None, connection)
    export_buttons(run, run_id, run_answer_sets(connection, run))
    kept_files_panel(connection, loaded)
    save_file_run(connection, loaded)
    metric_help()
