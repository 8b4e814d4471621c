"""The fine-tuning API client: one pooled ``httpx.Client`` per base URL, credentials per request.

Every list is walked to its end with the cursor rules of shared/api.md §5/§7: ``limit=100``,
``after=<last id>``, stop when ``has_more`` is not true or a page is empty, and fail loudly on a
repeated cursor or a runaway page count (a proxy that ignores ``after`` would loop for ever).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import httpx

from components.api.config import CONNECT_TIMEOUT, ApiConfig
from components.api.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    InvalidJobIdError,
    MalformedResponseError,
    PaginationError,
    redact,
    status_error_class,
)
from components.api.retry import RetryTransport
from components.wording import count

PAGE_LIMIT = 100
MAX_CHECKPOINT_PAGES = 1_000
MAX_EVENT_PAGES = 2_000
_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,128}")

PageCallback = Callable[[int, int], None]
"""Called after each page with (pages fetched, items so far): progress without Streamlit here."""


def validate_id(value: str, what: str = "job ID") -> str:
    """Return the id stripped of blanks, or raise: ids become one URL path segment, nothing more."""
    text = value.strip() if isinstance(value, str) else ""
    if not _ID_PATTERN.fullmatch(text):
        shown = text[:40] + ("…" if len(text) > 40 else "")
        raise InvalidJobIdError(
            f"{shown!r} is not a valid {what}: use only letters, digits, '-' and '_' "
            "(for example ftjob-abc123)."
            if text
            else f"Enter a {what} (for example ftjob-abc123)."
        )
    return text


def make_http_client(
    base_url: str,
    *,
    read_timeout: float,
    max_retries: int,
    transport: httpx.BaseTransport | None = None,
) -> httpx.Client:
    """A keep-alive client for one base URL; it holds no credentials, so it may be shared."""
    return httpx.Client(
        base_url=base_url,
        timeout=httpx.Timeout(read_timeout, connect=CONNECT_TIMEOUT),
        transport=RetryTransport(transport or httpx.HTTPTransport(), max_retries=max_retries),
        headers={"Accept": "application/json", "User-Agent": "ft-checkpoint-dashboard"},
        follow_redirects=False,
    )


class FineTuningClient:
    """Reads one job's object, checkpoints, events and result files with one key."""

    def __init__(self, http: httpx.Client, config: ApiConfig) -> None:
        self._http = http
        self._config = config

    def get_job(self, job_id: str) -> dict[str, Any]:
        """The job object (status, model, hyperparameters, result files…)."""
        return self._get_json(f"fine_tuning/jobs/{quote(validate_id(job_id), safe='')}")

    def list_checkpoints(
        self, job_id: str, *, on_page: PageCallback | None = None, max_pages: int = MAX_CHECKPOINT_PAGES
    ) -> list[dict[str, Any]]:
        """Every checkpoint of the job, in the server's order (newest first), all pages."""
        path = f"fine_tuning/jobs/{quote(validate_id(job_id), safe='')}/checkpoints"
        return self._paginate(path, on_page, max_pages)

    def list_events(
        self, job_id: str, *, on_page: PageCallback | None = None, max_pages: int = MAX_EVENT_PAGES
    ) -> list[dict[str, Any]]:
        """Every event of the job (messages and per-step metrics), all pages."""
        path = f"fine_tuning/jobs/{quote(validate_id(job_id), safe='')}/events"
        return self._paginate(path, on_page, max_pages)

    def file_content(self, file_id: str) -> bytes:
        """The raw bytes of a file, e.g. a job's result CSV (often base64 on OpenAI)."""
        path = f"files/{quote(validate_id(file_id, 'file ID'), safe='')}/content"
        return self._get(path, accept="application/binary").content

    def _paginate(self, path: str, on_page: PageCallback | None, max_pages: int) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        cursors: set[str] = set()
        after: str | None = None
        for page_number in range(1, max_pages + 1):
            params: dict[str, Any] = {"limit": PAGE_LIMIT}
            if after is not None:
                params["after"] = after
            data, has_more = _page_items(self._get_json(path, params), path)
            items.extend(data)
            if on_page is not None:
                on_page(page_number, len(items))
            if not data or has_more is not True:
                return items
            after = data[-1]["id"]
            if after in cursors:
                raise PaginationError(
                    f"The server sent the same page twice (cursor after={after[:40]!r}) while listing "
                    f"{path.rsplit('/', 1)[-1]}; it may be a proxy that ignores the 'after' parameter."
                )
            cursors.add(after)
        raise PaginationError(
            f"Stopped after {max_pages:,} pages of {path.rsplit('/', 1)[-1]} without reaching the end."
        )

    def _get_json(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self._get(path, params)
        try:
            body = response.json()
        except ValueError:
            raise MalformedResponseError(
                f"{self._config.display_base_url} answered {path} with a body that is not valid JSON"
                + _request_id_suffix(response)
            ) from None
        if not isinstance(body, dict):
            raise MalformedResponseError(f"{path} answered with JSON that is not an object.")
        return body

    def _attempts(self) -> str:
        return count(self._config.max_retries + 1, "attempt")

    def _get(
        self, path: str, params: dict[str, Any] | None = None, *, accept: str | None = None
    ) -> httpx.Response:
        headers = self._config.auth_headers()
        if accept:
            headers["Accept"] = accept
        query = dict(params or {})
        if self._config.api_version:
            query["api-version"] = self._config.api_version
        try:
            response = self._http.get(path, params=query, headers=headers)
        except httpx.TimeoutException:
            raise APITimeoutError(
                f"{self._config.display_base_url} did not answer within {self._config.read_timeout:g} s "
                f"({self._attempts()})."
            ) from None
        except httpx.TransportError as exc:
            raise APIConnectionError(
                f"Could not reach {self._config.display_base_url} ({type(exc).__name__}, {self._attempts()})."
            ) from None
        if response.is_error or response.is_redirect:
            raise self._status_error(response)
        return response

    def _status_error(self, response: httpx.Response) -> APIStatusError:
        message, code, error_type = _error_fields(response)
        return status_error_class(response.status_code)(
            redact(message, self._config.api_key),
            status=response.status_code,
            request_id=response.headers.get("x-request-id"),
            code=code,
            error_type=error_type,
        )


def _page_items(body: dict[str, Any], path: str) -> tuple[list[dict[str, Any]], Any]:
    data = body.get("data")
    if not isinstance(data, list) or not all(
        isinstance(item, dict) and isinstance(item.get("id"), str) for item in data
    ):
        raise MalformedResponseError(
            f"{path} answered with a list whose 'data' is not a list of objects with ids."
        )
    return data, body.get("has_more")


def _error_fields(response: httpx.Response) -> tuple[str, str | None, str | None]:
    """The API's own ``error.message``/``code``/``type``, or a short plain-text fallback."""
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        error = None
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        code, error_type = error.get("code"), error.get("type")
        return (
            error["message"],
            code if isinstance(code, str) else None,
            error_type if isinstance(error_type, str) else None,
        )
    if isinstance(error, str):
        return error, None, None
    text = " ".join(response.text.split())[:200]
    return text or (response.reason_phrase or "Error"), None, None


def _request_id_suffix(response: httpx.Response) -> str:
    request_id = response.headers.get("x-request-id")
    return f" (request id {request_id})." if request_id else "."
