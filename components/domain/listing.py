"""Pure helpers for a job list: search, status filter and the "stops answering soon" filter over run
summaries of any source."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date

from components.domain.retirement import run_retirement
from components.domain.summary import RunStatus, RunSummary

MAX_QUERY_CHARS = 200
SOON_DAYS = 60
"""A model with fewer days left than this is "stopping soon": the job list's filter and notice."""


def searchable(run: RunSummary) -> tuple[str, ...]:
    """The fields a search looks in, case-folded: id, name, base and fine-tuned model, suffix (the archive
    store keeps them in one column to search in SQL alike)."""
    fields = (run.run_id, run.name, run.base_model, run.fine_tuned_model, run.suffix)
    return tuple(field.casefold() for field in fields if field)


def matches(run: RunSummary, query: str) -> bool:
    """Whether each word of ``query`` is in the run's id, name, models or suffix (ignoring case)."""
    words = query[:MAX_QUERY_CHARS].casefold().split()
    fields = searchable(run)
    return all(any(word in field for field in fields) for word in words)


def search_runs(runs: Iterable[RunSummary], query: str) -> list[RunSummary]:
    """The runs that match ``query``, in their order; an empty query keeps them all."""
    return [run for run in runs if matches(run, query)]


def filter_status(runs: Iterable[RunSummary], statuses: Collection[RunStatus]) -> list[RunSummary]:
    """The runs whose status is one of ``statuses``, in their order; no statuses keeps them all."""
    return [run for run in runs if not statuses or run.status in statuses]


def status_counts(runs: Iterable[RunSummary]) -> dict[RunStatus, int]:
    """How many runs are in each status, for the filter's labels; statuses with none are left out."""
    counts: dict[RunStatus, int] = {}
    for run in runs:
        counts[run.status] = counts.get(run.status, 0) + 1
    return {status: counts[status] for status in RunStatus if status in counts}


def stops_soon(run: RunSummary, today: date, within: int = SOON_DAYS) -> bool:
    """Whether the run's models still answer ``today`` and stop within ``within`` days (by the dates of
    ``components.domain.retirement``; a run without a known date never does)."""
    retirement = run_retirement(run)
    return retirement is not None and 0 < retirement.days_left(today) < within


def filter_stopping(runs: Iterable[RunSummary], today: date, only: bool) -> list[RunSummary]:
    """The runs whose models stop answering within :data:`SOON_DAYS` when ``only``, else all of them."""
    return [run for run in runs if not only or stops_soon(run, today)]
