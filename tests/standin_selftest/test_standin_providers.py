"""Proves the stand-in's jobs list, Azure paths and auth, and Together endpoints follow shared/api.md and
shared/providers.md, so the source tests that run against it mean something."""

from __future__ import annotations

import httpx
import pytest

from devtools.standin import (
    DEFAULT_API_KEY,
    Fault,
    StandInServer,
    azure_job_id,
    make_azure_run,
    make_checkpoints_only,
    make_together_run,
    together_job_id,
)

BEARER = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}


@pytest.fixture
def server():
    with StandInServer() as standin:
        yield standin


def test_the_openai_jobs_list_is_newest_first_in_cursor_pages(server: StandInServer) -> None:
    for n in range(25):
        server.add_run(make_checkpoints_only(f"ftjob-{n:02d}", 1, start=1_732_000_000 + n))
    with httpx.Client(base_url=server.base_url, headers=BEARER) as http:
        first = http.get("/fine_tuning/jobs").json()
        second = http.get("/fine_tuning/jobs", params={"limit": 20, "after": first["data"][-1]["id"]}).json()
        assert http.get("/fine_tuning/jobs", params={"limit": 101}).status_code == 400
    assert [job["id"] for job in first["data"]] == [f"ftjob-{n:02d}" for n in range(24, 4, -1)]  # default 20
    assert first["has_more"] is True and first["object"] == "list"
    assert [job["id"] for job in second["data"]] == [f"ftjob-{n:02d}" for n in range(4, -1, -1)]
    assert second["has_more"] is False


def test_jobs_list_faults_apply_to_the_list(server: StandInServer) -> None:
    server.add_run(make_checkpoints_only("ftjob-a", 1))
    server.add_list_faults([Fault("jobs", "status", status=503)])
    with httpx.Client(base_url=server.base_url, headers=BEARER) as http:
        assert http.get("/fine_tuning/jobs").status_code == 503
        assert http.get("/fine_tuning/jobs").status_code == 200
    assert server.count("jobs") == 2


def test_azure_serves_v1_and_dated_paths_with_the_api_key_header(server: StandInServer) -> None:
    job_id = azure_job_id("a")
    server.add_run(make_azure_run(job_id), provider="azure")
    key = {"api-key": DEFAULT_API_KEY}
    with httpx.Client(base_url=server.azure_endpoint, headers=key) as http:
        v1 = http.get(f"/openai/v1/fine_tuning/jobs/{job_id}")
        dated = http.get(f"/openai/fine_tuning/jobs/{job_id}", params={"api-version": "2024-10-21"})
        undated = http.get(f"/openai/fine_tuning/jobs/{job_id}")
        listed = http.get("/openai/v1/fine_tuning/jobs").json()
        checkpoints = http.get(f"/openai/v1/fine_tuning/jobs/{job_id}/checkpoints").json()["data"]
    assert v1.status_code == dated.status_code == 200 and v1.json() == dated.json()
    assert undated.status_code == 404  # the dated paths need api-version
    assert [job["id"] for job in listed["data"]] == [job_id]
    assert all(item["id"].startswith("ftchkpt-") for item in checkpoints)
    assert checkpoints[0]["fine_tuned_model_checkpoint"].endswith(
        f":ckpt-step-{checkpoints[0]['step_number']}"
    )
    # An Azure job is not an OpenAI job.
    assert httpx.get(f"{server.base_url}/fine_tuning/jobs/{job_id}", headers=BEARER).status_code == 404


def test_azure_accepts_an_entra_token_it_issued_and_refuses_a_key_as_a_bearer_token_or_both(
    server: StandInServer,
) -> None:
    job_id = azure_job_id("b")
    server.add_run(make_azure_run(job_id), provider="azure")
    url = f"{server.azure_endpoint}/openai/v1/fine_tuning/jobs/{job_id}"
    token = server.issue_entra_token()
    assert httpx.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    refused = httpx.get(url, headers=BEARER)  # an API key sent as a bearer token
    assert refused.status_code == 401 and refused.headers["x-ms-error-code"] == "401"
    both = httpx.get(url, headers={"api-key": DEFAULT_API_KEY, "Authorization": f"Bearer {token}"})
    assert both.status_code == 401 and "not both" in both.json()["error"]["message"]
    assert httpx.get(url, headers={"api-key": "wrong"}).status_code == 401
    assert httpx.get(url).status_code == 401


def test_together_serves_jobs_checkpoints_and_metrics(server: StandInServer) -> None:
    older, newer = together_job_id("old"), together_job_id("new")
    server.add_run(make_together_run(older, start=1_732_000_000))
    server.add_run(make_together_run(newer, start=1_733_000_000))
    with httpx.Client(base_url=server.together_base_url, headers=BEARER) as http:
        listed = http.get("/fine-tunes").json()
        job = http.get(f"/fine-tunes/{newer}").json()
        checkpoints = http.get(f"/fine-tunes/{newer}/checkpoints").json()["data"]
        metrics = http.get(f"/fine-tunes/{newer}/metrics").json()["metrics"]
        assert http.get("/fine-tunes/ft-missing").status_code == 404
        assert http.get("/fine-tunes", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert [item["id"] for item in listed["data"]] == [older, newer]  # as added: the order is not documented
    assert "has_more" not in listed
    assert job["status"] == "completed" and job["total_steps"] == 120 and job["created_at"].endswith("Z")
    assert [item["checkpoint_type"] for item in checkpoints] == [
        "Final Adapter",
        "Final Merged",
        "Intermediate",
        "Intermediate",
    ]
    assert all("id" not in item for item in checkpoints)
    train = [record for record in metrics if "train/loss" in record]
    evals = [record for record in metrics if "eval/loss" in record]
    assert len(train) == 120 and [record["train/global_step"] for record in evals] == [40, 80, 120]
    assert all(isinstance(record["timestamp"], int) and record["timestamp"] > 10**18 for record in metrics)
    assert not any("accuracy" in key for record in metrics for key in record)


def test_together_can_page_when_asked_to(server: StandInServer) -> None:
    with StandInServer(together_page_size=2) as paged:
        ids = [together_job_id(str(n)) for n in range(3)]
        for job_id in ids:
            paged.add_run(make_together_run(job_id, n_steps=6, n_epochs=3))
        with httpx.Client(base_url=paged.together_base_url, headers=BEARER) as http:
            first = http.get("/fine-tunes").json()
            second = http.get("/fine-tunes", params={"after": first["data"][-1]["id"]}).json()
            metrics = http.get(f"/fine-tunes/{ids[0]}/metrics").json()
            rest = http.get(f"/fine-tunes/{ids[0]}/metrics", params={"global_step_from": 3}).json()
    assert [job["id"] for job in first["data"]] == ids[:2] and first["has_more"] is True
    assert [job["id"] for job in second["data"]] == ids[2:] and second["has_more"] is False
    assert {record["train/global_step"] for record in metrics["metrics"]} == {1, 2} and metrics["has_more"]
    assert min(record["train/global_step"] for record in rest["metrics"]) == 3
