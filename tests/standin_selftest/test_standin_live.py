"""The stand-in's growing jobs and chat completions, checked on the wire with plain httpx: a growing job
shows prefixes of its finished run, chat answers follow each provider's shapes (streamed and not), faults
hit one model only, and every job's validation file is served."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from devtools.standin import (
    DEFAULT_API_KEY,
    Fault,
    StandInServer,
    make_growing_run,
    make_growing_together_run,
    make_run,
    together_job_id,
)
from devtools.standin.chat import answer, right_answer, skill, validation_examples

AUTH = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}
QUESTION = [{"role": "user", "content": "What is 12 plus 30?"}]


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(headers=AUTH, timeout=5) as client:
        yield client


def _events(http: httpx.Client, url: str) -> list[dict]:
    events, after = [], None
    while True:
        page = http.get(url, params={"limit": 100, **({"after": after} if after else {})}).json()
        events += page["data"]
        if not page["has_more"]:
            return events
        after = page["data"][-1]["id"]


# --- growing jobs ----------------------------------------------------------------------------------------


def test_a_growing_job_shows_the_prefix_of_its_finished_run(
    standin: StandInServer, http: httpx.Client
) -> None:
    standin.add_run(make_growing_run("ftjob-g", n_steps=300, n_epochs=3, done=90))
    finished = make_run("ftjob-g", n_steps=300, n_epochs=3, kept_checkpoints=3)
    url = f"{standin.base_url}/fine_tuning/jobs/ftjob-g"
    assert http.get(url).json()["status"] == "running"
    assert http.get(f"{url}/checkpoints").json()["data"] == []
    steps = [event["data"]["step"] for event in _events(http, f"{url}/events") if event["type"] == "metrics"]
    assert steps == list(range(90, 0, -1))
    standin.advance("ftjob-g", 15)
    events = _events(http, f"{url}/events")
    assert events[0]["data"]["step"] == 105 and events[5]["message"] == "Checkpoint created at step 100"
    assert [item["step_number"] for item in http.get(f"{url}/checkpoints").json()["data"]] == [100]
    standin.advance("ftjob-g", 10_000)  # never past the last step
    newest = _events(http, f"{url}/events")[:2]
    assert newest[0]["message"] == "Checkpoint created at step 300" and newest[1]["data"]["step"] == 300
    standin.finish("ftjob-g")
    job = http.get(url).json()
    assert job == finished.job  # the finished job: status, fine-tuned model, result file, tokens
    assert http.get(f"{url}/checkpoints").json()["data"] == finished.checkpoints
    file_url = f"{standin.base_url}/files/{job['result_files'][0]}/content"
    assert http.get(file_url).content == finished.files[job["result_files"][0]]


def test_a_growing_job_can_fail(standin: StandInServer, http: httpx.Client) -> None:
    standin.add_run(make_growing_run("ftjob-f", done=30))
    standin.finish("ftjob-f", "failed")
    job = http.get(f"{standin.base_url}/fine_tuning/jobs/ftjob-f").json()
    assert job["status"] == "failed" and job["error"]["message"] and job["finished_at"]
    newest = _events(http, f"{standin.base_url}/fine_tuning/jobs/ftjob-f/events")[0]
    assert newest["level"] == "error"
    standin.advance("ftjob-f", 5)  # an ended job does not grow
    assert _events(http, f"{standin.base_url}/fine_tuning/jobs/ftjob-f/events")[0] == newest


def test_a_growing_together_job_counts_its_steps(standin: StandInServer, http: httpx.Client) -> None:
    job_id = together_job_id("g")
    standin.add_run(make_growing_together_run(job_id, n_steps=120, n_epochs=3, done=30))
    url = f"{standin.together_base_url}/fine-tunes/{job_id}"
    job = http.get(url).json()
    assert (job["status"], job["steps_completed"], job["epochs_completed"]) == ("running", 30, 0)
    standin.advance(job_id, 15)
    job = http.get(url).json()
    assert (job["steps_completed"], job["epochs_completed"]) == (45, 1)
    assert [event["type"] for event in job["events"]][-2:] == ["EPOCH_COMPLETE", "CHECKPOINT_SAVE"]
    steps = {record["train/global_step"] for record in http.get(f"{url}/metrics").json()["metrics"]}
    assert steps == set(range(1, 46))
    later = http.get(f"{url}/metrics", params={"global_step_from": 40}).json()["metrics"]
    assert {record["train/global_step"] for record in later} == set(range(40, 46))
    standin.finish(job_id)
    assert (
        http.get(url).json()["status"] == "completed"
        and len(http.get(f"{url}/checkpoints").json()["data"]) == 4
    )


# --- chat completions -----------------------------------------------------------------------------------


def _sse(response: httpx.Response) -> list[str]:
    return [line.removeprefix("data: ") for line in response.text.split("\n\n") if line]


def test_a_streamed_answer_is_server_sent_events_with_usage_when_asked(
    standin: StandInServer, http: httpx.Client
) -> None:
    standin.add_models("gpt-4o-mini")
    body = {"model": "gpt-4o-mini", "messages": QUESTION, "stream": True}
    url = f"{standin.base_url}/chat/completions"
    plain = _sse(http.post(url, json=body))
    assert plain[-1] == "[DONE]"
    chunks = [json.loads(data) for data in plain[:-1]]
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    text = "".join(chunk["choices"][0]["delta"].get("content", "") for chunk in chunks)
    assert text == answer("gpt-4o-mini", QUESTION)
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop" and "usage" not in chunks[-1]
    with_usage = _sse(http.post(url, json=body | {"stream_options": {"include_usage": True}}))
    last = json.loads(with_usage[-2])
    assert last["choices"] == [] and last["usage"]["completion_tokens"] == len(text.split())


def test_an_unstreamed_answer_and_the_usual_refusals(standin: StandInServer, http: httpx.Client) -> None:
    standin.add_models("gpt-4o-mini")
    url = f"{standin.base_url}/chat/completions"
    reply = http.post(
        url, json={"model": "gpt-4o-mini", "messages": QUESTION, "max_completion_tokens": 2}
    ).json()
    assert reply["choices"][0]["finish_reason"] == "length" and reply["usage"]["completion_tokens"] == 2
    assert (
        http.post(url, json={"model": "nope", "messages": QUESTION}).json()["error"]["code"]
        == "model_not_found"
    )
    refused = http.post(url, json={"model": "gpt-4o-mini", "messages": QUESTION, "stream_options": {}})
    assert refused.status_code == 400 and "stream_options" in refused.json()["error"]["message"]
    assert http.get(url).status_code == 405
    assert standin.requests[0].json()["max_completion_tokens"] == 2


def test_azure_and_together_stream_in_their_own_ways(standin: StandInServer, http: httpx.Client) -> None:
    standin.add_models("my-deployment", provider="azure")
    standin.add_models("user/model", provider="together")
    azure = httpx.post(
        f"{standin.azure_endpoint}/openai/deployments/my-deployment/chat/completions",
        params={"api-version": "2024-10-21"},
        headers={"api-key": DEFAULT_API_KEY},
        json={"messages": QUESTION, "stream": True},
    )
    first = json.loads(_sse(azure)[0])
    assert first["choices"] == [] and "prompt_filter_results" in first  # Azure's content filter speaks first
    together = _sse(
        http.post(
            f"{standin.together_base_url}/chat/completions",
            json={"model": "user/model", "messages": QUESTION, "stream": True},
        )
    )
    assert json.loads(together[-2])["usage"]["prompt_tokens"] > 0  # on the finishing chunk, unasked
    missing = httpx.post(
        f"{standin.azure_endpoint}/openai/deployments/other/chat/completions",
        params={"api-version": "2024-10-21"},
        headers={"api-key": DEFAULT_API_KEY},
        json={"messages": QUESTION},
    )
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "DeploymentNotFound"


def test_a_chat_fault_hits_its_model_only(standin: StandInServer, http: httpx.Client) -> None:
    standin.add_models("a", "b")
    standin.add_chat_faults("a", [Fault("chat", "status", status=500, times=None, message="boom")])
    url = f"{standin.base_url}/chat/completions"
    failing = http.post(url, json={"model": "a", "messages": QUESTION})
    assert failing.status_code == 500 and failing.json()["error"]["message"] == "boom"
    assert http.post(url, json={"model": "b", "messages": QUESTION}).status_code == 200
    standin.add_chat_faults("b", [Fault("chat", "cut", after_chunks=2)])
    with pytest.raises(httpx.RemoteProtocolError):
        http.post(url, json={"model": "b", "messages": QUESTION, "stream": True})
    assert standin.count("chat") == 3


def test_models_of_served_runs_answer(standin: StandInServer, http: httpx.Client) -> None:
    run = make_run("ftjob-m")
    standin.add_run(run)
    models = [
        run.job["model"],
        run.job["fine_tuned_model"],
        *(c["fine_tuned_model_checkpoint"] for c in run.checkpoints),
    ]
    for model in models:
        reply = http.post(f"{standin.base_url}/chat/completions", json={"model": model, "messages": QUESTION})
        assert reply.json()["choices"][0]["message"]["content"] == answer(model, QUESTION)


def test_every_job_has_its_validation_file(standin: StandInServer, http: httpx.Client) -> None:
    run = make_run("ftjob-v")
    standin.add_run(run)
    body = http.get(f"{standin.base_url}/files/{run.job['validation_file']}/content").content
    lines = [json.loads(line) for line in body.decode().splitlines()]
    assert lines == validation_examples("ftjob-v") and len(lines) == 60
    assert http.get(f"{standin.base_url}/files/file-unknown/content").status_code == 404


def test_answers_are_deterministic_and_better_for_better_models() -> None:
    questions = [[{"role": "user", "content": f"What is {a} plus {a + 1}?"}] for a in range(200)]
    right = {
        model: sum(answer(model, q) == right_answer(a, a + 1) for a, q in enumerate(questions))
        for model in ("gpt-4o-mini", "ft:gpt-4o-mini:org::abc", "ft:gpt-4o-mini:org::abc:ckpt-step-100")
    }
    assert (
        right["gpt-4o-mini"]
        < right["ft:gpt-4o-mini:org::abc:ckpt-step-100"]
        < right["ft:gpt-4o-mini:org::abc"]
    )
    assert skill("ft:x:ckpt-step-100") == 40 + 700 % 41
    assert answer("m", [{"role": "user", "content": "Tell me a joke"}]) == "I can only add two numbers."
