"""The metric a run's source says it chose by, and which way that metric is better.

A ``trainer_state.json`` does not name ``metric_for_best_model`` or ``greater_is_better`` (they live in
``training_args.bin``); it holds ``best_metric``, ``best_global_step`` and ``best_model_checkpoint``. The
Trainer sets ``best_metric`` to an evaluation's value of that metric whenever it strictly improves
(``_determine_best_metric``), so the metric is the ``eval_*`` key whose logged value equals
``best_metric`` at the best step, and its direction shows in the run: the best value is the lowest of its
evaluations up to that step (lower is better) or the highest (higher is better). That is the assumption
here; when the evaluations show both (one evaluation, a flat series) or neither, the name table decides.

Where to look, in order: ``best_global_step`` (transformers ≥ 4.50); the step of
``best_model_checkpoint`` (older states) — which is not always the best step: the Trainer moves it only
to a step that has a checkpoint, so with ``eval_steps`` 10 and ``save_steps`` 20 ``best_metric`` can sit at
step 70 while the checkpoint stays ``checkpoint-40``; else the first evaluation carrying that value.

Together AI's early stopping "halts a job when the validation loss stops improving" (its docs), so its
best step is declared by validation loss, lower is better: :func:`together_declared`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from components.data.checkpoint_names import checkpoint_step
from components.data.job import finite, text_or_none, whole
from components.data.metric_model.info import Direction, DirectionSource
from components.data.metric_model.names import classify
from components.data.metric_model.priority import preference

_REL_TOLERANCE = 1e-9  # best_metric is the logged float itself; JSON keeps it exact, a copy may round
_ABS_TOLERANCE = 1e-12
_SUMMARY_KEY = "train_runtime"  # the final summary entry is not an evaluation


class FoundAt(StrEnum):
    """Where the declared metric was found."""

    BEST_GLOBAL_STEP = "best_global_step"
    BEST_CHECKPOINT = "best_model_checkpoint"
    FIRST_EQUAL_VALUE = "first_equal_value"
    EARLY_STOPPING = "early_stopping"


@dataclass(frozen=True)
class Declared:
    """The metric the source chose by (as logged: ``eval_f1``), its direction and the best step.

    ``direction_source`` is DECLARED when the run's own values show the direction, NAME_TABLE when they do
    not and the name table says it. ``checkpoint_step`` is the step of ``best_model_checkpoint`` (None
    without one), which may differ from ``step``. ``alike``: other metrics with the same value at that
    step and the same evidence (ROUGE-1 and ROUGE-L of a tiny run). ``reason`` says all of it in words.
    """

    metric: str
    direction: Direction
    direction_source: DirectionSource
    step: int
    value: float | None
    found_at: FoundAt
    checkpoint_step: int | None
    alike: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class _Found:
    """The metric found at a step, the direction its values show, and the metrics alike to it."""

    metric: str
    shown: Direction | None
    step: int
    alike: tuple[str, ...]


Evaluation = tuple[int, dict[str, float]]


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=_REL_TOLERANCE, abs_tol=_ABS_TOLERANCE)


def evaluations(log_history: Any) -> list[Evaluation]:
    """(step, finite ``eval_*`` values) of each evaluation entry of a ``log_history``, in log order."""
    found: list[Evaluation] = []
    for entry in log_history if isinstance(log_history, list) else []:
        if not isinstance(entry, Mapping) or _SUMMARY_KEY in entry:
            continue
        step = whole(entry.get("step"))
        values = {
            key: number
            for key, raw in entry.items()
            if isinstance(key, str) and key.startswith("eval_") and (number := finite(raw)) is not None
        }
        if step is not None and step >= 0 and values:
            found.append((step, values))
    return found


def _series(runs: Sequence[Evaluation], metric: str, step: int) -> list[float]:
    return [entry[metric] for at, entry in runs if at <= step and metric in entry]


def shown_direction(runs: Sequence[Evaluation], metric: str, step: int, value: float) -> Direction | None:
    """LOWER when ``value`` is the lowest of ``metric``'s evaluations up to ``step``, HIGHER when the
    highest; None when it is both (one value, a flat series) or neither."""
    values = _series(runs, metric, step)
    if not values:
        return None
    lowest = value <= min(values) or _same(value, min(values))
    highest = value >= max(values) or _same(value, max(values))
    if lowest == highest:
        return None
    return Direction.LOWER if lowest else Direction.HIGHER


def _matching(runs: Sequence[Evaluation], step: int, best: float) -> list[str]:
    """Metrics (not bookkeeping) whose value at ``step`` equals ``best``, in log order."""
    keys: list[str] = []
    for at, entry in runs:
        if at == step:
            keys += [key for key, value in entry.items() if _same(value, best) and key not in keys]
    return [key for key in keys if classify(key).selectable]


def _pick(runs: Sequence[Evaluation], keys: list[str], step: int, best: float) -> _Found:
    """The likeliest of several matching metrics: one whose values show a direction, agreeing with the
    name table if possible, then the one the default order prefers (ROUGE-L before ROUGE-1), then log
    order. ``alike`` are those the state cannot tell from it."""

    def evidence(key: str) -> tuple[bool, bool]:
        shown = shown_direction(runs, key, step, best)
        return shown is not None, shown is not None and shown is classify(key).direction

    key = max(keys, key=lambda key: (*evidence(key), -preference(classify(key))))  # max keeps the first
    alike = tuple(other for other in keys if other != key and evidence(other) == evidence(key))
    return _Found(key, shown_direction(runs, key, step, best), step, alike)


def _candidate_steps(
    state: Mapping[str, Any], runs: Sequence[Evaluation], best: float
) -> list[tuple[FoundAt, int]]:
    steps: list[tuple[FoundAt, int]] = []
    best_step = whole(state.get("best_global_step"))
    if best_step is not None and best_step >= 0:
        steps.append((FoundAt.BEST_GLOBAL_STEP, best_step))
    saved = checkpoint_step(text_or_none(state.get("best_model_checkpoint")))
    if saved is not None and saved != best_step:
        steps.append((FoundAt.BEST_CHECKPOINT, saved))
    first = min((at for at, entry in runs if _carries(entry, best)), default=None)
    if first is not None:
        steps.append((FoundAt.FIRST_EQUAL_VALUE, first))
    return steps


def _carries(entry: Mapping[str, float], best: float) -> bool:
    return any(_same(value, best) and classify(key).selectable for key, value in entry.items())


def _eval_key(metric_for_best_model: str | None) -> str | None:
    """The logged key of ``metric_for_best_model``: the Trainer prefixes ``eval_`` unless it is there."""
    if not metric_for_best_model:
        return None
    return (
        metric_for_best_model
        if metric_for_best_model.startswith("eval_")
        else f"eval_{metric_for_best_model}"
    )


def declared_decider(
    trainer_state: Mapping[str, Any], metric_for_best_model: str | None = None
) -> Declared | None:
    """The metric a ``trainer_state.json`` object says it chose by, or None when it names no best.

    ``metric_for_best_model`` (from ``training_args.bin`` or the TensorBoard ``args`` text, when at hand)
    settles which metric when several carry the same value; the state alone cannot.
    """
    best = finite(trainer_state.get("best_metric"))
    runs = evaluations(trainer_state.get("log_history"))
    if best is None or not runs:
        return None
    named = _eval_key(metric_for_best_model)
    for found_at, step in _candidate_steps(trainer_state, runs, best):
        keys = _matching(runs, step, best)
        if keys:
            found = _pick(runs, [named] if named in keys else keys, step, best)
            saved = checkpoint_step(text_or_none(trainer_state.get("best_model_checkpoint")))
            return _declared(found, found_at, saved, best, len(_series(runs, found.metric, step)))
    return None


def _declared(found: _Found, found_at: FoundAt, saved: int | None, best: float, count: int) -> Declared:
    table = classify(found.metric).direction
    direction = found.shown or (table if table in (Direction.LOWER, Direction.HIGHER) else Direction.UNKNOWN)
    if found.shown is not None:
        source = DirectionSource.DECLARED
    else:
        source = DirectionSource.UNKNOWN if direction is Direction.UNKNOWN else DirectionSource.NAME_TABLE
    reason = " ".join(
        part
        for part in (
            f"The trainer state's best_metric ({best:.6g}) is {found.metric} at step {found.step},",
            f"{_FOUND_WORDS[found_at]};",
            _direction_words(found.shown, direction, count),
            _alike_words(found.alike),
            _checkpoint_words(found.step, saved),
        )
        if part
    )
    return Declared(found.metric, direction, source, found.step, best, found_at, saved, found.alike, reason)


def _alike_words(alike: tuple[str, ...]) -> str:
    if not alike:
        return ""
    return (
        f"{' and '.join(alike)} {'carries' if len(alike) == 1 else 'carry'} the same value there and "
        "cannot be told apart from it by the trainer state."
    )


_FOUND_WORDS: dict[FoundAt, str] = {
    FoundAt.BEST_GLOBAL_STEP: "its best_global_step",
    FoundAt.BEST_CHECKPOINT: "the step of its best_model_checkpoint",
    FoundAt.FIRST_EQUAL_VALUE: (
        "the first evaluation with that value (the best step the state names does not carry it)"
    ),
}


def _direction_words(shown: Direction | None, direction: Direction, count: int) -> str:
    if shown is not None:
        extreme = "lowest" if shown is Direction.LOWER else "highest"
        return f"it is the {extreme} of its {count} evaluations up to there, so {shown.value} is better."
    if direction is Direction.UNKNOWN:
        return "its evaluations up to there do not show which way is better, nor does its name: choose it."
    return (
        f"its evaluations up to there do not show which way is better; by its name, {direction.value} "
        "is better."
    )


def _checkpoint_words(step: int, saved: int | None) -> str:
    if saved is None or saved == step:
        return ""
    return (
        f"The trainer kept checkpoint-{saved}, the best saved when it was saved: "
        "it moves the best checkpoint only to a step that has one."
    )


def together_declared(step: int | None, value: float | None, metric: str = "eval/loss") -> Declared | None:
    """Together AI's early-stopping best step (``early_stopping_best_step`` and ``_metric`` of the job,
    :func:`components.data.together.early_stopping_best`) as a declaration: by validation loss, lower is
    better. ``metric`` is the validation loss's name in the run's frame. None without a step."""
    if step is None:
        return None
    shown = f" ({value:.6g})" if value is not None else ""
    reason = (
        f"Together AI's early stopping judged step {step} best by validation loss{shown}: it stops a job "
        "when the validation loss stops improving, so lower is better."
    )
    return Declared(
        metric,
        Direction.LOWER,
        DirectionSource.DECLARED,
        step,
        value,
        FoundAt.EARLY_STOPPING,
        None,
        (),
        reason,
    )
