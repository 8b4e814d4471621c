"""What the page says about models that stop answering: the job list's cell and notice, and a run's line.

Pure, like the rest of the page model. Every word here is ours and every name comes from the table in
``components.domain.retirement`` (never from an API), so the Markdown built here carries no outside text.
``today`` is always a parameter: the UI passes the real date (or ``DASHBOARD_TODAY``), tests a fixed one.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum

from components.domain import RunSummary
from components.domain.listing import SOON_DAYS
from components.domain.retirement import (
    AZURE,
    OPENAI,
    OPENAI_NO_NEW_JOBS,
    Dated,
    Retirement,
    answers_until,
    run_retirement,
)
from components.text import code_span
from components.wording import count

TODAY_SETTING = "DASHBOARD_TODAY"
"""An ISO date the page takes as today (tests, screenshots, "what will this list say then"); unset: the
real date in UTC."""
REPORTED_MARK = "†"
REPORTED_FOOTNOTE = (
    f"{REPORTED_MARK} Reported by third parties quoting OpenAI's deprecations page; not found in OpenAI's "
    "own copy."
)
PROVIDER_WORDS = {OPENAI: "OpenAI", AZURE: "Azure OpenAI"}
logger = logging.getLogger(__name__)


class Kept(StrEnum):
    """Where the archive stands with a run: saved, not yet, or no archive at all."""

    SAVED = "saved"
    NOT_YET = "not yet"
    NO_ARCHIVE = "no archive"

    @classmethod
    def of(cls, saved: bool, archive: bool) -> Kept:
        """Saved when the archive holds the run, else not yet when there is an archive."""
        return cls.SAVED if saved else cls.NOT_YET if archive else cls.NO_ARCHIVE


def today_from(setting: str | None, now: datetime | None = None) -> date:
    """``DASHBOARD_TODAY`` when it is an ISO date (``2026-12-07``), else today's date in UTC."""
    if setting and setting.strip():
        try:
            return date.fromisoformat(setting.strip())
        except ValueError:
            logger.warning("%s is not a date like 2026-12-07; the page uses today's date", TODAY_SETTING)
    return (now or datetime.now(UTC)).date()


def _day(dated: Dated) -> str:
    return f"{dated.day:%Y-%m-%d}" + (REPORTED_MARK if dated.reported else "")


def answers_cell(run: RunSummary, today: date) -> str | None:
    """``2027-01-14† · 38 days`` or ``2026-10-23 · stopped``: the job list's cell, None without a date.

    The date comes first so that sorting the column's text sorts it by days left.
    """
    retirement = run_retirement(run)
    if retirement is None:
        return None
    left = retirement.days_left(today)
    return f"{_day(retirement.answers_until)} · " + (count(left, "day") if left > 0 else "stopped")


def _when(retirement: Retirement, today: date) -> str:
    left = retirement.days_left(today)
    return f"in {count(left, 'day')}" if left > 0 else "stopped"


def _families(rows: Iterable[Retirement]) -> str:
    return ", ".join(code_span(family) for family in dict.fromkeys(row.family for row in rows))


def _training_lines(rows: Sequence[Retirement], today: date) -> list[str]:
    """When new jobs are refused, for the providers whose training closes before their models stop."""
    closing = {
        (row.provider, row.training_closes) for row in rows if row.training_closes.day < row.answers_until.day
    }
    lines = []
    for provider, dated in sorted(closing, key=lambda pair: pair[1].day):
        who, when = PROVIDER_WORDS[provider], _day(dated)
        bound = "no earlier than " if dated.earliest else ""
        lines.append(
            f"{who} refuses new fine-tuning jobs from {bound}{when}."
            if dated.day > today
            else f"{who} has refused new fine-tuning jobs since {bound}{when}."
        )
    return lines


_UNSTATED = "Reading the runs afterwards is promised nowhere"
_NO_ARCHIVE = "no archive is configured (`DASHBOARD_STORE`) to keep"


def _keeping_runs(archive: bool) -> str:
    """How a list's runs stay readable once the provider stops serving them."""
    if not archive:
        return f"{_UNSTATED}, and {_NO_ARCHIVE} them."
    return (
        f"{_UNSTATED}: saved to the archive now, they stay readable here (**Save all runs of this source** "
        "below the list, or `python -m components.archive`, keeps every run with its files)."
    )


def _keeping_run(kept: Kept) -> str:
    """Whether the archive keeps this run, in a few words: the line sits in the header, above the chart,
    and must stay one line at 1280 px."""
    if kept is Kept.SAVED:
        return "The archive keeps this run."
    if kept is Kept.NO_ARCHIVE:
        return "No archive (`DASHBOARD_STORE`) keeps it."
    return "The archive saves it once it has finished."


def list_notice(runs: Iterable[RunSummary], today: date, *, archive: bool) -> str | None:
    """The notice over a job list while any listed run's models have fewer than 60 days left (or have
    stopped): what stops when, for how many listed runs, when training closes, and how to keep the runs.
    A reported date carries :data:`REPORTED_MARK`; the list's footnote (:func:`has_reported`) explains it."""
    rows = [row for run in runs if (row := run_retirement(run)) and row.days_left(today) < SOON_DAYS]
    if not rows:
        return None
    runs_by_day = Counter(row.answers_until for row in rows)
    upcoming = any(not row.stopped(today) for row in rows)
    lines = [
        "**Fine-tuned models stop answering soon.**"
        if upcoming
        else "**The fine-tuned models of these runs stopped answering.**"
    ]
    for dated in sorted(runs_by_day, key=lambda dated: dated.day):
        same = [row for row in rows if row.answers_until == dated]
        lines.append(
            f"- **{_day(dated)}** · {_when(same[0], today)}: fine-tunes of {_families(same)} "
            f"({count(runs_by_day[dated], 'listed run')})"
        )
    closing = _training_lines(rows, today)
    return "\n".join(lines) + "\n\n" + " ".join([*closing, _keeping_runs(archive)])


def has_reported(cells: Iterable[str | None]) -> bool:
    """Whether any of the list's "Answers until" cells is a date only third parties report."""
    return any(cell is not None and REPORTED_MARK in cell for cell in cells)


@dataclass(frozen=True)
class RunRetirement:
    """A run's date for its page, shown once in its header: ``head`` (the date, and the days left) then
    ``rest`` (who says so, whether the archive keeps the run); both Markdown of our own words, one line.
    ``urgent``: fewer than 60 days left, or stopped (the page marks it so)."""

    head: str
    rest: str
    urgent: bool

    @property
    def text(self) -> str:
        return f"{self.head} {self.rest}"


def run_line(run: RunSummary, provider: str, today: date, kept: Kept) -> RunRetirement | None:
    """What a run's page says about when its models stop answering; None without a known date."""
    retirement = run_retirement(run, provider)
    if retirement is None:
        return None
    dated, left = retirement.answers_until, retirement.days_left(today)
    said = dated.said_by
    if left >= SOON_DAYS:
        return RunRetirement(
            f"Models answer until {_day(dated)} · {count(left, 'day')} left", f"({said}).", False
        )
    if left > 0:
        head = f"**Models stop answering on {_day(dated)}**, in {count(left, 'day')}"
    else:
        head = f"**Models stopped answering on {_day(dated)}**"
    return RunRetirement(head, f"({said}). {_keeping_run(kept)}", True)


CLOSED_TITLE = "OpenAI no longer accepts new fine-tuning jobs here"


def closed_platform_words(today: date) -> str:
    """What a ``training_not_available`` answer means, in words, on ``today``: the platform is closing,
    which is no failure of the dashboard's request."""
    day = OPENAI_NO_NEW_JOBS.day
    since = (
        f"since {day:%Y-%m-%d}"
        if today >= day
        else f"for this organisation (for everyone from {day:%Y-%m-%d})"
    )
    return (
        f"OpenAI no longer accepts new fine-tuning jobs on this platform {since}; reading existing runs "
        "still works where the API answers, and runs saved to the archive stay readable here."
    )


def retired_model_words(model: str, provider: str, status: int | None, today: date) -> str | None:
    """Why a model answered 404: its fine-tunes stopped answering on the table's day (said with who says
    so), so the request was not wrong; None when the table does not say the model has stopped."""
    retirement = answers_until(provider, model)
    if status != 404 or retirement is None or not retirement.stopped(today):
        return None
    return (
        f"This model stopped answering on {_day(retirement.answers_until)} "
        f"({retirement.answers_until.said_by}): fine-tunes of {code_span(retirement.family)} are no longer "
        "served. What it answered is kept only where it was recorded (**Recorded answers**)."
    )
