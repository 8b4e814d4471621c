"""The API client and load_run over real HTTP against the stand-in server on 127.0.0.1.

Retries that would back off for real use a client whose RetryTransport records its sleeps instead;
retries the server paces with a tiny ``retry-after-ms`` go through the app's own make_http_client.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import httpx
import pytest

from components.api import (
    APITimeoutError,
    AuthenticationError,
    FineTuningClient,
    MalformedResponseError,
    NotFoundError,
    PaginationError,
    PermissionDeniedError,
    ServerError,
    make_http_client,
)
from components.api.limits import CONNECT_TIMEOUT
from components.api.retry import RetryTransport
from components.data.checkpoints import checkpoints_frame
from components.sources.openai import load_run
from devtools.configs import openai_config
from devtools.standin import Fault, StandInServer, make_checkpoints_only, make_run

ClientFactory = Callable[..., FineTuningClient]


@pytest.fixture
def sleeps() -> list[float]:
    """The waits the recording RetryTransport asked for, in order."""
    return []


@pytest.fixture
def make_client(standin: StandInServer, api_key: str, sleeps: list[float]) -> Iterator[ClientFactory]:
    """Build FineTuningClients for the stand-in; every HTTP client is closed after the test.

    ``recording=False`` uses the app's make_http_client (real, so only for tiny server-paced waits);
    ``recording=True`` mirrors it with a RetryTransport that appends to ``sleeps`` and has no jitter.
    """
    opened: list[httpx.Client] = []

    def build(
        *,
        key: str = api_key,
        max_retries: int = 2,
        read_timeout: float = 5.0,
        recording: bool = True,
        server: StandInServer = standin,
    ) -> FineTuningClient:
        config = openai_config(key, server.base_url, read_timeout=read_timeout, max_retries=max_retries)
        if recording:
            transport = RetryTransport(
                httpx.HTTPTransport(), max_retries=max_retries, sleep=sleeps.append, jitter=lambda: 0.0
            )
            http = httpx.Client(
                base_url=config.base_url,
                timeout=httpx.Timeout(read_timeout, connect=CONNECT_TIMEOUT),
                transport=transport,
                headers={"Accept": "application/json"},
                follow_redirects=False,
            )
        else:
            http = make_http_client(config.base_url, read_timeout=read_timeout, max_retries=max_retries)
        opened.append(http)
        return FineTuningClient(http, config)

    yield build
    for http in opened:
        http.close()


def requests_to(standin: StandInServer, endpoint: str) -> list[dict[str, str]]:
    """The query of every request the stand-in saw for one endpoint (checkpoints or events)."""
    return [request.query for request in standin.requests if request.path.endswith(f"/{endpoint}")]


def assert_key_not_in_any_url(standin: StandInServer, *keys: str) -> None:
    assert standin.requests, "the test should have made requests"
    for request in standin.requests:
        for key in keys:
            assert key not in request.path
            assert all(key not in name and key not in value for name, value in request.query.items())


# (a) -----------------------------------------------------------------------------------------------


def test_2500_checkpoints_arrive_in_25_pages_of_100(
    standin: StandInServer, make_client: ClientFactory
) -> None:
    standin.add_run(make_checkpoints_only("ftjob-big", 2500))
    pages: list[tuple[int, int]] = []
    items = make_client().list_checkpoints("ftjob-big", on_page=lambda n, count: pages.append((n, count)))

    queries = requests_to(standin, "checkpoints")
    assert len(queries) == 25
    assert standin.count("checkpoints", "ftjob-big") == 25
    assert all(query["limit"] == "100" for query in queries)
    assert "after" not in queries[0]
    # Each cursor is the last id of the page before it.
    assert [query.get("after") for query in queries[1:]] == [items[n * 100 - 1]["id"] for n in range(1, 25)]
    assert pages == [(n, 100 * n) for n in range(1, 26)]

    assert len(items) == 2500
    assert len({item["id"] for item in items}) == 2500
    assert [item["step_number"] for item in items] == list(range(25000, 0, -10))  # newest first
    frame = checkpoints_frame(items)
    assert frame["step"].tolist() == list(range(10, 25001, 10))
    assert frame["checkpoint_id"].is_unique


# (b) -----------------------------------------------------------------------------------------------


def test_429_with_retry_after_ms_recovers_through_the_apps_http_client(
    standin: StandInServer, make_client: ClientFactory
) -> None:
    fault = Fault("checkpoints", "status", status=429, headers={"retry-after-ms": "5"}, times=2)
    standin.add_run(make_run("ftjob-limited"), [fault])
    items = make_client(recording=False).list_checkpoints("ftjob-limited")
    assert len(items) == 3
    assert standin.count("checkpoints", "ftjob-limited") == 3
    # All three attempts asked for the same (first) page.
    assert requests_to(standin, "checkpoints") == [{"limit": "100"}] * 3


def test_429_with_retry_after_ms_waits_what_the_server_asks(
    standin: StandInServer, make_client: ClientFactory, sleeps: list[float]
) -> None:
    fault = Fault("checkpoints", "status", status=429, headers={"retry-after-ms": "250"}, times=2)
    standin.add_run(make_run("ftjob-limited"), [fault])
    assert len(make_client().list_checkpoints("ftjob-limited")) == 3
    assert sleeps == pytest.approx([0.25, 0.25])


# (c) -----------------------------------------------------------------------------------------------


def test_two_server_errors_are_retried_with_backoff(
    standin: StandInServer, make_client: ClientFactory, sleeps: list[float]
) -> None:
    standin.add_run(make_run("ftjob-flaky"), [Fault("checkpoints", "status", status=500, times=2)])
    assert len(make_client(max_retries=2).list_checkpoints("ftjob-flaky")) == 3
    assert standin.count("checkpoints", "ftjob-flaky") == 3
    assert sleeps == [0.5, 1.0]


def test_three_server_errors_outlast_two_retries(
    standin: StandInServer, make_client: ClientFactory, sleeps: list[float]
) -> None:
    standin.add_run(make_run("ftjob-down"), [Fault("checkpoints", "status", status=500, times=3)])
    with pytest.raises(ServerError) as info:
        make_client(max_retries=2).list_checkpoints("ftjob-down")
    exc = info.value
    assert exc.status == 500
    assert exc.request_id is not None and re.fullmatch(r"req_[0-9a-f]{32}", exc.request_id)
    assert exc.request_id in str(exc)
    assert exc.message.startswith("The server had an error")
    assert exc.error_type == "server_error"
    assert standin.count("checkpoints", "ftjob-down") == 3
    assert sleeps == [0.5, 1.0]


# (d), (e) ------------------------------------------------------------------------------------------


def test_a_server_that_ignores_the_cursor_raises_pagination_error(
    standin: StandInServer, make_client: ClientFactory
) -> None:
    standin.add_run(
        make_checkpoints_only("ftjob-loop", 250), [Fault("checkpoints", "repeat_cursor", times=None)]
    )
    with pytest.raises(PaginationError, match="same page twice"):
        make_client().list_checkpoints("ftjob-loop")
    assert standin.count("checkpoints", "ftjob-loop") == 2


def test_malformed_json_raises_malformed_response_error(
    standin: StandInServer, make_client: ClientFactory
) -> None:
    standin.add_run(make_run("ftjob-garbled"), [Fault("checkpoints", "malformed_json")])
    with pytest.raises(MalformedResponseError, match="request id req_"):
        make_client().list_checkpoints("ftjob-garbled")
    assert standin.count("checkpoints", "ftjob-garbled") == 1  # a 200 is not retried


# (f), (g) ------------------------------------------------------------------------------------------


def test_a_hanging_server_times_out_on_every_attempt(
    standin: StandInServer, make_client: ClientFactory, sleeps: list[float]
) -> None:
    standin.add_run(make_run("ftjob-slow"), [Fault("checkpoints", "hang", hang_seconds=5, times=2)])
    client = make_client(read_timeout=0.2, max_retries=1)
    with pytest.raises(APITimeoutError, match=r"did not answer within 0\.2 s \(2 attempts\)"):
        client.list_checkpoints("ftjob-slow")
    assert standin.count("checkpoints", "ftjob-slow") == 2
    assert sleeps == [0.5]


def test_a_hang_on_the_first_attempt_only_recovers(
    standin: StandInServer, make_client: ClientFactory, sleeps: list[float]
) -> None:
    standin.add_run(make_run("ftjob-slow"), [Fault("checkpoints", "hang", hang_seconds=5, times=1)])
    assert len(make_client(read_timeout=0.2, max_retries=1).list_checkpoints("ftjob-slow")) == 3
    assert standin.count("checkpoints", "ftjob-slow") == 2
    assert sleeps == [0.5]


def test_a_dropped_connection_is_retried(
    standin: StandInServer, make_client: ClientFactory, sleeps: list[float]
) -> None:
    standin.add_run(make_run("ftjob-drop"), [Fault("job", "drop_connection", times=1)])
    job = make_client().get_job("ftjob-drop")
    assert job["id"] == "ftjob-drop"
    assert standin.count("job", "ftjob-drop") == 2
    assert sleeps == [0.5]


# (h) -----------------------------------------------------------------------------------------------


def test_a_wrong_key_is_an_authentication_error_that_never_shows_the_key(
    standin: StandInServer, make_client: ClientFactory
) -> None:
    wrong = "sk-wrong-key-1234567890abcdef"
    standin.add_run(make_run("ftjob-demo"))
    with pytest.raises(AuthenticationError) as info:
        make_client(key=wrong).list_checkpoints("ftjob-demo")
    exc = info.value
    assert exc.status == 401
    assert exc.code == "invalid_api_key"
    assert exc.message.startswith("Incorrect API key provided: [redacted")
    for text in (str(exc), exc.message, repr(exc)):
        assert wrong not in text
        assert wrong[:6] not in text and wrong[-3:] + "." not in text
        assert "sk-" not in text
    assert standin.count("checkpoints") == 1  # 401 is never retried
    assert_key_not_in_any_url(standin, wrong)


def test_a_forbidden_key_is_a_permission_error(make_client: ClientFactory) -> None:
    forbidden = "sk-forbidden-loopback-key"
    with StandInServer(forbidden_keys=[forbidden]) as server:
        server.add_run(make_run("ftjob-demo"))
        with pytest.raises(PermissionDeniedError) as info:
            make_client(key=forbidden, server=server).get_job("ftjob-demo")
        assert info.value.status == 403
        assert info.value.code == "insufficient_permissions"
        assert forbidden not in str(info.value)
        assert len(server.requests) == 1


def test_an_unknown_job_is_not_found(standin: StandInServer, make_client: ClientFactory) -> None:
    standin.add_run(make_run("ftjob-demo"))
    client = make_client()
    for call in (client.get_job, client.list_checkpoints, client.list_events):
        with pytest.raises(NotFoundError, match="Could not find fine tune: ftjob-missing") as info:
            call("ftjob-missing")
        assert info.value.code == "fine_tune_not_found"
        assert info.value.request_id is not None
    assert len(standin.requests) == 3


# (i) -----------------------------------------------------------------------------------------------


def test_load_run_of_a_succeeded_job_uses_its_base64_result_file(
    standin: StandInServer, make_client: ClientFactory, api_key: str
) -> None:
    run = make_run("ftjob-done", result_file="base64")
    standin.add_run(run)
    data = load_run(make_client(), "ftjob-done")

    assert data.summary.run_id == "ftjob-done"
    assert data.summary.status == "succeeded"
    assert data.history_source == "result file"
    assert len(data.history) == 480
    assert data.history["step"].tolist() == list(range(1, 481))
    assert len(data.checkpoints) == 3
    assert data.checkpoints["step"].tolist() == [240, 360, 480]
    marked = data.history.dropna(subset=["checkpoint_id"])
    assert marked["step"].tolist() == [240, 360, 480]
    assert data.checkpoint_pages == 1
    assert data.total_steps is None
    assert data.notes == ()

    assert standin.count("events") == 0
    assert standin.count("file", "ftjob-done") == 1
    file_request = next(request for request in standin.requests if request.path.endswith("/content"))
    assert file_request.path == f"/v1/files/{run.job['result_files'][0]}/content"
    assert file_request.headers["accept"] == "application/binary"
    assert file_request.headers["authorization"] == f"Bearer {api_key}"


def test_load_run_of_a_running_job_pages_through_its_metrics_events(
    standin: StandInServer, make_client: ClientFactory
) -> None:
    run = make_run("ftjob-live", status="running", progress=0.6, result_file=None)
    standin.add_run(run)
    data = load_run(make_client(), "ftjob-live")

    assert data.summary.status == "running"
    assert data.history_source == "metrics events"
    assert data.total_steps == 480
    assert data.history["step"].tolist() == list(range(1, 289))  # 60 % of 480 steps
    assert data.checkpoints["step"].tolist() == [120, 240]
    assert standin.count("file") == 0

    queries = requests_to(standin, "events")
    assert len(queries) == 3  # 288 metrics events + "job started" = 289 events
    assert all(query["limit"] == "100" for query in queries)
    assert [query.get("after") for query in queries] == [None, run.events[99]["id"], run.events[199]["id"]]


def test_load_run_falls_back_to_events_when_the_result_file_cannot_be_read(
    standin: StandInServer, make_client: ClientFactory
) -> None:
    run = make_run("ftjob-nofile", result_file="base64")
    file_id = run.job["result_files"][0]
    standin.add_run(run, [Fault("file", "status", status=404)])
    data = load_run(make_client(), "ftjob-nofile")

    assert standin.count("file", "ftjob-nofile") == 1  # a 404 is not retried
    assert len(data.notes) == 1
    assert file_id in data.notes[0].text
    assert "HTTP 404" in data.notes[0].text
    assert "metrics events" in data.notes[0].text
    assert data.history_source == "metrics events"
    assert len(data.history) == 480
    assert data.total_steps == 480
    assert standin.count("events", "ftjob-nofile") == 5  # 480 metrics + 3 message events


def test_load_run_lets_job_errors_through(standin: StandInServer, make_client: ClientFactory) -> None:
    with pytest.raises(NotFoundError):
        load_run(make_client(), "ftjob-missing")
    assert standin.count("checkpoints") == 0


# (j) -----------------------------------------------------------------------------------------------


def test_progress_reports_increasing_page_numbers(standin: StandInServer, make_client: ClientFactory) -> None:
    standin.add_run(make_checkpoints_only("ftjob-big", 250))
    messages: list[str] = []
    data = load_run(make_client(), "ftjob-big", on_progress=messages.append)

    assert messages[0] == "Reading the job…"
    checkpoint_pages = [
        (int(page), int(count.replace(",", "")))
        for page, count in re.findall(
            r"^Checkpoints: page (\d+), ([\d,]+) so far$", "\n".join(messages), re.M
        )
    ]
    assert checkpoint_pages == [(1, 100), (2, 200), (3, 250)]
    assert messages[-1] == "Metrics events: page 1, 0 so far"  # no result file and no events: one empty page
    assert len(messages) == 5
    assert data.checkpoint_pages == 3
    assert data.history_source == "checkpoints"
    assert len(data.history) == 250


def test_on_page_reports_every_events_page(standin: StandInServer, make_client: ClientFactory) -> None:
    standin.add_run(make_run("ftjob-live", status="running", progress=0.5, result_file=None))
    calls: list[tuple[int, int]] = []
    events = make_client().list_events("ftjob-live", on_page=lambda n, count: calls.append((n, count)))
    assert len(events) == 241
    assert calls == [(1, 100), (2, 200), (3, 241)]


# (k) -----------------------------------------------------------------------------------------------


def test_no_recorded_request_carries_the_key_in_its_url(
    standin: StandInServer, make_client: ClientFactory, api_key: str
) -> None:
    standin.add_run(make_run("ftjob-done"))
    standin.add_run(make_run("ftjob-live", status="running", progress=0.6, result_file=None))
    standin.add_run(
        make_checkpoints_only("ftjob-big", 150), [Fault("checkpoints", "status", status=503, times=1)]
    )
    client = make_client()
    load_run(client, "ftjob-done")
    load_run(client, "ftjob-live")
    load_run(client, "ftjob-big")
    with pytest.raises(NotFoundError):
        client.get_job("ftjob-missing")

    assert len(standin.requests) >= 14
    assert_key_not_in_any_url(standin, api_key, api_key[3:])
    # The key travels only in the Authorization header.
    assert {request.headers.get("authorization") for request in standin.requests} == {f"Bearer {api_key}"}
    assert all("api-key" not in request.headers for request in standin.requests)
