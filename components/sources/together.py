"""Together AI as a run source: its job list, one job with its checkpoints and per-step metrics.

Opening a run costs three requests: the job, its checkpoints, its metrics (joined by step). The job is
needed first (it names the output model); a failing checkpoint or metrics list becomes a note, not an
error page. Together reports no accuracy, and the run says so (``RunData.unavailable``).
"""

from __future__ import annotations

import pandas as pd

from components.api.together import TogetherClient
from components.data.checkpoints import with_step_metrics
from components.data.history import build_history, densest
from components.data.together import (
    NO_ACCURACY,
    TOGETHER,
    early_stopping_best,
    parse_together_job,
    together_checkpoints_frame,
    together_metrics_frame,
)
from components.domain import HistorySource, Provenance, ProviderBest, RunData, RunSummary
from components.errors import DashboardError
from components.sources.base import Progress, RunPage, SourceInfo, SourceKind, parsed
from components.wording import count

TOGETHER_LABEL = "Together AI"
_NEVER = pd.Timestamp.min.tz_localize("UTC")


def _newest_first(runs: list[RunSummary]) -> list[RunSummary]:
    """Runs by creation time, newest first (Together's order is not documented); unknown times last."""
    return sorted(
        runs, key=lambda run: run.created_at if run.created_at is not None else _NEVER, reverse=True
    )


class TogetherSource:
    """Runs of Together AI fine-tuning jobs, read with one key."""

    def __init__(self, client: TogetherClient) -> None:
        self._client = client
        self._info = SourceInfo(
            name=TOGETHER,
            label=TOGETHER_LABEL,
            endpoint=client.config.display_base_url,
            kind=SourceKind.API,
            inference=True,
        )

    @property
    def info(self) -> SourceInfo:
        return self._info

    def list_runs(self, cursor: str | None = None) -> RunPage:
        """Every job Together lists (one request), newest first."""
        jobs, next_cursor = self._client.start_load().jobs_page(cursor)
        runs, unreadable = [], 0
        for job in jobs:
            try:
                runs.append(parsed("job list from Together AI", parse_together_job, job))
            except DashboardError:
                unreadable += 1
        notes = (
            (f"Left out {count(unreadable, 'job')} whose id or fields cannot be read.",) if unreadable else ()
        )
        return RunPage(tuple(_newest_first(runs)), next_cursor, notes)

    def load_run(
        self, run_id: str, on_progress: Progress | None = None, *, resume: RunData | None = None
    ) -> RunData:
        """The job, its checkpoints and its metrics; ``resume`` is not needed (nothing here is paged)."""
        report = on_progress or (lambda _message: None)
        client = self._client.start_load()
        notes: list[str] = []
        incomplete = False  # a list could not be read: the run is shown as partly loaded
        report("Reading the job…")
        raw = client.get_job(run_id)
        summary = parsed("job object from Together AI", parse_together_job, raw, run_id=run_id, notes=notes)
        report("Reading the checkpoints…")
        try:
            items = client.checkpoints(run_id)
        except DashboardError as exc:
            items, incomplete = [], True
            notes.append(f"The job's checkpoints could not be read ({exc}); Refresh tries again.")
        checkpoints = parsed(
            "checkpoints from Together AI",
            together_checkpoints_frame,
            items,
            job_id=run_id,
            output_model=summary.fine_tuned_model,
            notes=notes,
        )
        report("Reading the metrics…")
        metrics = None
        if client.out_of_time():
            incomplete = True
            notes.append("The time limit for one load ran out before the metrics; Refresh tries again.")
        else:
            try:
                records = client.metrics(run_id)
                metrics = parsed("metrics from Together AI", together_metrics_frame, records, notes=notes)
            except DashboardError as exc:
                incomplete = True
                notes.append(
                    f"The job's metrics could not be read ({exc}); the curves show checkpoints only."
                )
        if metrics is not None:
            checkpoints = with_step_metrics(checkpoints, metrics)
        per_step, source = densest(checkpoints, (metrics, HistorySource.METRICS_ENDPOINT))
        history = parsed("metrics from Together AI", build_history, checkpoints, per_step, source)
        return RunData(
            summary=summary,
            checkpoints=checkpoints,
            history=history,
            history_source=source,
            provenance=Provenance.now(TOGETHER, TOGETHER_LABEL, self._info.endpoint),
            total_steps=summary.total_steps,
            notes=tuple(notes),
            unavailable={"accuracy": NO_ACCURACY},
            provider_best=_early_stopping(raw, checkpoints),
            is_partial=incomplete,
        )


def _early_stopping(raw: dict, checkpoints: pd.DataFrame) -> ProviderBest | None:
    step, value = early_stopping_best(raw)
    if step is None:
        return None
    at_step = checkpoints.loc[checkpoints["step"] == step, "checkpoint_id"]
    return ProviderBest(
        label="Together AI's early-stopping best step",
        checkpoint_id=str(at_step.iloc[-1]) if len(at_step) else None,
        step=step,
        value=value,
    )
