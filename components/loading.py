"""Fetch a whole run (job, checkpoints, per-step history) and turn it into tidy frames.

This is the service between the API client and the page: no Streamlit, so it works from a notebook,
and progress is reported through a plain callback.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from components.api import FineTuningAPIError, FineTuningClient
from components.data.checkpoints import checkpoints_frame
from components.data.events import metrics_events_frame, total_steps
from components.data.history import build_history
from components.data.job import JobSummary, parse_job
from components.data.results_file import ResultFileError, decode_result_file, results_frame

Progress = Callable[[str], None]


@dataclass(frozen=True)
class RunData:
    """Everything the page shows about one job; picklable so Streamlit can cache it."""

    job: JobSummary
    checkpoints: pd.DataFrame
    history: pd.DataFrame
    history_source: str
    total_steps: int | None
    checkpoint_pages: int
    notes: tuple[str, ...] = ()


def _result_history(client: FineTuningClient, job: JobSummary, notes: list[str]) -> pd.DataFrame | None:
    """The per-step frame from the job's result file, or None (with a note) when it cannot be read."""
    for file_id in job.result_files:
        try:
            return results_frame(decode_result_file(client.file_content(file_id)), notes=notes)
        except (FineTuningAPIError, ResultFileError) as exc:
            notes.append(
                f"The result file {file_id} could not be read ({exc}); using the job's metrics events."
            )
    return None


def _event_history(
    client: FineTuningClient, job_id: str, report: Progress, notes: list[str]
) -> pd.DataFrame | None:
    """The per-step frame from the job's metrics events, or None (with a note) when they cannot be read.

    The job and its checkpoints are already in hand by then, so a failing events list costs the
    curves' detail, not the page.
    """
    try:
        raw_events = client.list_events(
            job_id, on_page=lambda page, count: report(f"Metrics events: page {page}, {count:,} so far")
        )
    except FineTuningAPIError as exc:
        notes.append(f"The job's metrics events could not be read ({exc}); the curves show checkpoints only.")
        return None
    return metrics_events_frame(raw_events, notes=notes)


def load_run(client: FineTuningClient, job_id: str, on_progress: Progress | None = None) -> RunData:
    """Read the job, every checkpoint page and the per-step metrics (result file, else events)."""
    report = on_progress or (lambda _message: None)
    report("Reading the job…")
    notes: list[str] = []  # what the parsers left out or could not read, in words for the page
    job = parse_job(client.get_job(job_id), notes=notes)
    pages = 0

    def checkpoint_page(page: int, count: int) -> None:
        nonlocal pages
        pages = page
        report(f"Checkpoints: page {page}, {count:,} so far")

    checkpoints = checkpoints_frame(client.list_checkpoints(job_id, on_page=checkpoint_page), notes=notes)
    results = _result_history(client, job, notes)
    events = _event_history(client, job_id, report, notes) if results is None else None
    steps = total_steps(events) if events is not None else None
    history = build_history(checkpoints, results=results, events=events)
    source = history["source"].mode().iat[0] if not history.empty else "none"
    return RunData(
        job=job,
        checkpoints=checkpoints,
        history=history,
        history_source=str(source),
        total_steps=steps,
        checkpoint_pages=pages,
        notes=tuple(notes),
    )
