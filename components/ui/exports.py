"""Downloads of the full data (never the thinned display data), as CSV."""

from __future__ import annotations

from functools import partial

import streamlit as st

from components.loading import RunData


def export_buttons(run: RunData) -> None:
    """Two buttons: the per-step history and the checkpoint list, each as CSV."""
    downloads = (
        ("Per-step metrics (CSV)", run.history, "steps"),
        ("Checkpoints (CSV)", run.checkpoints, "checkpoints"),
    )
    for column, (label, frame, name) in zip(st.columns([1, 1, 3])[:2], downloads, strict=True):
        column.download_button(
            label,
            data=partial(frame.to_csv, index=False),  # built on click, not on every rerun
            file_name=f"{run.job.id}-{name}.csv",
            mime="text/csv",
            on_click="ignore",
            icon=":material/download:",
        )
