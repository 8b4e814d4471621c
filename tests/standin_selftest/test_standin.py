"""Proves the stand-in honours /work/shared/api.md, so app tests run against it mean something."""

import base64
import io
import json
import re
import threading
import time

import httpx
import pandas as pd
import pytest

from devtools.standin import (
    DEFAULT_API_KEY,
    Fault,
    StandInServer,
    closed_port_url,
    make_checkpoints_only,
    make_run,
    metrics_as,
    with_result_file,
    with_status,
    without_fields,
)

FORBIDDEN_KEY = "sk-forbidden-standin"
METRICS = {
    "step",
    "train_loss",
    "train_mean_token_accuracy",
    "valid_loss",
    "valid_mean_token_accuracy",
    "full_valid_loss",
    "full_valid_mean_token_accuracy",
}


@pytest.fixture
def server():
    with StandInServer(forbidden_keys=[FORBIDDEN_KEY]) as standin:
        yield standin


@pytest.fixture
def client(server):
    auth = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}
    with httpx.Client(base_url=server.base_url, headers=auth, timeout=5) as http:
        yield http


def error_of(response: httpx.Response) -> dict:
    """The OpenAI error object, after checking the envelope has all four keys."""
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    return error


def csv_of(run) -> str:
    """The run's result CSV text, whether stored plain or base64."""
    body = run.files[run.job["result_files"][0]]
    return body.decode() if body.startswith(b"step,") else base64.b64decode(body, validate=True).decode()


# --- pagination ---------------------------------------------------------------------------------


def test_checkpoint_pages_walk_newest_first_over_three_pages(server, client):
    server.add_run(make_checkpoints_only("ftjob-pages", 25))
    pages, params = [], {"limit": 10}
    while True:
        page = client.get("/fine_tuning/jobs/ftjob-pages/checkpoints", params=params).json()
        pages.append(page)
        if not page["has_more"]:
            break
        params = {"limit": 10, "after": page["data"][-1]["id"]}
    assert [len(page["data"]) for page in pages] == [10, 10, 5]
    assert [page["has_more"] for page in pages] == [True, True, False]
    assert [c["step_number"] for page in pages for c in page["data"]] == list(range(250, 0, -10))
    for page in pages:
        assert page["object"] == "list"
        assert (page["first_id"], page["last_id"]) == (page["data"][0]["id"], page["data"][-1]["id"])


def test_event_pages_default_to_20_without_first_and_last_ids(server, client):
    run = make_run()
    server.add_run(run)
    first = client.get("/fine_tuning/jobs/ftjob-demo/events").json()
    assert set(first) == {"object", "data", "has_more"}
    assert first["data"] == run.events[:20] and first["has_more"]
    second = client.get("/fine_tuning/jobs/ftjob-demo/events", params={"after": run.events[19]["id"]})
    assert second.json()["data"] == run.events[20:40]
    created = [event["created_at"] for event in run.events]
    assert created == sorted(created, reverse=True)


def test_empty_checkpoint_page_has_null_first_and_last_ids(server, client):
    server.add_run(make_run(kept_checkpoints=0))
    page = client.get("/fine_tuning/jobs/ftjob-demo/checkpoints").json()
    assert page == {"object": "list", "data": [], "has_more": False, "first_id": None, "last_id": None}


@pytest.mark.parametrize("limit", ["0", "101", "abc", "2.5", ""])
def test_limit_outside_1_to_100_is_a_400(server, client, limit):
    server.add_run(make_run())
    response = client.get("/fine_tuning/jobs/ftjob-demo/checkpoints", params={"limit": limit})
    assert response.status_code == 400 and error_of(response)["param"] == "limit"


def test_limit_bounds_are_accepted_and_unknown_after_is_a_400(server, client):
    server.add_run(make_checkpoints_only("ftjob-pages", 150))
    url = "/fine_tuning/jobs/ftjob-pages/checkpoints"
    assert len(client.get(url, params={"limit": 1}).json()["data"]) == 1
    assert len(client.get(url, params={"limit": 100}).json()["data"]) == 100
    response = client.get(url, params={"after": "ftckpt_doesnotexist"})
    assert response.status_code == 400 and error_of(response)["param"] == "after"


# --- auth, errors, headers, files -------------------------------------------------------------


def test_missing_and_unknown_keys_are_401_with_a_masked_echo(server):
    server.add_run(make_run())
    url = f"{server.base_url}/fine_tuning/jobs/ftjob-demo"
    missing = httpx.get(url)
    assert missing.status_code == 401 and error_of(missing)["code"] == "invalid_api_key"
    wrong_key = "sk-wrong-secret-value-xyz"
    wrong = httpx.get(url, headers={"Authorization": f"Bearer {wrong_key}"})
    error = error_of(wrong)
    assert wrong.status_code == 401 and error["code"] == "invalid_api_key"
    assert f"Incorrect API key provided: sk-wro{'*' * 16}xyz." in error["message"]
    assert wrong_key not in wrong.text


def test_forbidden_key_is_403_and_azure_api_key_header_works(server):
    server.add_run(make_run())
    url = f"{server.base_url}/fine_tuning/jobs/ftjob-demo"
    forbidden = httpx.get(url, headers={"Authorization": f"Bearer {FORBIDDEN_KEY}"})
    assert forbidden.status_code == 403 and error_of(forbidden)["code"] == "insufficient_permissions"
    assert httpx.get(url, headers={"api-key": DEFAULT_API_KEY}).json()["id"] == "ftjob-demo"


def test_auth_is_checked_before_faults(server, client):
    server.add_run(make_run(), faults=[Fault("any", "status", status=500)])
    assert httpx.get(f"{server.base_url}/fine_tuning/jobs/ftjob-demo").status_code == 401
    assert client.get("/fine_tuning/jobs/ftjob-demo").status_code == 500
    assert client.get("/fine_tuning/jobs/ftjob-demo").status_code == 200


def test_not_found_bodies_headers_and_methods(server, client):
    response = client.get("/fine_tuning/jobs/ftjob-nope")
    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "message": "Could not find fine tune: ftjob-nope",
            "type": "invalid_request_error",
            "param": "fine_tune_id",
            "code": "fine_tune_not_found",
        }
    }
    assert re.fullmatch(r"req_[0-9a-f]{32}", response.headers["x-request-id"])
    assert response.headers["content-type"] == "application/json"
    assert response.content.startswith(b'{"error":{"message":')  # compact JSON
    assert client.get("/fine_tuning/nope").status_code == 404
    assert error_of(client.get("/files/file-nope/content"))["param"] == "id"
    assert client.post("/fine_tuning/jobs/ftjob-nope").status_code == 405


def test_result_file_is_base64_of_a_csv(server, client):
    run = make_run()
    server.add_run(run)
    (file_id,) = client.get("/fine_tuning/jobs/ftjob-demo").json()["result_files"]
    response = client.get(f"/files/{file_id}/content")
    assert response.headers["content-type"] == "application/octet-stream"
    assert base64.b64decode(response.content, validate=True).decode().startswith("step,")


@pytest.mark.parametrize(
    ("flavour", "header"),
    [
        ("openai", "step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy,"),
        ("azure", "step,train_loss,train_mean_token_accuracy,valid_loss,validation_mean_token_accuracy,"),
        ("extra", "step,train_loss,train_accuracy,"),
    ],
)
def test_plain_csv_flavours(flavour, header):
    run = make_run(result_file="plain", csv_flavour=flavour)
    text = csv_of(run)
    assert text.startswith(header)
    assert text.splitlines()[0].endswith("full_valid_mean_reward") == (flavour == "extra")
    assert make_run(result_file=None).job["result_files"] == []


def test_request_log_and_reset(server, client):
    server.add_run(make_run())
    client.get("/fine_tuning/jobs/ftjob-demo/events", params={"limit": "5"})
    (request,) = server.requests
    assert (request.method, request.path, request.query) == (
        "GET",
        "/v1/fine_tuning/jobs/ftjob-demo/events",
        {"limit": "5"},
    )
    assert request.headers["authorization"] == f"Bearer {DEFAULT_API_KEY}"
    assert server.count("events", "ftjob-demo") == 1 and server.count("checkpoints") == 0
    server.reset()
    assert server.requests == [] and client.get("/fine_tuning/jobs/ftjob-demo").status_code == 404


# --- faults -----------------------------------------------------------------------------------


def test_status_fault_counts_down_and_sends_its_headers(server, client):
    fault = Fault("job", "status", status=429, headers={"retry-after-ms": "20"}, times=2)
    server.add_run(make_run(), faults=[fault])
    server.add_run(make_run("ftjob-other"))
    assert client.get("/fine_tuning/jobs/ftjob-demo/events").status_code == 200  # other endpoint
    assert client.get("/fine_tuning/jobs/ftjob-other").status_code == 200  # other job
    for _ in range(2):
        response = client.get("/fine_tuning/jobs/ftjob-demo")
        assert response.status_code == 429 and response.headers["retry-after-ms"] == "20"
        assert error_of(response) | {"message": ""} == {
            "message": "",
            "type": "requests",
            "param": None,
            "code": "rate_limit_exceeded",
        }
    assert client.get("/fine_tuning/jobs/ftjob-demo").status_code == 200
    assert fault.times == 2  # the caller's Fault is not mutated
    assert server.count("job", "ftjob-demo") == 3


def test_forever_fault_on_any_endpoint(server, client):
    run = make_run()
    server.add_run(run, faults=[Fault("any", "status", status=503, times=None)])
    urls = ["/fine_tuning/jobs/ftjob-demo", "/fine_tuning/jobs/ftjob-demo/checkpoints"]
    urls += [f"/files/{run.job['result_files'][0]}/content"] * 2
    for url in urls:
        response = client.get(url)
        assert response.status_code == 503 and error_of(response)["type"] == "server_error"
    assert server.count("file", "ftjob-demo") == 2


def test_malformed_json_fault(server, client):
    server.add_run(make_run(), faults=[Fault("checkpoints", "malformed_json")])
    response = client.get("/fine_tuning/jobs/ftjob-demo/checkpoints")
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        response.json()


def test_hang_fault_trips_a_client_read_timeout(server, client):
    server.add_run(make_run(), faults=[Fault("job", "hang", hang_seconds=0.3)])
    with pytest.raises(httpx.ReadTimeout):
        client.get("/fine_tuning/jobs/ftjob-demo", timeout=httpx.Timeout(5, read=0.1))
    assert client.get("/fine_tuning/jobs/ftjob-demo").status_code == 200


def test_stop_returns_promptly_while_a_handler_hangs():
    server = StandInServer().start()
    server.add_run(make_run(), faults=[Fault("job", "hang", hang_seconds=30)])
    auth = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}
    url = f"{server.base_url}/fine_tuning/jobs/ftjob-demo"
    hanging = threading.Thread(target=lambda: httpx.get(url, headers=auth, timeout=10), daemon=True)
    hanging.start()
    while server.count("job") == 0:
        time.sleep(0.01)
    began = time.monotonic()
    server.stop()
    hanging.join(timeout=5)
    assert time.monotonic() - began < 2 and not hanging.is_alive()


def test_drop_connection_fault(server, client):
    server.add_run(make_run(), faults=[Fault("events", "drop_connection")])
    with pytest.raises(httpx.TransportError):
        client.get("/fine_tuning/jobs/ftjob-demo/events")
    assert client.get("/fine_tuning/jobs/ftjob-demo/events").status_code == 200


def test_repeat_cursor_fault_serves_the_first_page_forever(server, client):
    server.add_run(
        make_checkpoints_only("ftjob-pages", 5), faults=[Fault("checkpoints", "repeat_cursor", times=None)]
    )
    url = "/fine_tuning/jobs/ftjob-pages/checkpoints"
    first = client.get(url, params={"limit": 10}).json()
    again = client.get(url, params={"limit": 10, "after": first["last_id"]}).json()
    assert len(first["data"]) == 5 and first["has_more"] and again == first


# --- synthetic runs ---------------------------------------------------------------------------


def test_succeeded_run_has_spec_shapes():
    run = make_run()
    required = {"id", "created_at", "error", "finished_at", "fine_tuned_model", "hyperparameters", "model"}
    required |= {"object", "organization_id", "result_files", "status", "trained_tokens"}
    required |= {"training_file", "validation_file", "seed", "method", "estimated_finish"}
    assert required <= set(run.job) and run.job["object"] == "fine_tuning.job"
    assert run.job["method"]["type"] == "supervised"
    assert run.job["fine_tuned_model"].startswith("ft:gpt-4o-mini-2024-07-18:my-org:demo:")
    assert isinstance(run.job["trained_tokens"], int) and run.job["finished_at"] > run.job["created_at"]
    assert [c["step_number"] for c in run.checkpoints] == [480, 360, 240]
    for checkpoint in run.checkpoints:
        assert set(checkpoint["metrics"]) == METRICS and isinstance(checkpoint["metrics"]["step"], float)
        assert re.fullmatch(r"ftckpt_[A-Za-z0-9]{24}", checkpoint["id"])
        assert re.fullmatch(
            r"ft:gpt-4o-mini-2024-07-18:my-org:demo:[A-Za-z0-9]{8}:ckpt-step-\d+",
            checkpoint["fine_tuned_model_checkpoint"],
        )
    assert run.events[0]["message"] == "The job has successfully completed"
    assert run.events[-1]["message"] == "Fine-tuning job started"
    assert sum(event["type"] == "metrics" for event in run.events) == 480
    assert make_run() == run  # deterministic


def test_curves_full_validation_at_epoch_ends_and_overfitting():
    run = make_run()
    metrics = [event["data"] for event in run.events if event["type"] == "metrics"]
    assert {d["step"] for d in metrics if "full_valid_loss" in d} == {120, 240, 360, 480}
    assert {d["step"] for d in metrics if "valid_loss" in d} == set(range(10, 481, 10))
    frame = pd.read_csv(io.StringIO(csv_of(run)))
    assert frame.dropna(subset=["full_valid_loss"])["step"].tolist() == [120, 240, 360, 480]
    valid = frame.dropna(subset=["valid_loss"]).set_index("step")["valid_loss"]
    assert 120 < valid.idxmin() < 480 and valid.iloc[-1] > valid.min() * 1.2
    assert frame["train_loss"].iloc[:10].mean() > 1.7 and frame["train_loss"].iloc[-10:].mean() < 0.4
    accuracy = frame["train_accuracy"]
    assert accuracy.min() >= 0.5 and accuracy.max() <= 0.99 and accuracy.iloc[-10:].mean() > 0.9


def test_no_validation_means_absent_keys():
    run = make_run(with_validation=False)
    assert run.job["validation_file"] is None
    for metrics in [c["metrics"] for c in run.checkpoints] + [e["data"] or {} for e in run.events]:
        assert not any(key.startswith(("valid", "full_valid")) for key in metrics)
    assert pd.read_csv(io.StringIO(csv_of(run)))["valid_loss"].isna().all()


def test_running_run_is_a_prefix_of_the_finished_one():
    running, finished = make_run(status="running", progress=0.6), make_run()
    job = running.job
    assert (job["finished_at"], job["fine_tuned_model"], job["trained_tokens"]) == (None, None, None)
    assert job["result_files"] == [] and running.files == {} and job["estimated_finish"] > job["created_at"]
    assert [c["step_number"] for c in running.checkpoints] == [240, 120]
    assert running.events[0]["data"]["step"] == 288
    assert running.events == finished.events[-len(running.events) :]
    with pytest.raises(ValueError):
        make_run(n_steps=481)


def test_big_runs_are_fast():
    began = time.monotonic()
    run = make_run(n_steps=100_000)
    assert time.monotonic() - began < 5  # ~1 s locally; generous for slow CI
    assert len(run.events) == 100_003
    many = make_checkpoints_only("ftjob-many", 2500)
    assert [c["step_number"] for c in many.checkpoints] == list(range(25_000, 0, -10))
    assert all(set(c["metrics"]) == METRICS for c in many.checkpoints) and many.events == []


# --- faults the fault table needs (devtools/faults.py) ----------------------------------------------


def test_skip_lets_requests_through_before_the_fault_hits(server, client):
    server.add_run(make_checkpoints_only("ftjob-pages", 30), faults=[Fault("checkpoints", "status", skip=2)])
    url = "/fine_tuning/jobs/ftjob-pages/checkpoints"
    assert [client.get(url).status_code for _ in range(4)] == [200, 200, 500, 200]


def test_body_content_type_and_header_faults(server, client):
    server.add_run(
        make_run(),
        faults=[
            Fault("job", "body"),
            Fault("job", "content_type", content_type="text/html; charset=utf-8"),
            Fault("job", "headers", headers={"Set-Cookie": "session=alice; Path=/"}),
        ],
    )
    url = "/fine_tuning/jobs/ftjob-demo"
    html = client.get(url)
    assert html.status_code == 200 and html.headers["content-type"] == "text/html"
    assert html.text.startswith("<html>")
    labelled = client.get(url)
    assert labelled.headers["content-type"] == "text/html; charset=utf-8"
    assert labelled.json()["id"] == "ftjob-demo"  # the right answer under the wrong label
    cookie = client.get(url)
    assert cookie.headers["set-cookie"] == "session=alice; Path=/" and cookie.json()["id"] == "ftjob-demo"
    assert client.get(url).headers.get("set-cookie") is None


def test_trickle_sends_the_answer_one_byte_at_a_time(server, client):
    server.add_run(make_run(), faults=[Fault("job", "trickle", interval=0.005)])
    with client.stream("GET", "/fine_tuning/jobs/ftjob-demo") as response:
        declared = int(response.headers["content-length"])
        chunks = []
        for chunk in response.iter_raw():
            chunks.append(chunk)
            if len(chunks) == 20:
                break
    assert declared > 500
    assert [len(chunk) for chunk in chunks] == [1] * 20
    assert b"".join(chunks) == json.dumps(make_run().job, separators=(",", ":")).encode()[:20]


def test_truncate_declares_more_than_it_sends(server, client):
    server.add_run(make_run(), faults=[Fault("job", "truncate")])
    with pytest.raises(httpx.RemoteProtocolError, match="complete message body"):
        client.get("/fine_tuning/jobs/ftjob-demo")
    assert client.get("/fine_tuning/jobs/ftjob-demo").status_code == 200


@pytest.mark.parametrize("chunked", [False, True])
def test_oversize_sends_a_body_of_the_given_size(server, client, chunked):
    server.add_run(make_run(), faults=[Fault("any", "oversize", size=200_000, chunked=chunked, times=2)])
    page = client.get("/fine_tuning/jobs/ftjob-demo/checkpoints")
    assert len(page.content) == 200_000 and page.json()["padding"].startswith("xxx")
    assert ("content-length" in page.headers) is not chunked
    assert (page.headers.get("transfer-encoding") == "chunked") is chunked
    file_id = make_run().job["result_files"][0]
    assert client.get(f"/files/{file_id}/content").content == b"x" * 200_000


def test_reset_and_drop_end_the_connection_differently(server, client):
    server.add_run(make_run(), faults=[Fault("job", "reset"), Fault("job", "drop_connection")])
    with pytest.raises(httpx.ReadError):  # ECONNRESET
        client.get("/fine_tuning/jobs/ftjob-demo")
    with pytest.raises(httpx.RemoteProtocolError, match="disconnected"):  # FIN, nothing sent
        client.get("/fine_tuning/jobs/ftjob-demo")
    assert client.get("/fine_tuning/jobs/ftjob-demo").status_code == 200


def test_overlap_repeats_the_cursor_item_at_the_start_of_the_next_page(server, client):
    server.add_run(
        make_checkpoints_only("ftjob-pages", 25), faults=[Fault("checkpoints", "overlap", times=None)]
    )
    url = "/fine_tuning/jobs/ftjob-pages/checkpoints"
    first = client.get(url, params={"limit": 10}).json()
    second = client.get(url, params={"limit": 10, "after": first["last_id"]}).json()
    assert second["data"][0]["id"] == first["data"][-1]["id"]
    assert second["data"][1]["step_number"] == first["data"][-1]["step_number"] - 10


def test_has_more_always_and_empty_page(server, client):
    server.add_run(
        make_checkpoints_only("ftjob-pages", 5), faults=[Fault("checkpoints", "has_more_always", times=2)]
    )
    url = "/fine_tuning/jobs/ftjob-pages/checkpoints"
    last = client.get(url).json()
    assert len(last["data"]) == 5 and last["has_more"] is True
    after_end = client.get(url, params={"after": last["last_id"]}).json()
    assert after_end["data"] == [] and after_end["has_more"] is True
    server.add_run(make_checkpoints_only("ftjob-pages", 5), faults=[Fault("checkpoints", "empty_page")])
    assert client.get(url).json() == {
        "object": "list",
        "data": [],
        "has_more": True,
        "first_id": None,
        "last_id": None,
    }


def test_hostile_run_variants(server, client):
    run = make_run(status="running", progress=0.5, result_file=None)
    hostile = with_status(without_fields(run, "job", ["id", "model"]), "paused_by_gremlins")
    server.add_run(hostile, job_id="ftjob-demo")  # served by the id the client asks for
    job = client.get("/fine_tuning/jobs/ftjob-demo").json()
    assert "id" not in job and "model" not in job and job["status"] == "paused_by_gremlins"
    assert "id" in run.job and run.job["status"] == "running"  # the original is untouched

    strings = metrics_as(run, "string")
    assert isinstance(strings.checkpoints[0]["metrics"]["train_loss"], str)
    assert (
        float(strings.checkpoints[0]["metrics"]["train_loss"]) == run.checkpoints[0]["metrics"]["train_loss"]
    )
    assert isinstance(strings.checkpoints[0]["metrics"]["step"], float)  # only metrics are recast
    metrics_event = next(e for e in strings.events if e["type"] == "metrics")
    assert isinstance(metrics_event["data"]["train_loss"], str) and isinstance(
        metrics_event["data"]["step"], int
    )
    nulls = metrics_as(run, "null")
    assert nulls.checkpoints[0]["metrics"]["train_loss"] is None
    assert not any(step["step_number"] is None for step in nulls.checkpoints)
    without_ids = without_fields(run, "checkpoints", ["id"])
    assert all("id" not in item for item in without_ids.checkpoints)

    done = make_run()
    garbage = with_result_file(done, b"\x00\xffnot csv, not base64!")
    assert list(garbage.files.values()) == [b"\x00\xffnot csv, not base64!"]
    assert garbage.files.keys() == done.files.keys()


def test_closed_port_url_refuses_connections():
    with pytest.raises(httpx.ConnectError):
        httpx.get(closed_port_url() + "/fine_tuning/jobs/ftjob-demo", timeout=5)
