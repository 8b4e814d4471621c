"""The job ID field, bound to ``?job=`` so a link opens a job and the URL follows the field."""

from __future__ import annotations

import streamlit as st

JOB_KEY = "job"
REFRESH_KEY = "refresh"


def job_picker(*, disabled: bool = False) -> tuple[str, bool]:
    """The job ID as typed (untrusted) and whether Refresh was pressed."""
    with st.sidebar:
        st.subheader("Job")
        job_id = st.text_input(
            "Fine-tuning job ID",
            key=JOB_KEY,
            bind="query-params",
            placeholder="ftjob-…",
            disabled=disabled,
            help="Paste an ID like ftjob-abc123. The page URL follows it, so you can share a link.",
        )
        refresh = st.button("Refresh", key=REFRESH_KEY, icon=":material/refresh:", disabled=disabled)
    return (job_id or "").strip(), refresh
