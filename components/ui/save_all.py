"""The job list's "Save all runs of this source": every run of an API source (all pages, not only those
listed), with its events, checkpoints and files, into the archive (``components.archive.save_all``), with a
progress bar and a summary.

The save runs inside this script run, so it stops when the tab closes or the page runs again (a click
elsewhere): Streamlit stops a script at its next ``st`` call, which here is the bar's update after a run is
stored, so the run being read is still stored whole (or not at all: it is one transaction). What it stored
stays stored, in the archive, not in this session: the next click continues, reading nothing already there.
The session keeps only the last save's counts, to say how far it got. A save takes the archive's command
lock, so a page and ``python -m components.archive`` never save one archive at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from components.archive import connect_archive
from components.archive.save_all import Outcome, Tally, progress_text, save_all, summary_lines
from components.domain import RunRef
from components.sources import SourceConfig, SourceKind
from components.store import StoreError
from components.store.locks import command_lock
from components.text import NOTE_CHARS, clean, markdown_literal
from components.ui.connection import Connection
from components.ui.session_slot import SessionSlot

BUTTON_KEY = "save_all_runs"
FAILURES_KEY = "save_all_failures"
MEGABYTE = 1_000_000


@dataclass
class _Save:
    """This session's last save of one source: its counts (updated as it works) and whether it ended."""

    tally: Tally
    ended: bool = False


LAST = SessionSlot[_Save]("save_all_last")


class _PageReport:
    """Progress into the page's bar (and the session's counts) as the save goes."""

    def __init__(self, bar: DeltaGenerator, label: str, tally: Tally) -> None:
        self._bar = bar
        self._label = markdown_literal(label)
        self._tally = tally

    def listed(self, label: str, tally: Tally) -> None:
        self._bar.progress(0.0, text=f"Listing the runs of {self._label}: {tally.listed:,} so far…")

    def step(self, tally: Tally, ref: RunRef, outcome: Outcome) -> None:
        share = tally.done / tally.total if tally.total else 1.0
        self._bar.progress(min(share, 1.0), text=f"Saving the runs of {self._label}: {progress_text(tally)}")


def _summary(tally: Tally, config: SourceConfig, ended: bool) -> None:
    """What the save did: counts in our words, then each failure with its reason as plain table cells."""
    lines = [markdown_literal(line, NOTE_CHARS) for line in summary_lines(tally, [config.label])]
    if not ended:
        lines.insert(
            0,
            f"**Saving stopped after {tally.done} of {tally.total} runs** (the page was left or changed "
            "while it worked). What was saved is kept: save again to continue; nothing already there is "
            "read again.",
        )
    if ended and not tally.failures and not tally.stopped:
        st.success("  \n".join(lines), icon=":material/inventory_2:")
    else:
        st.warning("  \n".join(lines), icon=":material/warning:")
    if tally.failures:
        failures = pd.DataFrame(
            {"Run": [clean(f.what) for f in tally.failures], "Why": [clean(f.reason) for f in tally.failures]}
        )
        with st.container(key=FAILURES_KEY):
            st.dataframe(failures, hide_index=True, width="stretch")


def _save(connection: Connection, config: SourceConfig) -> None:
    """Save every run of ``config`` now, showing progress, then the summary."""
    access = connect_archive(connection.registry)
    if access is None or access.store is None:
        problem = access.problem if access is not None and access.problem else "DASHBOARD_STORE is off."
        st.error(f"Nothing was saved: {markdown_literal(problem, NOTE_CHARS)}", icon=":material/error:")
        return
    tally = Tally()
    bar = st.progress(0.0, text=f"Listing the runs of {markdown_literal(config.label)}…")
    try:
        with command_lock(access.store) as held:
            if not held:
                bar.empty()
                st.warning(
                    "Another save is working on this archive (`python -m components.archive` or another "
                    "page); try again when it has finished.",
                    icon=":material/hourglass:",
                )
                return
            save = _Save(tally)
            LAST.put(config, save)
            report = _PageReport(bar, config.label, tally)
            save_all(access.store, [config], tally, report, viewer=access.viewer)
            save.ended = True
    except StoreError as exc:  # the lock file is a planted link or another user's
        bar.empty()
        st.error(f"Nothing was saved: {markdown_literal(str(exc), NOTE_CHARS)}", icon=":material/error:")
        return
    bar.progress(1.0, text=f"Done with the runs of {markdown_literal(config.label)}: {progress_text(tally)}")
    _summary(tally, config, ended=True)  # under the bar, which keeps the final numbers


def save_all_panel(connection: Connection, config: SourceConfig) -> None:
    """The button under an API source's job list (when there is an archive), and the last save's summary."""
    archive = connection.registry.archive
    if config.kind is not SourceKind.API or archive is None or archive.store is None:
        return
    limit = archive.store.file_limit / MEGABYTE
    with st.container(horizontal=True, vertical_alignment="center"):
        clicked = st.button(
            "Save all runs of this source",
            key=BUTTON_KEY,
            icon=":material/inventory_2:",
            help=(
                "Keeps every run of this source in the archive, so it stays readable once the provider "
                "stops serving it: all pages of the list, not only those shown, each with its events, "
                f"checkpoints, result files and its training and validation files (up to {limit:g} MB "
                "each: DASHBOARD_SAVE_FILE_LIMIT_MB). Runs already there are not read again, so a save that "
                "stopped continues where it was."
            ),
        )
        st.caption(f"Into the archive, with each run's files up to {limit:g} MB.")
    if clicked:
        _save(connection, config)
        return
    last = LAST.get(config)
    if last is not None:
        _summary(last.tally, config, ended=last.ended)
