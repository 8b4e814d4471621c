"""Seeds grouped on the compare page: runs that differ only in their seed drawn as one mean with its band,
the spread of their best checkpoints' metric, and the configurations ranked by mean with that spread.

Which runs are repeats is :func:`components.data.uncertainty.seeds.seed_groups`' rule (same base model,
method, files and hyperparameters). A configuration is named by its hyperparameters, as a reader set
them; labels are plain text the UI escapes. Pure.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from components.charts.compare_view import CompareView, RunCurves
from components.charts.seed_bands import GroupBand
from components.data.compare import RunResult
from components.data.uncertainty.seeds import SeedBand, Spread, rank_configs, seed_band, seed_groups
from components.data.uncertainty.words import ranking_words
from components.domain import RunData, RunSummary
from components.text import WORD_CHARS, clean
from components.wording import count

GROUPED = (
    "Runs that differ only in their seed (same base model, method, files and hyperparameters) are drawn as "
    "one: the mean over the seeds, bold, over a band from the lowest seed to the highest."
)


def repeated(runs: Sequence[RunData]) -> tuple[tuple[int, ...], ...]:
    """The groups of two or more runs that differ only in their seed (positions in ``runs``)."""
    return tuple(tuple(group) for group in seed_groups([run.summary for run in runs]) if len(group) > 1)


def config_label(summary: RunSummary) -> str:
    """``3 epochs · batch 8 · LR ×1.8``: what a reader set, else the base model."""
    h = summary.hyperparameters
    parts = [
        f"{h.n_epochs} epochs" if h.n_epochs is not None else "",
        f"batch {h.batch_size}" if h.batch_size is not None else "",
        f"LR ×{h.learning_rate_multiplier}" if h.learning_rate_multiplier is not None else "",
        f"LR {h.learning_rate:g}" if h.learning_rate is not None else "",
    ]
    words = " · ".join(part for part in parts if part) or (summary.base_model or "unknown configuration")
    return clean(words, WORD_CHARS * 2)


@dataclass(frozen=True)
class SeedView:
    """What the page says and draws of the seeds: ``groups`` drawn as bands (only while grouped), one
    line for the verdict's box and the configurations ranked, one line each."""

    groups: tuple[GroupBand, ...]
    summary: str
    ranking: tuple[str, ...]


def _bands(members: Sequence[int], curves: Sequence[RunCurves], view: CompareView) -> dict[str, SeedBand]:
    bands = {}
    for kind, column in view.metrics.items():
        series = []
        for member in members:
            frame = curves[member].frame
            if column in frame:
                drawn = frame[["x", column]].dropna().sort_values("x")
                series.append((drawn["x"].to_numpy(dtype="float64"), drawn[column].to_numpy(dtype="float64")))
        band = seed_band(series) if len(series) == len(members) else None
        if band is not None:
            bands[kind] = band
    return bands


def _labels(runs: Sequence[RunData], groups: Sequence[Sequence[int]]) -> list[str]:
    """Each configuration's label, told apart by its first run when two would read alike."""
    labels = [config_label(runs[group[0]].summary) for group in groups]
    return [
        label if labels.count(label) == 1 else f"{label} ({runs[group[0]].summary.ref.run_id})"
        for label, group in zip(labels, groups, strict=True)
    ]


def seed_view(
    runs: Sequence[RunData],
    results: Sequence[RunResult],
    curves: Sequence[RunCurves],
    view: CompareView,
    higher: bool,
) -> SeedView:
    """The seeds of ``runs`` grouped: bands of the drawn ``curves`` and the ranking by ``results``' best
    values (``higher`` is better, or lower)."""
    groups = seed_groups([run.summary for run in runs])
    labels = _labels(runs, groups)
    spreads = {
        label: Spread(tuple(v for i in group if (v := results[i].value) is not None and math.isfinite(v)))
        for label, group in zip(labels, groups, strict=True)
    }
    ranked = rank_configs({label: s for label, s in spreads.items() if s.seeds}, higher=higher)
    repeats = [(label, group) for label, group in zip(labels, groups, strict=True) if len(group) > 1]
    drawn = tuple(
        GroupBand(label, group[0], tuple(group), _bands(group, curves, view)) for label, group in repeats
    )
    seeds = int(np.sum([len(group) for _, group in repeats]))
    overlap = (
        "the best two configurations overlap: the seed alone could swap them"
        if ranked and ranked[0].overlaps_next
        else "no two neighbours in the ranking overlap"
    )
    summary = (
        f"Seeds grouped: {count(len(repeats), 'configuration')} with several seeds ({seeds} runs), "
        f"{len(groups)} in all; {overlap}."
    )
    return SeedView(drawn, summary, tuple(ranking_words(ranked)))
