"""The time budget of one load: an overall deadline, and a cap on how much of it may go to retry waits.

One :class:`Deadline` is started per load and travels with each of its requests (as the httpx request
extension ``"deadline"``), so the retry transport can cut every attempt's timeouts to the time left and
refuse a wait that would not fit. The clock is injectable so tests can skip waits instead of sleeping.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

Clock = Callable[[], float]


LOAD = ("one load", "DASHBOARD_LOAD_DEADLINE")


class Deadline:
    """``seconds`` from now for a whole load, of which at most ``max_wait`` may be spent waiting to retry.

    ``budget`` names what it bounds and the setting that sets it, for the message when it runs out: a load
    of a run (``DASHBOARD_LOAD_DEADLINE``) or one answer of a model (``DASHBOARD_INFERENCE_DEADLINE``).
    """

    def __init__(
        self,
        seconds: float,
        *,
        max_wait: float,
        clock: Clock = time.monotonic,
        budget: tuple[str, str] = LOAD,
    ) -> None:
        self.seconds = seconds
        self.max_wait = max_wait
        self.budget = budget
        self._clock = clock
        self._started = clock()
        self.waited = 0.0

    def elapsed(self) -> float:
        return self._clock() - self._started

    def remaining(self) -> float:
        """Seconds left, never negative."""
        return max(0.0, self.seconds - self.elapsed())

    def expired(self) -> bool:
        return self.remaining() <= 0

    def allows_wait(self, delay: float) -> bool:
        """Whether waiting ``delay`` s still leaves time for another attempt and stays within the wait cap."""
        return delay < self.remaining() and self.waited + delay <= self.max_wait

    def record_wait(self, delay: float) -> None:
        self.waited += delay


class DeadlineReached(httpx.TimeoutException):
    """Raised by the transport when a request cannot finish within its load's deadline."""
