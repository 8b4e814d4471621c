"""The OpenAI-shaped sources from raw responses (httpx.MockTransport, no network): OpenAI's jobs list as the
spec shows it, an Azure job with Azure's ids, model names and result-file columns, and hostile list pages."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import httpx
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components.api import ApiConfig, ApiKeyAuth, FineTuningClient, Limits, make_http_client
from components.domain import HistorySource, RunRef, RunStatus
from components.errors import DashboardError
from components.sources import OpenAISource, open_source, upload_config
from components.sources.azure import azure_source
from devtools.configs import openai_config

# The spec's list-jobs example shape (one supervised job), newest first.
JOBS_PAGE = {
    "object": "list",
    "data": [
        {
            "object": "fine_tuning.job",
            "id": "ftjob-abc123",
            "model": "gpt-4o-mini-2024-07-18",
            "created_at": 1721764800,
            "finished_at": None,
            "fine_tuned_model": None,
            "organization_id": "org-123",
            "result_files": [],
            "status": "queued",
            "validation_file": None,
            "training_file": "file-abc123",
            "user_provided_suffix": "pricer",
            "metadata": {"key": "value"},
        },
        {"object": "fine_tuning.job", "id": "ftjob-older", "status": "succeeded", "created_at": 1721000000},
    ],
    "has_more": True,
}
AZURE_JOB = "ftjob-0123456789abcdef0123456789abcdef"
AZURE_RESPONSES: dict[str, Any] = {
    f"/openai/v1/fine_tuning/jobs/{AZURE_JOB}": {
        "id": AZURE_JOB,
        "status": "succeeded",
        "model": "gpt-4.1-2025-04-14",
        "fine_tuned_model": "gpt-4.1-2025-04-14.ft-0123456789abcdef0123456789abcdef",
        "suffix": "contoso",
        "created_at": 1745000000,
        "finished_at": 1745003600,
        "result_files": ["file-results"],
        "hyperparameters": {"n_epochs": 3, "batch_size": 2, "learning_rate_multiplier": 1.0},
    },
    f"/openai/v1/fine_tuning/jobs/{AZURE_JOB}/checkpoints": {
        "object": "list",
        "data": [
            {
                "id": f"ftchkpt-{n:032x}",
                "created_at": 1745000000 + step,
                "fine_tuned_model_checkpoint": f"gpt-4.1-2025-04-14.ft-{AZURE_JOB[6:]}:ckpt-step-{step}",
                "fine_tuning_job_id": AZURE_JOB,
                "step_number": step,
                "metrics": {"full_valid_loss": loss},
                "object": "fine_tuning.job.checkpoint",
            }
            for n, (step, loss) in enumerate(((30, 0.61), (20, 0.55), (10, 0.72)))
        ],
        "has_more": False,
    },
}
AZURE_CSV = (
    "step,train_loss,train_mean_token_accuracy,valid_loss,validation_mean_token_accuracy,full_valid_loss,"
    "full_valid_mean_token_accuracy\n"
    + "".join(f"{step},{1 / step:.4f},0.8,,,,\n" for step in range(1, 31) if step % 10)
    + "10,0.1,0.8,0.7,0.75,0.72,0.74\n20,0.05,0.85,0.6,0.78,0.55,0.79\n30,0.03,0.9,0.65,0.77,0.61,0.78\n"
)


def client_for(handler: Any, config: ApiConfig) -> FineTuningClient:
    http = make_http_client(
        config.base_url, read_timeout=5, max_retries=0, transport=httpx.MockTransport(handler)
    )
    return FineTuningClient(http, config)


def test_openai_job_rows_come_from_one_page_with_the_next_cursor() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=JOBS_PAGE)

    page = OpenAISource(client_for(handler, openai_config("sk-x"))).list_runs("ftjob-newer")
    assert [str(row.ref) for row in page.runs] == ["openai:ftjob-abc123", "openai:ftjob-older"]
    first = page.runs[0]
    assert (first.status, first.suffix, first.base_model) == (
        RunStatus.QUEUED,
        "pricer",
        "gpt-4o-mini-2024-07-18",
    )
    assert first.created_at == pd.Timestamp(1721764800, unit="s", tz="UTC")
    assert page.next_cursor == "ftjob-older"
    [request] = seen
    assert request.url.path == "/v1/fine_tuning/jobs"
    assert dict(request.url.params) == {"limit": "100", "after": "ftjob-newer"}


def test_an_azure_job_becomes_run_data_with_azure_names_and_columns() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/content"):
            return httpx.Response(200, content=AZURE_CSV.encode())
        return httpx.Response(200, json=AZURE_RESPONSES[request.url.path])

    config = ApiConfig(
        base_url="https://contoso.openai.azure.com/openai/v1",
        auth=ApiKeyAuth("k"),
        limits=Limits(max_retries=0),
    )
    run = azure_source(client_for(handler, config)).load_run(AZURE_JOB)

    assert run.summary.ref == RunRef("azure", AZURE_JOB) and run.summary.suffix == "contoso"
    assert run.provenance.label == "Azure OpenAI"
    assert run.history_source is HistorySource.RESULT_FILE and run.history["step"].tolist() == list(
        range(1, 31)
    )
    history = run.history.set_index("step")
    assert history.loc[20, "valid_mean_token_accuracy"] == 0.78  # validation_mean_token_accuracy
    assert history.loc[20, "full_valid_loss"] == 0.55
    assert run.checkpoints["checkpoint_id"].tolist() == [f"ftchkpt-{n:032x}" for n in (2, 1, 0)]
    assert run.checkpoints["model"].tolist()[0].endswith(":ckpt-step-10")
    assert run.notes == () and not run.is_partial


def test_uploads_open_through_the_registry_like_any_source() -> None:
    source = open_source(upload_config(Limits()), uploads=[])
    assert source.info.name == "upload" and source.list_runs().runs == ()


job_values = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=10)
    | st.lists(st.integers(), max_size=2)
)
jobs = st.fixed_dictionaries(
    {},
    optional={
        key: job_values
        for key in (
            "id",
            "status",
            "model",
            "fine_tuned_model",
            "created_at",
            "finished_at",
            "trained_tokens",
            "suffix",
            "method",
            "hyperparameters",
        )
    },
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=st.fixed_dictionaries(
        {"data": st.lists(jobs | job_values, max_size=5)}, optional={"has_more": job_values}
    )
    | job_values
)
def test_any_jobs_page_is_rows_or_our_error(body: Any) -> None:
    content = json.dumps(body, allow_nan=True).encode()
    source = OpenAISource(
        client_for(lambda request: httpx.Response(200, content=content), openai_config("sk-x"))
    )
    with contextlib.suppress(DashboardError):
        page = source.list_runs()
        assert all(row.ref.source == "openai" for row in page.runs)
        assert page.next_cursor is None or page.next_cursor in {item.get("id") for item in body["data"]}
