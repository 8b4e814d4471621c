"""A running job's progress in words: "288 / 480 steps · 60% · epoch 2.4 of 4", then how long it has run,
when it should finish (a provider's estimate that has passed is shown as overdue, with ours beside it) and
its latest checkpoint. Pure: ``now`` is given, so a live page can redraw it on every tick."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from components.data.progress import RunProgress, run_progress
from components.domain import RunData
from components.page.header import duration


@dataclass(frozen=True)
class ProgressView:
    """A running job's progress bar (``fraction`` None when the total is unknown) and what it says."""

    fraction: float | None
    label: str
    caption: str
    overdue: bool = False  # the provider's estimated finish has passed


def _clock(timestamp: pd.Timestamp) -> str:
    return timestamp.strftime("%H:%M UTC")


def _from_now(timestamp: pd.Timestamp, now: pd.Timestamp) -> str:
    """``in about 12 min`` or ``12 min ago`` (``under a minute`` when that close)."""
    seconds = (timestamp - now).total_seconds()
    span = "under a minute" if abs(seconds) < 60 else duration(abs(seconds))
    return f"in about {span}" if seconds >= 0 else f"{span} ago"


def _by_step_rate(ours: pd.Timestamp, now: pd.Timestamp) -> str:
    """Our estimate in words; one that has passed means the steps stopped coming (the job may be stuck)."""
    if ours >= now:
        return f"{_from_now(ours, now)} at the current step rate ({_clock(ours)})"
    return f"the last step rate pointed to {_clock(ours)} ({_from_now(ours, now)}), so no step came lately"


def _finish(progress: RunProgress, now: pd.Timestamp) -> str | None:
    """When the job should end: the provider's estimate, or ours from the step rate, or both when late."""
    ours = progress.step_rate_finish
    step_rate = _by_step_rate(ours, now) if ours is not None else None
    finish = progress.estimated_finish
    if finish is None or progress.estimate_source != "provider":
        if step_rate is None:
            return None
        return f"expected to finish {step_rate}" if ours is not None and ours >= now else step_rate
    if progress.overdue(now):
        late = f"overdue: the provider expected it {_from_now(finish, now)} ({_clock(finish)})"
        return f"{late}; {step_rate}" if step_rate else late
    return f"expected to finish {_from_now(finish, now)} ({_clock(finish)}, the provider's estimate)"


def progress_view(progress: RunProgress, now: pd.Timestamp) -> ProgressView:
    """The progress bar's label and the caption under it, at ``now``."""
    parts = []
    if progress.steps_done is not None:
        total = f" / {progress.total_steps:,}" if progress.total_steps else ""
        parts.append(f"{progress.steps_done:,}{total} steps")
    if progress.fraction is not None:
        parts.append(f"{progress.fraction:.0%}")
    if progress.epochs_done is not None:
        of = f" of {progress.n_epochs}" if progress.n_epochs else ""
        parts.append(f"epoch {progress.epochs_done:.1f}{of}")
    facts = []
    if progress.elapsed is not None:
        took = duration(progress.elapsed.total_seconds())
        facts.append(f"running for {took}" if progress.running else f"started {took} ago")
    if (finish := _finish(progress, now)) is not None:
        facts.append(finish)
    if progress.latest_checkpoint_step is not None:
        facts.append(f"latest checkpoint at step {progress.latest_checkpoint_step:,}")
    caption = "; ".join(facts)
    return ProgressView(
        fraction=progress.fraction,
        label=" · ".join(parts) or "Waiting for the first step",
        caption=caption[:1].upper() + caption[1:] + ("." if caption else ""),
        overdue=progress.overdue(now),
    )


def run_progress_view(run: RunData, now: pd.Timestamp) -> ProgressView | None:
    """A running job's progress at ``now``; None once the job has ended (the header says how it ended)."""
    if run.summary.is_terminal:
        return None
    return progress_view(run_progress(run.summary, run.history, run.total_steps, now=now), now)
