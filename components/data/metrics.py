"""The catalogue of training metrics: names as the API spells them, labels people understand."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from components.data.metric_model.names import classify
from components.domain.run import Conventions

Kind = Literal["loss", "accuracy"]
Split = Literal["train", "valid", "full_valid"]


@dataclass(frozen=True)
class Metric:
    """One metric column; ``split`` tells batch validation from full validation (the whole validation set).

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
    """The three splits of one kind, in train, batch, full order."""
    return tuple(metric for metric in METRICS if metric.kind == kind)


def counterpart(name: str, kind: Kind) -> str:
    """The metric of the same split but another kind, e.g. full_valid_loss -> full_valid accuracy."""
    split = BY_NAME[name].split
    return next(metric.name for metric in METRICS if metric.split == split and metric.kind == kind)
