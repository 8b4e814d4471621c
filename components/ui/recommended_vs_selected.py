"""The fixed "recommended vs selected" panel under the chart: the same place and height whatever is
picked, so nothing below it moves when the selection changes."""

from __future__ import annotations

import streamlit as st

from components.page.recommendation import Comparison
from components.text import MODEL_CHARS, clean

PANEL_KEY = "comparison"
PANEL_HEIGHT = 270
"""Title, the table's three rows and the selected model name, without a scroll bar."""


def comparison_panel(comparison: Comparison) -> None:
    """Recommended and selected, one row each and their difference; a hint while nothing else is picked.

    The selected model name comes from the API and is shown only through components.text.
    """
    with st.container(border=True, height=PANEL_HEIGHT, key=PANEL_KEY, gap="small"):
        st.markdown("**Recommended vs selected**")
        st.dataframe(comparison.frame, width="stretch")
        if comparison.selected_model is not None:
            label, name = st.columns([1, 4], vertical_alignment="center")
            label.caption("Selected model name")
            with name:
                st.code(clean(comparison.selected_model, MODEL_CHARS), language=None, wrap_lines=True)
        elif comparison.hint:
            st.caption(comparison.hint)
