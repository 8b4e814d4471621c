"""All checkpoints as a table; ticking a row picks that checkpoint, and a pick elsewhere ticks its row."""

from __future__ import annotations

from functools import partial

import streamlit as st

from components.page.formatting import is_percent
from components.page.table import TableModel
from components.ui.selection import on_table_select, table_round

TABLE_KEY = "checkpoint_table"
MORE_COLUMNS_KEY = "checkpoint_table_more"


def rows_key() -> str:
    """The dataframe's own key: renewed whenever the pick changes elsewhere, so it shows that pick."""
    return f"{TABLE_KEY}_rows_{table_round()}"


def _columns(table: TableModel) -> dict:
    columns = {
        "best": st.column_config.TextColumn(
            "", width=28, help="★ recommended checkpoint; ≈ tied with it within batch validation's noise"
        ),
        "step": st.column_config.NumberColumn("Step", format="%d", width="small"),
        "gap": st.column_config.NumberColumn(
            "Val − train loss",
            format="%.4f",
            help="Validation minus training loss at this checkpoint (full validation where measured)",
        ),
        "verdict": st.column_config.TextColumn(
            "Overfitting", help="From the chart's shaded band: validation loss rising while training falls"
        ),
        "metrics_from": st.column_config.TextColumn(
            "Metrics from",
            help="The logged step this checkpoint's metrics were taken from, where it was not saved at one "
            "(the nearest logged step before it)",
        ),
        "created_at": st.column_config.DatetimeColumn("Created (UTC)", format="YYYY-MM-DD HH:mm"),
        "checkpoint_id": st.column_config.TextColumn("Checkpoint ID"),
        "model": st.column_config.TextColumn("Model name", width="large"),
    }
    for name, label in table.labels.items():
        columns[name] = st.column_config.NumberColumn(
            label,
            format="percent" if is_percent(name) else "%.4f",
            help="Decides the recommendation" if name == table.decider else None,
        )
    return columns


def _ticked(row: int | None) -> dict | None:
    return None if row is None else {"selection": {"rows": [row]}}


def checkpoint_table(table: TableModel) -> None:
    """One selectable row per checkpoint, the recommended one first; the selected row is ticked."""
    key = rows_key()
    with st.container(key=TABLE_KEY):
        everything = bool(table.more) and st.toggle(
            f"More columns ({len(table.more)} more metrics)",
            key=MORE_COLUMNS_KEY,
            help="Every metric this run's checkpoints carry; at first the deciding one and the main ones.",
        )
        st.dataframe(
            table.frame,
            key=key,
            hide_index=True,
            width="stretch",
            column_config=_columns(table),
            column_order=None if everything else table.main_columns,
            # Rows map to the ids as sent, not as shown, so a row picks exactly its checkpoint.
            on_select=partial(on_table_select, key, list(table.row_ids)),
            selection_mode="single-row",
            selection_default=_ticked(table.selected_row),
        )
