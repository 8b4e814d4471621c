"""The recommendation strip and the fixed "recommended vs selected" panel, as words and numbers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

import pandas as pd

from components.data.metric_model import Decider, Rule
from components.data.metrics import BY_NAME, NO_CONVENTIONS, sentence_label
from components.data.recommend import Basis, Recommendation
from components.domain.run import Conventions
from components.page.formatting import MINUS, difference_text, metric_text
from components.text import usage_snippet

GAP_LABEL = "Val − train loss"
VERDICT_LABEL = "Overfitting"
COMPARE_HINT = (
    "Click a checkpoint on the chart or tick a row of the table to compare it here with the recommended one."
)
SAME_HINT = "The selected checkpoint is the recommended one."
# The rules under which a reward decides and the loss is not used: the strip says why, in a line.
_NOT_THE_LOSS = frozenset({Rule.HELD_OUT_REWARD, Rule.TRAIN_REWARD})


class Tone(StrEnum):
    """How the strip's advice reads: go ahead, or a caveat to read first."""

    GO = "go"
    CAUTION = "caution"


@dataclass(frozen=True)
class Strip:
    """The recommendation, compact: model name to copy, the deciding number, one line why, the advice.

    ``model`` and ``checkpoint_id`` come from the API (``model`` is empty for a validated step where no
    checkpoint was saved: ``step_only``); the rest is ours. ``metrics`` are every value of the checkpoint as
    (label, text); ``details``, ``unsaved`` and ``snippet`` go behind a click. ``why`` says why this metric
    decides (the decider's reason: declared by the source, the documented order, or the reader's pick).
    """

    title: str
    decided_by: str
    checkpoint_id: str
    model: str
    step: int
    metric: str
    value: str
    reason: str
    advice: str
    tone: Tone
    basis: Basis
    details: str
    unsaved: str | None
    snippet: str | None
    metrics: tuple[tuple[str, str], ...]
    why: str = ""
    why_in_strip: bool = False  # said on the strip (a reward decides, not the loss), else behind Details
    step_only: bool = False


def metric_phrase(name: str, conventions: Conventions = NO_CONVENTIONS) -> str:
    """A metric's name as a short phrase, ``Full validation loss``, ``Evaluation F1``; full validation in the
    words of the run's source where it has its own (a trainer's ``eval_loss`` is its ``Evaluation loss``)."""
    metric, own = BY_NAME.get(name), conventions.full_validation
    if metric is not None and metric.split == "full_valid" and own != NO_CONVENTIONS.full_validation:
        return f"{own} {metric.kind}"
    phrase = sentence_label(name)
    return phrase[:1].upper() + phrase[1:]


def _metrics(row: pd.Series, labels: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(
        (label, metric_text(name, float(row[name])))
        for name, label in labels.items()
        if name in row and pd.notna(row[name])
    )


def _title(advice: Recommendation) -> str:
    if advice.step_only:
        return "Best validated step (no checkpoint saved there)"
    return "Recommended checkpoint" if advice.final else "Best checkpoint so far"


def strip_of(
    advice: Recommendation,
    checkpoint: pd.Series,
    labels: Mapping[str, str],
    decider: Decider | None = None,
    conventions: Conventions = NO_CONVENTIONS,
) -> Strip:
    """The strip for ``advice``; ``checkpoint`` is its row of the checkpoints frame, ``labels`` the run's
    metric labels (``components.data.metrics.metric_label``) in the page's order, ``decider`` the metric that
    chose (its reason is said), ``conventions`` the source's words for its full validation."""
    validated = advice.basis in (Basis.FULL_VALIDATION, Basis.BATCH_VALIDATION)
    go = validated and advice.final and (not advice.in_overfit_span or advice.band_overruled)
    return Strip(
        title=_title(advice),
        decided_by=metric_phrase(advice.metric, conventions),
        checkpoint_id=advice.checkpoint_id,
        model=advice.model,
        step=advice.step,
        metric=advice.metric,
        value=metric_text(advice.metric, advice.value),
        reason=advice.reason,
        advice=advice.deploy_advice,
        tone=Tone.GO if go else Tone.CAUTION,
        basis=advice.basis,
        details=advice.details,
        unsaved=advice.unsaved_minimum,
        snippet=None if advice.step_only else usage_snippet(advice.model),
        metrics=_metrics(checkpoint, labels),
        why=decider.reason if decider is not None else "",
        why_in_strip=decider is not None and decider.rule in _NOT_THE_LOSS,
        step_only=advice.step_only,
    )


@dataclass(frozen=True)
class Comparison:
    """Recommended and selected side by side: one row each and their difference, in the table's columns.

    ``frame`` holds text only (row labels as index). ``selected_model`` (from the API) is offered to
    copy; ``hint`` says what to do when nothing else is selected.
    """

    frame: pd.DataFrame
    selected_id: str | None
    selected_model: str | None
    hint: str | None


def comparison_columns(decider: str | None, present: list[str]) -> list[str]:
    """Metric columns in the table's order: the deciding metric first, then the others as catalogued."""
    return ([decider] if decider in present else []) + [name for name in present if name != decider]


def _row(checkpoint: pd.Series, verdict: pd.Series, metrics: list[str]) -> list[str]:
    gap = verdict["gap"]
    return [
        f"{int(checkpoint['step']):,}",
        *(metric_text(name, float(checkpoint[name])) for name in metrics),
        metric_text("train_loss", float(gap)) if pd.notna(gap) else "—",
        str(verdict["verdict"]),
    ]


def comparison_of(
    checkpoints: pd.DataFrame,
    verdicts: pd.DataFrame,
    decider: str | None,
    best_id: str,
    selected_id: str | None,
    labels: Mapping[str, str],
) -> Comparison:
    """The comparison of the recommended checkpoint with the selected one (if any, and not the same).

    ``verdicts`` is ``checkpoint_verdicts`` of ``checkpoints``, row for row, so the verdict here is the
    table's and the band's; ``labels`` are the run's metric labels, one per metric offered, in order.
    """
    present = [name for name in labels if name in checkpoints and checkpoints[name].notna().any()]
    metrics = comparison_columns(decider, present)
    columns = ["Step", *(labels[name] for name in metrics), GAP_LABEL, VERDICT_LABEL]
    ids = checkpoints["checkpoint_id"].astype(str)
    best = ids[ids == best_id].index[0]
    rows = {"★ Recommended": _row(checkpoints.loc[best], verdicts.loc[best], metrics)}
    other = selected_id if selected_id not in (None, best_id) and (ids == selected_id).any() else None
    if other is not None:
        chosen = ids[ids == other].index[0]
        rows["Selected"] = _row(checkpoints.loc[chosen], verdicts.loc[chosen], metrics)
        picked, recommended = checkpoints.loc[chosen], checkpoints.loc[best]
        gap = verdicts.loc[chosen, "gap"] - verdicts.loc[best, "gap"]
        rows["Selected − recommended"] = [
            f"{int(picked['step']) - int(recommended['step']):+,}".replace("-", MINUS),
            *(difference_text(name, float(picked[name]) - float(recommended[name])) for name in metrics),
            difference_text("train_loss", float(gap)) if pd.notna(gap) else "—",
            "",
        ]
    else:  # the panel keeps its shape while nothing else is picked
        rows["Selected"] = rows["Selected − recommended"] = ["—"] * len(columns)
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=columns)
    hint = None if other is not None else (SAME_HINT if selected_id == best_id else COMPARE_HINT)
    model = str(checkpoints.loc[ids == other, "model"].iloc[0]) if other is not None else None
    return Comparison(frame=frame, selected_id=other, selected_model=model, hint=hint)
