"""Retries as the official SDKs do them, and bounded bodies, as an httpx transport so every request gets them.

The rules (see shared/api.md §4): at most ``max_retries`` retries; ``x-should-retry`` decides when
present; otherwise 408, 409, 429 and 5xx are retried, as are timeouts and connection errors; other
4xx never are. The wait honours ``retry-after-ms`` / ``Retry-After`` up to 60 s, else it is
exponential backoff (0.5 s · 2ⁿ, capped at 8 s) reduced by up to 25 % jitter. Within a load's
:class:`Deadline` a wait is taken only if it fits the time left and the load's cap on waiting.
"""

from __future__ import annotations

import email.utils
import logging
import math
import random
import time
from collections.abc import Callable

import httpx

from components.api.deadline import Deadline, DeadlineReached
from components.api.errors import ResponseTooLargeError
from components.api.limits import DEFAULT_MAX_RESPONSE_MB, MEGABYTE

logger = logging.getLogger(__name__)

RETRYABLE_STATUSES = frozenset({408, 409, 429})
MAX_SERVER_DELAY = 60.0
INITIAL_DELAY = 0.5
MAX_BACKOFF = 8.0
DEFAULT_MAX_BYTES = round(DEFAULT_MAX_RESPONSE_MB * MEGABYTE)
_BODY_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})


def should_retry(response: httpx.Response) -> bool:
    """Whether an error response is worth another attempt."""
    forced = response.headers.get("x-should-retry", "").strip().lower()
    if forced in ("true", "false"):
        return forced == "true"
    return response.status_code in RETRYABLE_STATUSES or response.status_code >= 500


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


def asked_delay(headers: httpx.Headers, *, now: float | None = None) -> float | None:
    """The positive delay, in seconds, that ``retry-after-ms`` or ``Retry-After`` asks for, however long."""
    millis = _seconds(headers.get("retry-after-ms"))
    delay = millis / 1000 if millis is not None else _seconds(headers.get("retry-after"))
    if delay is None and headers.get("retry-after"):
        try:
            when = email.utils.parsedate_to_datetime(headers["retry-after"])
        except (TypeError, ValueError):
            when = None
        if when is not None and when.tzinfo is not None:
            delay = when.timestamp() - (time.time() if now is None else now)
    return delay if delay is not None and 0 < delay < math.inf else None


def server_delay(headers: httpx.Headers, *, now: float | None = None) -> float | None:
    """The delay the server asks for, in seconds, or None when it asks for none we honour (over 60 s)."""
    delay = asked_delay(headers, now=now)
    return delay if delay is not None and delay <= MAX_SERVER_DELAY else None


def backoff_delay(retries_taken: int, jitter: float) -> float:
    """Exponential backoff; ``jitter`` in [0, 1) shortens the wait by up to 25 %."""
    return min(INITIAL_DELAY * 2**retries_taken, MAX_BACKOFF) * (1 - 0.25 * jitter)


class RetryTransport(httpx.BaseTransport):
    """Wraps another transport, reads each body within bounds, and retries what the SDK rules allow.

    The body is read here, in chunks, so a read timeout mid-body is retried too, a body larger than
    the request's ``"max_bytes"`` extension is refused as soon as it is known to be, and a body trickled
    a byte at a time cannot outlive the request's ``"deadline"`` extension (a :class:`Deadline`). With a
    deadline, every attempt's timeouts are cut to the time left and a wait that does not fit is not
    taken: the last answer (or error) is returned instead, and a wait it did not take is set on the request
    as ``"unwaited_delay"`` (seconds). ``"attempts"`` is set on the request too.

    A request with the ``"stream"`` extension (a streamed chat answer) gets a successful response back
    unread, its read timeout cut to the deadline's time left: the caller reads it within the same bounds
    (:meth:`components.api.client.ApiClient.stream_lines`). Error answers are still read here and retried.
    """

    def __init__(
        self,
        inner: httpx.BaseTransport,
        *,
        max_retries: int = 2,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._inner = inner
        self._max_retries = max_retries
        self._sleep = sleep
        self._jitter = jitter

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        deadline: Deadline | None = request.extensions.get("deadline")
        max_bytes: int = request.extensions.get("max_bytes", DEFAULT_MAX_BYTES)
        timeouts: dict[str, float | None] = dict(request.extensions.get("timeout", {}))
        retries_taken = 0
        while True:
            _start_attempt(request, timeouts, deadline)
            request.extensions["attempts"] = retries_taken + 1
            try:
                response = self._inner.handle_request(request)
                if request.extensions.get("stream") and response.is_success:
                    _cut_read_timeout(request, deadline)
                    return response
                response = _read_body(response, request, deadline, max_bytes)
            except DeadlineReached:
                raise
            except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
                delay = backoff_delay(retries_taken, self._jitter())
                if retries_taken >= self._max_retries:
                    raise
                if not _fits(deadline, delay):
                    _raise_if_out_of_time(exc, request, deadline, delay)
                    raise
                reason = type(exc).__name__
            else:
                if response.is_success or retries_taken >= self._max_retries or not should_retry(response):
                    return response
                delay = server_delay(response.headers)
                if delay is None:
                    delay = backoff_delay(retries_taken, self._jitter())
                if not _fits(deadline, delay):
                    request.extensions["unwaited_delay"] = delay
                    return response
                reason = f"HTTP {response.status_code}"
            retries_taken += 1
            logger.info(
                "%s %s failed (%s); retry %d of %d in %.2f s",
                request.method,
                request.url.path,
                reason,
                retries_taken,
                self._max_retries,
                delay,
            )
            self._sleep(delay)
            if deadline is not None:
                deadline.record_wait(delay)

    def close(self) -> None:
        self._inner.close()


def _fits(deadline: Deadline | None, delay: float) -> bool:
    return deadline is None or deadline.allows_wait(delay)


def _raise_if_out_of_time(
    exc: Exception, request: httpx.Request, deadline: Deadline | None, delay: float
) -> None:
    """A timeout that leaves no time for another attempt is the deadline's doing: say so."""
    if isinstance(exc, httpx.TimeoutException) and deadline is not None and deadline.remaining() <= delay:
        raise DeadlineReached("No time is left in this load for another attempt.", request=request) from exc


def _clamped(timeouts: dict[str, float | None], limit: float) -> dict[str, float]:
    """Each httpx timeout (connect, read, write, pool) cut to ``limit`` seconds; None (no timeout) too."""
    return {name: limit if value is None else min(value, limit) for name, value in timeouts.items()}


def _start_attempt(
    request: httpx.Request, timeouts: dict[str, float | None], deadline: Deadline | None
) -> None:
    """Give the attempt the time left, or fail it at once when none is."""
    if deadline is None:
        return
    if deadline.expired():
        raise DeadlineReached("The load's time limit has passed.", request=request)
    request.extensions["timeout"] = _clamped(timeouts, deadline.remaining())


def _cut_read_timeout(request: httpx.Request, deadline: Deadline | None) -> None:
    """httpcore takes the body's read timeout when the body starts: cut it to the deadline's time left now."""
    if deadline is not None:
        timeouts = dict(request.extensions.get("timeout", {}))
        request.extensions["timeout"] = _clamped(timeouts, deadline.remaining())


def _read_body(
    response: httpx.Response, request: httpx.Request, deadline: Deadline | None, max_bytes: int
) -> httpx.Response:
    """The response with its (decoded) body in memory: at most ``max_bytes``, and never past the deadline."""
    chunks: list[bytes] = []
    try:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise ResponseTooLargeError(_too_large(request, max_bytes))
        _cut_read_timeout(request, deadline)
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > max_bytes:
                raise ResponseTooLargeError(_too_large(request, max_bytes))
            if deadline is not None and deadline.expired():
                raise DeadlineReached(
                    "The load's time limit passed while the answer arrived.", request=request
                )
            chunks.append(chunk)
    finally:
        response.close()
    # The body is decoded now: its encoding and length headers no longer describe it.
    headers = [(name, value) for name, value in response.headers.multi_items() if name not in _BODY_HEADERS]
    return httpx.Response(
        response.status_code,
        headers=headers,
        content=b"".join(chunks),
        request=request,
        extensions=response.extensions,
    )


def _too_large(request: httpx.Request, max_bytes: int) -> str:
    return (
        f"The answer to {request.url.path} is larger than {max_bytes / MEGABYTE:g} MB, the most the "
        "dashboard reads in one answer of this kind."
    )
