"""A running Together AI job read again at the cost of what is new.

Together's job object carries the job's progress (``steps_completed``, ``epochs_completed``,
``evals_completed``) and its own events (``CHECKPOINT_SAVE``, ``EPOCH_COMPLETE``, ``JOB_COMPLETE``…), so it is
the one request every refresh makes. The rest is read only when the job says it changed:

- the metrics, when the step or evaluation count moved, when the job has just ended, or when the job does
  not carry a step count; read with ``global_step_from`` = the last step known (that step again, in case an
  evaluation was logged at it after it was read), so only new steps come back, and merged;
- the checkpoints (one unpaged request), when the epoch count or the job's checkpoint and epoch events
  moved, and when the job has just ended;
- after ``JOB_RECHECK_AFTER`` quiet refreshes in a row (``components.sources.refresh``), the metrics once,
  in case the job's counters do not move while it trains (UNCONFIRMED that they do).

Requests per refresh: nothing new, **1** (the job); new steps, **2** (the job, the metrics from the last
step; more only should the server page them); a new checkpoint, 1 more; the job ending, **3** (the job, the
last metrics, the final checkpoints). A failed job read returns the run as it was, with a note; a failed
metrics or checkpoints read keeps what was known and is owed to the next refresh.
"""

from __future__ import annotations

import pandas as pd

from components.api.pagination import Item
from components.api.together import TogetherClient
from components.data.step_records import continued_from
from components.data.together import job_counters, parse_together_job, together_metrics_frame
from components.domain import RunData
from components.errors import DashboardError
from components.sources.base import SourceInfo, parsed
from components.sources.refresh import Kept, LiveRefresh, Merged, Rebuilt, quiet_after, recheck_due
from components.sources.together import (
    TogetherLive,
    TogetherRead,
    load_together_run,
    metrics_bound,
    together_run,
)


def _same(frame: pd.DataFrame | None, other: pd.DataFrame | None) -> bool:
    if frame is None or other is None:
        return frame is other
    return frame is other or frame.equals(other)


def _last_step(metrics: pd.DataFrame | None) -> int | None:
    return int(metrics["step"].max()) if metrics is not None and not metrics.empty else None


class TogetherRefresh(LiveRefresh[TogetherLive, dict]):
    """One refresh of one live Together run: the job first (the probe, which carries the job's progress),
    then what its counters call for (see the module docstring)."""

    reload_what = "the job again"
    probe_what = "the job again"

    def __init__(self, client: TogetherClient, previous: RunData, info: SourceInfo) -> None:
        super().__init__(previous, info)
        self.client = client.start_load(log=self.log)
        self.job_id = previous.summary.run_id

    def live_state(self) -> TogetherLive | None:
        state = self.previous.resume
        return state if isinstance(state, TogetherLive) else None

    def reload(self, resume: RunData | None) -> RunData:
        return load_together_run(self.client, self.job_id, self.info, log=self.log)

    def probe(self, state: TogetherLive) -> dict:
        return self.client.get_job(self.job_id)

    def merge(self, state: TogetherLive, probe: dict) -> Merged:
        previous = self.previous
        summary = parsed(
            "job object from Together AI", parse_together_job, probe, run_id=self.job_id, notes=self.notes
        )
        now, before = job_counters(probe), state.counters
        moved = (now.steps, now.evals, now.status) != (before.steps, before.evals, before.status)
        marked = now.epochs != before.epochs or now.marks != before.marks
        quiet = quiet_after(state.quiet, moved or marked)
        metrics, crossed_epoch = state.metrics, False
        if moved or now.steps is None or "metrics" in state.owed or metrics is None or recheck_due(quiet):
            read = self._metrics(metrics, metrics_bound(probe, summary))
            if read is not None:
                metrics, crossed_epoch = read
                quiet = 0 if recheck_due(quiet) else quiet
        ended_now = summary.is_terminal and not previous.summary.is_terminal
        items = state.checkpoint_items()
        if ended_now or "checkpoints" in state.owed or marked or crossed_epoch:
            items = self._checkpoints(items)
        read_now, owed = TogetherRead(probe, summary, items, metrics), frozenset(self.owed)
        if (
            _same(metrics, state.metrics)
            and items == state.checkpoint_items()
            and summary == previous.summary
            and bool(owed) == previous.is_partial
        ):
            return Kept(TogetherLive.of(read_now, quiet, owed), bool(owed))
        return Rebuilt(lambda notes: together_run(read_now, notes, self.info, owed=owed, quiet=quiet))

    def _metrics(self, known: pd.DataFrame | None, bound: int | None) -> tuple[pd.DataFrame, bool] | None:
        """The metrics from the last step known on, merged into ``known``, and whether they reach a new
        epoch; None when they could not be read (owed)."""
        start = _last_step(known)
        try:
            records = self.client.metrics(self.job_id, start=start, total_steps=bound)
            fresh = parsed("metrics from Together AI", together_metrics_frame, records, notes=self.notes)
        except DashboardError as exc:
            self.owe("metrics", "the new metrics", str(exc))
            return None
        merged = fresh if known is None or start is None else continued_from(known, fresh, start)
        return merged, _crosses_epoch(records, start)

    def _checkpoints(self, known: list[Item]) -> list[Item]:
        """The checkpoint list now (one request); ``known`` when it could not be read (owed)."""
        try:
            return self.client.checkpoints(self.job_id)
        except DashboardError as exc:
            self.owe("checkpoints", "the checkpoints again", str(exc))
            return known


def _crosses_epoch(records: list[Item], start: int | None) -> bool:
    """Whether records read on from a known step reach a new epoch (``train/epoch`` passes a whole number):
    a checkpoint may have been saved, whatever the job's counters say."""
    epochs = [
        record["train/epoch"]
        for record in records
        if isinstance(record.get("train/epoch"), int | float)
        and not isinstance(record.get("train/epoch"), bool)
    ]
    if start is None or len(epochs) < 2:
        return False
    return int(max(epochs)) > int(min(epochs))
