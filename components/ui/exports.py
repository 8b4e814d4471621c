"""Downloads of the full data (never the thinned display data), as CSV."""

from __future__ import annotations

from functools import partial

import streamlit as st

from components.csv_export import export_csv
from components.domain import RunData


def export_buttons(run: RunData, job_id: str) -> None:
    """Two buttons with short labels (they never clip): the per-step history and the checkpoint list.

    ``job_id`` is the checked ID the page asked for (letters, digits, ``-``, ``_``), never the ``id`` the
    API sent back, so a file name cannot carry a path or anything else a server chose.
    """
    downloads = (
        ("Steps CSV", run.history, "steps"),
        ("Checkpoints CSV", run.checkpoints, "checkpoints"),
    )
    with st.container(horizontal=True, gap="small"):
        for label, frame, name in downloads:
            st.download_button(
                label,
                data=partial(export_csv, frame),  # built on click, not on every rerun
                file_name=f"{job_id}-{name}.csv",
                mime="text/csv",
                on_click="ignore",
                icon=":material/download:",
            )
