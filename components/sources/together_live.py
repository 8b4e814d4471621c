"""A running Together AI job read again at the cost of what is new.

Together's job object carries the job's progress (``steps_completed``, ``epochs_completed``,
``evals_completed``) and its own events (``CHECKPOINT_SAVE``, ``EPOCH_COMPLETE``, ``JOB_COMPLETE``…), so it is
the one request every refresh makes. The rest is read only when the job says it changed:

- the metrics, when the step or evaluation count moved, when the job has just ended, or when the job does
  not carry a step count; read with ``global_step_from`` = the last step known (that step again, in case an
  evaluation was logged at it after it was read), so only new steps come back, and merged;
- the checkpoints (one unpaged request), when the epoch count or the job's checkpoint and epoch events
  moved, and when the job has just ended;
- after ``JOB_RECHECK_AFTER`` quiet refreshes in a row, the metrics once, in case the job's counters do not
  move while it trains (UNCONFIRMED that they do).

Requests per refresh: nothing new, **1** (the job); new steps, **2** (the job, the metrics from the last
step; more only should the server page them); a new checkpoint, 1 more; the job ending, **3** (the job, the
last metrics, the final checkpoints). A failed job read returns the run as it was, with a note; a failed
metrics or checkpoints read keeps what was known and is owed to the next refresh.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pandas as pd

from components.api.client import RequestLog
from components.api.pagination import Item
from components.data.step_records import continued_from
from components.data.together import TOGETHER, job_counters, parse_together_job, together_metrics_frame
from components.domain import Note, NoteKind, Provenance, RunData
from components.errors import DashboardError
from components.sources.base import Refresh, SourceInfo, parsed
from components.sources.refresh import failed_refresh, whole_refresh
from components.sources.together import TogetherLive, TogetherSource, metrics_bound, together_run

JOB_RECHECK_AFTER = 10
"""Quiet refreshes in a row after which the metrics are read anyway (the counters may not move)."""
_REWRITTEN = frozenset({NoteKind.REFRESH_FAILED, NoteKind.PARTIAL})
"""The kinds of note a refresh drops as it starts and writes again while they still hold."""


def _same(frame: pd.DataFrame | None, other: pd.DataFrame | None) -> bool:
    if frame is None or other is None:
        return frame is other
    return frame is other or frame.equals(other)


def _last_step(metrics: pd.DataFrame | None) -> int | None:
    return int(metrics["step"].max()) if metrics is not None and not metrics.empty else None


def refresh_together_run(source: TogetherSource, previous: RunData, info: SourceInfo) -> Refresh:
    """``previous`` brought up to date, reading only what changed (see the module docstring)."""
    state = previous.resume if isinstance(previous.resume, TogetherLive) else None
    if previous.summary.is_terminal and not previous.is_partial:
        return Refresh(previous)
    log = RequestLog()
    job_id = previous.summary.run_id
    if state is None:
        try:
            run = source.load_run(job_id, log=log)
        except DashboardError as exc:
            return failed_refresh(previous, "the job again", exc, log)
        return whole_refresh(previous, run, log)
    client = source.client.start_load(log=log)
    notes = [n for n in previous.notes if n.kind not in _REWRITTEN]
    try:
        raw = client.get_job(job_id)
    except DashboardError as exc:
        return failed_refresh(previous, "the job again", exc, log)
    summary = parsed("job object from Together AI", parse_together_job, raw, run_id=job_id, notes=notes)
    now, before = job_counters(raw), state.counters
    ended_now = summary.is_terminal and not previous.summary.is_terminal
    moved = (now.steps, now.evals, now.status) != (before.steps, before.evals, before.status)
    quiet = 0 if moved or now.epochs != before.epochs or now.marks != before.marks else state.quiet + 1
    owed: set[str] = set()
    errors: list[str] = []

    metrics = state.metrics
    crossed_epoch = False
    if moved or now.steps is None or "metrics" in state.owed or metrics is None or quiet >= JOB_RECHECK_AFTER:
        start = _last_step(metrics)
        try:
            records = client.metrics(job_id, start=start, total_steps=metrics_bound(raw, summary))
            fresh = parsed("metrics from Together AI", together_metrics_frame, records, notes=notes)
            crossed_epoch = _crosses_epoch(records, start)
            metrics = fresh if metrics is None or start is None else continued_from(metrics, fresh, start)
            quiet = 0 if quiet >= JOB_RECHECK_AFTER else quiet
        except DashboardError as exc:
            owed.add("metrics")
            errors.append(str(exc))
            notes.append(
                Note(
                    NoteKind.REFRESH_FAILED,
                    f"Refresh could not read the new metrics ({exc}); the next refresh tries again.",
                )
            )

    items: list[Item] = state.checkpoint_items()
    wants_checkpoints = (
        ended_now
        or "checkpoints" in state.owed
        or now.epochs != before.epochs
        or now.marks != before.marks
        or crossed_epoch
    )
    if wants_checkpoints:
        try:
            items = client.checkpoints(job_id)
        except DashboardError as exc:
            owed.add("checkpoints")
            errors.append(str(exc))
            notes.append(
                Note(
                    NoteKind.REFRESH_FAILED,
                    f"Refresh could not read the checkpoints again ({exc}); the next refresh tries again.",
                )
            )

    state_now = TogetherLive(now, json.dumps(items).encode(), metrics, quiet, frozenset(owed))
    notes = list(dict.fromkeys(notes))
    if (
        _same(metrics, state.metrics)
        and items == state.checkpoint_items()
        and summary == previous.summary
        and bool(owed) == previous.is_partial
    ):  # nothing the run is built from changed: keep its frames; its state, notes and time move on
        run = replace(
            previous,
            notes=tuple(notes),
            provenance=Provenance.now(TOGETHER, info.label, info.endpoint),
            resume=state_now,
        )
        return Refresh(
            run,
            changed=run.notes != previous.notes,
            requests=log.total,
            reads=log.counts(),
            error="; ".join(errors) or None,
        )
    run = together_run(raw, summary, items, metrics, notes, info, owed=frozenset(owed), quiet=quiet)
    known = set(previous.checkpoints["checkpoint_id"].dropna())
    return Refresh(
        run,
        changed=True,
        finished=ended_now,
        requests=log.total,
        reads=log.counts(),
        new_steps=max(0, len(run.history) - len(previous.history)),
        new_checkpoints=int((~run.checkpoints["checkpoint_id"].isin(known)).sum()),
        error="; ".join(errors) or None,
    )


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
