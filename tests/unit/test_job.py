"""parse_job on the job shapes the spec (and Azure) document, and on the garbage a proxy might send."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from components.data.job import parse_job, result_file_ids
from components.domain import AUTO, Hyperparameters, Note, RunRef, RunStatus, RunSummary

# The spec's retrieve example (FineTuningJob), including its odd ``estimated_finish: 0``.
SUCCEEDED: dict[str, Any] = {
    "object": "fine_tuning.job",
    "id": "ftjob-abc123",
    "model": "davinci-002",
    "created_at": 1692661014,
    "finished_at": 1692661190,
    "fine_tuned_model": "ft:davinci-002:my-org:custom_suffix:7q8mpxmy",
    "organization_id": "org-123",
    "result_files": ["file-abc123"],
    "status": "succeeded",
    "validation_file": None,
    "training_file": "file-abc123",
    "hyperparameters": {"n_epochs": 4, "batch_size": 1, "learning_rate_multiplier": 1.0},
    "trained_tokens": 5768,
    "integrations": [],
    "seed": 0,
    "estimated_finish": 0,
    "method": {
        "type": "supervised",
        "supervised": {"hyperparameters": {"n_epochs": 4, "batch_size": 1, "learning_rate_multiplier": 1.0}},
    },
    "metadata": {"key": "value"},
}

RUNNING: dict[str, Any] = {
    "object": "fine_tuning.job",
    "id": "ftjob-running",
    "model": "gpt-4o-mini-2024-07-18",
    "created_at": 1721764800,
    "finished_at": None,
    "fine_tuned_model": None,
    "organization_id": "org-123",
    "result_files": [],
    "status": "running",
    "validation_file": "file-valid",
    "training_file": "file-train",
    "hyperparameters": {"n_epochs": "auto", "batch_size": "auto", "learning_rate_multiplier": "auto"},
    "trained_tokens": None,
    "error": None,
    "seed": 42,
    "estimated_finish": 1721768400,
    "method": {"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 3}}},
}

FAILED: dict[str, Any] = {
    **RUNNING,
    "id": "ftjob-failed",
    "status": "failed",
    "finished_at": 1721764900,
    "estimated_finish": None,
    "error": {
        "code": "invalid_training_file",
        "message": "The training file does not have enough examples.",
        "param": "training_file",
    },
}

# The spec's /pause example returns a status its own enum does not list.
PAUSED: dict[str, Any] = {**RUNNING, "id": "ftjob-paused", "status": "paused"}

# Top-level hyperparameters are only returned for supervised jobs, so a DPO job has them under method.dpo.
DPO: dict[str, Any] = {
    "object": "fine_tuning.job",
    "id": "ftjob-dpo",
    "model": "gpt-4o-mini-2024-07-18",
    "created_at": 1721764800,
    "status": "queued",
    "result_files": [],
    "training_file": "file-dpo",
    "method": {
        "type": "dpo",
        "dpo": {
            "hyperparameters": {
                "beta": 0.1,
                "batch_size": "auto",
                "n_epochs": 2,
                "learning_rate_multiplier": "auto",
            }
        },
    },
}


def test_succeeded_job_from_the_spec_example() -> None:
    job = parse_job(SUCCEEDED)

    assert job == RunSummary(
        ref=RunRef("openai", "ftjob-abc123"),
        status=RunStatus.SUCCEEDED,
        provider_status="succeeded",
        base_model="davinci-002",
        fine_tuned_model="ft:davinci-002:my-org:custom_suffix:7q8mpxmy",
        suffix="custom_suffix",  # read from the model name: the spec example has no user_provided_suffix
        method="supervised",
        hyperparameters=Hyperparameters(n_epochs=4, batch_size=1, learning_rate_multiplier=1.0),
        trained_tokens=5768,
        created_at=pd.Timestamp("2023-08-21 23:36:54", tz="UTC"),
        finished_at=pd.Timestamp("2023-08-21 23:39:50", tz="UTC"),
        estimated_finish=None,  # the example's 0 means "no estimate", not 1970
        error_message=None,
        error_code=None,
        training_file="file-abc123",
        validation_file=None,
    )
    assert result_file_ids(SUCCEEDED) == ("file-abc123",)
    assert job.is_terminal


def test_running_job_keeps_nulls_and_auto() -> None:
    job = parse_job(RUNNING)

    assert job.status == "running"
    assert not job.is_terminal
    assert job.fine_tuned_model is None
    assert job.finished_at is None
    assert job.trained_tokens is None
    assert job.estimated_finish == pd.Timestamp(1721768400, unit="s", tz="UTC")
    assert result_file_ids(RUNNING) == ()
    assert job.validation_file == "file-valid"
    # The method's own value wins; keys the method lacks come from the top-level copy.
    assert job.hyperparameters.n_epochs == 3
    assert job.hyperparameters.batch_size == AUTO
    assert job.hyperparameters.learning_rate_multiplier == AUTO


def test_failed_job_carries_the_error_object() -> None:
    job = parse_job(FAILED)

    assert job.is_terminal
    assert job.error_code == "invalid_training_file"
    assert job.error_message == "The training file does not have enough examples."
    assert job.finished_at == pd.Timestamp(1721764900, unit="s", tz="UTC")
    assert job.estimated_finish is None


def test_paused_is_a_status_of_its_own_and_not_terminal() -> None:
    job = parse_job(PAUSED)

    assert job.status is RunStatus.PAUSED
    assert not job.is_terminal


def test_an_unknown_status_is_kept_as_sent_and_not_terminal() -> None:
    job = parse_job({"id": "ftjob-1", "status": "paused_by_gremlins"})

    assert job.status is RunStatus.UNKNOWN
    assert job.status_text == "paused_by_gremlins"
    assert not job.is_terminal


@pytest.mark.parametrize(
    ("obj", "suffix"),
    [
        ({"id": "ftjob-1", "user_provided_suffix": "pricer"}, "pricer"),  # OpenAI's field
        ({"id": "ftjob-1", "suffix": "azure-suffix"}, "azure-suffix"),  # Azure's field
        ({"id": "ftjob-1", "fine_tuned_model": "ft:gpt-4o-mini:org:my-suffix:abc123"}, "my-suffix"),
        ({"id": "ftjob-1", "fine_tuned_model": "ft:gpt-4o-mini:openai::7p4lURel"}, None),  # no suffix given
        (
            {"id": "ftjob-1", "fine_tuned_model": "gpt-4.1-2025-04-14.ft-0123456789abcdef"},
            None,
        ),  # Azure's name
    ],
)
def test_the_suffix_comes_from_the_job_or_its_model_name(obj: dict[str, Any], suffix: str | None) -> None:
    assert parse_job(obj).suffix == suffix


def test_the_run_is_addressed_by_the_id_it_was_asked_for() -> None:
    # A proxy may echo a different id; the page keeps the id it asked for (and checked).
    job = parse_job({"id": "../../other", "status": "running"}, source="azure", run_id="ftjob-asked")
    assert job.ref == RunRef("azure", "ftjob-asked")
    with pytest.raises(ValueError, match="not a plain id"):
        parse_job({"id": "../../other"})


@pytest.mark.parametrize("status", ["succeeded", "failed", "cancelled"])
def test_terminal_statuses(status: str) -> None:
    assert parse_job({"id": "ftjob-1", "status": status}).is_terminal


def test_dpo_hyperparameters_come_from_the_method() -> None:
    job = parse_job(DPO)

    assert job.method == "dpo"
    assert job.hyperparameters.n_epochs == 2
    assert job.hyperparameters.batch_size == AUTO
    assert job.hyperparameters.learning_rate_multiplier == AUTO
    assert job.created_at == pd.Timestamp(1721764800, unit="s", tz="UTC")


def test_numeric_strings_become_numbers() -> None:
    job = parse_job(
        {
            "id": "ftjob-1",
            "hyperparameters": {"n_epochs": "3", "batch_size": "8.0", "learning_rate_multiplier": "0.5"},
            "trained_tokens": "1200",
            "created_at": "1721764800",
        }
    )

    assert (
        job.hyperparameters.n_epochs,
        job.hyperparameters.batch_size,
        job.hyperparameters.learning_rate_multiplier,
    ) == (3, 8, 0.5)
    assert isinstance(job.hyperparameters.n_epochs, int)
    assert job.trained_tokens == 1200
    assert job.created_at == pd.Timestamp(1721764800, unit="s", tz="UTC")


def test_wrong_types_become_none() -> None:
    job = parse_job(
        {
            "id": "ftjob-1",
            "status": 3,
            "model": ["gpt"],
            "fine_tuned_model": 7,
            "method": "supervised",
            "hyperparameters": {"n_epochs": True, "batch_size": 2.5, "learning_rate_multiplier": "fast"},
            "trained_tokens": "many",
            "created_at": True,
            "finished_at": 1e30,
            "estimated_finish": -5,
            "error": "boom",
            "result_files": ["file-1", None, 3, "file-2"],
            "training_file": {"id": "file-1"},
        }
    )

    assert job.status == "unknown"
    assert job.base_model is None
    assert job.fine_tuned_model is None
    assert job.method is None
    assert (
        job.hyperparameters.n_epochs,
        job.hyperparameters.batch_size,
        job.hyperparameters.learning_rate_multiplier,
    ) == (None, None, None)
    assert job.trained_tokens is None
    assert (job.created_at, job.finished_at, job.estimated_finish) == (None, None, None)
    assert (job.error_message, job.error_code) == (None, None)
    assert result_file_ids({"result_files": ["file-1", None, 3, "file-2"]}) == ("file-1", "file-2")
    assert job.training_file is None


def test_minimal_job_has_only_an_id() -> None:
    job = parse_job({"id": "ftjob-1"})

    assert job.run_id == "ftjob-1"
    assert job.status == "unknown"
    assert result_file_ids({"id": "ftjob-1"}) == ()
    assert job.method is None
    assert job.hyperparameters.n_epochs is None


def test_result_files_as_a_string_are_ignored() -> None:
    assert result_file_ids({"id": "ftjob-1", "result_files": "file-1"}) == ()


@pytest.mark.parametrize("obj", [None, [], "ftjob-1", {}, {"id": None}, {"id": 12}, {"id": ""}])
def test_a_job_without_a_string_id_is_rejected(obj: Any) -> None:
    with pytest.raises(ValueError, match="fine-tuning job"):
        parse_job(obj)


def test_hyperparameters_and_counts_outside_their_bounds_are_ignored_with_notes() -> None:
    notes: list[Note] = []
    job = parse_job(
        {
            "id": "ftjob-1",
            "hyperparameters": {"n_epochs": 10_000_000, "batch_size": 0, "learning_rate_multiplier": -2},
            "trained_tokens": 10**16,
        },
        notes=notes,
    )

    assert (
        job.hyperparameters.n_epochs,
        job.hyperparameters.batch_size,
        job.hyperparameters.learning_rate_multiplier,
        job.trained_tokens,
    ) == (None,) * 4
    assert [note.text for note in notes] == [
        "Ignored the job's n_epochs: 10,000,000 is not a whole number from 1 to 10,000.",
        "Ignored the job's batch_size: 0 is not a whole number from 1 to 1,000,000.",
        "Ignored the job's learning_rate_multiplier: -2 is not above zero.",
        "Ignored the job's trained_tokens: 10,000,000,000,000,000 is not a whole number from 0 to "
        "1,000,000,000,000,000.",
    ]


def test_the_largest_plausible_values_are_kept() -> None:
    notes: list[Note] = []
    job = parse_job(
        {
            "id": "ftjob-1",
            "hyperparameters": {
                "n_epochs": 10_000,
                "batch_size": 1_000_000,
                "learning_rate_multiplier": 1e-9,
            },
            "trained_tokens": 10**15,
        },
        notes=notes,
    )

    assert (job.hyperparameters.n_epochs, job.hyperparameters.batch_size, job.trained_tokens) == (
        10_000,
        1_000_000,
        10**15,
    )
    assert notes == []


def test_times_outside_the_window_are_unknown_and_milliseconds_are_read() -> None:
    notes: list[Note] = []
    job = parse_job(
        {
            "id": "ftjob-1",
            "created_at": 1721764800_000,  # milliseconds
            "finished_at": 10**14,
            "estimated_finish": 0,  # the spec's "no estimate": unknown, without a note
        },
        notes=notes,
    )

    assert job.created_at == pd.Timestamp("2024-07-23 20:00:00", tz="UTC")
    assert job.finished_at is None and job.estimated_finish is None
    assert len(notes) == 1 and notes[0].text.startswith(
        "Ignored the job's finished_at: not a date from 2015 to 20"
    )


def test_a_count_too_large_to_print_is_ignored_without_its_digits() -> None:
    notes: list[Note] = []
    assert parse_job({"id": "ftjob-1", "trained_tokens": 10**400}, notes=notes).trained_tokens is None
    assert [note.text for note in notes] == [
        "Ignored the job's trained_tokens: not a whole number from 0 to 1,000,000,000,000,000."
    ]


def test_lone_surrogates_in_job_text_become_question_marks() -> None:
    job = parse_job(
        {"id": "ftjob-1", "status": "succeeded", "model": "gpt-\ud800", "fine_tuned_model": "\udfff"}
    )
    assert (job.base_model, job.fine_tuned_model) == ("gpt-?", "?")
