"""Run statuses normalised across providers, and the job list's search and status filter."""

from __future__ import annotations

import pytest

from components.domain import RunRef, RunStatus, RunSummary, filter_status, search_runs, status_counts


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("validating_files", RunStatus.QUEUED),
        ("queued", RunStatus.QUEUED),
        ("running", RunStatus.RUNNING),
        ("paused", RunStatus.PAUSED),
        ("succeeded", RunStatus.SUCCEEDED),
        ("failed", RunStatus.FAILED),
        ("cancelled", RunStatus.CANCELLED),
        ("notRunning", RunStatus.QUEUED),  # Azure's older API
        ("pending", RunStatus.QUEUED),  # Together
        ("compressing", RunStatus.RUNNING),
        ("uploading", RunStatus.RUNNING),
        ("cancel_requested", RunStatus.RUNNING),
        ("completed", RunStatus.SUCCEEDED),
        ("error", RunStatus.FAILED),
        ("user_error", RunStatus.FAILED),
        ("Succeeded", RunStatus.SUCCEEDED),
        ("paused_by_gremlins", RunStatus.UNKNOWN),
        (None, RunStatus.UNKNOWN),
        ("", RunStatus.UNKNOWN),
    ],
)
def test_provider_words_map_to_one_status(word: str | None, status: RunStatus) -> None:
    assert RunStatus.from_provider(word) is status


def test_only_finished_statuses_are_terminal() -> None:
    terminal = {status for status in RunStatus if status.is_terminal}
    assert terminal == {RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELLED}


def test_the_status_shown_is_the_providers_word_when_it_sent_one() -> None:
    ref = RunRef("together", "ft-1")
    assert RunSummary(ref, RunStatus.SUCCEEDED, provider_status="completed").status_text == "completed"
    assert RunSummary(ref, RunStatus.UNKNOWN).status_text == "unknown"


RUNS = [
    RunSummary(
        RunRef("openai", "ftjob-aaa"),
        RunStatus.SUCCEEDED,
        base_model="gpt-4o-mini-2024-07-18",
        fine_tuned_model="ft:gpt-4o-mini-2024-07-18:acme:pricer:abc",
        suffix="pricer",
    ),
    RunSummary(RunRef("openai", "ftjob-bbb"), RunStatus.RUNNING, base_model="gpt-4.1-nano-2025-04-14"),
    RunSummary(RunRef("files", "sft-run-1a2b3c4d5e"), RunStatus.UNKNOWN, name="experiments/Llama SFT"),
    RunSummary(
        RunRef("openai", "ftjob-ccc"),
        RunStatus.FAILED,
        base_model="gpt-4o-mini-2024-07-18",
        suffix="Pricer-v2",
    ),
]


@pytest.mark.parametrize(
    ("query", "ids"),
    [
        ("", ["ftjob-aaa", "ftjob-bbb", "sft-run-1a2b3c4d5e", "ftjob-ccc"]),
        ("pricer", ["ftjob-aaa", "ftjob-ccc"]),  # suffix, case-insensitive
        ("PRICER v2", ["ftjob-ccc"]),  # every word must match
        ("4o-mini", ["ftjob-aaa", "ftjob-ccc"]),  # base model
        ("ftjob-bbb", ["ftjob-bbb"]),  # id
        ("llama", ["sft-run-1a2b3c4d5e"]),  # a file run's name
        ("acme", ["ftjob-aaa"]),  # the fine-tuned model
        ("nothing-like-it", []),
    ],
)
def test_search_looks_in_id_name_models_and_suffix(query: str, ids: list[str]) -> None:
    assert [run.run_id for run in search_runs(RUNS, query)] == ids


def test_status_filter_and_counts() -> None:
    assert [run.run_id for run in filter_status(RUNS, {RunStatus.RUNNING, RunStatus.FAILED})] == [
        "ftjob-bbb",
        "ftjob-ccc",
    ]
    assert filter_status(RUNS, set()) == RUNS
    assert status_counts(RUNS) == {
        RunStatus.RUNNING: 1,
        RunStatus.SUCCEEDED: 1,
        RunStatus.FAILED: 1,
        RunStatus.UNKNOWN: 1,
    }
    assert list(status_counts(RUNS)) == [
        RunStatus.RUNNING,
        RunStatus.SUCCEEDED,
        RunStatus.FAILED,
        RunStatus.UNKNOWN,
    ]
