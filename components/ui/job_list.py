"""A source's runs, newest first: Load more (one API page of 100 per click), search, status filter, a click
opens a run, a tick of several compares them.

The pages listed are kept in this browser session per source (and only for the same config, key
included), so reruns read nothing again; a failed read keeps the rows already listed. The search and the
filter are kept too, so the run page's "back to the list" finds them as they were.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from functools import partial

import streamlit as st

from components.api import PlatformClosedError
from components.domain import (
    RunRef,
    RunStatus,
    RunSummary,
    filter_status,
    filter_stopping,
    search_runs,
    status_counts,
    stops_soon,
)
from components.page.job_rows import ANSWERS_UNTIL, job_rows, listed_caption, status_label, stopping_label
from components.page.route import MAX_COMPARE, MIN_COMPARE, showing
from components.sources import RunPage, SourceConfig, UploadSource
from components.sources.files import UPLOAD
from components.text import NOTE_CHARS, markdown_literal
from components.ui.cached_reads import source_for
from components.ui.connection import Connection, describe_source
from components.ui.errors import CLOSED_ICON, UNEXPECTED_TITLE, closed_message, describe
from components.ui.navigation import go
from components.ui.retirement import answers_column, reported_footnote, retirement_notice, today
from components.ui.run_loading import config_of
from components.ui.save_all import save_all_panel

LISTS_KEY = "job_lists"
SEARCH_KEY = "job_search"
STATUS_KEY = "job_status"
SOON_KEY = "job_stops_soon"
SOON = "soon"  # the one option of the "stops within 60 days" filter
COMPARE_KEY = "job_compare"
MORE_KEY = "job_more"
GO_COMPARE_KEY = "job_compare_go"
ROUND_KEY = "job_table_round"
KEPT = "_kept"  # suffix of the session keys that keep a widget's value while the list is not shown
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Listing:
    """What this session has listed of one source: the runs, where to go on, and what went wrong."""

    config: SourceConfig
    runs: tuple[RunSummary, ...] = ()
    cursor: str | None = None
    pages: int = 0
    notes: tuple[str, ...] = ()
    error: str | None = None  # the last read's failure, shown above the rows kept
    closed: bool = False  # that failure is the fine-tuning platform closing: a notice, not an error

    @property
    def more(self) -> bool:
        """Whether another page can be read (or the first read has yet to succeed)."""
        return self.cursor is not None or self.pages == 0


def table_key() -> str:
    """The table's key: renewed after a run is opened, so coming back does not open it again."""
    return f"job_table_{st.session_state.get(ROUND_KEY, 0)}"


def _read_next(listing: Listing) -> Listing:
    """``listing`` with the next page appended, or with the failure when the read fails (rows kept)."""
    try:
        page: RunPage = source_for(listing.config).list_runs(listing.cursor)
    except PlatformClosedError as exc:  # the platform closing is said in words, not as a failed read
        return replace(listing, error=closed_message(exc), closed=True)
    except Exception as exc:  # a failed read is a message over the rows already listed, never a traceback
        title, detail, advice = describe(exc)
        if title == UNEXPECTED_TITLE:  # a bug, not a failed read: its traceback goes to the server's log
            logger.exception("Unexpected error while listing the runs of %s", listing.config.name)
        return replace(listing, error=f"**{title}**: {markdown_literal(detail, NOTE_CHARS)} {advice}".strip())
    known = {run.ref for run in listing.runs}
    fresh = tuple(run for run in page.runs if run.ref not in known)
    return Listing(
        listing.config,
        listing.runs + fresh,
        page.next_cursor,
        listing.pages + 1,
        tuple(dict.fromkeys(listing.notes + page.notes)),
    )


def _listing(connection: Connection, config: SourceConfig, name: str, *, refresh: bool) -> Listing:
    """This session's listing of ``name``: read once (the first page), then only by Load more; Refresh
    starts it again from the newest."""
    if name == UPLOAD:  # the session's own files: nothing to fetch, nothing to keep
        page = UploadSource(connection.uploads, config.limits).list_runs()
        return Listing(config, page.runs, None, 0, page.notes)
    lists: dict[str, Listing] = st.session_state.setdefault(LISTS_KEY, {})
    listing = lists.get(name)
    if listing is None or listing.config != config or refresh:
        with st.spinner(f"Listing the runs of {markdown_literal(config.label)}…"):
            listing = _read_next(Listing(config))
    if st.session_state.get(MORE_KEY):  # Load more was clicked in this run
        with st.spinner("Reading the next page…"):
            listing = _read_next(replace(listing, error=None))
    lists[name] = listing
    return listing


def _kept_widget(key: str, default: object) -> None:
    """Give a widget the value it had when last shown (Streamlit drops it while the widget is absent)."""
    if key not in st.session_state:
        st.session_state[key] = st.session_state.get(key + KEPT, default)


def _keep(key: str) -> None:
    st.session_state[key + KEPT] = st.session_state.get(key)


def _open(refs: list[RunRef]) -> None:
    """Open one run, or compare several: their addresses go into the URL; the list is one click back."""
    go(showing(refs))
    st.session_state[ROUND_KEY] = st.session_state.get(ROUND_KEY, 0) + 1
    st.rerun()


def _soon_label(_option: str, stopping: int) -> str:
    return stopping_label(stopping)


def _filters(runs: tuple[RunSummary, ...], stopping: int) -> tuple[str, list[RunStatus], bool, bool]:
    """The search, the status filter, the "stops within 60 days" filter (when ``stopping`` listed runs
    do) and the compare switch, in one row."""
    counts = status_counts(runs)
    for key, default in ((SEARCH_KEY, ""), (STATUS_KEY, []), (SOON_KEY, None), (COMPARE_KEY, False)):
        _kept_widget(key, default)
    st.session_state[STATUS_KEY] = [status for status in st.session_state[STATUS_KEY] if status in counts]
    with st.container(horizontal=True, vertical_alignment="bottom"):
        query = st.text_input(
            "Search",
            key=SEARCH_KEY,
            placeholder="id, model or suffix",
            on_change=_keep,
            args=(SEARCH_KEY,),
            width=320,
        )
        statuses = st.pills(
            "Status",
            list(counts),
            selection_mode="multi",
            format_func=partial(status_label, counts=counts),  # picklable, as the session's state must be
            key=STATUS_KEY,
            on_change=_keep,
            args=(STATUS_KEY,),
        )
        soon = stopping > 0 and st.pills(
            "Answers until",
            [SOON],
            format_func=partial(_soon_label, stopping=stopping),  # picklable, as the session's state must be
            key=SOON_KEY,
            on_change=_keep,
            args=(SOON_KEY,),
        )
        compare = st.toggle(
            "Select to compare",
            key=COMPARE_KEY,
            on_change=_keep,
            args=(COMPARE_KEY,),
            help=f"Tick {MIN_COMPARE} to {MAX_COMPARE} runs, then Compare.",
        )
    return query or "", list(statuses or []), soon == SOON, compare


def job_list_page(connection: Connection, name: str, *, refresh: bool = False) -> None:
    """The runs of the source ``name``, with Load more, search, filter, open and compare; ``refresh`` (the
    sidebar's button) lists them again from the newest."""
    config = config_of(connection, name)
    assert config is not None, name  # the route lists configured sources only
    st.title("Fine-tuning runs")
    st.caption(describe_source(config))
    listing = _listing(connection, config, name, refresh=refresh)
    if listing.error and listing.closed:
        st.info(listing.error, icon=CLOSED_ICON)
    elif listing.error:
        st.error(listing.error, icon=":material/error:")
    for note in listing.notes:
        st.warning(markdown_literal(note, NOTE_CHARS), icon=":material/warning:")
    now = today()
    retirement_notice(config, listing.runs, now, archive=connection.registry.archive is not None)
    stopping = sum(stops_soon(run, now) for run in listing.runs)
    query, statuses, soon, compare = _filters(listing.runs, stopping)
    shown = filter_stopping(filter_status(search_runs(listing.runs, query), statuses), now, soon)
    table = job_rows(shown, now)
    event = st.dataframe(
        table,
        key=table_key(),
        on_select="rerun",
        # A click on any cell of a row opens its run (a row's box alone would leave a click on its name
        # outlining the cell); to compare, rows are ticked.
        selection_mode="multi-row" if compare else ("single-row", "single-cell"),
        hide_index=True,
        width="stretch",
        column_config={
            "Created": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
            "Finished": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
            "Trained tokens": st.column_config.NumberColumn(format="localized"),
            # hidden where no listed run has a date (Together, files, the archive)
            ANSWERS_UNTIL: answers_column() if table[ANSWERS_UNTIL].ne("").any() else None,
        },
    )
    cells = event.selection.get("cells", [])  # none in a selection set through Session State
    clicked = [row for row, _column in cells] if not compare else []
    rows = [row for row in (*event.selection.rows, *clicked) if 0 <= row < len(shown)]
    chosen = [shown[row].ref for row in rows]
    if not listing.runs and not listing.error:
        st.info("No runs here yet.", icon=":material/inbox:")
    with st.container(horizontal=True, vertical_alignment="center"):
        if listing.more and name != UPLOAD:
            again = listing.pages == 0  # the first read failed: the same button tries it again
            label, icon = (
                ("Try again", ":material/refresh:") if again else ("Load more", ":material/expand_more:")
            )
            st.button(label, key=MORE_KEY, icon=icon)
        if compare:
            n = len(chosen)
            if st.button(
                f"Compare selected ({n})",
                key=GO_COMPARE_KEY,
                type="primary",
                disabled=not MIN_COMPARE <= n <= MAX_COMPARE,
                help=f"Tick {MIN_COMPARE} to {MAX_COMPARE} runs.",
            ):
                _open(chosen)
        st.caption(listed_caption(len(listing.runs), listing.pages, listing.cursor is not None, len(shown)))
    reported_footnote(table[ANSWERS_UNTIL])
    save_all_panel(connection, config)
    if chosen and not compare:
        _open(chosen[:1])
