"""A clock whose sleeps are skipped: tests see retry waits counted against deadlines without waiting.

``now()`` is real monotonic time plus every skipped wait, so real I/O (a hung read) and skipped waits
(a backoff) add up the way a user would experience them.
"""

from __future__ import annotations

import time


class SkippingClock:
    """Pass ``sleep`` where code would sleep and ``now`` where it reads the time."""

    def __init__(self) -> None:
        self.skipped = 0.0
        self.sleeps: list[float] = []

    def now(self) -> float:
        return time.monotonic() + self.skipped

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.skipped += max(0.0, seconds)
