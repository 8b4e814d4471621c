"""Downloads of the full data (never the thinned display data), as CSV."""

from __future__ import annotations

import streamlit as st

from components.loading import RunData


def export_buttons(run: RunData) -> None:
    """Two buttons: the per-step history and the checkpoint list, each as CSV."""
    left, right, _ = st.columns([1, 1, 3])
    left.download_button(
        "Per-step metrics (CSV)",
        data=run.history.to_csv(index=False),
        file_name=f"{run.job.id}-steps.csv",
        mime="text/csv",
        on_click="ignore",
        icon=":material/download:",
    )
    right.download_button(
        "Checkpoints (CSV)",
        data=run.checkpoints.to_csv(index=False),
        file_name=f"{run.job.id}-checkpoints.csv",
        mime="text/csv",
        on_click="ignore",
        icon=":material/download:",
    )
