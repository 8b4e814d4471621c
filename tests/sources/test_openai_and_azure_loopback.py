"""The OpenAI and Azure OpenAI sources over real HTTP against the stand-in: paths, headers, the jobs list in
pages of 100 (ceil(N/100) requests for N jobs), opening a run at its old cost, and typed errors."""

from __future__ import annotations

import math

import pytest

from components.api import AuthenticationError, CredentialError, PaginationError
from components.domain import RunRef, RunStatus
from devtools.standin import (
    DEFAULT_API_KEY,
    Fault,
    StandInServer,
    azure_job_id,
    make_azure_run,
    make_checkpoints_only,
    make_run,
)
from tests.sources.conftest import OpenSource

START = 1_732_000_000


def openai_env(standin: StandInServer) -> dict[str, str]:
    return {"OPENAI_API_KEY": DEFAULT_API_KEY, "OPENAI_BASE_URL": standin.base_url}


def azure_env(standin: StandInServer, **extra: str) -> dict[str, str]:
    return {"AZURE_OPENAI_ENDPOINT": standin.azure_endpoint, "AZURE_OPENAI_API_KEY": DEFAULT_API_KEY, **extra}


def add_jobs(standin: StandInServer, count: int, *, provider: str = "openai") -> list[str]:
    """``count`` small jobs created one second apart; their ids, newest first."""
    ids = [azure_job_id(f"job-{n}") if provider == "azure" else f"ftjob-{n:04d}" for n in range(count)]
    for n, job_id in enumerate(ids):
        standin.add_run(make_checkpoints_only(job_id, 1, start=START + n), job_id=job_id, provider=provider)
    return ids[::-1]


def list_all(source) -> tuple[list[str], int]:
    """Every run id, following the cursor, and the number of pages."""
    ids, cursor, pages = [], None, 0
    while True:
        page = source.list_runs(cursor)
        pages += 1
        ids += [run.run_id for run in page.runs]
        if page.next_cursor is None:
            return ids, pages
        cursor = page.next_cursor


@pytest.mark.parametrize("count", [0, 1, 100, 101, 250])
def test_listing_n_openai_jobs_costs_ceil_n_over_100_requests(
    standin: StandInServer, open_configured: OpenSource, count: int
) -> None:
    newest_first = add_jobs(standin, count)
    source = open_configured(openai_env(standin), "openai")
    ids, pages = list_all(source)
    assert ids == newest_first
    assert standin.count("jobs") == pages == max(1, math.ceil(count / 100))
    queries = [request.query for request in standin.requests]
    assert all(query["limit"] == "100" for query in queries)
    assert [query.get("after") for query in queries] == [None, *newest_first[99 : count - 1 : 100]][:pages]
    assert standin.count("job") == standin.count("checkpoints") == 0  # listing opens nothing


def test_a_listed_job_has_what_a_row_shows(standin: StandInServer, open_configured: OpenSource) -> None:
    run = make_run("ftjob-listed")
    standin.add_run(run)
    [row] = open_configured(openai_env(standin), "openai").list_runs().runs
    assert row.ref == RunRef("openai", "ftjob-listed")
    assert row.status is RunStatus.SUCCEEDED
    assert (row.base_model, row.fine_tuned_model, row.suffix) == (
        run.job["model"],
        run.job["fine_tuned_model"],
        "demo",
    )
    assert row.trained_tokens == run.job["trained_tokens"]
    assert row.created_at is not None and row.finished_at is not None
    assert row.method == "supervised" and row.hyperparameters.n_epochs == 4


def test_opening_an_openai_run_costs_what_it_did_before(
    standin: StandInServer, open_configured: OpenSource
) -> None:
    standin.add_run(make_run("ftjob-done"))
    source = open_configured(openai_env(standin), "openai")
    run = source.load_run("ftjob-done")
    assert [standin.count(endpoint) for endpoint in ("jobs", "job", "checkpoints", "file", "events")] == [
        0,
        1,
        1,
        1,
        0,
    ]
    assert run.summary.ref == RunRef("openai", "ftjob-done")
    assert (run.provenance.source, run.provenance.label, run.provenance.endpoint) == (
        "openai",
        "OpenAI",
        standin.base_url,
    )
    assert run.history_source == "result file" and len(run.history) == 480 and len(run.checkpoints) == 3


def test_a_server_that_ignores_the_jobs_cursor_is_stopped(
    standin: StandInServer, open_configured: OpenSource
) -> None:
    add_jobs(standin, 150)
    standin.add_list_faults([Fault("jobs", "repeat_cursor", times=None)])
    source = open_configured(openai_env(standin), "openai")
    first = source.list_runs()
    with pytest.raises(PaginationError, match="from the start again"):
        source.list_runs(first.next_cursor)


def test_a_job_with_an_unsafe_id_is_left_out_of_the_list_with_a_note(
    standin: StandInServer, open_configured: OpenSource
) -> None:
    add_jobs(standin, 2)
    standin.add_run(make_checkpoints_only("bad", 1, start=START + 10), job_id="../../etc")
    page = open_configured(openai_env(standin), "openai").list_runs()
    assert [run.run_id for run in page.runs] == ["ftjob-0001", "ftjob-0000"]
    assert page.notes == ("Left out 1 job of this page whose id or fields cannot be read.",)


# --- Azure ----------------------------------------------------------------------------------------------


def test_azure_v1_uses_the_api_key_header_only_and_the_v1_paths(
    standin: StandInServer, open_configured: OpenSource
) -> None:
    job_id = azure_job_id("run")
    standin.add_run(make_azure_run(job_id), provider="azure")
    source = open_configured(azure_env(standin), "azure")
    assert (
        source.info.label == "Azure OpenAI" and source.info.endpoint == f"{standin.azure_endpoint}/openai/v1"
    )
    [row] = source.list_runs().runs
    run = source.load_run(row.run_id)

    paths = [request.path for request in standin.requests]
    file_id = make_azure_run(job_id).job["result_files"][0]
    assert paths == [
        "/openai/v1/fine_tuning/jobs",
        f"/openai/v1/fine_tuning/jobs/{job_id}",
        f"/openai/v1/fine_tuning/jobs/{job_id}/checkpoints",
        f"/openai/v1/files/{file_id}/content",
    ]
    for request in standin.requests:
        assert request.headers["api-key"] == DEFAULT_API_KEY
        assert "authorization" not in request.headers
        assert "api-version" not in request.query
    assert run.summary.ref == RunRef("azure", job_id) and run.summary.suffix == "azure-demo"
    assert run.summary.fine_tuned_model.startswith("gpt-4.1-mini-2025-04-14.ft-")
    assert run.checkpoints["checkpoint_id"].str.startswith("ftchkpt-").all()
    for model, step in zip(run.checkpoints["model"], run.checkpoints["step"], strict=True):
        assert model.endswith(f":ckpt-step-{step}")
    # Azure's result file names its validation accuracy validation_mean_token_accuracy: read all the same.
    assert run.history["valid_mean_token_accuracy"].notna().sum() > 0 and run.notes == ()


def test_azure_dated_paths_carry_api_version_on_every_request(
    standin: StandInServer, open_configured: OpenSource
) -> None:
    job_id = azure_job_id("dated")
    standin.add_run(make_azure_run(job_id), provider="azure")
    source = open_configured(azure_env(standin, OPENAI_API_VERSION="2024-10-21"), "azure")
    source.list_runs()
    source.load_run(job_id)
    assert len(standin.requests) == 4
    for request in standin.requests:
        assert request.path.startswith("/openai/") and not request.path.startswith("/openai/v1/")
        assert request.query["api-version"] == "2024-10-21"


def test_azure_lists_n_jobs_in_ceil_n_over_100_requests(
    standin: StandInServer, open_configured: OpenSource
) -> None:
    newest_first = add_jobs(standin, 150, provider="azure")
    ids, pages = list_all(open_configured(azure_env(standin), "azure"))
    assert ids == newest_first and pages == standin.count("jobs", provider="azure") == 2


def test_azure_without_a_key_signs_in_with_entra_id(
    standin: StandInServer, open_configured: OpenSource
) -> None:
    job_id = azure_job_id("entra")
    standin.add_run(make_azure_run(job_id), provider="azure")
    token = standin.issue_entra_token()
    asked: list[str] = []

    def provider() -> str:
        asked.append("token")
        return token

    env = {"AZURE_OPENAI_ENDPOINT": standin.azure_endpoint}
    run = open_configured(env, "azure", token_provider=provider).load_run(job_id)
    assert len(run.checkpoints) == 3
    assert len(asked) == len(standin.requests) == 3  # a token per request: the provider caches and refreshes
    for request in standin.requests:
        assert request.headers["authorization"] == f"Bearer {token}"
        assert "api-key" not in request.headers


def test_a_failing_entra_sign_in_is_a_clear_message(
    standin: StandInServer, open_configured: OpenSource
) -> None:
    def provider() -> str:
        raise RuntimeError(
            "DefaultAzureCredential failed to retrieve a token from the included credentials.\nAttempted…"
        )

    source = open_configured(
        {"AZURE_OPENAI_ENDPOINT": standin.azure_endpoint}, "azure", token_provider=provider
    )
    with pytest.raises(CredentialError, match="Could not get a Microsoft Entra ID token") as info:
        source.load_run(azure_job_id("x"))
    assert "Attempted" not in str(info.value)
    assert standin.requests == []


def test_a_wrong_azure_key_is_an_authentication_error_that_never_shows_the_key(
    standin: StandInServer, open_configured: OpenSource
) -> None:
    wrong = "0123456789abcdef0123456789abcdef"
    source = open_configured(
        {"AZURE_OPENAI_ENDPOINT": standin.azure_endpoint, "AZURE_OPENAI_API_KEY": wrong}, "azure"
    )
    with pytest.raises(AuthenticationError) as info:
        source.list_runs()
    assert info.value.status == 401 and wrong not in str(info.value)
    assert standin.count("jobs") == 1  # 401 is never retried


def test_faults_work_for_azure(standin: StandInServer, open_configured: OpenSource) -> None:
    job_id = azure_job_id("flaky")
    standin.add_run(
        make_azure_run(job_id),
        [Fault("checkpoints", "status", status=503, headers={"retry-after-ms": "1"})],
        provider="azure",
    )
    run = open_configured(azure_env(standin), "azure").load_run(job_id)
    assert len(run.checkpoints) == 3 and standin.count("checkpoints") == 2
