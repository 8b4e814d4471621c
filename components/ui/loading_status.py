"""Fetching with visible progress (pages and items so far), and every failure as a message."""

from __future__ import annotations

import streamlit as st

from components.api import ApiConfig
from components.loading import RunData
from components.text import markdown_literal
from components.ui.errors import show_error
from components.ui.loaders import cached_run, forget_run
from components.wording import count


def load_with_status(config: ApiConfig, job_id: str, *, refresh: bool) -> RunData | None:
    """The run, or None after showing why it could not be read. Never raises."""
    if refresh:
        forget_run(config, job_id)
    shown = markdown_literal(job_id)  # checked, but ``_`` could still start emphasis in a label
    status = st.status(f"Loading {shown}…", expanded=False)
    try:
        run = cached_run(config, job_id, _on_progress=lambda message: status.update(label=message))
    except Exception as exc:  # every failure becomes a message in the page, never a traceback
        status.update(label=f"Could not load {shown}", state="error")
        show_error(exc)
        return None
    status.update(
        label=f"Loaded {count(len(run.checkpoints), 'checkpoint')} ({count(run.checkpoint_pages, 'page')}) "
        f"and {count(len(run.history), 'step')} of metrics",
        state="complete",
    )
    return run
