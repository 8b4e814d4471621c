"""One run as the page, the charts and the recommendation read it, whatever source it came from.

Everything here is picklable (Streamlit caches runs) and holds no credential (runs are cached per key
and exported to files). Sources fill it; nothing downstream asks which source did, except to show it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

import pandas as pd

from components.domain.note import Note
from components.domain.summary import RunSummary

MetricKind = Literal["loss", "accuracy"]


class HistorySource(StrEnum):
    """Where the per-step curves came from, densest first; the words finish "Per-step metrics from the …"."""

    RESULT_FILE = "result file"
    METRICS_EVENTS = "metrics events"
    METRICS_ENDPOINT = "metrics endpoint"
    TRAINER_STATE = "trainer state"
    TRAINING_LOGS = "training logs"
    EXPORT = "exported file"
    CHECKPOINTS = "checkpoints"
    NONE = "none"


@dataclass(frozen=True)
class Provenance:
    """Where a run was read and when: shown beside it, and kept in exports and the archive."""

    source: str  # the RunRef source name, e.g. "openai"
    label: str  # the source in words, e.g. "Azure OpenAI"
    endpoint: str  # what was read, safe to show: a base URL without credentials, or a file name
    fetched_at: pd.Timestamp  # UTC

    @classmethod
    def now(cls, source: str, label: str, endpoint: str) -> Provenance:
        return cls(source, label, endpoint, pd.Timestamp.now(tz="UTC"))


@dataclass(frozen=True)
class ProviderBest:
    """The checkpoint the provider or trainer itself marked as best (HF's ``best_model_checkpoint``,
    Together's early-stopping best step), shown beside our own recommendation, never instead of it."""

    label: str  # whose pick, in our words, e.g. "The trainer's best_model_checkpoint"
    checkpoint_id: str | None = None
    step: int | None = None
    metric: str | None = None  # the provider's own metric name, as sent
    value: float | None = None
    # The metric that chose it, as the run's column (``eval_f1``; ``eval_loss`` is ``full_valid_loss``), which
    # way is better ("lower"/"higher", a metric model Direction's value) and why, in words: our default
    # decider when the run offers that column.
    decider: str | None = None
    direction: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Conventions:
    """How a source records its runs, in the words the page uses rather than assuming OpenAI's.

    ``full_validation`` and ``full_validation_detail`` name the metrics measured on the whole validation
    set, as in "Validation loss (full, epoch end)" (OpenAI: at each epoch end) or "Evaluation loss (full
    validation set)" (a Hugging Face trainer, Together AI: every N steps). ``checkpoints_saved`` says which
    checkpoints the source saves and keeps, as a clause that follows "which has no saved checkpoint:"
    (None: the source does not say).
    """

    full_validation: str = "Validation"
    full_validation_detail: str = "full"
    checkpoints_saved: str | None = None

    def full_label(self, kind: str | None = None) -> str:
        """``Validation loss (full, epoch end)`` for a kind; ``Validation (full, epoch end)`` for them all."""
        named = f"{self.full_validation} {kind}" if kind else self.full_validation
        return f"{named} ({self.full_validation_detail})"


@dataclass(frozen=True, eq=False)
class RunData:
    """Everything the page shows about one run.

    ``checkpoints`` has one row per deployable checkpoint and ``history`` one row per step (columns in
    ``components.data.checkpoints`` and ``components.data.history``). ``unavailable`` names metric kinds the
    source never reports, with the reason in words, so a chart can say so instead of drawing nothing.
    ``resume`` is the source's own state of a partial load (for the API sources, how far each list was
    read): opaque here, handed back to the same source by a Refresh, so what was read is not read again.
    ``conventions`` are the source's words for its full validation and its checkpoint policy. ``notes`` say
    in words what the page should know about how the run was read, each with its kind.
    """

    summary: RunSummary
    checkpoints: pd.DataFrame
    history: pd.DataFrame
    history_source: HistorySource
    provenance: Provenance
    total_steps: int | None = None
    notes: tuple[Note, ...] = ()
    unavailable: dict[MetricKind, str] = field(default_factory=dict)
    provider_best: ProviderBest | None = None
    conventions: Conventions = field(default_factory=Conventions)
    checkpoint_pages: int = 0  # API pages read for the checkpoint list; 0 for files
    is_partial: bool = False  # a list stopped before its end, so a Refresh has something to continue
    resume: object | None = field(default=None, repr=False)
