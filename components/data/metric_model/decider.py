"""Which metric chooses a run's checkpoint by default, and why, in words.

The order (the first rule that finds a metric with a direction decides):

1. **Declared**: the metric the source says it chose by (:mod:`~components.data.metric_model.declared`).
2. **Held-out task metric**: measured on the whole evaluation set, else a named one, of kind accuracy,
   score or error rate, in the order of :mod:`~components.data.metric_model.priority` (F1 first, precision
   and recall last; token accuracy is none). Evaluation loss often rises from over-confidence while the
   task metric still improves: the task metric decides.
3. **Held-out reward** of a preference or RL run: the total reward, then the margin, then a reward
   function's mean, then the preference accuracy. The loss is not used: a GRPO/RLOO loss is near zero by
   construction and says nothing about quality, and DPO-style runs are chosen by their margins.
4. **Evaluation loss**: whole evaluation set, then OpenAI's validation batch, then a named set (the first
   logged); the plain ``loss`` before other losses (ORPO's ``nll_loss``).
5. **Training reward** of a preference or RL run without evaluation, for the reason of rule 3.
6. **Training loss**: the run logs no evaluation; it says least about the model on new data.
7. **Anything else with a direction**, held-out first, a test set last (never earlier: choosing by a
   test set leaks it into model selection).

Ties keep the order of ``available``. Run bookkeeping never decides; a series mixing named sets
(``Split.MIXED_EVAL``) only under rule 7; a metric of unknown direction only once the user gives it one
(:func:`~components.data.metric_model.info.with_direction`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from components.data.metric_model.declared import Declared
from components.data.metric_model.info import DirectionSource, Kind, MetricInfo, Split, with_direction
from components.data.metric_model.priority import TOTAL_REWARDS, base_of, reward_family, task_family


class Rule(StrEnum):
    """Which rule of the order chose the decider."""

    DECLARED = "declared"
    TASK_METRIC = "task_metric"
    HELD_OUT_REWARD = "held_out_reward"
    EVAL_LOSS = "eval_loss"
    TRAIN_REWARD = "train_reward"
    TRAIN_LOSS = "train_loss"
    ANY = "any"


@dataclass(frozen=True)
class Decider:
    """The metric that chooses (its direction set), the rule that chose it, and why, in words."""

    metric: MetricInfo
    rule: Rule
    reason: str


_SPLIT_RANK = {
    Split.FULL_EVAL: 0,
    Split.BATCH_VALID: 1,
    Split.NAMED_EVAL: 2,
    Split.TRAIN: 3,
    Split.MIXED_EVAL: 4,
}
_TASK_SPLITS = (Split.FULL_EVAL, Split.NAMED_EVAL)
Rank = Callable[[MetricInfo], tuple[int, ...] | None]


def _task_rank(info: MetricInfo) -> tuple[int, ...] | None:
    family = task_family(info) if info.split in _TASK_SPLITS else None
    return None if family is None else (_SPLIT_RANK[info.split], family)


def _reward_rank(splits: tuple[Split, ...]) -> Rank:
    def rank(info: MetricInfo) -> tuple[int, ...] | None:
        family = reward_family(info)
        return None if family is None or info.split not in splits else (_SPLIT_RANK[info.split], family)

    return rank


def _loss_rank(splits: tuple[Split, ...]) -> Rank:
    def rank(info: MetricInfo) -> tuple[int, ...] | None:
        if info.kind is not Kind.LOSS or info.split not in splits:
            return None
        return _SPLIT_RANK[info.split], base_of(info) != "loss"

    return rank


def _any_rank(info: MetricInfo) -> tuple[int, ...] | None:
    return None if info.split is Split.RUN else (_SPLIT_RANK.get(info.split, 5),)


_HELD_OUT = (Split.FULL_EVAL, Split.BATCH_VALID, Split.NAMED_EVAL)
_RULES: tuple[tuple[Rule, Rank], ...] = (
    (Rule.TASK_METRIC, _task_rank),
    (Rule.HELD_OUT_REWARD, _reward_rank(_TASK_SPLITS)),
    (Rule.EVAL_LOSS, _loss_rank(_HELD_OUT)),
    (Rule.TRAIN_REWARD, _reward_rank((Split.TRAIN,))),
    (Rule.TRAIN_LOSS, _loss_rank((Split.TRAIN,))),
    (Rule.ANY, _any_rank),
)


def _best_ranked(available: Sequence[MetricInfo], rank: Rank) -> MetricInfo | None:
    ranked = [
        (key, index, info)
        for index, info in enumerate(available)
        if info.has_direction and (key := rank(info))
    ]
    return min(ranked, key=lambda item: item[:2])[2] if ranked else None


def _normal(name: str) -> str:
    """A name as the trainer state spells it: TensorBoard's ``eval/x`` is ``eval_x``, ``train/x`` is ``x``."""
    for tag, key in (("eval/", "eval_"), ("test/", "test_"), ("train/", "")):
        if name.startswith(tag):
            return key + name[len(tag) :]
    return name


def _from_declared(available: Sequence[MetricInfo], declared: Declared) -> Decider | None:
    """The declared metric among ``available`` with the declared direction (None if it has none)."""
    wanted = _normal(declared.metric)
    info = next((info for info in available if _normal(info.name) == wanted), None)
    if info is None:
        return None
    chosen = with_direction(info, declared.direction, declared.direction_source)
    return Decider(chosen, Rule.DECLARED, declared.reason) if chosen.has_direction else None


def default_decider(available: Sequence[MetricInfo], declared: Declared | None) -> Decider | None:
    """The metric that chooses a run's checkpoint by default (the order above), or None when no metric
    has a direction. The user may pick any selectable metric instead."""
    if declared is not None and (decider := _from_declared(available, declared)) is not None:
        return decider
    for rule, rank in _RULES:
        info = _best_ranked(available, rank)
        if info is not None:
            return Decider(info, rule, _reason(rule, info, available))
    return None


_REASONS: dict[Rule, str] = {
    Rule.TASK_METRIC: "{label} decides: a task metric on held-out data. The evaluation loss is drawn beside "
    "it but does not decide: it often rises from over-confidence while the task metric still improves.",
    Rule.HELD_OUT_REWARD: "{label} decides: {why}",
    Rule.EVAL_LOSS: "{label} decides: the run logs no task metric on held-out data, and the evaluation loss "
    "is the next best evidence.",
    Rule.TRAIN_REWARD: "{label} decides: the run logs no evaluation. {why}",
    Rule.TRAIN_LOSS: "{label} decides: the run logs no evaluation, and training loss says least about the "
    "model on new data.",
    Rule.ANY: "{label} decides: it is the only kind of metric this run logs with a direction.",
}
_RL_WHY = (
    "this is a reinforcement-learning run, chosen by its reward; its loss is near zero by construction "
    "and says nothing about quality."
)
_PREFERENCE_WHY = (
    "this is a preference run, chosen by how far it prefers the chosen answers over the rejected ones, "
    "as DPO runs are; its loss mixes that with a KL or NLL term."
)


def _reason(rule: Rule, info: MetricInfo, available: Sequence[MetricInfo]) -> str:
    rl = any(base_of(other) in TOTAL_REWARDS for other in available)
    text = _REASONS[rule].format(label=info.label, why=_RL_WHY if rl else _PREFERENCE_WHY)
    if info.direction_source is DirectionSource.NAME_TABLE:
        text += f" By its name, {info.direction.value} is better."
    return text
