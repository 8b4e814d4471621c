"""The stand-in plays the fine-tuning platform closing as shared/api.md and providers.md describe it: a
jobs list of hundreds of runs paged by ``after``, job creation refused with 403 ``training_not_available``
from the day training closes, and models that answer 404 ``model_not_found`` from the day they retire."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from devtools.standin import (
    DEFAULT_API_KEY,
    FLEET_BASES,
    TRAINING_NOT_AVAILABLE,
    TRAINING_NOT_AVAILABLE_MESSAGE,
    Fault,
    StandInServer,
    azure_job_id,
    built_on,
    make_azure_run,
    make_fleet,
    make_together_run,
    together_job_id,
)

AUTH = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}
QUESTION = [{"role": "user", "content": "What is 12 plus 30?"}]
CLOSES = date(2027, 1, 6)
RETIRES = date(2027, 1, 14)


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(headers=AUTH, timeout=5) as client:
        yield client


def _all_jobs(http: httpx.Client, url: str, limit: int) -> tuple[list[dict], int]:
    """Every job by the SDK's rule (``after`` = the last id), and the number of pages it took."""
    jobs, after, pages = [], None, 0
    while True:
        page = http.get(url, params={"limit": limit, **({"after": after} if after else {})}).json()
        jobs, pages = jobs + page["data"], pages + 1
        if not page["has_more"]:
            return jobs, pages
        after = page["data"][-1]["id"]


def test_a_fleet_of_300_jobs_lists_newest_first_in_pages_of_100(
    standin: StandInServer, http: httpx.Client
) -> None:
    fleet = make_fleet(300)
    for run in fleet:
        standin.add_run(run)
    jobs, pages = _all_jobs(http, f"{standin.base_url}/fine_tuning/jobs", 100)
    assert pages == 3 and len(jobs) == 300
    assert [job["id"] for job in jobs] == [run.job["id"] for run in reversed(fleet)]
    assert {job["model"] for job in jobs} == set(FLEET_BASES)
    assert http.get(f"{standin.base_url}/fine_tuning/jobs").json()["data"][-1]["id"] == jobs[19]["id"]
    files = {file_id for run in fleet for file_id in run.files}
    assert len(files) == 300  # one result file each, no two runs sharing an id
    run = fleet[123]
    [result] = run.job["result_files"]
    body = http.get(f"{standin.base_url}/files/{result}/content").content
    assert body == run.files[result]


def test_job_creation_is_refused_with_training_not_available_from_the_day_training_closes(
    standin: StandInServer, http: httpx.Client
) -> None:
    standin.close_training(CLOSES)
    url = f"{standin.base_url}/fine_tuning/jobs"
    standin.set_today(date(2027, 1, 5))
    created = http.post(url, json={"model": "gpt-4o-mini-2024-07-18", "training_file": "file-abc"})
    assert created.status_code == 200
    job = created.json()
    assert job["status"] == "validating_files" and job["training_file"] == "file-abc"
    assert http.get(f"{url}/{job['id']}").json()["model"] == "gpt-4o-mini-2024-07-18"
    assert [listed["id"] for listed in http.get(url).json()["data"]] == [job["id"]]
    standin.set_today(CLOSES)
    refused = http.post(url, json={"model": "gpt-4o-mini-2024-07-18", "training_file": "file-abc"})
    assert refused.status_code == 403
    assert refused.json()["error"] == {
        "message": TRAINING_NOT_AVAILABLE_MESSAGE,
        "type": "invalid_request_error",
        "param": None,
        "code": TRAINING_NOT_AVAILABLE,
    }
    assert http.get(url).status_code == 200  # reads go on (the real API's behaviour is UNCONFIRMED)
    assert http.post(url, json={"model": "gpt-4o-mini"}).json()["error"]["param"] == "training_file"


def test_training_closes_per_provider_and_together_creates_nothing(
    standin: StandInServer, http: httpx.Client
) -> None:
    standin.set_today(CLOSES)
    standin.close_training(CLOSES, provider="azure")
    body = {"model": "gpt-4.1-mini-2025-04-14", "training_file": "file-abc"}
    azure = httpx.post(
        f"{standin.azure_endpoint}/openai/v1/fine_tuning/jobs",
        headers={"api-key": DEFAULT_API_KEY},
        json=body,
    )
    assert azure.status_code == 403 and azure.json()["error"]["code"] == TRAINING_NOT_AVAILABLE
    assert http.post(f"{standin.base_url}/fine_tuning/jobs", json=body).status_code == 200  # OpenAI is open
    together = http.post(f"{standin.together_base_url}/fine-tunes", json=body)
    assert together.status_code == 405 and together.headers["allow"] == "GET"
    assert http.delete(f"{standin.base_url}/fine_tuning/jobs").headers["allow"] == "GET, POST"


def test_a_read_can_be_scripted_to_answer_training_not_available(
    standin: StandInServer, http: httpx.Client
) -> None:
    standin.add_list_faults(
        [
            Fault(
                "jobs",
                "status",
                status=403,
                code=TRAINING_NOT_AVAILABLE,
                message=TRAINING_NOT_AVAILABLE_MESSAGE,
            )
        ]
    )
    answer = http.get(f"{standin.base_url}/fine_tuning/jobs")
    assert answer.status_code == 403 and answer.json()["error"]["code"] == TRAINING_NOT_AVAILABLE
    assert http.get(f"{standin.base_url}/fine_tuning/jobs").status_code == 200  # once, as scripted


def _ask(http: httpx.Client, url: str, model: str) -> httpx.Response:
    return http.post(url, json={"model": model, "messages": QUESTION})


def test_models_built_on_a_retired_base_answer_model_not_found_from_that_day(
    standin: StandInServer, http: httpx.Client
) -> None:
    fleet = make_fleet(5)
    for run in fleet:
        standin.add_run(run)
    mini, nano = fleet[0], fleet[2]  # gpt-4o-mini and gpt-4.1-nano fine-tunes
    standin.retire_models("gpt-4o-mini", RETIRES)
    url = f"{standin.base_url}/chat/completions"
    models = [
        mini.job["fine_tuned_model"],
        mini.checkpoints[-1]["fine_tuned_model_checkpoint"],
        mini.job["model"],
    ]
    standin.set_today(date(2027, 1, 13))
    assert all(_ask(http, url, model).status_code == 200 for model in models)
    standin.set_today(RETIRES)
    for model in models:
        gone = _ask(http, url, model)
        assert gone.status_code == 404
        assert gone.json()["error"] == {
            "message": f"The model `{model}` does not exist or you do not have access to it.",
            "type": "invalid_request_error",
            "param": None,
            "code": "model_not_found",
        }
    assert _ask(http, url, nano.job["fine_tuned_model"]).status_code == 200  # its own base is not retired


def test_azure_fine_tunes_retire_by_their_base_snapshot(standin: StandInServer, http: httpx.Client) -> None:
    job_id = azure_job_id("closing")
    run = make_azure_run(job_id)
    standin.add_run(run, provider="azure")
    standin.add_run(make_together_run(together_job_id("closing")))
    standin.retire_models("gpt-4.1-mini-2025-04-14", date(2027, 10, 14), provider="azure")
    standin.set_today(date(2027, 10, 14))
    key = {"api-key": DEFAULT_API_KEY}
    url = f"{standin.azure_endpoint}/openai/v1/chat/completions"
    body = {"model": run.job["fine_tuned_model"], "messages": QUESTION}
    gone = httpx.post(url, headers=key, json=body)
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "model_not_found"
    openai_twin = _ask(http, f"{standin.base_url}/chat/completions", run.job["fine_tuned_model"])
    assert openai_twin.json()["error"]["code"] == "model_not_found"  # never served by OpenAI at all


SNAPSHOT = st.dates(date(2023, 1, 1), date(2030, 12, 31)).map(lambda day: f"{day:%Y-%m-%d}")
SUFFIX = st.text("abcdefghijklmnopqrstuvwxyz0123456789-_", max_size=12)


@given(SNAPSHOT, SUFFIX, st.text("ABCDEFabcdef0123456789", min_size=8, max_size=8), st.integers(1, 10_000))
def test_every_name_a_fine_tune_of_a_base_carries_is_built_on_it(
    snapshot: str, suffix: str, short_id: str, step: int
) -> None:
    base = f"gpt-4o-mini-{snapshot}"
    names = (
        base,
        f"ft:{base}:my-org:{suffix}:{short_id}",
        f"ft:{base}:my-org:{suffix}:{short_id}:ckpt-step-{step}",
        f"{base}.ft-{short_id * 4}",
        f"{base}.ft-{short_id * 4}:ckpt-step-{step}",
    )
    assert all(built_on(name, "gpt-4o-mini") and built_on(name, base) for name in names)
    assert not any(built_on(name, "gpt-4o") for name in names)  # a family is not a prefix of another
    assert not built_on(f"ft:gpt-4o-{snapshot}:my-org:{suffix}:{short_id}", "gpt-4o-mini")
