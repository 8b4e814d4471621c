"""The table of dates (each with its source and standing), a run's "answers until" from its base model and
provider under every name variant, and the job list's "stops within 60 days" filter."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.domain import RunRef, RunStatus, RunSummary, filter_stopping, stops_soon
from components.domain.retirement import (
    AZURE,
    OPENAI,
    OPENAI_NO_NEW_JOBS,
    RETIREMENTS,
    Standing,
    answers_until,
    base_of,
    family_of,
    run_retirement,
)

TODAY = date(2026, 12, 7)
JANUARY = date(2027, 1, 14)
OCTOBER = date(2026, 10, 23)
REPORTED_FAMILIES = ("gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini")


def _row(provider: str, family: str):
    [row] = [row for row in RETIREMENTS if row.provider == provider and row.family == family]
    return row


def test_openai_fine_tunes_of_four_families_stop_on_a_reported_date_after_training_closes() -> None:
    for family in REPORTED_FAMILIES:
        row = _row(OPENAI, family)
        assert row.answers_until.day == JANUARY and row.answers_until.standing is Standing.REPORTED
        assert row.training_closes == OPENAI_NO_NEW_JOBS and OPENAI_NO_NEW_JOBS.day == date(2027, 1, 6)
        assert OPENAI_NO_NEW_JOBS.standing is Standing.OFFICIAL
        assert "deprecations page" in OPENAI_NO_NEW_JOBS.source and "third-party" in row.answers_until.source


def test_openai_nano_o4_mini_and_the_old_families_stopped_on_the_official_date() -> None:
    for family in ("gpt-4.1-nano", "o4-mini", "gpt-3.5-turbo", "gpt-4", "babbage-002", "davinci-002"):
        row = _row(OPENAI, family)
        assert row.answers_until.day == OCTOBER and row.answers_until.standing is Standing.OFFICIAL
        assert row.stopped(TODAY) and row.days_left(TODAY) == -45


@pytest.mark.parametrize(
    ("family", "version", "deployments", "training"),
    [
        ("gpt-4o", "2024-08-06", date(2027, 10, 1), date(2027, 4, 1)),
        ("gpt-4o-mini", "2024-07-18", date(2027, 10, 1), date(2027, 4, 1)),
        ("gpt-4.1", "2025-04-14", date(2027, 10, 14), date(2027, 4, 14)),
        ("gpt-4.1-mini", "2025-04-14", date(2027, 10, 14), date(2027, 4, 14)),
        ("gpt-4.1-nano", "2025-04-14", date(2027, 10, 14), date(2027, 4, 14)),
        ("o4-mini", "2025-04-16", date(2027, 10, 16), date(2027, 4, 16)),
    ],
)
def test_azure_deployments_and_training_retire_on_microsofts_schedule(
    family: str, version: str, deployments: date, training: date
) -> None:
    row = _row(AZURE, family)
    assert row.versions == (version,) and row.answers_until.day == deployments
    assert row.training_closes.day == training and row.training_closes.earliest  # "no earlier than"
    assert row.answers_until.standing is Standing.OFFICIAL and "Microsoft" in row.answers_until.source


def test_every_date_has_its_source_and_training_never_closes_after_the_models_stop() -> None:
    for row in RETIREMENTS:
        assert row.answers_until.source and row.answers_until.said_by and row.training_closes.source
        assert row.training_closes.day <= row.answers_until.day


SNAPSHOTS = st.dates(date(2023, 1, 1), date(2030, 12, 31)).map(lambda day: f"{day:%Y-%m-%d}")
SUFFIXES = st.text("abcdefghijklmnopqrstuvwxyz0123456789-_", max_size=20)
SHORT_IDS = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", min_size=8, max_size=8)


@given(st.sampled_from(REPORTED_FAMILIES), SNAPSHOTS, SUFFIXES, SHORT_IDS, st.integers(1, 100_000))
def test_every_openai_name_of_a_fine_tune_leads_to_its_base_family(
    family: str, snapshot: str, suffix: str, short_id: str, step: int
) -> None:
    base = f"{family}-{snapshot}"
    names = (
        base,
        family,
        f"ft:{base}:my-org:{suffix}:{short_id}",
        f"ft:{family}:my-org::{short_id}",
        f"ft:{base}:my-org:{suffix}:{short_id}:ckpt-step-{step}",
        f"  {base.upper()} ",
    )
    for name in names:
        assert answers_until(OPENAI, name) == _row(OPENAI, family), name


@given(st.sampled_from([row for row in RETIREMENTS if row.provider == AZURE]), SHORT_IDS, st.integers(1, 999))
def test_every_azure_name_of_a_fine_tune_leads_to_its_base_snapshot(row, short_id: str, step: int) -> None:
    base = f"{row.family}-{row.versions[0]}"
    hexed = short_id.lower() * 4
    for name in (base, f"{base}.ft-{hexed}", f"{base}.ft-{hexed}:ckpt-step-{step}"):
        assert answers_until(AZURE, name) == row
    assert answers_until(AZURE, row.family) is None  # no snapshot: Azure's table is per snapshot
    assert answers_until(AZURE, f"{row.family}-2020-01-01") is None


@pytest.mark.parametrize(
    "name",
    [
        "gpt-4o-audio-preview",
        "gpt-4o-mini-realtime-preview-2024-12-17",
        "gpt-35-turbo-0613",  # Azure's old name: not in the table
        "gpt-4-turbo-2024-04-09",
        "gpt-4o-mini\u202e",
        "gpt-4o-mini-2024-07-18x",
        "ft:",
        "",
        "meta-llama/Llama-3.1-8B",
        "gpt-4o-mini-٢٠٢٤-٠٧-١٨",  # digits that are not ASCII
    ],
)
def test_models_the_table_does_not_name_have_no_date(name: str) -> None:
    assert answers_until(OPENAI, name) is None and answers_until(AZURE, name) is None


@given(st.text(max_size=300))
def test_any_name_gives_a_row_of_its_own_family_or_none(name: str) -> None:
    row = answers_until(OPENAI, name)
    assert row is None or (row.provider == OPENAI and base_of(name).startswith(row.family))
    found = family_of(name)
    assert (found is None) == (row is None)


def test_a_run_is_dated_by_its_source_and_base_model_or_its_fine_tuned_models_name() -> None:
    def run(source: str, **fields: str) -> RunSummary:
        return RunSummary(RunRef(source, "ftjob-a"), RunStatus.SUCCEEDED, **fields)

    assert run_retirement(run("openai", base_model="gpt-4.1-2025-04-14")) == _row(OPENAI, "gpt-4.1")
    assert run_retirement(run("openai", fine_tuned_model="ft:gpt-4o:org::x1")) == _row(OPENAI, "gpt-4o")
    assert run_retirement(run("azure", base_model="gpt-4o-mini-2024-07-18")) == _row(AZURE, "gpt-4o-mini")
    for source in ("together", "files", "demo", "upload", "archive"):
        assert run_retirement(run(source, base_model="gpt-4o-mini-2024-07-18")) is None
    archived = run("archive", base_model="gpt-4o-mini-2024-07-18")
    assert run_retirement(archived, "openai") == _row(OPENAI, "gpt-4o-mini")  # by the provenance's source
    assert run_retirement(run("openai")) is None


GPT_4O_RUN = RunSummary(RunRef("openai", "ftjob-a"), RunStatus.SUCCEEDED, base_model="gpt-4o-2024-08-06")


@pytest.mark.parametrize(("days_left", "soon"), [(60, False), (59, True), (1, True), (0, False), (-3, False)])
def test_stops_soon_means_still_answering_with_fewer_than_60_days_left(days_left: int, soon: bool) -> None:
    today = JANUARY - timedelta(days=days_left)
    assert stops_soon(GPT_4O_RUN, today) is soon


def test_the_filter_keeps_the_runs_that_stop_soon_in_their_order() -> None:
    runs = [
        RunSummary(RunRef("openai", f"ftjob-{n}"), RunStatus.SUCCEEDED, base_model=model)
        for n, model in enumerate(["gpt-4o", "gpt-4.1-nano", "gpt-4.1-mini", "x", "gpt-4o-mini"])
    ]
    assert [run.run_id for run in filter_stopping(runs, TODAY, True)] == ["ftjob-0", "ftjob-2", "ftjob-4"]
    assert filter_stopping(runs, TODAY, False) == runs


def test_the_readme_table_gives_the_same_dates_as_the_code() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("## When the models stop answering", 1)[1].split("\n## ", 1)[0]
    lines = [
        line for line in section.splitlines() if line.startswith("| OpenAI |") or line.startswith("| Azure")
    ]
    for row in RETIREMENTS:
        provider = "| OpenAI |" if row.provider == OPENAI else "| Azure OpenAI |"
        [line] = [line for line in lines if line.startswith(provider) and f"`{row.family}`" in line]
        assert f"{row.answers_until.day:%Y-%m-%d}" in line, (row, line)
        training = f"{row.training_closes.day:%Y-%m-%d}"
        assert ("with them" if row.training_closes == row.answers_until else training) in line, (row, line)
        assert ("†" in line) == row.answers_until.reported
        assert all(version in line for version in row.versions)
