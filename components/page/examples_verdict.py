"""Is the difference between two models on scored examples real? The paired comparison, its verdict in
words, who wins where, how many examples would tell an unclear gap apart, the other models against the
recommended one (Holm), and the winner's curse of the best on these examples.

The scores are the validation tab's and a recorded set's (``components.inference.scoring``: token F1 and
exact match per example and model, none for a failed answer). Model labels come from the run and may hold
deployment names, so the sentences here are plain text the UI escapes. Pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from components.data.uncertainty.multiple import against_reference
from components.data.uncertainty.paired import MIN_EXAMPLES, compare_paired
from components.data.uncertainty.selection import example_optimism
from components.data.uncertainty.words import (
    holm_words,
    method_words,
    optimism_words,
    paired_verdict,
    power_words,
    wins_words,
)

SCORES = {"token_f1": "token F1", "exact_match": "exact match"}


def score_matrix(results: pd.DataFrame, score: str) -> pd.DataFrame:
    """Examples × models (labels, in the order asked; ``label · model`` when two models share a label):
    each model's ``score`` per example, NaN where its answer failed or the example has no expected
    answer."""
    labels = results["model_label"].astype(str)
    if results.assign(model_label=labels).duplicated(["line", "model_label"]).any():
        labels = labels + " · " + results["model"].astype(str)  # two models under one label: told apart
    values = results.assign(value=results[score].astype("float64"), model_label=labels)
    pivoted = values.pivot(index="line", columns="model_label", values="value")
    return pivoted.reindex(columns=list(dict.fromkeys(labels)))


def scored_models(matrix: pd.DataFrame) -> list[str]:
    """The models with at least one score, in the order asked."""
    return [str(label) for label in matrix.columns if matrix[label].notna().any()]


def default_pair(matrix: pd.DataFrame, recommended: str | None) -> tuple[str, str]:
    """The best model on these examples and the recommended one (or the runner-up when it is the best)."""
    ranked = matrix[scored_models(matrix)].mean().sort_values(ascending=False, kind="stable").index.tolist()
    best = str(ranked[0])
    other = recommended if recommended in ranked and recommended != best else str(ranked[1])
    return best, other


@dataclass(frozen=True)
class ExamplesVerdict:
    """The comparison of ``first`` with ``second`` in words, and what follows from several models."""

    verdict: str
    method: str
    wins: str
    power: str | None
    against: tuple[str, ...] = ()  # every other model against the reference, after Holm
    holm: str | None = None
    optimism: str | None = None


def _against(matrix: pd.DataFrame, reference: str, score: str) -> tuple[tuple[str, ...], str | None]:
    """Every other model against ``reference``, Holm-adjusted, when there are more than two models."""
    models = scored_models(matrix)
    if len(models) <= 2 or reference not in models:
        return (), None
    items = against_reference({label: matrix[label].to_numpy() for label in models}, reference)
    lines = tuple(
        f"{paired_verdict(item.comparison, item.label, reference, SCORES[score])} "
        + ("Clear" if item.clear else "Not clear")
        + f" after Holm's adjustment (adjusted p = {item.adjusted_p:.3f})."
        for item in items
    )
    return lines, holm_words(items, reference)


def _optimism(matrix: pd.DataFrame) -> str | None:
    """The winner's curse of the best of these models on the examples every one of them scored."""
    complete = matrix[scored_models(matrix)].dropna()
    if complete.shape[1] < 2 or len(complete) < MIN_EXAMPLES:
        return None
    return optimism_words(example_optimism(complete.to_numpy()), complete.shape[1], on="these examples")


def examples_verdict(
    matrix: pd.DataFrame, pair: Sequence[str], score: str, reference: str | None
) -> ExamplesVerdict:
    """``pair[0]`` against ``pair[1]`` by ``score`` (a key of :data:`SCORES`), and, with more models, each
    against ``reference`` (the recommended checkpoint's label) with Holm's adjustment."""
    first, second = pair
    comparison = compare_paired(matrix[first].to_numpy(), matrix[second].to_numpy())
    against, holm = _against(matrix, reference, score) if reference is not None else ((), None)
    return ExamplesVerdict(
        verdict=paired_verdict(comparison, first, second, SCORES[score]),
        method=method_words(comparison),
        wins=wins_words(comparison, first, second),
        power=power_words(comparison),
        against=against,
        holm=holm,
        optimism=_optimism(matrix),
    )
