"""The job in one line (status, base model, how it was trained), the rest a click away."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from components.domain import RunSummary
from components.wording import count

STATUS_COLOURS = {"succeeded": "green", "failed": "red", "cancelled": "gray", "running": "blue"}
OTHER_STATUS_COLOUR = "orange"


@dataclass(frozen=True)
class Fact:
    """One labelled value. ``value`` may come from the API: the UI shows it through components.text, as
    inline code when ``code`` (ids, model names) and as escaped words otherwise."""

    label: str
    value: str
    code: bool = False


@dataclass(frozen=True)
class Header:
    """The job's id and status badge, a one-line summary, details for a popover, and its failure."""

    run_id: str
    status: str
    colour: str
    summary: tuple[Fact, ...]
    details: tuple[Fact, ...]
    failure: tuple[str, str | None] | None


def when(timestamp: pd.Timestamp | None) -> str:
    return timestamp.strftime("%Y-%m-%d %H:%M UTC") if timestamp is not None else "—"


def duration(seconds: float) -> str:
    """``18 min``, ``2.5 h`` or ``3 days``: how long a run took or has been running."""
    minutes = seconds / 60
    if minutes < 120:
        return f"{minutes:.0f} min"
    hours = minutes / 60
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:,.0f} days"


def _value(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value) or "—"


def header_of(job: RunSummary) -> Header:
    """What the header shows of ``job``; absent fields become "—" rather than disappearing."""
    summary = [
        Fact("Base model", _value(job.base_model), code=job.base_model is not None),
        Fact("Method", _value(job.method)),
        Fact("Epochs", _value(job.hyperparameters.n_epochs)),
        Fact("Batch", _value(job.hyperparameters.batch_size)),
        Fact("LR ×", _value(job.hyperparameters.learning_rate_multiplier)),
    ]
    if job.trained_tokens is not None:
        summary.append(Fact("Tokens", _value(job.trained_tokens)))
    if job.created_at is not None and job.finished_at is not None:
        summary.append(Fact("Took", duration((job.finished_at - job.created_at).total_seconds())))
    details = [Fact("Created", when(job.created_at))]
    if job.finished_at is not None:
        details.append(Fact("Finished", when(job.finished_at)))
    elif job.estimated_finish is not None:
        details.append(Fact("Estimated finish", when(job.estimated_finish)))
    if job.fine_tuned_model:
        details.append(Fact("Final model", job.fine_tuned_model, code=True))
    details.append(Fact("Training file", _value(job.training_file), code=job.training_file is not None))
    details.append(
        Fact("Validation file", job.validation_file, code=True)
        if job.validation_file
        else Fact("Validation file", "none: overfitting cannot be measured on held-out examples")
    )
    failure = (job.error_message, job.error_code) if job.error_message else None
    return Header(
        run_id=job.run_id,
        status=job.status_text,
        colour=STATUS_COLOURS.get(job.status, OTHER_STATUS_COLOUR),
        summary=tuple(summary),
        details=tuple(details),
        failure=failure,
    )


def loaded_caption(checkpoints: int, pages: int, steps: int, source: str, *, partial: bool) -> str:
    """What was read, in one line: ``3 checkpoints (1 page) · 480 steps of metrics from the result file``.

    ``pages`` counts API pages; a run read from files has none, so its caption names none.
    """
    listed = f" ({count(pages, 'page')})" if pages else ""
    text = f"{count(checkpoints, 'checkpoint')}{listed} · {count(steps, 'step')} of metrics"
    text += f" from the {source}" if steps else ""
    return f"Partly loaded: {text}; see the note below" if partial else text
