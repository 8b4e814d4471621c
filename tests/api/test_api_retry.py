"""The retry rules of components/api/retry.py (shared/api.md §4, §7.4), without a network or real sleeps."""

from __future__ import annotations

import email.utils
from collections.abc import Callable, Iterator

import httpx
import pytest

from components.api.retry import RetryTransport, backoff_delay, server_delay, should_retry

NOW = 1_800_000_000.0
URL = "https://api.openai.com/v1/fine_tuning/jobs/ftjob-abc/checkpoints"


def response(status: int, **headers: str) -> httpx.Response:
    return httpx.Response(status, headers=headers)


# --- should_retry ---------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504, 529, 599])
def test_should_retry_retries_the_sdk_statuses(status: int) -> None:
    assert should_retry(response(status)) is True


@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 410, 418, 422])
def test_should_retry_never_retries_other_client_errors(status: int) -> None:
    assert should_retry(response(status)) is False


@pytest.mark.parametrize("value", ["true", "TRUE", " True "])
def test_x_should_retry_true_forces_a_retry_of_a_status_that_is_not_retried(value: str) -> None:
    assert should_retry(response(400, **{"x-should-retry": value})) is True
    assert should_retry(response(404, **{"x-should-retry": value})) is True


@pytest.mark.parametrize("value", ["false", "FALSE", " false"])
def test_x_should_retry_false_forbids_a_retry_of_a_retryable_status(value: str) -> None:
    for status in (408, 409, 429, 500, 503):
        assert should_retry(response(status, **{"x-should-retry": value})) is False


def test_x_should_retry_with_another_value_falls_back_to_the_status_rule() -> None:
    assert should_retry(response(500, **{"x-should-retry": "maybe"})) is True
    assert should_retry(response(400, **{"x-should-retry": "1"})) is False


# --- server_delay ---------------------------------------------------------------------------------


def delay_of(**headers: str) -> float | None:
    return server_delay(httpx.Headers(headers), now=NOW)


def http_date(timestamp: float) -> str:
    return email.utils.formatdate(timestamp, usegmt=True)


def test_server_delay_reads_retry_after_ms_as_milliseconds() -> None:
    assert delay_of(**{"retry-after-ms": "250"}) == pytest.approx(0.25)
    assert delay_of(**{"retry-after-ms": "1500.5"}) == pytest.approx(1.5005)


def test_retry_after_ms_wins_over_retry_after() -> None:
    assert delay_of(**{"retry-after-ms": "100", "retry-after": "7"}) == pytest.approx(0.1)


def test_garbage_retry_after_ms_falls_back_to_retry_after() -> None:
    assert delay_of(**{"retry-after-ms": "soon", "retry-after": "3"}) == pytest.approx(3.0)


def test_server_delay_reads_retry_after_as_seconds() -> None:
    assert delay_of(**{"retry-after": "2"}) == pytest.approx(2.0)
    assert delay_of(**{"retry-after": "0.75"}) == pytest.approx(0.75)
    assert delay_of(**{"retry-after": "60"}) == pytest.approx(60.0)


def test_server_delay_reads_retry_after_as_an_http_date() -> None:
    assert delay_of(**{"retry-after": http_date(NOW + 5)}) == pytest.approx(5.0)
    assert delay_of(**{"retry-after": http_date(NOW + 59)}) == pytest.approx(59.0)


@pytest.mark.parametrize(
    "headers",
    [
        {"retry-after-ms": "60001"},
        {"retry-after": "61"},
        {"retry-after": "3600"},
        {"retry-after": "inf"},
        {"retry-after": http_date(NOW + 120)},
    ],
    ids=["ms-over-60s", "61s", "1h", "inf", "date-2min-ahead"],
)
def test_server_delay_ignores_delays_over_sixty_seconds(headers: dict[str, str]) -> None:
    assert delay_of(**headers) is None


@pytest.mark.parametrize(
    "headers",
    [
        {"retry-after-ms": "0"},
        {"retry-after-ms": "-50"},
        {"retry-after": "0"},
        {"retry-after": "-3"},
        {"retry-after": http_date(NOW - 10)},
    ],
    ids=["ms-zero", "ms-negative", "zero", "negative", "date-in-past"],
)
def test_server_delay_ignores_zero_and_negative_delays(headers: dict[str, str]) -> None:
    assert delay_of(**headers) is None


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"retry-after": "soon"},
        {"retry-after": ""},
        {"retry-after": "nan"},
        {"retry-after-ms": "abc"},
        {"retry-after": "Wed, 99 Foo 2024 25:61:00 GMT"},
        {"retry-after": "Wed, 21 Oct 2015 07:28:00"},  # no zone: cannot be placed in time
    ],
    ids=["none", "word", "empty", "nan", "ms-word", "bad-date", "naive-date"],
)
def test_server_delay_ignores_garbage(headers: dict[str, str]) -> None:
    assert delay_of(**headers) is None


# --- backoff_delay --------------------------------------------------------------------------------


def test_backoff_doubles_from_half_a_second_and_caps_at_eight() -> None:
    delays = [backoff_delay(n, 0.0) for n in range(8)]
    assert delays == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0, 8.0]


@pytest.mark.parametrize("retries_taken", [0, 1, 2, 3, 4, 10])
def test_jitter_only_shortens_the_wait_by_at_most_a_quarter(retries_taken: int) -> None:
    full = backoff_delay(retries_taken, 0.0)
    assert backoff_delay(retries_taken, 0.5) == pytest.approx(full * 0.875)
    assert backoff_delay(retries_taken, 0.999999) == pytest.approx(full * 0.75, rel=1e-5)
    for jitter in (0.0, 0.1, 0.5, 0.9, 0.999999):
        assert 0.75 * full <= backoff_delay(retries_taken, jitter) <= full


# --- RetryTransport over MockTransport ------------------------------------------------------------


Step = httpx.Response | Exception


class Script:
    """A MockTransport handler that plays a list of responses/exceptions and counts the calls."""

    def __init__(self, steps: list[Step], *, repeat_last: bool = False) -> None:
        self._steps: Iterator[Step] = iter(steps)
        self._last: Step | None = steps[-1] if repeat_last else None
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        step = next(self._steps, self._last)
        if step is None:
            raise AssertionError("the transport asked for more attempts than scripted")
        if isinstance(step, Exception):
            raise step
        return httpx.Response(step.status_code, headers=step.headers, content=step.content)


def client(
    script: Script, sleeps: list[float], *, max_retries: int = 2, jitter: Callable[[], float] = lambda: 0.0
) -> httpx.Client:
    transport = RetryTransport(
        httpx.MockTransport(script), max_retries=max_retries, sleep=sleeps.append, jitter=jitter
    )
    return httpx.Client(transport=transport)


@pytest.mark.parametrize("max_retries", [0, 1, 2, 3, 5])
def test_retries_exactly_max_retries_times_then_returns_the_error_response(max_retries: int) -> None:
    script = Script([httpx.Response(503, json={"error": {"message": "busy"}})], repeat_last=True)
    sleeps: list[float] = []
    with client(script, sleeps, max_retries=max_retries) as http:
        result = http.get(URL)
    assert result.status_code == 503
    assert result.json() == {"error": {"message": "busy"}}
    assert len(script.requests) == max_retries + 1
    assert sleeps == [backoff_delay(n, 0.0) for n in range(max_retries)]


def test_backoff_waits_use_the_injected_jitter() -> None:
    script = Script([httpx.Response(500)], repeat_last=True)
    sleeps: list[float] = []
    with client(script, sleeps, max_retries=3, jitter=lambda: 1.0) as http:
        http.get(URL)
    assert sleeps == pytest.approx([0.375, 0.75, 1.5])


def test_honours_retry_after_ms_instead_of_backoff() -> None:
    script = Script(
        [
            httpx.Response(429, headers={"retry-after-ms": "20"}),
            httpx.Response(429, headers={"retry-after": "1.5"}),
            httpx.Response(200, json={"ok": True}),
        ]
    )
    sleeps: list[float] = []
    with client(script, sleeps) as http:
        result = http.get(URL)
    assert result.status_code == 200
    assert result.json() == {"ok": True}
    assert sleeps == pytest.approx([0.02, 1.5])


def test_a_server_delay_over_sixty_seconds_falls_back_to_backoff() -> None:
    script = Script([httpx.Response(429, headers={"retry-after": "3600"}), httpx.Response(200)])
    sleeps: list[float] = []
    with client(script, sleeps) as http:
        assert http.get(URL).status_code == 200
    assert sleeps == [0.5]


@pytest.mark.parametrize(
    "error",
    [
        httpx.ConnectTimeout("connect timed out"),
        httpx.ReadTimeout("read timed out"),
        httpx.ConnectError("connection refused"),
        httpx.ReadError("connection reset"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
    ],
    ids=lambda error: type(error).__name__,
)
def test_timeouts_and_connection_errors_are_retried_then_raised(error: Exception) -> None:
    script = Script([error], repeat_last=True)
    sleeps: list[float] = []
    with client(script, sleeps, max_retries=2) as http, pytest.raises(type(error)):
        http.get(URL)
    assert len(script.requests) == 3
    assert sleeps == [0.5, 1.0]


def test_a_transport_error_then_success_recovers() -> None:
    script = Script(
        [httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), httpx.Response(200, text="ok")]
    )
    sleeps: list[float] = []
    with client(script, sleeps) as http:
        result = http.get(URL)
    assert result.text == "ok"
    assert len(script.requests) == 3
    assert sleeps == [0.5, 1.0]


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_never_retries_other_client_errors(status: int) -> None:
    script = Script([httpx.Response(status, headers={"retry-after-ms": "1"})], repeat_last=True)
    sleeps: list[float] = []
    with client(script, sleeps, max_retries=5) as http:
        assert http.get(URL).status_code == status
    assert len(script.requests) == 1
    assert sleeps == []


def test_x_should_retry_false_stops_at_once() -> None:
    script = Script([httpx.Response(503, headers={"x-should-retry": "false"})], repeat_last=True)
    sleeps: list[float] = []
    with client(script, sleeps, max_retries=5) as http:
        assert http.get(URL).status_code == 503
    assert len(script.requests) == 1
    assert sleeps == []


def test_x_should_retry_true_retries_a_client_error() -> None:
    script = Script([httpx.Response(400, headers={"x-should-retry": "true"}), httpx.Response(200)])
    sleeps: list[float] = []
    with client(script, sleeps) as http:
        assert http.get(URL).status_code == 200
    assert len(script.requests) == 2


def test_a_success_after_two_server_errors_is_returned() -> None:
    page = {"object": "list", "data": [{"id": "ftckpt_1"}], "has_more": False}
    script = Script([httpx.Response(500), httpx.Response(502), httpx.Response(200, json=page)])
    sleeps: list[float] = []
    with client(script, sleeps, max_retries=2) as http:
        result = http.get(URL, params={"limit": 100})
    assert result.status_code == 200
    assert result.json() == page
    assert sleeps == [0.5, 1.0]
    # Every attempt is the same request: same URL, same query.
    assert [str(request.url) for request in script.requests] == [f"{URL}?limit=100"] * 3


def test_a_success_is_never_retried() -> None:
    script = Script([httpx.Response(200, text="first"), httpx.Response(200, text="second")])
    sleeps: list[float] = []
    with client(script, sleeps) as http:
        assert http.get(URL).text == "first"
    assert len(script.requests) == 1
    assert sleeps == []
