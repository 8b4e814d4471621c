"""Retries as the official SDKs do them, as an httpx transport so every request gets them.

The rules (see shared/api.md §4): at most ``max_retries`` retries; ``x-should-retry`` decides when
present; otherwise 408, 409, 429 and 5xx are retried, as are timeouts and connection errors; other
4xx never are. The wait honours ``retry-after-ms`` / ``Retry-After`` up to 60 s, else it is
exponential backoff (0.5 s · 2ⁿ, capped at 8 s) reduced by up to 25 % jitter.
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
from collections.abc import Callable

import httpx

logger = logging.getLogger(__name__)

RETRYABLE_STATUSES = frozenset({408, 409, 429})
MAX_SERVER_DELAY = 60.0
INITIAL_DELAY = 0.5
MAX_BACKOFF = 8.0


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


def server_delay(headers: httpx.Headers, *, now: float | None = None) -> float | None:
    """The delay the server asks for, in seconds, or None when it asks for none we honour."""
    millis = _seconds(headers.get("retry-after-ms"))
    delay = millis / 1000 if millis is not None else _seconds(headers.get("retry-after"))
    if delay is None and headers.get("retry-after"):
        try:
            when = email.utils.parsedate_to_datetime(headers["retry-after"])
        except (TypeError, ValueError):
            when = None
        if when is not None and when.tzinfo is not None:
            delay = when.timestamp() - (time.time() if now is None else now)
    if delay is not None and 0 < delay <= MAX_SERVER_DELAY:
        return delay
    return None


def backoff_delay(retries_taken: int, jitter: float) -> float:
    """Exponential backoff; ``jitter`` in [0, 1) shortens the wait by up to 25 %."""
    return min(INITIAL_DELAY * 2**retries_taken, MAX_BACKOFF) * (1 - 0.25 * jitter)


class RetryTransport(httpx.BaseTransport):
    """Wraps another transport and retries what the SDK rules say may be retried.

    The body is read inside the retry loop, so a read timeout mid-body is retried too.
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
        retries_taken = 0
        while True:
            try:
                response = self._inner.handle_request(request)
                response.read()
            except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
                if retries_taken >= self._max_retries:
                    raise
                delay = backoff_delay(retries_taken, self._jitter())
                reason = type(exc).__name__
            else:
                if response.is_success or retries_taken >= self._max_retries or not should_retry(response):
                    return response
                response.close()
                delay = server_delay(response.headers)
                if delay is None:
                    delay = backoff_delay(retries_taken, self._jitter())
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

    def close(self) -> None:
        self._inner.close()
