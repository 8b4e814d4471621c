"""The job ID field, bound to ``?job=`` so a link opens a job and the URL follows the field."""

from __future__ import annotations

import streamlit as st

from components.page.route import JobLink
from components.ui.navigation import JOB_KEY, go

REFRESH_KEY = "refresh"


def _typed() -> None:
    """A typed job replaces the run open now (the field itself writes ``?job=``)."""
    go(JobLink(st.session_state.get(JOB_KEY) or ""))


def job_picker(*, disabled: bool = False) -> tuple[str, bool]:
    """The job ID as typed (untrusted) and whether Refresh was pressed, drawn where called (the sidebar)."""
    st.subheader("Open a run")
    job_id = st.text_input(
        "Fine-tuning job ID",
        key=JOB_KEY,
        bind="query-params",
        placeholder="ftjob-…",
        disabled=disabled,
        on_change=_typed,
        help="Paste an ID like ftjob-abc123 (OpenAI, else Azure OpenAI). The page URL follows it, so "
        "you can share a link.",
    )
    refresh = st.button("Refresh", key=REFRESH_KEY, icon=":material/refresh:", disabled=disabled)
    return (job_id or "").strip(), refresh
