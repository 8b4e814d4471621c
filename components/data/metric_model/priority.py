"""Which of several metrics of one kind says most: the priorities the default decider ranks by.

Task metrics: F1, then MCC, accuracy (exact match), error rates (WER, CER…), ROUGE-L, the other
ROUGE/BLEU/chrF/METEOR, AUC, any other score, and precision or recall last (each alone is one-sided).
Token accuracy is no task metric (teacher-forced next-token agreement restates the loss), nor is a
preference run's reward family. Rewards: the total reward, then the reward margin, then a reward
function's mean, then the preference accuracy; the reward of chosen or rejected answers alone is
one-sided and never ranks.
"""

from __future__ import annotations

from components.data.metric_model.info import Kind, MetricInfo
from components.data.metric_model.names import EvalSets, parse_name, words
from components.data.metric_model.table import REWARD_FUNCTION

TOTAL_REWARDS = frozenset({"reward", "objective/rlhf_reward", "objective/scores"})
MARGINS = frozenset({"rewards/margins", "margin"})
_TASK_KINDS = (Kind.ACCURACY, Kind.SCORE, Kind.ERROR_RATE)
_OTHER_SCORE = 7


def base_of(info: MetricInfo) -> str:
    """The lower-case base of a metric: its name without split, set or further prefixes."""
    sets = EvalSets(frozenset({info.set_name})) if info.set_name else EvalSets()
    return parse_name(info.name, sets).base.lower()


def is_preference(base: str) -> bool:
    """Whether a base belongs to a preference or RL run's reward family (``rewards/*``, ``log_odds_*``…)."""
    return base.startswith(("rewards/", "log_odds", "objective/")) or base in TOTAL_REWARDS | MARGINS


def task_family(info: MetricInfo) -> int | None:
    """The rank of a task metric among task metrics (0 is F1), or None for anything else."""
    base = base_of(info)
    found = set(words(base))
    if info.kind not in _TASK_KINDS or "token" in found or is_preference(base):
        return None
    if "f1" in found:
        return 0
    if found & {"precision", "recall"}:
        return 8
    families = (
        bool(found & {"mcc", "matthews"}),
        info.kind is Kind.ACCURACY,
        info.kind is Kind.ERROR_RATE,
        any(word.startswith("rougel") for word in found),
        any(word.startswith(("rouge", "bleu", "sacrebleu", "chrf", "meteor")) for word in found),
        bool(found & {"auc", "auroc"}),
    )
    return next((rank + 1 for rank, hit in enumerate(families) if hit), _OTHER_SCORE)


def reward_family(info: MetricInfo) -> int | None:
    """The rank of a reward among a run's rewards (0 is the total reward), or None for anything else."""
    base = base_of(info)
    if base in TOTAL_REWARDS:
        return 0
    if base in MARGINS:
        return 1
    function = REWARD_FUNCTION.fullmatch(base)
    if function is not None and function["stat"].lower() == "mean":
        return 2
    return 3 if base == "rewards/accuracies" else None


def preference(info: MetricInfo) -> int:
    """One order over every metric, for a tie between metrics that carry the same values: task metrics by
    their rank, then rewards, then the rest."""
    task = task_family(info)
    if task is not None:
        return task
    reward = reward_family(info)
    return 10 + reward if reward is not None else 20
