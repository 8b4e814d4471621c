"""Which value is best, and which logged step a checkpoint's metrics come from.

A checkpoint saved at a step that was not a logging step (the last step of a run logged every 10 steps,
step 336 with logs at 330; a run of 215,337 steps logged every 1,000) takes its metrics from the nearest
logged step at or before it, up to one logging interval, and the table says so. Never from a later step:
that would credit a checkpoint with training it had not had yet.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from components.data.metric_model.info import Direction


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def best_index(values: Sequence[Any], direction: Direction) -> int | None:
    """The index of the best finite value (the lowest for LOWER, the highest for HIGHER), the earliest
    among equals; None when no value is finite or the direction is NONE or UNKNOWN (nothing is best)."""
    if direction not in (Direction.LOWER, Direction.HIGHER):
        return None
    sign = 1.0 if direction is Direction.LOWER else -1.0
    best: tuple[float, int] | None = None
    for index, value in enumerate(values):
        number = _number(value)
        if number is not None and (best is None or sign * number < best[0]):
            best = (sign * number, index)
    return None if best is None else best[1]


def logging_interval(logged_steps: Iterable[int]) -> int | None:
    """The run's logging interval: the commonest gap between consecutive logged steps (the smaller of
    equally common ones), so an irregular first or last step does not change it. None below two steps."""
    steps = sorted(set(logged_steps))
    gaps = Counter(later - earlier for earlier, later in itertools.pairwise(steps))
    if not gaps:
        return None
    return min(gaps, key=lambda gap: (-gaps[gap], gap))


@dataclass(frozen=True)
class StepMatch:
    """Which logged step each checkpoint takes its metrics from.

    ``source`` maps a checkpoint's step to the logged step its metrics come from; ``earlier`` holds the
    checkpoints whose metrics come from an earlier step (the table says so); ``missing`` those with no
    logged step within one interval at or before them. ``interval`` is the one used (None: exact only).
    """

    source: dict[int, int] = field(default_factory=dict)
    earlier: frozenset[int] = frozenset()
    missing: frozenset[int] = frozenset()
    interval: int | None = None


def nearest_logged_step(
    checkpoint_steps: Iterable[int], logged_steps: Iterable[int], interval: int | None = None
) -> StepMatch:
    """Each checkpoint's logged step: its own, else the nearest before it no more than ``interval`` steps
    back (None: :func:`logging_interval` of ``logged_steps``). Pass the steps at which the metric in
    question has a value."""
    checkpoints = list(checkpoint_steps)
    logged = sorted(set(logged_steps))
    reach = interval if interval is not None else logging_interval(logged)
    source: dict[int, int] = {}
    for checkpoint in checkpoints:
        at = bisect.bisect_right(logged, checkpoint) - 1
        if at >= 0 and checkpoint - logged[at] <= max(reach or 0, 0):
            source[checkpoint] = logged[at]
    earlier = frozenset(step for step, taken in source.items() if taken != step)
    missing = frozenset(step for step in checkpoints if step not in source)
    return StepMatch(source, earlier, missing, reach)
