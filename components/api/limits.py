"""The bounds every API source shares: time per attempt and per load, retries, and bytes per answer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from components.api.settings import Settings

DEFAULT_READ_TIMEOUT = 30.0
CONNECT_TIMEOUT = 5.0
DEFAULT_MAX_RETRIES = 2
# A hung API must reach a clear message within 45 s: one 30 s attempt, a short backoff, and a second
# attempt cut to what is left of 40 s.
DEFAULT_LOAD_DEADLINE = 40.0
DEFAULT_MAX_RETRY_WAIT = 20.0
# One model's answer to one prompt, streamed or not: long answers of slow models take a minute or more.
DEFAULT_INFERENCE_DEADLINE = 120.0
MEGABYTE = 1_000_000
# A page of 100 checkpoints or events is well under 1 MB; a 100,000-step result file about 10 MB (base64).
DEFAULT_MAX_RESPONSE_MB = 8.0
DEFAULT_MAX_FILE_MB = 32.0


@dataclass(frozen=True)
class Limits:
    """How long and how much one load of a run may take, whatever the source."""

    read_timeout: float = DEFAULT_READ_TIMEOUT  # seconds per attempt (connect: CONNECT_TIMEOUT)
    max_retries: int = DEFAULT_MAX_RETRIES
    load_deadline: float = DEFAULT_LOAD_DEADLINE  # seconds one whole load may take, retries included
    max_retry_wait: float = DEFAULT_MAX_RETRY_WAIT  # seconds one load may spend waiting between retries
    max_response_bytes: int = round(DEFAULT_MAX_RESPONSE_MB * MEGABYTE)  # one JSON answer
    max_file_bytes: int = round(DEFAULT_MAX_FILE_MB * MEGABYTE)  # one result file, upload or run file
    inference_deadline: float = DEFAULT_INFERENCE_DEADLINE  # seconds one model's answer may take


def resolve_limits(env: Mapping[str, Any], secrets: Mapping[str, Any]) -> Limits:
    """The limits from the environment, then secrets (names and ranges in the README)."""
    settings = Settings(env, secrets)
    return Limits(
        read_timeout=settings.number("OPENAI_TIMEOUT", DEFAULT_READ_TIMEOUT, 0.05, 600),
        max_retries=settings.whole("OPENAI_MAX_RETRIES", DEFAULT_MAX_RETRIES, 0, 10),
        load_deadline=settings.number("DASHBOARD_LOAD_DEADLINE", DEFAULT_LOAD_DEADLINE, 0.1, 3600),
        max_retry_wait=settings.number("DASHBOARD_MAX_RETRY_WAIT", DEFAULT_MAX_RETRY_WAIT, 0, 3600),
        max_response_bytes=round(
            settings.number("DASHBOARD_MAX_RESPONSE_MB", DEFAULT_MAX_RESPONSE_MB, 0.001, 1024) * MEGABYTE
        ),
        max_file_bytes=round(
            settings.number("DASHBOARD_MAX_FILE_MB", DEFAULT_MAX_FILE_MB, 0.001, 4096) * MEGABYTE
        ),
        inference_deadline=settings.number(
            "DASHBOARD_INFERENCE_DEADLINE", DEFAULT_INFERENCE_DEADLINE, 0.1, 3600
        ),
    )
