"""The checkpoint table's rows: what decides first, the model name last, the recommended row on top."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from components.page.recommendation import comparison_columns
from components.text import ID_CHARS, MODEL_CHARS, clean

TIED_MARK = "≈"
"""The ★ column's mark of a checkpoint tied with the recommended one within batch validation's noise."""
# The model-name cell of a validated step offered as a candidate where no checkpoint is known to be saved.
STEP_ONLY_MODEL = "validated step (no checkpoint saved)"
MAIN_METRICS = 8
"""Metric columns shown at first (the decider and the next ones in the page's order: losses, then the run's
own); a GRPO run logs some 50 choosable metrics, so the rest wait behind a "more columns" choice."""


@dataclass(frozen=True)
class TableModel:
    """Rows in display order with their checkpoint ids as sent, and the selected row's position.

    Columns: ``best`` (★ the recommended row, ≈ a row tied with it within the curve's noise), ``step``, the
    deciding metric, ``verdict`` and ``gap`` (the band's words and the valid − train number), the other
    metrics, ``metrics_from`` (only when some checkpoint's metrics were logged at an earlier step),
    ``created_at``, ``checkpoint_id`` and ``model`` (both cleaned: the grid is not Markdown, but control and
    bidi characters must still go; a validated step with no saved checkpoint is said so in place of a name).
    ``more`` names the metric columns beyond the first :data:`MAIN_METRICS`, in the frame too but shown only
    when the reader asks for them.
    """

    frame: pd.DataFrame
    row_ids: tuple[str, ...]
    selected_row: int | None
    decider: str | None
    labels: Mapping[str, str]  # the run's metric labels (every metric offered), for the columns' headers
    more: tuple[str, ...] = ()

    @property
    def main_columns(self) -> list[str]:
        """The columns shown at first: every column but ``more``."""
        return [column for column in self.frame.columns if column not in self.more]


def _shown(texts: pd.Series, limit: int) -> pd.Series:
    """API text as the grid draws it: no control or bidi characters, one line, bounded."""
    return texts.map(lambda text: clean(text, limit)).astype("string")


def _metrics_from(checkpoints: pd.DataFrame) -> dict[str, pd.Series]:
    """``metrics_from``: "step 330" where a checkpoint's metrics were logged at another step than its own
    (the nearest logged one before it), blank elsewhere; no column when every row's are its own."""
    taken = checkpoints["metrics_step"]
    borrowed = taken.notna() & (taken != checkpoints["step"])
    if not borrowed.any():
        return {}
    said = taken.where(borrowed).map(lambda step: f"step {int(step):,}" if pd.notna(step) else "")
    return {"metrics_from": said.astype("string")}


def _model_names(checkpoints: pd.DataFrame) -> pd.Series:
    """The model names as the grid draws them; a validated step offered with no checkpoint saved (a
    result file's) is said so, not left blank, and no name is invented for it."""
    names = _shown(checkpoints["model"], MODEL_CHARS)
    return names.mask(checkpoints["step_only"].astype(bool), STEP_ONLY_MODEL)


@dataclass(frozen=True)
class Stars:
    """The recommended checkpoint (★, pinned on top) and those tied with it within the curve's noise (≈;
    may name the recommended one too)."""

    best_id: str | None
    tied_ids: tuple[str, ...] = ()

    def marks(self, ids: pd.Series) -> pd.Series:
        tied = ids.isin(self.tied_ids).map({True: TIED_MARK, False: ""})
        return tied.mask(ids == self.best_id, "★")


def table_of(
    checkpoints: pd.DataFrame,
    verdicts: pd.DataFrame,
    *,
    decider: str | None,
    stars: Stars,
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
    more = metrics[MAIN_METRICS:]
    frame = pd.DataFrame(
        {
            "best": stars.marks(ids),
            "step": checkpoints["step"],
            **{name: checkpoints[name] for name in first},
            "verdict": verdicts["verdict"],
            "gap": verdicts["gap"],
            **{name: checkpoints[name] for name in rest},
            **_metrics_from(checkpoints),
            "created_at": checkpoints["created_at"],
            "checkpoint_id": _shown(checkpoints["checkpoint_id"], ID_CHARS),
            "model": _model_names(checkpoints),
        }
    )
    order = frame.assign(_pinned=ids != stars.best_id).sort_values(["_pinned", "step"], kind="stable").index
    frame = frame.loc[order].dropna(axis="columns", how="all").reset_index(drop=True)
    row_ids = tuple(ids.loc[order])
    selected = row_ids.index(selected_id) if selected_id in row_ids else None
    return TableModel(
        frame=frame,
        row_ids=row_ids,
        selected_row=selected,
        decider=decider,
        labels=labels,
        more=tuple(name for name in more if name in frame),
    )
