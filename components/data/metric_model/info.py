"""What one logged series is: its split, its kind, which way is better, and who said so.

Plain enums (``StrEnum``, so they go into a URL, an export or a database column as their value) and one
frozen dataclass; no behaviour beyond a few questions the decider and the page ask of a metric.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum


class Split(StrEnum):
    """Where a value was measured.

    ``FULL_EVAL`` is an evaluation on the whole evaluation set (the Trainer's ``eval_*``, OpenAI's
    ``full_valid_*``, Together's ``eval/*``, Lightning's ``val_*``); ``BATCH_VALID`` OpenAI's validation on a
    small batch at each step (``valid_*``, the legacy ``validation_*``); ``NAMED_EVAL`` one of several named
    evaluation sets (``eval_<set>_loss``); ``MIXED_EVAL`` a series TRL logs unprefixed in *every* named set's
    entry (``eval_mean_token_accuracy`` beside ``eval_chat_loss``), so its points mix the sets and no point
    says which; ``TEST`` a test or prediction set (``test_*``, ``predict_*``), held out for the report and
    never a default decider (choosing by it would leak the test set into model selection); ``RUN``
    bookkeeping of the run as a whole (epoch, learning rate, gradient norm, tokens seen, FLOs).
    """

    TRAIN = "train"
    FULL_EVAL = "full_eval"
    BATCH_VALID = "batch_valid"
    NAMED_EVAL = "named_eval"
    MIXED_EVAL = "mixed_eval"
    TEST = "test"
    RUN = "run"


class Kind(StrEnum):
    """What a value measures: the decider prefers a task metric (accuracy, score, error rate) to a loss."""

    LOSS = "loss"
    ACCURACY = "accuracy"
    ERROR_RATE = "error_rate"
    SCORE = "score"
    REWARD = "reward"
    OTHER = "other"


class Direction(StrEnum):
    """Which way is better. ``NONE``: bookkeeping or a diagnostic, better neither way (never a decider);
    ``UNKNOWN``: a measure we cannot place, drawn and selectable, the user says which way is better."""

    LOWER = "lower"
    HIGHER = "higher"
    NONE = "none"
    UNKNOWN = "unknown"


class DirectionSource(StrEnum):
    """Who said which way is better: the run's source, our name table, the user, or nobody yet."""

    DECLARED = "declared"
    NAME_TABLE = "name_table"
    USER = "user"
    UNKNOWN = "unknown"


HELD_OUT = frozenset({Split.FULL_EVAL, Split.BATCH_VALID, Split.NAMED_EVAL})


@dataclass(frozen=True)
class MetricInfo:
    """One numeric series a run logs, under its name as logged (``eval_f1``, ``eval/rewards/margins``).

    ``set_name`` is the evaluation set's name for ``NAMED_EVAL`` (``chat``), else None. ``label`` is for
    people: "Evaluation F1", "Evaluation loss (chat set)", "Training reward: reward_keyword (mean)".
    """

    name: str
    label: str
    split: Split
    set_name: str | None
    kind: Kind
    direction: Direction
    direction_source: DirectionSource

    @property
    def has_direction(self) -> bool:
        """Whether a best value can be told: lower or higher is better."""
        return self.direction in (Direction.LOWER, Direction.HIGHER)

    @property
    def selectable(self) -> bool:
        """Whether "Best checkpoint by" offers it: every metric but bookkeeping (an unknown direction is
        offered, and the user says which way is better)."""
        return self.direction is not Direction.NONE

    @property
    def held_out(self) -> bool:
        """Measured on data the model did not train on (a test set aside: see :class:`Split`)."""
        return self.split in HELD_OUT


def with_direction(info: MetricInfo, direction: Direction, source: DirectionSource) -> MetricInfo:
    """``info`` with a direction from better evidence: the source's declaration or the user's choice."""
    return replace(info, direction=direction, direction_source=source)
