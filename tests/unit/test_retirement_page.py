"""What the page says about models that stop answering: the list's cells (whose text sorts by days left),
its notice, a run's line, the page's clock, and the closed platform's error, in words."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.api import PermissionDeniedError, PlatformClosedError, ServerError
from components.api.errors import status_error_class
from components.domain import RunRef, RunStatus, RunSummary
from components.domain.retirement import run_retirement
from components.page.job_rows import stopping_label
from components.page.retirement import (
    REPORTED_MARK,
    Kept,
    answers_cell,
    closed_platform_words,
    has_reported,
    list_notice,
    retired_model_words,
    run_line,
    today_from,
)
from tests.markdown_view import linkable_text, markup_types, visible_text

TODAY = date(2026, 12, 7)
OPENAI_BASES = ("gpt-4o-mini-2024-07-18", "gpt-4.1-2025-04-14", "gpt-4.1-nano-2025-04-14", "davinci-002")


def _run(base: str | None, source: str = "openai", n: int = 0) -> RunSummary:
    return RunSummary(RunRef(source, f"ftjob-{n}"), RunStatus.SUCCEEDED, base_model=base)


def test_a_cell_gives_the_date_a_reported_mark_and_the_days_left_or_stopped() -> None:
    assert answers_cell(_run("gpt-4o-mini-2024-07-18"), TODAY) == "2027-01-14† · 38 days"
    assert answers_cell(_run("gpt-4o-mini-2024-07-18"), date(2027, 1, 13)) == "2027-01-14† · 1 day"
    assert answers_cell(_run("gpt-4o-mini-2024-07-18"), date(2027, 1, 14)) == "2027-01-14† · stopped"
    assert answers_cell(_run("gpt-4.1-nano-2025-04-14"), TODAY) == "2026-10-23 · stopped"
    assert answers_cell(_run("gpt-4.1-2025-04-14", "azure"), TODAY) == "2027-10-14 · 311 days"
    assert answers_cell(_run("gpt-4.1-2025-04-14", "together"), TODAY) is None
    assert answers_cell(_run(None), TODAY) is None
    assert has_reported(["2026-10-23 · stopped", None, "2027-01-14† · 1 day"])
    assert not has_reported(["2026-10-23 · stopped", None])


BASES = st.sampled_from([*OPENAI_BASES, "gpt-4o-2024-08-06", "o4-mini-2025-04-16", "unknown-model", None])
DAYS = st.dates(date(2026, 1, 1), date(2028, 12, 31))


@given(st.lists(st.tuples(BASES, st.sampled_from(["openai", "azure"])), max_size=30), DAYS)
def test_sorting_the_cells_text_sorts_the_runs_by_days_left(bases: list, today: date) -> None:
    runs = [_run(base, source, n) for n, (base, source) in enumerate(bases)]
    dated = [(answers_cell(run, today), run_retirement(run)) for run in runs]
    cells = [(cell, row) for cell, row in dated if cell is not None]
    by_text = [row.days_left(today) for _cell, row in sorted(cells, key=lambda pair: pair[0])]
    assert by_text == sorted(by_text)


def test_no_notice_while_every_listed_model_has_60_days_or_more() -> None:
    runs = [_run("gpt-4o-mini-2024-07-18"), _run("gpt-4.1-2025-04-14", "azure"), _run("x")]
    assert list_notice(runs, date(2027, 1, 14) - timedelta(days=60), archive=True) is None
    assert list_notice([_run(None), _run("gpt-4o", "together")], TODAY, archive=True) is None
    assert list_notice(runs, date(2027, 1, 14) - timedelta(days=59), archive=True) is not None


def test_the_notice_says_what_stops_when_for_how_many_runs_and_how_to_keep_them() -> None:
    runs = [_run(base, n=n) for n, base in enumerate([*OPENAI_BASES, "gpt-4o-mini", "other"])]
    text = list_notice(runs, TODAY, archive=True)
    assert text is not None
    head, *rest = text.split("\n\n")
    assert head.splitlines() == [
        "**Fine-tuned models stop answering soon.**",
        "- **2026-10-23** · stopped: fine-tunes of `gpt-4.1-nano`, `davinci-002` (2 listed runs)",
        "- **2027-01-14†** · in 38 days: fine-tunes of `gpt-4o-mini`, `gpt-4.1` (3 listed runs)",
    ]
    assert rest[0].startswith(
        "OpenAI refuses new fine-tuning jobs from 2027-01-06. Reading the runs afterwards"
    )
    assert "saved to the archive now, they stay readable here" in rest[0]
    assert "`python -m components.archive`" in rest[0]
    closed = list_notice(runs, date(2027, 1, 6), archive=False)
    assert closed is not None and "OpenAI has refused new fine-tuning jobs since 2027-01-06." in closed
    assert "no archive is configured (`DASHBOARD_STORE`) to keep them." in closed


def test_a_list_whose_models_all_stopped_says_they_stopped() -> None:
    text = list_notice([_run("gpt-4.1-nano-2025-04-14")], TODAY, archive=True)
    assert text is not None and text.startswith("**The fine-tuned models of these runs stopped answering.**")
    assert "refuses" not in text  # training closed with the models: nothing more to say about it


def test_azures_notice_gives_the_earliest_training_day_as_such() -> None:
    text = list_notice([_run("gpt-4o-mini-2024-07-18", "azure")], date(2027, 9, 1), archive=True)
    assert text is not None and "- **2027-10-01** · in 30 days: fine-tunes of `gpt-4o-mini`" in text
    assert "Azure OpenAI has refused new fine-tuning jobs since no earlier than 2027-04-01." in text
    assert REPORTED_MARK not in text


def test_the_notice_carries_no_outside_text_and_no_markup_but_its_own() -> None:
    hostile = RunSummary(
        RunRef("openai", "ftjob-x"),
        RunStatus.SUCCEEDED,
        base_model="gpt-4o-mini",
        fine_tuned_model="ft:gpt-4o-mini:<img src=x onerror=alert(1)>::[click](http://evil)",
        name="**bold**",
    )
    text = list_notice([hostile], TODAY, archive=True)
    assert text is not None and "evil" not in text and "img" not in text
    assert markup_types(text) == {"strong_open", "bullet_list_open"}  # our bold dates and our list only
    assert linkable_text(text) == []


@pytest.mark.parametrize(
    ("kept", "words"),
    [
        (Kept.SAVED, "The archive keeps this run."),
        (Kept.NOT_YET, "The archive saves it once it has finished."),
        (Kept.NO_ARCHIVE, "No archive (`DASHBOARD_STORE`) keeps it."),
    ],
)
def test_a_run_with_fewer_than_60_days_left_is_urgent_and_says_whether_it_is_kept(
    kept: Kept, words: str
) -> None:
    line = run_line(_run("gpt-4o-mini-2024-07-18"), "openai", TODAY, kept)
    assert line is not None and line.urgent
    assert line.head == "**Models stop answering on 2027-01-14†**, in 38 days"
    assert line.rest == f"(reported by third parties only). {words}"
    assert line.text == f"{line.head} {line.rest}"
    assert len(visible_text(line.text)) <= 125  # about one line of the header caption at 1280 px


def test_a_run_further_off_gets_its_date_alone_and_a_stopped_one_says_so() -> None:
    far = run_line(_run("gpt-4.1-2025-04-14"), "azure", TODAY, Kept.SAVED)
    assert far is not None and not far.urgent
    assert far.text == "Models answer until 2027-10-14 · 311 days left (Microsoft's retirement schedule)."
    stopped = run_line(_run("o4-mini-2025-04-16"), "openai", TODAY, Kept.SAVED)
    assert stopped is not None and stopped.urgent
    assert stopped.text == (
        "**Models stopped answering on 2026-10-23** (OpenAI's deprecations page). The archive keeps this run."
    )
    assert run_line(_run("gpt-4.1-2025-04-14"), "demo", TODAY, Kept.SAVED) is None
    assert Kept.of(True, False) is Kept.SAVED and Kept.of(False, True) is Kept.NOT_YET
    assert Kept.of(False, False) is Kept.NO_ARCHIVE


def test_the_page_takes_dashboard_today_when_it_is_a_date_else_the_real_day() -> None:
    now = datetime(2026, 12, 7, 23, 59, tzinfo=UTC)
    assert today_from("2027-01-10", now) == date(2027, 1, 10)
    assert today_from(" 2027-01-10 ", now) == date(2027, 1, 10)
    assert today_from(None, now) == today_from("", now) == today_from("next tuesday", now) == TODAY
    assert today_from(None) == datetime.now(UTC).date()


def test_the_filter_label_counts_the_runs_it_keeps() -> None:
    assert stopping_label(1234) == "Stops within 60 days (1,234)"


def test_a_closed_platform_is_its_own_error_whatever_the_status() -> None:
    assert status_error_class(403, "training_not_available") is PlatformClosedError
    assert status_error_class(404, "training_not_available") is PlatformClosedError
    assert issubclass(PlatformClosedError, PermissionDeniedError)
    assert status_error_class(403, "insufficient_permissions") is PermissionDeniedError
    assert status_error_class(403) is PermissionDeniedError
    assert status_error_class(500, "training_not_available") is ServerError


def test_the_closed_platform_in_words_before_and_after_training_closes() -> None:
    assert closed_platform_words(TODAY) == (
        "OpenAI no longer accepts new fine-tuning jobs on this platform for this organisation (for everyone "
        "from 2027-01-06); reading existing runs still works where the API answers, and runs saved to the "
        "archive stay readable here."
    )
    assert "on this platform since 2027-01-06;" in closed_platform_words(date(2027, 1, 6))


def test_a_404_is_called_a_stopped_model_only_once_its_day_has_passed() -> None:
    model = "ft:gpt-4o-mini-2024-07-18:org::abc"
    after = date(2027, 1, 14)
    said = retired_model_words(model, "openai", 404, after)
    assert said is not None and said.startswith("This model stopped answering on 2027-01-14†")
    assert retired_model_words(model, "openai", 404, after - timedelta(days=1)) is None  # still served
    assert retired_model_words(model, "openai", 500, after) is None  # another failure
    assert retired_model_words("my-own-model", "openai", 404, after) is None  # not in the table
    assert retired_model_words(model, "together", 404, after) is None  # not that provider's model
