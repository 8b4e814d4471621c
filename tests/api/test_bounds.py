"""Bounds on what a remote party controls, at the transport seam (httpx.MockTransport, no network, no sleeps):
the load deadline, the cap on retry waits, Retry-After that does not fit, byte limits, and redaction."""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterator

import httpx
import pytest

from components.api import (
    Deadline,
    DeadlineExceededError,
    FineTuningClient,
    RateLimitError,
    ResponseTooLargeError,
    ServerError,
    make_http_client,
)
from components.api.retry import RetryTransport
from devtools.clock import SkippingClock
from devtools.configs import openai_config

KEY = "sk-proj-" + "Zq8vLm3TfakeKEY0123456789abcdefXYZ"  # split, so no scanner takes it for a real key
URL = "https://api.openai.com/v1/fine_tuning/jobs/ftjob-abc"

Handler = Callable[[httpx.Request], httpx.Response]


class Clock:
    """A clock that only moves when told to (by a skipped sleep or a simulated slow answer)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def transport_client(handler: Handler, clock: Clock, *, max_retries: int = 2) -> httpx.Client:
    transport = RetryTransport(
        httpx.MockTransport(handler), max_retries=max_retries, sleep=clock.sleep, jitter=lambda: 0.0
    )
    return httpx.Client(transport=transport, timeout=httpx.Timeout(30.0, connect=5.0))


def get(http: httpx.Client, deadline: Deadline | None = None, max_bytes: int = 1_000_000) -> httpx.Response:
    extensions: dict = {"max_bytes": max_bytes}
    if deadline is not None:
        extensions["deadline"] = deadline
    return http.get(URL, extensions=extensions)


# --- the deadline ------------------------------------------------------------------------------------


def test_each_attempt_gets_at_most_the_time_left() -> None:
    clock = Clock()
    deadline = Deadline(40, max_wait=20, clock=clock)
    seen: list[dict] = []

    def slow_then_ok(request: httpx.Request) -> httpx.Response:
        seen.append(dict(request.extensions["timeout"]))
        if len(seen) == 1:
            clock.now += 30  # the first attempt used up its whole read timeout
            raise httpx.ReadTimeout("slow", request=request)
        return httpx.Response(200, json={"ok": True})

    with transport_client(slow_then_ok, clock) as http:
        assert get(http, deadline).json() == {"ok": True}
    assert seen[0] == {"connect": 5.0, "read": 30.0, "write": 30.0, "pool": 30.0}
    assert seen[1] == {"connect": 5.0, "read": 9.5, "write": 9.5, "pool": 9.5}  # 40 - 30 - 0.5 backoff
    assert clock.sleeps == [0.5]


def test_a_hung_api_ends_at_the_deadline_not_after_all_retries() -> None:
    clock = Clock()
    attempts: list[float] = []

    def hang(request: httpx.Request) -> httpx.Response:
        read = request.extensions["timeout"]["read"]
        attempts.append(read)
        clock.now += read
        raise httpx.ReadTimeout("no answer", request=request)

    client = FineTuningClient(
        make_http_client(
            "https://api.openai.com/v1",
            read_timeout=30,
            max_retries=2,
            transport=httpx.MockTransport(hang),
            sleep=clock.sleep,
        ),
        openai_config(KEY),
        clock=clock,
    ).start_load()
    with pytest.raises(DeadlineExceededError, match=r"after 40 s, the time limit for one load") as info:
        client.get_job("ftjob-abc")
    assert KEY not in str(info.value)
    assert len(attempts) == 2 and attempts[0] == 30.0
    assert 9.5 <= attempts[1] <= 9.625  # what was left after one attempt and a 0.375-0.5 s backoff
    assert clock.now <= 40.0


def test_no_attempt_starts_once_the_deadline_has_passed() -> None:
    clock = Clock()
    deadline = Deadline(1, max_wait=1, clock=clock)
    clock.now = 2
    calls: list[httpx.Request] = []
    handler = lambda request: calls.append(request) or httpx.Response(200)  # noqa: E731
    with transport_client(handler, clock) as http, pytest.raises(httpx.TimeoutException, match="has passed"):
        get(http, deadline)
    assert calls == []


def test_a_trickled_body_stops_at_the_deadline() -> None:
    clock = Clock()
    deadline = Deadline(5, max_wait=5, clock=clock)

    def trickle() -> Iterator[bytes]:
        for byte in b'{"id": "ftjob-abc", "padding": "' + b"x" * 1000 + b'"}':
            clock.now += 0.1  # each byte arrives 0.1 s after the last: no read timeout ever trips
            yield bytes((byte,))

    sent: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(1)
        return httpx.Response(200, content=trickle())

    with transport_client(handler, clock) as http, pytest.raises(httpx.TimeoutException, match="time limit"):
        get(http, deadline)
    assert sent == [1]  # not retried: no time is left for another attempt
    assert 5.0 <= clock.now <= 5.1


# --- waits between retries --------------------------------------------------------------------------


def test_a_retry_after_that_does_not_fit_the_time_left_is_not_waited_for() -> None:
    clock = Clock()
    deadline = Deadline(40, max_wait=100, clock=clock)
    answers = iter([httpx.Response(429, headers={"retry-after": "45"}), httpx.Response(200)])
    with transport_client(lambda request: next(answers), clock) as http:
        assert get(http, deadline).status_code == 429
    assert clock.sleeps == []


def test_retry_waits_stop_at_the_cap_on_total_waiting() -> None:
    clock = Clock()
    deadline = Deadline(100, max_wait=20, clock=clock)
    calls: list[int] = []

    def limited(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(429, headers={"retry-after": "12"})

    with transport_client(limited, clock, max_retries=5) as http:
        assert get(http, deadline).status_code == 429
    assert clock.sleeps == [12.0]  # a second 12 s wait would make 24 s > 20 s
    assert len(calls) == 2


def test_the_rate_limit_message_says_when_to_try_again() -> None:
    clock = SkippingClock()
    transport = httpx.MockTransport(
        lambda request: httpx.Response(
            429,
            json={
                "error": {"message": "Rate limit reached.", "type": "requests", "code": "rate_limit_exceeded"}
            },
            headers={"retry-after": "50", "x-request-id": "req_1"},
        )
    )
    config = openai_config(KEY)
    http = make_http_client(
        config.base_url, read_timeout=30, max_retries=2, transport=transport, sleep=clock.sleep
    )
    client = FineTuningClient(http, config, clock=clock.now).start_load()
    with pytest.raises(RateLimitError) as info:
        client.get_job("ftjob-abc")
    assert str(info.value) == (
        "Rate limit reached. The API asks to wait 50 s before trying again, longer than this load could "
        "wait: press Refresh after that. (HTTP 429, request id req_1)"
    )
    assert clock.sleeps == []


def test_a_wait_the_retries_did_take_is_not_mentioned() -> None:
    clock = SkippingClock()
    transport = httpx.MockTransport(
        lambda request: httpx.Response(
            503, json={"error": {"message": "Busy."}}, headers={"retry-after": "2"}
        )
    )
    config = openai_config(KEY)
    http = make_http_client(
        config.base_url, read_timeout=30, max_retries=2, transport=transport, sleep=clock.sleep
    )
    with pytest.raises(ServerError) as info:
        FineTuningClient(http, config, clock=clock.now).start_load().get_job("ftjob-abc")
    assert info.value.message == "Busy."
    assert clock.sleeps == [2.0, 2.0]


def test_a_server_error_whose_backoff_does_not_fit_returns_at_once() -> None:
    clock = Clock()
    deadline = Deadline(0.4, max_wait=20, clock=clock)  # less than the first 0.5 s backoff
    with transport_client(lambda request: httpx.Response(503), clock) as http:
        assert get(http, deadline).status_code == 503
    assert clock.sleeps == []


# --- byte limits ---------------------------------------------------------------------------------------


def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_read() -> None:
    pulled: list[int] = []

    def body() -> Iterator[bytes]:
        pulled.append(1)
        yield b"x" * 10

    handler = lambda request: httpx.Response(200, headers={"content-length": "2000"}, content=body())  # noqa: E731
    with (
        transport_client(handler, Clock()) as http,
        pytest.raises(ResponseTooLargeError, match=r"larger than 0\.001 MB"),
    ):
        get(http, max_bytes=1000)
    assert pulled == []


def test_a_streamed_body_is_cut_off_as_soon_as_it_passes_the_limit() -> None:
    pulled: list[int] = []

    def endless() -> Iterator[bytes]:
        while True:
            pulled.append(1)
            yield b"x" * 100

    handler = lambda request: httpx.Response(200, content=endless())  # noqa: E731
    with transport_client(handler, Clock()) as http, pytest.raises(ResponseTooLargeError, match="/ftjob-abc"):
        get(http, max_bytes=1000)
    assert len(pulled) == 11  # 1,100 bytes: the first chunk past the limit


def test_the_limit_counts_decoded_bytes_so_a_small_gzip_cannot_inflate_past_it() -> None:
    bomb = gzip.compress(b"0" * 200_000)
    assert len(bomb) < 1_000
    handler = lambda request: httpx.Response(200, headers={"content-encoding": "gzip"}, content=bomb)  # noqa: E731
    with transport_client(handler, Clock()) as http, pytest.raises(ResponseTooLargeError):
        get(http, max_bytes=100_000)
    with transport_client(handler, Clock()) as http:
        response = get(http, max_bytes=300_000)
    assert response.content == b"0" * 200_000
    assert "content-encoding" not in response.headers


def test_an_oversized_answer_is_not_retried() -> None:
    calls: list[int] = []

    def big(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(500, content=b"x" * 5000)

    with transport_client(big, Clock()) as http, pytest.raises(ResponseTooLargeError):
        get(http, max_bytes=1000)
    assert calls == [1]


def test_json_pages_and_result_files_have_their_own_limits() -> None:
    body = b'{"id": "ftjob-abc", "padding": "' + b"x" * 3000 + b'"}'
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=body))
    config = openai_config(KEY, max_response_bytes=2000, max_file_bytes=5000)
    client = FineTuningClient(
        make_http_client(config.base_url, read_timeout=5, max_retries=0, transport=transport), config
    )
    with pytest.raises(ResponseTooLargeError, match=r"larger than 0\.002 MB"):
        client.get_job("ftjob-abc")
    assert client.file_content("file-abc") == body


# --- redaction before truncation ----------------------------------------------------------------------


def test_a_key_at_the_cut_of_a_plain_text_error_body_is_redacted_whole() -> None:
    # An Azure key is 32 hex digits: no key pattern matches it, only the exact key does. It straddles
    # character 200, where the plain-text message is cut: cutting first would leave its first half behind.
    azure_key = "0123456789abcdef0123456789abcdef"
    text = "x" * 183 + " " + azure_key + " trailing words"
    transport = httpx.MockTransport(
        lambda request: httpx.Response(502, text=text, headers={"content-type": "text/html"})
    )
    config = openai_config(azure_key, "https://r.openai.azure.com/openai/v1")
    http = make_http_client(config.base_url, read_timeout=5, max_retries=0, transport=transport)
    with pytest.raises(ServerError) as info:
        FineTuningClient(http, config).get_job("ftjob-abc")
    message = info.value.message
    assert len(message) <= 200
    assert azure_key[:8] not in message and azure_key not in str(info.value)
    assert "[redacted]" in message
