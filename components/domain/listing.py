"""Pure helpers for a job list: search and status filter over run summaries of any source."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from components.domain.summary import RunStatus, RunSummary

MAX_QUERY_CHARS = 200


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
