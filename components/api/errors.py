"""Typed errors of the API client.

Each error's ``str()`` is safe to show to a user: it carries the API's own message, the HTTP status
and the request id, and never a credential (server messages pass through :func:`redact`).
"""

from __future__ import annotations

import re

from components.errors import DashboardError, MalformedDataError

# OpenAI echoes a masked key in 401 messages ("sk-abc***xyz"); we show none of it.
_KEY_LIKE = re.compile(r"\b(?:sk|key)-[A-Za-z0-9_*.\-]{2,}")


def redact(text: str, *secrets: str | None) -> str:
    """Remove every given secret, and anything shaped like an API key, from ``text``.

    Call it on the whole text before cutting it short: a cut can split a key so that no rule matches it.
    """
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    return _KEY_LIKE.sub("[redacted key]", text)


class FineTuningAPIError(DashboardError):
    """Base class: anything that stops the dashboard from reading a run from an API."""


class InvalidJobIdError(FineTuningAPIError, ValueError):
    """The job id is not a single path segment of letters, digits, ``-`` and ``_``."""


class APIStatusError(FineTuningAPIError):
    """The API answered with an error status (after any retries)."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        request_id: str | None = None,
        code: str | None = None,
        error_type: str | None = None,
    ) -> None:
        self.message = message
        self.status = status
        self.request_id = request_id
        self.code = code
        self.error_type = error_type
        suffix = f" (HTTP {status}" + (f", request id {request_id})" if request_id else ")")
        super().__init__(message + suffix)


class BadRequestError(APIStatusError):
    """400 and any other 4xx without a class of its own."""


class AuthenticationError(APIStatusError):
    """401: the key is missing, wrong or revoked."""


class PermissionDeniedError(APIStatusError):
    """403: the key may not read this job (wrong organisation or project)."""


class PlatformClosedError(PermissionDeniedError):
    """The provider no longer takes fine-tuning jobs here (403 ``training_not_available``): a platform
    closing, not a request that failed. OpenAI sends it on job creation; whether reads ever answer it is
    UNCONFIRMED, so it is recognised on any request."""


CLOSED_PLATFORM_CODES = frozenset({"training_not_available"})
"""Error codes that mean the fine-tuning platform is closed to this organisation. Only OpenAI's
``training_not_available`` is known (shared/api.md, and the message users quote: "OpenAI is winding down
the fine-tuning platform and your organization is no longer able to create new fine-tuning training
jobs."); Azure's equivalent is not documented."""


class NotFoundError(APIStatusError):
    """404: no such job, or not visible to this key."""


class RateLimitError(APIStatusError):
    """429 that outlasted the retries."""


class ServerError(APIStatusError):
    """5xx that outlasted the retries."""


class APITimeoutError(FineTuningAPIError):
    """The server did not answer in time, on every attempt."""


class DeadlineExceededError(APITimeoutError):
    """The load ran out of its overall time (``DASHBOARD_LOAD_DEADLINE``), whatever each request took."""


class APIConnectionError(FineTuningAPIError):
    """The server could not be reached, on every attempt."""


class CredentialError(FineTuningAPIError):
    """No credential could be obtained for a request (e.g. Microsoft Entra ID sign-in failed)."""


class MalformedResponseError(FineTuningAPIError, MalformedDataError):
    """The server answered 2xx with a body that is not the documented shape."""


class ResponseTooLargeError(FineTuningAPIError):
    """An answer is larger than the byte limit for its kind (JSON page or result file)."""


class PaginationError(FineTuningAPIError):
    """The cursor walk did not end: a repeated cursor or too many pages."""


_STATUS_CLASSES: dict[int, type[APIStatusError]] = {
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    429: RateLimitError,
}


def status_error_class(status: int, code: str | None = None) -> type[APIStatusError]:
    """The error class for an HTTP status, as the official SDK maps them; a 4xx whose ``code`` says the
    fine-tuning platform is closed is a :class:`PlatformClosedError` whatever its status."""
    if 400 <= status < 500 and code in CLOSED_PLATFORM_CODES:
        return PlatformClosedError
    if status >= 500:
        return ServerError
    return _STATUS_CLASSES.get(status, BadRequestError if 400 <= status < 500 else APIStatusError)
