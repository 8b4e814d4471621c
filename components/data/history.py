"""One per-step training history from the densest source at hand, with the deployable checkpoints marked."""

from __future__ import annotations

import pandas as pd

from components.data.metrics import METRIC_NAMES

RESULT_FILE = "result file"
METRICS_EVENTS = "metrics events"
CHECKPOINTS = "checkpoints"
# Densest first: the result file has every step of a finished job, metrics events every step so far of a
# running one, checkpoints only the last few epochs.
HISTORY_SOURCES: tuple[str, ...] = (RESULT_FILE, METRICS_EVENTS, CHECKPOINTS)

_BASE_COLUMNS: tuple[str, ...] = ("step", *METRIC_NAMES)
_JOINED_COLUMNS: tuple[str, ...] = ("source", "checkpoint_id", "model", "created_at")


def _per_step(
    checkpoints: pd.DataFrame, results: pd.DataFrame | None, events: pd.DataFrame | None
) -> tuple[pd.DataFrame, str]:
    """The densest non-empty source, cut to the columns the history keeps, and its name."""
    if results is not None and not results.empty:
        extras = [name for name in results.columns if name not in (*_BASE_COLUMNS, *_JOINED_COLUMNS)]
        return results.reindex(columns=[*_BASE_COLUMNS, *extras]), RESULT_FILE
    if events is not None and not events.empty:
        return events.reindex(columns=[*_BASE_COLUMNS, "created_at"]), METRICS_EVENTS
    return checkpoints.reindex(columns=[*_BASE_COLUMNS, "created_at"]), CHECKPOINTS


def build_history(
    checkpoints: pd.DataFrame, *, results: pd.DataFrame | None = None, events: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per step: metrics, result-file extras, source, checkpoint_id, model and created_at.

    Checkpoints are joined by step so a chart can mark the deployable points on the dense curve. They also
    fill what the dense source lacks: a checkpoint step it never reported becomes a row of its own, and a
    metric it lacks at a checkpoint step (older result files have no full_valid_* columns) is taken from the
    checkpoint. When two checkpoints share a step the newest one is kept.
    """
    per_step, source = _per_step(checkpoints, results, events)
    marks = checkpoints.drop_duplicates("step", keep="last").set_index("step")
    history = (
        per_step.drop_duplicates("step", keep="last")
        .set_index("step")
        .assign(source=source)
        .combine_first(marks[[*METRIC_NAMES, "created_at"]])
        .join(marks[["checkpoint_id", "model"]])
        .sort_index()
        .reset_index()
        .fillna({"source": CHECKPOINTS})
    )
    extras = [name for name in per_step.columns if name not in (*_BASE_COLUMNS, "created_at")]
    return history.astype(
        {
            "step": "int64",
            **dict.fromkeys([*METRIC_NAMES, *extras], "float64"),
            "source": "string",
            "checkpoint_id": "string",
            "model": "string",
            "created_at": "datetime64[ns, UTC]",
        }
    )[[*_BASE_COLUMNS, *extras, *_JOINED_COLUMNS]]
