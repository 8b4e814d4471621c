"""Which checkpoint is best, by a metric the user may choose."""

from __future__ import annotations

import pandas as pd

from components.data.metrics import BY_NAME, METRIC_NAMES, PREFERRED_DECIDERS


def available_metrics(frame: pd.DataFrame) -> list[str]:
    """Metrics with at least one value in ``frame``, in catalogue order."""
    return [name for name in METRIC_NAMES if name in frame and frame[name].notna().any()]


def default_metric(frame: pd.DataFrame) -> str | None:
    """full_valid_loss when any checkpoint has it, else valid_loss, else train_loss, else any metric."""
    present = available_metrics(frame)
    return next((name for name in PREFERRED_DECIDERS if name in present), present[0] if present else None)


def best_checkpoint(frame: pd.DataFrame, metric: str) -> pd.Series | None:
    """The checkpoint with the lowest loss or highest accuracy; ties go to the earliest step."""
    if metric not in frame or frame[metric].isna().all():
        return None
    values = frame[metric]
    target = values.max() if BY_NAME[metric].higher_is_better else values.min()
    return frame[values == target].sort_values("step", kind="stable").iloc[0]
