"""Whether a run read from files is still being written, from the trainer's own signals and its files' times.

A run has ended when its logs say so (the Trainer's final summary or ``should_training_stop``, LLaMA-Factory's
last step, tinker's ``final`` checkpoint: the readers set a final status), or when its files have been quiet
for ``quiet_seconds`` after reaching the planned last step or (Lightning, whose logs say no end) after a
checkpoint was saved at the last step logged. Otherwise a write within ``quiet_seconds`` means it is being
written, and a quiet run short of its end is said to have stopped writing (it may resume: it is still
watched). Pure: ``now`` and the last write are given. The run page decides from the run read whole
(:func:`local_status`), the run list from what the end of its files says (:func:`status_of`, called by
``components.sources.listed_status``): the same rule.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from components.domain import RunData, RunStatus, RunSummary

DEFAULT_QUIET_MINUTES = 10.0


def _span(seconds: float) -> str:
    """``25 min`` or ``3.5 h``: how long the files have been quiet."""
    minutes = seconds / 60
    return f"{minutes:.0f} min" if minutes < 120 else f"{minutes / 60:.1f} h"


def _when(seconds: float) -> pd.Timestamp | None:
    try:
        return pd.Timestamp(seconds, unit="s", tz="UTC")
    except (ValueError, OverflowError):
        return None


def reached_end(run: RunData) -> bool:
    """Whether the run's history reached its planned last step."""
    if run.history.empty or not run.total_steps:
        return False
    return int(run.history["step"].max()) >= run.total_steps


def local_status(
    run: RunData, last_write: float, now: float, quiet_seconds: float, *, saved_last: bool = False
) -> RunSummary:
    """The run's summary with its status as its files say (see the module's words); ``saved_last``: a
    checkpoint was saved at the last step logged and the format writes no end of its own."""
    return status_of(run.summary, reached_end(run) or saved_last, last_write, now, quiet_seconds)


def status_of(
    summary: RunSummary, at_end: bool, last_write: float, now: float, quiet_seconds: float
) -> RunSummary:
    """``summary`` (terminal when the logs say the run ended) with its status as its files say: ``at_end``,
    the run reached its planned last step (or saved a checkpoint at its last step, where the format writes
    no end of its own)."""
    written = _when(last_write)
    if summary.is_terminal:
        return replace(summary, finished_at=summary.finished_at or written, updated_at=written)
    quiet = now - last_write
    if quiet < quiet_seconds:
        return replace(summary, status=RunStatus.RUNNING, provider_status=None, updated_at=written)
    if at_end:
        return replace(
            summary,
            status=RunStatus.SUCCEEDED,
            provider_status=f"finished (no write for {_span(quiet)})",
            finished_at=written,
            updated_at=written,
        )
    return replace(
        summary,
        status=RunStatus.UNKNOWN,
        provider_status=f"stopped writing {_span(quiet)} ago",
        updated_at=written,
    )
