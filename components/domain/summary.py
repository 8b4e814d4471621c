"""What a run says about itself, whatever its source: one row of a job list, and the page's header.

Only the address and the status are always known; every other field is None when the source does not
have it (a ``trainer_state.json`` has no base model, a Together job no trained tokens, a listed job no
error yet). The status is normalised so one filter works across sources, and the provider's own word is
kept beside it to show.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import pandas as pd

from components.domain.ref import RunRef

AUTO = "auto"
"""A hyperparameter the provider chose itself (OpenAI sends the word ``auto``)."""


class RunStatus(StrEnum):
    """Where a run is, in words common to every source."""

    QUEUED = "queued"
    RUNNING = "running"
    PAUSED = "paused"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"

    @property
    def is_terminal(self) -> bool:
        """A run in this state will not change again, so there is nothing left to poll."""
        return self in (RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELLED)

    @classmethod
    def from_provider(cls, word: str | None) -> RunStatus:
        """The status a provider's word means (OpenAI, Azure, Together, a trainer); UNKNOWN for others.

        Unknown words stay UNKNOWN rather than a guess: a run in an unknown state is still polled.
        """
        key = (word or "").strip().lower().replace(" ", "_").replace("-", "_")
        return _PROVIDER_WORDS.get(key, cls.UNKNOWN)


_PROVIDER_WORDS: dict[str, RunStatus] = {
    # OpenAI (shared/api.md) and Azure OpenAI (same words, plus camelCase ones of its older API)
    "validating_files": RunStatus.QUEUED,
    "queued": RunStatus.QUEUED,
    "pending": RunStatus.QUEUED,
    "notrunning": RunStatus.QUEUED,
    "created": RunStatus.QUEUED,
    "running": RunStatus.RUNNING,
    "paused": RunStatus.PAUSED,
    "pausing": RunStatus.PAUSED,
    "succeeded": RunStatus.SUCCEEDED,
    "failed": RunStatus.FAILED,
    "cancelled": RunStatus.CANCELLED,
    "canceled": RunStatus.CANCELLED,
    "cancelling": RunStatus.RUNNING,
    # Together AI (together-python types/finetune.py FinetuneJobStatus)
    "compressing": RunStatus.RUNNING,
    "uploading": RunStatus.RUNNING,
    "cancel_requested": RunStatus.RUNNING,
    "error": RunStatus.FAILED,
    "user_error": RunStatus.FAILED,
    "completed": RunStatus.SUCCEEDED,
}


@dataclass(frozen=True)
class Hyperparameters:
    """The settings a comparison of runs lines up; None when unknown, :data:`AUTO` when the provider chose."""

    n_epochs: int | str | None = None
    batch_size: int | str | None = None
    learning_rate_multiplier: float | str | None = None  # OpenAI and Azure scale a base rate
    learning_rate: float | None = None  # Together and trainers set the rate itself


@dataclass(frozen=True)
class RunSummary:
    """A run as a job list row and the page header show it; None means the source did not say."""

    ref: RunRef
    status: RunStatus
    provider_status: str | None = None  # the provider's own word, kept as sent (e.g. "paused_by_gremlins")
    name: str | None = None  # a name in words where the id is not one: a folder, a file, an output model
    base_model: str | None = None
    fine_tuned_model: str | None = None
    suffix: str | None = None
    method: str | None = None  # "supervised", "dpo", "reinforcement", "sft", … as the source says
    created_at: pd.Timestamp | None = None
    finished_at: pd.Timestamp | None = None
    estimated_finish: pd.Timestamp | None = None
    updated_at: pd.Timestamp | None = (
        None  # last change the source saw (Together's updated_at, a file's mtime)
    )
    trained_tokens: int | None = None
    hyperparameters: Hyperparameters = field(default_factory=Hyperparameters)
    error_message: str | None = None
    error_code: str | None = None
    total_steps: int | None = None
    training_file: str | None = None
    validation_file: str | None = None

    @property
    def run_id(self) -> str:
        return self.ref.run_id

    @property
    def is_terminal(self) -> bool:
        return self.status.is_terminal

    @property
    def status_text(self) -> str:
        """The status to show: the provider's word when it sent one, else ours."""
        return self.provider_status or self.status.value
