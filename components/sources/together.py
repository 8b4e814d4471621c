"""One Together AI job read into a run: the job, its checkpoints and its per-step metrics; the source
itself is ``components.sources.together_source``.

Opening a run costs three requests: the job, its checkpoints, its metrics (joined by step). The job is
needed first (it names the output model); a failing checkpoint or metrics list becomes a note, not an
error page. Together reports no accuracy, and the run says so (``RunData.unavailable``). A job that has
not ended (or a run with a list missing) keeps :class:`TogetherLive`, what a live refresh builds on
(``components.sources.together_live``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from components.api.client import RequestLog
from components.api.pagination import Item
from components.api.together import TogetherClient
from components.data.checkpoints import with_step_metrics
from components.data.history import build_history, densest
from components.data.metric_model import together_declared
from components.data.together import (
    NO_ACCURACY,
    TOGETHER,
    JobCounters,
    early_stopping_best,
    job_counters,
    parse_together_job,
    together_checkpoints_frame,
    together_metrics_frame,
)
from components.domain import (
    Conventions,
    HistorySource,
    Note,
    NoteKind,
    Provenance,
    ProviderBest,
    RunData,
    RunSummary,
)
from components.errors import DashboardError
from components.sources.base import Progress, SourceInfo, parsed

TOGETHER_LABEL = "Together AI"
TOGETHER_CONVENTIONS = Conventions(
    full_validation="Evaluation",  # eval/loss, n_evals times in a run, on the whole validation file
    full_validation_detail="full validation set",
    checkpoints_saved="Together AI saves only as many checkpoints as the job asked for (n_checkpoints)",
)


@dataclass(frozen=True)
class TogetherLive:
    """What a live refresh of a Together run builds on: the job's counters as last read, the raw checkpoints
    (a few; kept as JSON bytes), the per-step metrics frame (None when it could not be read), how many
    refreshes in a row found nothing new, and the reads a failed one still owes ("metrics", "checkpoints")."""

    counters: JobCounters
    checkpoints_json: bytes = field(default=b"[]", repr=False)
    metrics: pd.DataFrame | None = field(default=None, compare=False, repr=False)
    quiet: int = 0
    owed: frozenset[str] = frozenset()

    @classmethod
    def of(cls, read: TogetherRead, quiet: int, owed: frozenset[str]) -> TogetherLive:
        """What a refresh builds on after ``read``."""
        return cls(job_counters(read.raw_job), json.dumps(read.items).encode(), read.metrics, quiet, owed)

    def checkpoint_items(self) -> list[Item]:
        return json.loads(self.checkpoints_json)


@dataclass(frozen=True)
class TogetherRead:
    """What one load or refresh read of a job: the job object and its summary, the raw checkpoints, and the
    per-step metrics frame (None when it could not be read)."""

    raw_job: dict[str, Any]
    summary: RunSummary
    items: list[Item]
    metrics: pd.DataFrame | None


def together_run(
    read: TogetherRead,
    notes: list[Note],
    info: SourceInfo,
    *,
    owed: frozenset[str] = frozenset(),
    quiet: int = 0,
) -> RunData:
    """The run from its parts (``owed``: the lists that could not be read, so the run is partial)."""
    summary, items, metrics = read.summary, read.items, read.metrics
    checkpoints = parsed(
        "checkpoints from Together AI",
        together_checkpoints_frame,
        items,
        job_id=summary.run_id,
        output_model=summary.fine_tuned_model,
        notes=notes,
    )
    if metrics is not None:
        checkpoints = with_step_metrics(checkpoints, metrics)
    per_step, source = densest(checkpoints, (metrics, HistorySource.METRICS_ENDPOINT))
    history = parsed("metrics from Together AI", build_history, checkpoints, per_step, source)
    live = not summary.is_terminal or bool(owed)
    return RunData(
        summary=summary,
        checkpoints=checkpoints,
        history=history,
        history_source=source,
        provenance=Provenance.now(TOGETHER, TOGETHER_LABEL, info.endpoint),
        total_steps=summary.total_steps,
        notes=tuple(dict.fromkeys(notes)),
        unavailable={"accuracy": NO_ACCURACY},
        provider_best=early_stopping_pick(read.raw_job, checkpoints),
        conventions=info.conventions,
        is_partial=bool(owed),
        resume=TogetherLive.of(read, quiet, owed) if live else None,
    )


def metrics_bound(raw_job: dict[str, Any], summary: RunSummary) -> int | None:
    """The last step the metrics can reach: the steps done when the job says, else its planned total."""
    done = job_counters(raw_job).steps
    return done if done is not None else summary.total_steps


def load_together_run(
    client: TogetherClient,
    run_id: str,
    info: SourceInfo,
    on_progress: Progress | None = None,
    log: RequestLog | None = None,
) -> RunData:
    """The job, its checkpoints and its metrics (three requests; nothing here is paged), read with
    ``client``; ``log`` counts the requests."""
    report = on_progress or (lambda _message: None)
    client = client.start_load(log=log)
    notes: list[Note] = []
    owed: set[str] = set()  # lists that could not be read: the run is shown as partly loaded
    report("Reading the job…")
    raw = client.get_job(run_id)
    summary = parsed("job object from Together AI", parse_together_job, raw, run_id=run_id, notes=notes)
    report("Reading the checkpoints…")
    try:
        items = client.checkpoints(run_id)
    except DashboardError as exc:
        items = []
        owed.add("checkpoints")
        notes.append(
            Note(NoteKind.PARTIAL, f"The job's checkpoints could not be read ({exc}); Refresh tries again.")
        )
    report("Reading the metrics…")
    metrics = None
    if client.out_of_time():
        owed.add("metrics")
        notes.append(
            Note(
                NoteKind.PARTIAL,
                "The time limit for one load ran out before the metrics; Refresh tries again.",
            )
        )
    else:
        try:
            records = client.metrics(run_id, total_steps=metrics_bound(raw, summary))
            metrics = parsed("metrics from Together AI", together_metrics_frame, records, notes=notes)
        except DashboardError as exc:
            owed.add("metrics")
            notes.append(
                Note(
                    NoteKind.PARTIAL,
                    f"The job's metrics could not be read ({exc}); the curves show checkpoints only.",
                )
            )
    return together_run(TogetherRead(raw, summary, items, metrics), notes, info, owed=frozenset(owed))


def early_stopping_pick(raw: dict, checkpoints: pd.DataFrame) -> ProviderBest | None:
    step, value = early_stopping_best(raw)
    if step is None:
        return None
    at_step = checkpoints.loc[checkpoints["step"] == step, "checkpoint_id"]
    declared = together_declared(step, value, metric="full_valid_loss")  # Together's eval/loss column
    assert declared is not None  # a step was given
    return ProviderBest(
        label="Together AI's early-stopping best step",
        checkpoint_id=str(at_step.iloc[-1]) if len(at_step) else None,
        step=step,
        value=value,
        metric="eval/loss",
        decider=declared.metric,
        direction=declared.direction.value,
        reason=declared.reason,
    )
