"""The fine-tuning platform closing, as the stand-in plays it: no new jobs from a date, models that stop
answering from a date, and a jobs list of several hundred runs to save before then.

What the real API does (shared/api.md, shared/providers.md): from a date OpenAI refuses job creation with
HTTP 403 and ``code: "training_not_available"`` (the message is the one users quote); a model that is no
longer served answers chat completions like an unknown one, 404 ``model_not_found``. Whether the read
endpoints (jobs, checkpoints, events, files) ever answer ``training_not_available`` is UNCONFIRMED: tests
that need it script it with ``Fault("jobs", "status", status=403, code=TRAINING_NOT_AVAILABLE, …)``.
The stand-in keeps its own small rule for "built on" rather than the dashboard's table, so tests of the
dashboard's dates are checked against something independent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from .synthetic import DEFAULT_START, SyntheticRun, make_run

TRAINING_NOT_AVAILABLE = "training_not_available"
TRAINING_NOT_AVAILABLE_MESSAGE = (
    "OpenAI is winding down the fine-tuning platform and your organization is no longer able to create new "
    "fine-tuning training jobs."
)
FLEET_BASES = (
    "gpt-4o-mini-2024-07-18",
    "gpt-4.1-2025-04-14",
    "gpt-4.1-nano-2025-04-14",
    "gpt-4o-2024-08-06",
    "gpt-4.1-mini-2025-04-14",
)
"""The base models a fleet cycles through: the four OpenAI stops serving in January 2027 and one it
already stopped serving (gpt-4.1-nano, October 2026)."""
_SNAPSHOT = r"-[0-9]{4}-[0-9]{2}-[0-9]{2}"


def built_on(model: str, base: str) -> bool:
    """Whether ``model`` is ``base`` or built on it: a base model, an OpenAI ``ft:<base>:…`` name (with or
    without ``:ckpt-step-N``) or an Azure ``<base>.ft-<hex>`` name. ``base`` is a family
    (``gpt-4o-mini``), which takes in its dated snapshots, or one snapshot (``gpt-4o-mini-2024-07-18``)."""
    name = model.removeprefix("ft:").split(":", 1)[0].split(".ft-", 1)[0]
    return name == base or re.fullmatch(re.escape(base) + _SNAPSHOT, name) is not None


@dataclass
class Closing:
    """One provider's closing: the day job creation is refused, and each base retired from its day."""

    training_closes: date | None = None
    retired: list[tuple[str, date]] = field(default_factory=list)  # (base, from this day on)

    def training_closed(self, today: date) -> bool:
        return self.training_closes is not None and today >= self.training_closes

    def answers(self, model: str, today: date) -> bool:
        """Whether ``model`` still answers ``today`` (False from the day its base is retired)."""
        return not any(today >= day and built_on(model, base) for base, day in self.retired)


def real_today() -> date:
    """Today in UTC: the stand-in's date until a test sets one."""
    return datetime.now(UTC).date()


def make_fleet(
    count: int = 300, *, bases: tuple[str, ...] = FLEET_BASES, start: int = DEFAULT_START
) -> list[SyntheticRun]:
    """``count`` small finished jobs (20 steps, 2 epochs, a result file, 2 checkpoints, a validation file),
    created an hour apart, their base models cycling through ``bases``; each has a seed of its own, so no
    two runs share a file id."""
    return [
        make_run(
            f"ftjob-fleet{n:05d}",
            n_steps=20,
            n_epochs=2,
            kept_checkpoints=2,
            seed=100_000 + n,
            base_model=bases[n % len(bases)],
            start=start + 3_600 * n,
        )
        for n in range(count)
    ]
