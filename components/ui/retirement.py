"""When models stop answering, where it matters: the job list's notice, column and footnote, a run's line.

The decisions and every word are ``components.page.retirement``'s; this reads the clock and draws. It
imports no other UI module, so the error messages (``components.ui.errors``) can read the same clock.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import date

import pandas as pd
import streamlit as st

from components.domain import RunData, RunSummary
from components.page.retirement import (
    REPORTED_FOOTNOTE,
    TODAY_SETTING,
    Kept,
    has_reported,
    list_notice,
    run_line,
    today_from,
)
from components.sources import SourceConfig, SourceKind

NOTICE_ICON = ":material/event_busy:"
ANSWERS_HELP = (
    "The day this run's fine-tuned models stop answering (from its base model and its provider), and the "
    "days left. † marks a date only third parties report. Sorting sorts by days left."
)


def today() -> date:
    """The page's today: ``DASHBOARD_TODAY`` when set to a date, else the real date (UTC)."""
    return today_from(os.environ.get(TODAY_SETTING))


def answers_column() -> object:
    """The "Answers until" column of the job list (plain text, like every cell of that table)."""
    return st.column_config.TextColumn(help=ANSWERS_HELP, width="medium")


def retirement_notice(config: SourceConfig, runs: Iterable[RunSummary], now: date, *, archive: bool) -> None:
    """The notice over a source's list while any listed run's models have fewer than 60 days left;
    ``archive`` says whether an archive is configured to keep the runs."""
    if config.kind is not SourceKind.API:  # the archive, files, the demo: none of their models stop
        return
    text = list_notice(runs, now, archive=archive)
    if text is not None:
        st.warning(text, icon=NOTICE_ICON)


def reported_footnote(cells: Iterable[str | None]) -> None:
    """Under the list: what † means, when a listed date carries it."""
    if has_reported(cells):
        st.caption(REPORTED_FOOTNOTE)


def retirement_line(run: RunData, saved_at: pd.Timestamp | None, *, archive: bool) -> str | None:
    """The day a run's models stop answering, for one line of its header (None without a known date);
    within 60 days (or once stopped) its head is orange. ``saved_at``: when the archive saved the run."""
    line = run_line(run.summary, run.provenance.source, today(), Kept.of(saved_at is not None, archive))
    if line is None:
        return None
    head = f":orange[{line.head}]" if line.urgent else line.head
    return f"{NOTICE_ICON} {head} {line.rest}"
