"""The run as every layer above the API sees it: its address, its summary, and its data. No I/O here."""

from components.domain.listing import filter_status, filter_stopping, search_runs, status_counts, stops_soon
from components.domain.note import Note, NoteKind, replacing
from components.domain.ref import InvalidRunRefError, RunRef, check_run_id
from components.domain.run import (
    Conventions,
    HistorySource,
    MetricKind,
    Provenance,
    ProviderBest,
    RunData,
)
from components.domain.summary import AUTO, Hyperparameters, RunStatus, RunSummary

__all__ = [
    "AUTO",
    "Conventions",
    "HistorySource",
    "Hyperparameters",
    "InvalidRunRefError",
    "MetricKind",
    "Note",
    "NoteKind",
    "Provenance",
    "ProviderBest",
    "RunData",
    "RunRef",
    "RunStatus",
    "RunSummary",
    "check_run_id",
    "filter_status",
    "filter_stopping",
    "replacing",
    "search_runs",
    "status_counts",
    "stops_soon",
]
