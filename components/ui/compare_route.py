"""The comparison as the URL names it (``?run=A&run=B``): each run loaded as its own page loads it, a link
to each run's own page, and removing a run by taking it out of the URL."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from components.domain import InvalidRunRefError, RunRef
from components.page.route import RUN_PARAM
from components.ui.compare_page import compare_page
from components.ui.connection import Connection
from components.ui.loading_status import load_ref


def run_link(ref: RunRef) -> str:
    """The address of one run's own page (a RunRef is checked, so it is safe in a link)."""
    return f"?{RUN_PARAM}={ref}"


def remove_run(ref: RunRef) -> None:
    """Take ``ref`` out of the comparison; with one run left the route opens that run's page."""
    kept = []
    for text in st.query_params.get_all(RUN_PARAM):
        try:
            if RunRef.parse(text) != ref:
                kept.append(text)
        except InvalidRunRefError:
            continue
    st.query_params[RUN_PARAM] = kept


def comparison(connection: Connection, refs: Sequence[RunRef], *, refresh: bool) -> None:
    """Load every run (each one's problems shown where it failed) and compare those that loaded."""
    loaded = [item for ref in refs if (item := load_ref(connection, ref, refresh=refresh)) is not None]
    compare_page(loaded, on_remove=remove_run, run_link=run_link)
