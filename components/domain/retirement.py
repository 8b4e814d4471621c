"""When fine-tuned models stop answering, and when training closes: one table, per provider and base model.

OpenAI is closing its self-serve fine-tuning and Azure OpenAI retires fine-tuned deployments; a fine-tune
answers only while its base model is served. Each date here carries its source and whether the provider
itself states it (official) or only third parties report it. A run's date follows from its provider and
its base model (or, without one, the base its fine-tuned model's name carries); a model the table does not
name has no date: None, never a guess. The sources are in ``/work/shared/providers.md`` and the README.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from components.domain.summary import RunSummary

OPENAI = "openai"
AZURE = "azure"
MAX_MODEL_CHARS = 256  # longer than any model name; bounds the work on an untrusted one


class Standing(StrEnum):
    """Who says so: the provider's own page, or only third parties quoting it."""

    OFFICIAL = "official"
    REPORTED = "reported"


@dataclass(frozen=True)
class Dated:
    """A day and where it is stated (``source`` in full, ``said_by`` in a few words for the page);
    ``earliest`` when the provider gives it as "no earlier than"."""

    day: date
    source: str
    said_by: str
    standing: Standing = Standing.OFFICIAL
    earliest: bool = False

    @property
    def reported(self) -> bool:
        return self.standing is Standing.REPORTED


@dataclass(frozen=True)
class Retirement:
    """One base-model family of one provider: the day its fine-tunes stop answering, the day training
    closes. ``versions`` are the snapshots it covers (empty: every snapshot and the bare name)."""

    provider: str
    family: str
    versions: tuple[str, ...]
    answers_until: Dated
    training_closes: Dated

    def days_left(self, today: date) -> int:
        """Days from ``today`` to the day the models stop answering; 0 or less once they have stopped."""
        return (self.answers_until.day - today).days

    def stopped(self, today: date) -> bool:
        return self.days_left(today) <= 0


OPENAI_NOTICE = (
    "OpenAI's deprecations page, “Update to OpenAI's self-serve fine-tuning” (notified 2026-05-07), "
    "developers.openai.com/api/docs/deprecations"
)
OPENAI_REPORTED = (
    "third-party reports quoting OpenAI's deprecations page (no primary copy of this date was found)"
)
AZURE_SCHEDULE = (
    "Microsoft Foundry's model retirement schedule, “Fine-tuned models” (MicrosoftDocs/azure-ai-docs, "
    "concepts-model-retirement-schedule-content.md, 2026-07-07)"
)
_OPENAI_SAYS = "OpenAI's deprecations page"
_REPORTED_SAYS = "reported by third parties only"
_AZURE_SAYS = "Microsoft's retirement schedule"
OPENAI_NO_NEW_JOBS = Dated(date(2027, 1, 6), OPENAI_NOTICE, _OPENAI_SAYS)
"""From this day OpenAI creates no new fine-tuning job for anyone (some organisations were refused since
2026-05-07 or 2026-07-02)."""
_OPENAI_STOPPED = Dated(date(2026, 10, 23), OPENAI_NOTICE, _OPENAI_SAYS)
_OPENAI_JANUARY = Dated(date(2027, 1, 14), OPENAI_REPORTED, _REPORTED_SAYS, Standing.REPORTED)


def _openai(family: str, answers_until: Dated, training_closes: Dated) -> Retirement:
    return Retirement(OPENAI, family, (), answers_until, training_closes)


def _azure(family: str, version: str, deployments: date, training: date) -> Retirement:
    return Retirement(
        AZURE,
        family,
        (version,),
        Dated(deployments, AZURE_SCHEDULE, _AZURE_SAYS),
        # "no earlier than", for existing customers (others: when the base model retires)
        Dated(training, AZURE_SCHEDULE, _AZURE_SAYS, earliest=True),
    )


RETIREMENTS: tuple[Retirement, ...] = (
    *(
        _openai(family, _OPENAI_JANUARY, OPENAI_NO_NEW_JOBS)
        for family in ("gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini")
    ),
    *(
        _openai(family, _OPENAI_STOPPED, _OPENAI_STOPPED)
        for family in ("gpt-4.1-nano", "o4-mini", "gpt-3.5-turbo", "gpt-4", "babbage-002", "davinci-002")
    ),
    _azure("gpt-4o", "2024-08-06", date(2027, 10, 1), date(2027, 4, 1)),
    _azure("gpt-4o-mini", "2024-07-18", date(2027, 10, 1), date(2027, 4, 1)),
    *(
        _azure(family, "2025-04-14", date(2027, 10, 14), date(2027, 4, 14))
        for family in ("gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano")
    ),
    _azure("o4-mini", "2025-04-16", date(2027, 10, 16), date(2027, 4, 16)),
)
"""Every date the dashboard knows; the README's table is this one."""

FAMILIES = tuple(sorted({retirement.family for retirement in RETIREMENTS}, key=len, reverse=True))
_SNAPSHOT = re.compile(
    r"-([0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4})"
)  # gpt-4o-mini-2024-07-18, gpt-3.5-turbo-0125


def base_of(model: str) -> str:
    """The base model a name is built on, lower-case: ``ft:gpt-4o-mini-2024-07-18:org::id:ckpt-step-8``
    (OpenAI) and ``gpt-4.1-2025-04-14.ft-<hex>:ckpt-step-10`` (Azure) are both built on their first part."""
    name = model[:MAX_MODEL_CHARS].strip().lower()
    name = name.removeprefix("ft:").split(":", 1)[0]
    return name.split(".ft-", 1)[0]


def family_of(model: str) -> tuple[str, str | None] | None:
    """``(family, snapshot)`` of a model name (snapshot None for the bare name); None for other models."""
    base = base_of(model)
    for family in FAMILIES:
        if base == family:
            return family, None
        if base.startswith(family) and (snapshot := _SNAPSHOT.fullmatch(base, len(family))):
            return family, snapshot.group(1)
    return None


def answers_until(provider: str, model: str | None) -> Retirement | None:
    """The table's row for a model served by ``provider`` (``openai`` or ``azure``); None when the table
    does not name that model there (another provider, another family, or an Azure snapshot it lacks)."""
    found = family_of(model) if model else None
    if found is None:
        return None
    family, snapshot = found
    return next(
        (
            row
            for row in RETIREMENTS
            if row.provider == provider
            and row.family == family
            and (not row.versions or snapshot in row.versions)
        ),
        None,
    )


def run_retirement(run: RunSummary, provider: str | None = None) -> Retirement | None:
    """The row for a run's models: by its provider (default: the source in its address) and its base
    model, or the base its fine-tuned model's name carries when the source does not give one."""
    return answers_until(provider or run.ref.source, run.base_model or run.fine_tuned_model)
