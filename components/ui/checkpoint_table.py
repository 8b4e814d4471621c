"""All checkpoints as a table with formatted numbers; selecting a row picks that checkpoint."""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from components.data.metrics import METRICS
from components.text import ID_CHARS, MODEL_CHARS, clean
from components.ui.selection import on_table_select

TABLE_KEY = "checkpoint_table"


def _shown(texts: pd.Series, limit: int) -> pd.Series:
    """API text as the grid draws it: no control or bidi characters, one line, bounded."""
    return texts.map(lambda text: clean(text, limit)).astype("string")


def table_frame(checkpoints: pd.DataFrame, best_id: str | None, verdicts: pd.DataFrame) -> pd.DataFrame:
    """The rows as shown: best first-column mark, metrics, the validation/training gap and the band's verdict.

    ``verdicts`` is ``checkpoint_verdicts`` of these checkpoints, aligned with them row by row.
    """
    frame = pd.DataFrame(
        {
            "best": (checkpoints["checkpoint_id"] == best_id).map({True: "★", False: ""}),
            "step": checkpoints["step"],
            "model": _shown(checkpoints["model"], MODEL_CHARS),
            **{metric.name: checkpoints[metric.name] for metric in METRICS},
            "gap": verdicts["gap"],
            "verdict": verdicts["verdict"],
            "created_at": checkpoints["created_at"],
            "checkpoint_id": _shown(checkpoints["checkpoint_id"], ID_CHARS),
        }
    )
    return frame.dropna(axis="columns", how="all")


def checkpoint_table(checkpoints: pd.DataFrame, best_id: str | None, verdicts: pd.DataFrame) -> None:
    """Render the table; one selectable row per checkpoint."""
    frame = table_frame(checkpoints, best_id, verdicts)
    columns = {
        "best": st.column_config.TextColumn("", width=30, help="Recommended checkpoint"),
        "step": st.column_config.NumberColumn("Step", format="%d"),
        "model": st.column_config.TextColumn("Model name", width="large"),
        "gap": st.column_config.NumberColumn(
            "Val − train loss", format="%.4f", help="Validation loss minus training loss at this checkpoint"
        ),
        "verdict": st.column_config.TextColumn(
            "Overfitting", help="From the chart's shaded band: validation loss rising while training falls"
        ),
        "created_at": st.column_config.DatetimeColumn("Created (UTC)", format="YYYY-MM-DD HH:mm:ss"),
        "checkpoint_id": st.column_config.TextColumn("Checkpoint ID"),
    }
    for metric in METRICS:
        columns[metric.name] = st.column_config.NumberColumn(
            metric.label, format="percent" if metric.higher_is_better else "%.4f"
        )
    st.dataframe(
        frame,
        key=TABLE_KEY,
        hide_index=True,
        width="stretch",
        column_config=columns,
        # Rows map to the ids as sent, not as shown, so a row picks exactly its checkpoint.
        on_select=partial(on_table_select, TABLE_KEY, list(checkpoints["checkpoint_id"].astype(str))),
        selection_mode="single-row",
    )
