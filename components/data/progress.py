"""How far a job has got, so a running job reads as "360 / 600 steps, about 8 minutes left", not as a
finished run that happens to end early."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from components.data.epochs import logged_epochs, steps_per_epoch
from components.domain import RunStatus, RunSummary

# The step rate is read over this many of the latest timed steps: recent enough to follow the job's
# current speed (not the queue and setup time before the first step), long enough to average out jitter.
RATE_POINTS = 50

EstimateSource = Literal["provider", "step rate"]


@dataclass(frozen=True)
class RunProgress:
    """Where a job stands. None means not known from what the provider sent.

    ``epochs_done`` is fractional (2.4 = 40 % into the third epoch). ``estimated_finish`` is the
    provider's own estimate when it gives one (``estimate_source`` "provider"), else ours from the recent
    step rate ("step rate"); ``step_rate_finish`` is ours whenever it can be worked out, so a provider's
    estimate that has passed can be shown beside it. Finished jobs have neither.
    """

    running: (
        bool  # said to run: not ended, and not of unknown status (a run whose files stopped being written)
    )
    steps_done: int | None
    total_steps: int | None
    fraction: float | None
    epochs_done: float | None
    n_epochs: int | None
    elapsed: pd.Timedelta | None
    estimated_finish: pd.Timestamp | None
    estimate_source: EstimateSource | None
    latest_checkpoint_step: int | None
    step_rate_finish: pd.Timestamp | None = None

    def overdue(self, now: pd.Timestamp) -> bool:
        """The provider's estimated finish has passed while the job still runs."""
        return (
            self.running
            and self.estimate_source == "provider"
            and self.estimated_finish is not None
            and self.estimated_finish < now
        )


def _timed(history: pd.DataFrame) -> pd.Series:
    """When each step was logged (metrics events carry times; result files do not), in step order."""
    times = history.set_index("step")["created_at"].dropna().sort_index()
    return times[~times.index.duplicated(keep="last")]


def _from_step_rate(times: pd.Series, remaining: int) -> pd.Timestamp | None:
    """The finish implied by the step rate over the latest ``RATE_POINTS`` timed steps."""
    recent = times.iloc[-RATE_POINTS:]
    if len(recent) < 2:
        return None
    seconds = (recent.iloc[-1] - recent.iloc[0]).total_seconds()
    steps = float(recent.index[-1] - recent.index[0])
    if seconds <= 0 or steps <= 0:
        return None
    return recent.iloc[-1] + pd.Timedelta(seconds=remaining * seconds / steps)


def _epochs(
    job: RunSummary, history: pd.DataFrame, total_steps: int | None, checkpoint_steps: list[int]
) -> tuple[float | None, int | None]:
    """Epochs done (fractional) and the job's epoch count; an "auto" count from the checkpoints' spacing.
    Epochs done are the history's logged epoch at its last step where the file logs one (a Trainer's)."""
    steps_done = int(history["step"].max()) if not history.empty else None
    sent = job.hyperparameters.n_epochs
    spe = steps_per_epoch(n_epochs=sent, total_steps=total_steps, checkpoint_steps=checkpoint_steps)
    n_epochs = sent if isinstance(sent, int) else None
    if n_epochs is None and spe and total_steps:
        n_epochs = round(total_steps / spe)
    if steps_done is not None and (logged := logged_epochs(history)) is not None:
        return float(logged.at(pd.Series([float(steps_done)])).iloc[0]), n_epochs
    return (steps_done / spe if spe and steps_done is not None else None), n_epochs


def _finish(job: RunSummary, ours: pd.Timestamp | None) -> tuple[pd.Timestamp | None, EstimateSource | None]:
    """The provider's estimated finish when sent, else ours from the recent step rate; None when done."""
    if job.is_terminal:
        return None, None
    if job.estimated_finish is not None:
        return job.estimated_finish, "provider"
    return ours, ("step rate" if ours is not None else None)


def run_progress(
    job: RunSummary, history: pd.DataFrame, total_steps: int | None, *, now: pd.Timestamp | None = None
) -> RunProgress:
    """Steps done of the total, epochs done, fraction, elapsed time, the expected finish and the latest
    checkpoint, from what the job object, the per-step history and the events provide.

    Every input but ``job.status`` is optional: ``total_steps`` comes from the metrics events (None when
    they do not say, e.g. a run read from a result file; a succeeded job's total is then its last step);
    ``job.hyperparameters.n_epochs`` gives the epochs (an "auto" count is read from the checkpoints'
    spacing when the total is known); ``job.created_at`` starts the clock (else the first timed step does) and
    ``job.finished_at`` stops it; ``job.estimated_finish`` is used as sent; the history's
    ``created_at`` (events only) gives our own estimate. ``now`` is for tests; it defaults to the clock.
    """
    now = pd.Timestamp.now(tz="UTC") if now is None else now
    steps_done = int(history["step"].max()) if not history.empty else None
    if total_steps is None and job.status is RunStatus.SUCCEEDED:
        total_steps = steps_done
    fraction = None
    if job.status is RunStatus.SUCCEEDED:
        fraction = 1.0
    elif steps_done is not None and total_steps:
        fraction = float(np.clip(steps_done / total_steps, 0.0, 1.0))
    marked = [int(step) for step in history["step"][history["checkpoint_id"].notna()]]
    epochs_done, n_epochs = _epochs(job, history, total_steps, marked)
    times = _timed(history)
    start = job.created_at if job.created_at is not None else (times.iloc[0] if len(times) else None)
    end = job.finished_at if job.is_terminal else now
    elapsed = end - start if start is not None and end is not None and end >= start else None
    ours = None
    if not job.is_terminal and total_steps and steps_done is not None:
        ours = _from_step_rate(times, max(total_steps - steps_done, 0))
    finish, source = _finish(job, ours)
    return RunProgress(
        running=not job.is_terminal and job.status is not RunStatus.UNKNOWN,
        steps_done=steps_done,
        total_steps=total_steps,
        fraction=fraction,
        epochs_done=epochs_done,
        n_epochs=n_epochs,
        elapsed=elapsed,
        estimated_finish=finish,
        estimate_source=source,
        latest_checkpoint_step=max(marked) if marked else None,
        step_rate_finish=ours,
    )
