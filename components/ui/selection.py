"""Which checkpoint the reader picked, by chart click or table row; kept in the session and ``?ckpt=``."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

PICKED_KEY = "picked_checkpoint"
QUERY_KEY = "ckpt"


def _pick(checkpoint_id: str | None) -> None:
    st.session_state[PICKED_KEY] = checkpoint_id
    if checkpoint_id:
        st.query_params[QUERY_KEY] = checkpoint_id
    else:
        st.query_params.pop(QUERY_KEY, None)


def picked(valid_ids: Sequence[str]) -> str | None:
    """The picked checkpoint if it belongs to this job; a ``?ckpt=`` link picks on first load."""
    current = st.session_state.get(PICKED_KEY)
    if current is None and PICKED_KEY not in st.session_state:
        current = st.query_params.get(QUERY_KEY)
    if current not in valid_ids:
        current = None
    _pick(current)
    return current


def on_chart_select(chart_key: str, valid_ids: Sequence[str]) -> None:
    """Callback of a plotly chart: the first clicked point that carries a checkpoint id wins."""
    event = st.session_state.get(chart_key) or {}
    for point in event["selection"]["points"] if event else []:
        custom = point.get("customdata")
        if custom and custom[0] in valid_ids:
            _pick(custom[0])
            return


def on_table_select(table_key: str, row_ids: Sequence[str]) -> None:
    """Callback of the checkpoint table: a selected row picks its checkpoint, none clears the pick."""
    rows = st.session_state[table_key]["selection"]["rows"]
    _pick(row_ids[rows[0]] if rows else None)
