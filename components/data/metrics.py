"""The catalogue of training metrics: names as the API spells them, labels people understand."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from components.data.metric_model.info import Split as LoggedSplit
from components.data.metric_model.names import classify, parse_name
from components.domain.run import Conventions

Kind = Literal["loss", "accuracy", "task"]
"""What a plot draws: losses, token accuracies, or the run's own deciding metric (``task``) when that is not
one of the six (F1, WER, a reward)."""
Split = Literal["train", "valid", "full_valid"]


@dataclass(frozen=True)
class Metric:
    """One metric column; ``split`` tells batch validation from full validation (the whole validation set).

    The six OpenAI columns are :data:`METRICS`; any other logged series a plot draws is one too
    (:func:`chart_metric`: kind ``task``, its split as it is drawn).

    ``label`` is the metric model's (one table of labels); a run names its full validation as its source
    does (:func:`metric_label`).
    """

    name: str
    kind: Kind
    split: Split

    @property
    def label(self) -> str:
        return classify(self.name).label

    @property
    def higher_is_better(self) -> bool:
        return self.kind == "accuracy"


METRICS: tuple[Metric, ...] = (
    Metric("train_loss", "loss", "train"),
    Metric("valid_loss", "loss", "valid"),
    Metric("full_valid_loss", "loss", "full_valid"),
    Metric("train_mean_token_accuracy", "accuracy", "train"),
    Metric("valid_mean_token_accuracy", "accuracy", "valid"),
    Metric("full_valid_mean_token_accuracy", "accuracy", "full_valid"),
)
METRIC_NAMES: tuple[str, ...] = tuple(metric.name for metric in METRICS)
BY_NAME: dict[str, Metric] = {metric.name: metric for metric in METRICS}

SPLIT_LABELS: dict[str, str] = {"train": "Training", "valid": "Validation (batch)"}  # full: the run's words
NO_CONVENTIONS = Conventions()


def metric_label(name: str, conventions: Conventions = NO_CONVENTIONS) -> str:
    """A metric's label in one run: the metric model's, with full validation named as the run's source does
    (``Validation loss (full, epoch end)`` on OpenAI, ``Evaluation loss (full validation set)`` for a
    trainer), so a label never claims an epoch end where the source evaluates every N steps."""
    metric = BY_NAME.get(name)
    if metric is not None and metric.split == "full_valid":
        return conventions.full_label(metric.kind)
    return classify(name).label


_SPLIT_WORDS = {"train": "training", "valid": "batch validation", "full_valid": "full validation"}


def sentence_label(name: str) -> str:
    """A metric's name inside a sentence: ``full validation loss`` for the six OpenAI columns (today's
    words), else the metric model's label with a small first letter (``evaluation F1``)."""
    metric = BY_NAME.get(name)
    if metric is not None:
        return f"{_SPLIT_WORDS[metric.split]} {metric.kind}"
    label = classify(name).label
    return label[:1].lower() + label[1:]


def split_label(split: Split, conventions: Conventions = NO_CONVENTIONS) -> str:
    """A split's name in one run's legend: ``Training``, ``Validation (batch)``, or its full validation."""
    return conventions.full_label() if split == "full_valid" else SPLIT_LABELS[split]


def metrics_of_kind(kind: Kind) -> tuple[Metric, ...]:
    """The three splits of loss or accuracy, in train, batch, full order (none of ``task``: its metrics are
    the run's own, :func:`task_metrics`)."""
    return tuple(metric for metric in METRICS if metric.kind == kind)


def counterpart(name: str, kind: Kind) -> str:
    """The metric of the same split but another kind, e.g. full_valid_loss -> full_valid accuracy."""
    split = BY_NAME[name].split
    return next(metric.name for metric in METRICS if metric.split == split and metric.kind == kind)


# How a plot draws a logged series of each split: evaluations of any set as full validation (exact values at
# a few steps, never smoothed), OpenAI's batch validation as batch validation, everything else as training.
_DRAWN_AS: dict[LoggedSplit, Split] = {
    LoggedSplit.BATCH_VALID: "valid",
    LoggedSplit.FULL_EVAL: "full_valid",
    LoggedSplit.NAMED_EVAL: "full_valid",
    LoggedSplit.MIXED_EVAL: "full_valid",
    LoggedSplit.TEST: "full_valid",
}
_PAIRED = frozenset({LoggedSplit.TRAIN, LoggedSplit.FULL_EVAL})
_DRAW_ORDER = ("train", "valid", "full_valid")


def chart_metric(name: str) -> Metric:
    """Any logged series as a plot draws it: one of the six as itself, else kind ``task`` with its split."""
    known = BY_NAME.get(name)
    return known or Metric(name, "task", _DRAWN_AS.get(classify(name).split, "train"))


def task_metrics(decider: str | None, names: Iterable[str]) -> tuple[Metric, ...]:
    """What the ``task`` plot draws when the deciding metric is not one of the six: the decider and, when the
    run logs it, its counterpart of the other split (training ``reward`` beside ``eval_reward``,
    ``rewards/margins`` beside ``eval_rewards/margins``), training first. () for the six or no decider."""
    if decider is None or decider in BY_NAME:
        return ()
    own = parse_name(decider)
    pair = [
        name
        for name in names
        if name not in BY_NAME
        and name != decider
        and own.split in _PAIRED
        and (other := parse_name(name)).split in _PAIRED - {own.split}
        and other.base.lower() == own.base.lower()
    ]
    drawn = [chart_metric(name) for name in [decider, *pair[:1]]]
    return tuple(sorted(drawn, key=lambda metric: _DRAW_ORDER.index(metric.split)))


def plot_title(name: str) -> str:
    """A plot's y title from its deciding metric: its label without the split's word (``eval_f1`` → ``F1``,
    ``eval_chat_loss`` → ``Loss (chat set)``), since the plot holds the training series too."""
    text = classify(name).label.removeprefix(parse_name(name).word + " ")
    return text[:1].upper() + text[1:]
