"""Which metrics a run offers, which one decides, and which checkpoint is best by it.

Every numeric column of a run's checkpoints or history is a metric (bookkeeping columns aside), described
by the open metric model (:mod:`components.data.metric_model`): its split, kind, label and direction. The
decider is the metric the source declared (recorded on the run's ``ProviderBest``), else the model's
:func:`~components.data.metric_model.default_decider`; the reader may pick any metric with a direction,
and says which way is better for one whose direction is unknown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype

from components.data.metric_model import (
    Decider,
    Direction,
    DirectionSource,
    MetricInfo,
    Rule,
    best_index,
    classify,
    classify_all,
    default_decider,
    with_direction,
)
from components.domain import ProviderBest

# Columns of the checkpoint and history frames that are not metrics of the model.
NOT_METRICS = frozenset(
    {"step", "created_at", "metrics_step", "step_only", "checkpoint_id", "model", "source"}
)
Metrics = Mapping[str, MetricInfo]


def metric_columns(frame: pd.DataFrame) -> list[str]:
    """The numeric columns of ``frame`` with at least one value, in the frame's order."""
    return [
        str(name)
        for name in frame.columns
        if name not in NOT_METRICS
        and is_numeric_dtype(frame[name])
        and not is_bool_dtype(frame[name])
        and frame[name].notna().any()
    ]


def run_metrics(history: pd.DataFrame, checkpoints: pd.DataFrame) -> dict[str, MetricInfo]:
    """Every metric of a run (its checkpoints' columns, then its history's), classified as a whole run."""
    names = list(dict.fromkeys([*metric_columns(checkpoints), *metric_columns(history)]))
    return {info.name: info for info in classify_all(names)}


def available_metrics(frame: pd.DataFrame, metrics: Metrics | None = None) -> list[str]:
    """Metrics with a value in ``frame`` that can choose a checkpoint (bookkeeping cannot), in the frame's
    order; ``metrics`` is the run's classification (default: ``frame``'s own)."""
    infos = (
        metrics if metrics is not None else {info.name: info for info in classify_all(metric_columns(frame))}
    )
    return [name for name in metric_columns(frame) if name in infos and infos[name].selectable]


def declared_of(best: ProviderBest | None, offered: Sequence[MetricInfo]) -> Decider | None:
    """The decider the source declared (``best.decider`` in ``best.direction``), when the run offers it."""
    if best is None or best.direction not in (Direction.LOWER, Direction.HIGHER):
        return None
    info = next((info for info in offered if info.name == best.decider), None)
    if info is None:
        return None
    direction = Direction(best.direction)
    reason = best.reason or f"{best.label} was chosen by {info.label}."
    return Decider(with_direction(info, direction, DirectionSource.DECLARED), Rule.DECLARED, reason)


def picked_decider(info: MetricInfo, direction: Direction | None) -> Decider | None:
    """The reader's pick; one of unknown direction decides only once the reader says which way is better."""
    if not info.has_direction:
        if direction not in (Direction.LOWER, Direction.HIGHER):
            return None
        info = with_direction(info, direction, DirectionSource.USER)
    return Decider(info, Rule.ANY, f"{info.label} decides: you chose it; {info.direction.value} is better.")


def choose_decider(
    metrics: Metrics,
    offered: Sequence[str],
    best: ProviderBest | None,
    picked: str | None = None,
    direction: Direction | None = None,
) -> Decider | None:
    """The metric that decides: the reader's pick among ``offered`` (with ``direction`` for one of
    unknown direction), else what the source declared, else the documented default order."""
    infos = [metrics[name] for name in offered]
    default = declared_of(best, infos) or default_decider(infos, None)
    if picked in offered and (default is None or picked != default.metric.name):
        return picked_decider(metrics[picked], direction)
    return default


def best_checkpoint(frame: pd.DataFrame, metric: str, direction: Direction | None = None) -> pd.Series | None:
    """The checkpoint with the best value of ``metric`` in ``direction`` (default: the name table's); ties
    go to the earliest step. None without a value or a direction."""
    if metric not in frame or frame[metric].isna().all():
        return None
    ordered = frame.sort_values("step", kind="stable")
    index = best_index(ordered[metric].tolist(), direction or classify(metric).direction)
    return None if index is None else ordered.iloc[index]
