"""The loss and accuracy charts side by side; clicking a checkpoint marker picks it."""

from __future__ import annotations

from functools import partial

import streamlit as st

from components.charts.curves import metric_figure
from components.charts.view import Display
from components.ui.selection import on_chart_select

CHART_KEYS = {"loss": "loss_chart", "accuracy": "accuracy_chart"}
PLOTLY_CONFIG = {"displaylogo": False, "toImageButtonOptions": {"format": "png", "scale": 2}}


def curves_panel(
    display: Display, *, decider: str | None, best_id: str | None, selected_id: str | None
) -> None:
    """Draw both charts; a kind with no data says so instead of an empty frame."""
    ids = display.checkpoints["checkpoint_id"].astype(str).tolist()
    for column, (kind, key) in zip(st.columns(2), CHART_KEYS.items(), strict=True):
        figure = metric_figure(
            kind,
            display.history,
            display.checkpoints,
            view=display.view,
            decider=decider,
            best_id=best_id,
            selected_id=selected_id,
        )
        with column:
            if not figure.data:
                st.info(f"The API reported no {kind} values for this job.")
                continue
            st.plotly_chart(
                figure,
                key=key,
                on_select=partial(on_chart_select, key, ids),
                selection_mode="points",
                config=PLOTLY_CONFIG,
                width="stretch",
            )
