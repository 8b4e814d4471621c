"""The checkpoint table's rows: what decides first, the model name last, the recommended row on top."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from components.page.recommendation import comparison_columns
from components.text import ID_CHARS, MODEL_CHARS, clean


@dataclass(frozen=True)
class TableModel:
    """Rows in display order with their checkpoint ids as sent, and the selected row's position.

    Columns: ``best`` (★), ``step``, the deciding metric, ``verdict`` and ``gap`` (the band's words and
    the valid − train number), the other metrics, ``created_at``, ``checkpoint_id`` and ``model`` (both
    cleaned: the grid is not Markdown, but control and bidi characters must still go).
    """

    frame: pd.DataFrame
    row_ids: tuple[str, ...]
    selected_row: int | None
    decider: str | None
    labels: Mapping[str, str]  # the run's metric labels (every metric offered), for the columns' headers


def _shown(texts: pd.Series, limit: int) -> pd.Series:
    """API text as the grid draws it: no control or bidi characters, one line, bounded."""
    return texts.map(lambda text: clean(text, limit)).astype("string")


def table_of(
    checkpoints: pd.DataFrame,
    verdicts: pd.DataFrame,
    *,
    decider: str | None,
    best_id: str | None,
    selected_id: str | None,
    labels: Mapping[str, str],
) -> TableModel:
    """The table for these checkpoints: the recommended row pinned on top, the rest by step.

    ``verdicts`` is ``checkpoint_verdicts`` of ``checkpoints``, row for row.
    """
    ids = checkpoints["checkpoint_id"].astype(str)
    present = [name for name in labels if name in checkpoints and checkpoints[name].notna().any()]
    metrics = comparison_columns(decider, present)
    first, rest = metrics[:1], metrics[1:]
    frame = pd.DataFrame(
        {
            "best": (ids == best_id).map({True: "★", False: ""}),
            "step": checkpoints["step"],
            **{name: checkpoints[name] for name in first},
            "verdict": verdicts["verdict"],
            "gap": verdicts["gap"],
            **{name: checkpoints[name] for name in rest},
            "created_at": checkpoints["created_at"],
            "checkpoint_id": _shown(checkpoints["checkpoint_id"], ID_CHARS),
            "model": _shown(checkpoints["model"], MODEL_CHARS),
        }
    )
    order = frame.assign(_pinned=ids != best_id).sort_values(["_pinned", "step"], kind="stable").index
    frame = frame.loc[order].dropna(axis="columns", how="all").reset_index(drop=True)
    row_ids = tuple(ids.loc[order])
    selected = row_ids.index(selected_id) if selected_id in row_ids else None
    return TableModel(frame=frame, row_ids=row_ids, selected_row=selected, decider=decider, labels=labels)
