"""What the recorded-answers panel decides before it draws: which models start picked, what a set is called,
what a recording will send, how far it is, and a set's answers side by side with their scores. Pure;
``components.ui.recordings`` only draws it. Set names, labels and errors came from outside (files,
providers): the UI escapes every sentence made here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from components.domain.answers import AnswerParams, AnswerSet, AnswerSetInfo
from components.inference import CostEstimate, ModelMenu
from components.inference.recording import Progress, set_results, set_summary
from components.page.try_models import recommended_label
from components.wording import count

MAX_RECORD_MODELS = 8
OFFLINE = "Read from the archive: no request is made to show, score or export these answers."


def default_record_models(menu: ModelMenu, recommended_id: str | None) -> list[str]:
    """The recommended checkpoint and the final model (the latest checkpoint when the run has no final
    model): the answers worth keeping first."""
    recommended = [c.model for c in menu.choices if recommended_id and c.checkpoint_id == recommended_id]
    final = [c.model for c in menu.choices if c.kind == "final"]
    latest = [c.model for c in reversed(menu.choices) if c.kind == "checkpoint"][:1]
    picked: list[str] = []
    for model in [*recommended, *(final or latest)]:
        if model not in picked:
            picked.append(model)
    return picked


def set_name(validation: int, seed: int | None, available: int, upload: str | None, uploaded: int) -> str:
    """``Validation: 50 of 60 examples (seed 0) + prompts.jsonl: 12 prompts``."""
    parts = []
    if validation >= available > 0:
        parts.append(f"Validation: all {count(validation, 'example')}")
    elif validation:
        parts.append(f"Validation: {validation} of {available:,} examples (seed {seed})")
    if upload is not None and uploaded:
        parts.append(f"{upload}: {count(uploaded, 'prompt')}")
    return " + ".join(parts) or "Empty set"


def set_label(info: AnswerSetInfo) -> str:
    """One line in the list of a run's sets, short enough for a narrow page: its name, when it was made,
    and how many answers failed when some did (the rest is said under it, see :func:`set_facts`)."""
    failed = f" · {info.failed:,} failed" if info.failed else ""
    return f"{info.name} · {info.created_at:%Y-%m-%d %H:%M} UTC{failed}"


def set_facts(answer_set: AnswerSet) -> str:
    """``20 prompts × 3 models, 60 of 60 answered. Asked at temperature 0, … Read from the archive: …``"""
    size = f"{count(len(answer_set.prompts), 'prompt')} × {count(len(answer_set.models), 'model')}"
    failed = f" ({answer_set.failed:,} failed)" if answer_set.failed else ""
    done = f"{answer_set.answered:,} of {answer_set.total:,} answered{failed}"
    return f"{size}, {done}. {params_line(answer_set.params)} {OFFLINE}"


def params_line(params: AnswerParams) -> str:
    """``Asked at temperature 0, max tokens 256, seed 0.``"""
    parts = [
        "temperature " + ("default" if params.temperature is None else f"{params.temperature:g}"),
        "max tokens " + ("none" if params.max_tokens is None else f"{params.max_tokens:,}"),
        "seed " + ("none" if params.seed is None else str(params.seed)),
    ]
    return f"Asked at {', '.join(parts)}."


def pending_line(cost: CostEstimate, prompts: int, models: int, workers: int) -> str:
    """What a recording sends before anything is sent: requests, how many at once, and tokens."""
    return (
        f"Sends {count(cost.requests, 'request')} ({count(prompts, 'prompt')} × {count(models, 'model')}, "
        f"{workers} at a time, retried as every request is): about {cost.prompt_tokens:,} prompt tokens and "
        f"{cost.output_tokens:,} answer tokens. {cost.how}"
    )


def progress_text(progress: Progress) -> str:
    """``37 of 150 answers · 2 failed``."""
    failed = f" · {progress.failed:,} failed" if progress.failed else ""
    return f"{progress.done:,} of {progress.total:,} answers{failed}"


@dataclass(frozen=True)
class Outcome:
    """How asking for answers ended, in words: a success, answers that failed, or a stop."""

    kind: Literal["success", "warning", "error"]
    text: str


def outcome_of(progress: Progress) -> Outcome:
    """``12 answers stored in the archive.``, or how many failed (their errors are kept)."""
    if progress.failed:
        return Outcome(
            "warning",
            f"{count(progress.done - progress.failed, 'answer')} stored, {progress.failed:,} failed (their "
            "errors are kept; asking again sends only those).",
        )
    return Outcome("success", f"{count(progress.done, 'answer')} stored in the archive.")


def missing_line(answer_set: AnswerSet) -> str | None:
    """What is still missing from a set (a recording stopped part-way, or failures), or None."""
    missing = len(answer_set.missing())
    if not missing:
        return None
    return (
        f"{count(missing, 'answer')} of {answer_set.total:,} still missing"
        + (f" ({answer_set.failed:,} failed)" if answer_set.failed else "")
        + ": asking again sends only those; an answer already stored is never asked again."
    )


def set_scores(answer_set: AnswerSet) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """The set's answers, one row per prompt and model, scored, and the per-model summary (answers, errors,
    exact match, token F1, tokens); None while nothing is stored."""
    results = set_results(answer_set)
    return None if results.empty else (results, set_summary(results))


def recommended_in_set(
    answer_set: AnswerSet, menu: ModelMenu | None, recommended_id: str | None
) -> str | None:
    """The recommended checkpoint's label in the set (to say how it scores beside the best), if asked."""
    label = recommended_label(menu, recommended_id) if menu is not None else None
    by_checkpoint = [
        m.label for m in answer_set.models if recommended_id and m.checkpoint_id == recommended_id
    ]
    return by_checkpoint[0] if by_checkpoint else label


def answered_models(answer_set: AnswerSet) -> Sequence[tuple[str, str]]:
    """(model key, label) of the models with at least one answer: what a JSONL per model can hold."""
    answered = {answer.model_key for answer in answer_set.answers if answer.ok}
    return [(model.key, model.label) for model in answer_set.models if model.key in answered]


def opened_line(answer_set: AnswerSet) -> str:
    """What a set opened from a file holds: ``<name>: 50 prompts × 3 models, 150 answers. Asked at …``"""
    size = f"{count(len(answer_set.prompts), 'prompt')} × {count(len(answer_set.models), 'model')}"
    return (
        f"{answer_set.name}: {size}, {count(answer_set.answered, 'answer')}. {params_line(answer_set.params)}"
    )
