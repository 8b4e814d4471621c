"""The catalogue of training metrics: names as the API spells them, labels people understand."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["loss", "accuracy"]
Split = Literal["train", "valid", "full_valid"]


@dataclass(frozen=True)
class Metric:
    """One metric column; ``split`` tells batch validation from full (epoch-end) validation."""

    name: str
    label: str
    kind: Kind
    split: Split

    @property
    def higher_is_better(self) -> bool:
        return self.kind == "accuracy"


METRICS: tuple[Metric, ...] = (
    Metric("train_loss", "Training loss", "loss", "train"),
    Metric("valid_loss", "Validation loss (batch)", "loss", "valid"),
    Metric("full_valid_loss", "Validation loss (full, epoch end)", "loss", "full_valid"),
    Metric("train_mean_token_accuracy", "Training accuracy", "accuracy", "train"),
    Metric("valid_mean_token_accuracy", "Validation accuracy (batch)", "accuracy", "valid"),
    Metric(
        "full_valid_mean_token_accuracy", "Validation accuracy (full, epoch end)", "accuracy", "full_valid"
    ),
)
METRIC_NAMES: tuple[str, ...] = tuple(metric.name for metric in METRICS)
BY_NAME: dict[str, Metric] = {metric.name: metric for metric in METRICS}

# The order in which a metric is trusted to pick the checkpoint: full validation is computed on the
# whole validation split, batch validation on a small noisy sample, training loss says least.
PREFERRED_DECIDERS: tuple[str, ...] = ("full_valid_loss", "valid_loss", "train_loss")


def metrics_of_kind(kind: Kind) -> tuple[Metric, ...]:
    """The three splits of one kind, in train, batch, full order."""
    return tuple(metric for metric in METRICS if metric.kind == kind)


def counterpart(name: str, kind: Kind) -> str:
    """The metric of the same split but another kind, e.g. full_valid_loss -> full_valid accuracy."""
    split = BY_NAME[name].split
    return next(metric.name for metric in METRICS if metric.split == split and metric.kind == kind)
