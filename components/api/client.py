"""The fine-tuning API client: one pooled ``httpx.Client`` per base URL, credentials per request.

Every list is walked with the cursor rules of shared/api.md §5/§7: ``limit=100``, ``after=<last id>``,
stop when ``has_more`` is not true or a page is empty, and fail loudly on a repeated cursor or a runaway
page count (a proxy that ignores ``after`` would loop for ever). A walk yields its
:class:`ListProgress` after every page, so a caller keeps what arrived before a failure and can continue
from there later.

The pooled client is shared by every user of the server, so it holds nothing of anyone's: no
credentials (each request carries its own headers), and no cookies (its jar refuses them all).
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Iterator
from http.cookiejar import CookieJar, CookiePolicy
from typing import Any
from urllib.parse import quote

import httpx

from components.api.config import CONNECT_TIMEOUT, ApiConfig, reject_credentials
from components.api.deadline import Clock, Deadline, DeadlineReached
from components.api.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    DeadlineExceededError,
    InvalidJobIdError,
    MalformedResponseError,
    PaginationError,
    redact,
    status_error_class,
)
from components.api.pagination import Item, ListProgress
from components.api.retry import RetryTransport
from components.text import ECHO_CHARS, ERROR_BODY_CHARS, MESSAGE_CHARS, clean, clip
from components.wording import count

PAGE_LIMIT = 100
MAX_CHECKPOINT_PAGES = 1_000
MAX_EVENT_PAGES = 2_000
_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,128}")

PageCallback = Callable[[int, int], None]
"""Called after each page with (pages fetched, items so far): progress without Streamlit here."""
Pages = Iterator[tuple[ListProgress, list[Item]]]
"""A list walk: after each page, the progress so far and that page's items."""


def validate_id(value: str, what: str = "job ID") -> str:
    """Return the id stripped of blanks, or raise: ids become one URL path segment, nothing more."""
    text = value.strip() if isinstance(value, str) else ""
    if not _ID_PATTERN.fullmatch(text):
        raise InvalidJobIdError(
            f"{clip(text, ECHO_CHARS)!r} is not a valid {what}: use only letters, digits, '-' and '_' "
            "(for example ftjob-abc123)."
            if text
            else f"Enter a {what} (for example ftjob-abc123)."
        )
    return text


class _RefuseAllCookies(CookiePolicy):
    """A cookie policy that neither stores nor sends any cookie: the pooled client serves every user."""

    netscape, rfc2965, hide_cookie2 = True, False, False  # attributes CookieJar reads of any policy

    def set_ok(self, cookie: Any, request: Any) -> bool:
        return False

    def return_ok(self, cookie: Any, request: Any) -> bool:
        return False

    def domain_return_ok(self, domain: str, request: Any) -> bool:
        return False

    def path_return_ok(self, path: str, request: Any) -> bool:
        return False


def make_http_client(
    base_url: str,
    *,
    read_timeout: float,
    max_retries: int,
    transport: httpx.BaseTransport | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> httpx.Client:
    """A keep-alive client for one base URL; it holds no credentials and no cookies, so it may be shared."""
    reject_credentials(base_url)
    return httpx.Client(
        base_url=base_url,
        timeout=httpx.Timeout(read_timeout, connect=CONNECT_TIMEOUT),
        transport=RetryTransport(transport or httpx.HTTPTransport(), max_retries=max_retries, sleep=sleep),
        headers={"Accept": "application/json", "User-Agent": "ft-checkpoint-dashboard"},
        cookies=CookieJar(policy=_RefuseAllCookies()),
        follow_redirects=False,
    )


class FineTuningClient:
    """Reads one job's object, checkpoints, events and result files with one key.

    :meth:`start_load` gives a client for one load, bound to a fresh :class:`Deadline`; a client
    without one bounds each request (timeouts, bytes) but not their sum.
    """

    def __init__(
        self,
        http: httpx.Client,
        config: ApiConfig,
        *,
        clock: Clock = time.monotonic,
        deadline: Deadline | None = None,
    ) -> None:
        self._http = http
        self._config = config
        self._clock = clock
        self._deadline = deadline

    @property
    def config(self) -> ApiConfig:
        return self._config

    def start_load(self) -> FineTuningClient:
        """The same connections and key, with a deadline of ``config.load_deadline`` starting now."""
        deadline = Deadline(
            self._config.load_deadline, max_wait=self._config.max_retry_wait, clock=self._clock
        )
        return FineTuningClient(self._http, self._config, clock=self._clock, deadline=deadline)

    def out_of_time(self) -> bool:
        """Whether this client's load has used up its deadline (never, without one)."""
        return self._deadline is not None and self._deadline.expired()

    def get_job(self, job_id: str) -> dict[str, Any]:
        """The job object (status, model, hyperparameters, result files…)."""
        return self._get_json(f"fine_tuning/jobs/{quote(validate_id(job_id), safe='')}")

    def checkpoint_pages(
        self, job_id: str, start: ListProgress | None = None, *, max_pages: int = MAX_CHECKPOINT_PAGES
    ) -> Pages:
        """The job's checkpoints page by page (newest first), from ``start`` (default: the first page)."""
        path = f"fine_tuning/jobs/{quote(validate_id(job_id), safe='')}/checkpoints"
        return self._pages(path, start or ListProgress(), max_pages)

    def event_pages(
        self, job_id: str, start: ListProgress | None = None, *, max_pages: int = MAX_EVENT_PAGES
    ) -> Pages:
        """The job's events (messages and per-step metrics) page by page, from ``start``."""
        path = f"fine_tuning/jobs/{quote(validate_id(job_id), safe='')}/events"
        return self._pages(path, start or ListProgress(), max_pages)

    def list_checkpoints(
        self, job_id: str, *, on_page: PageCallback | None = None, max_pages: int = MAX_CHECKPOINT_PAGES
    ) -> list[Item]:
        """Every checkpoint of the job, in the server's order (newest first), all pages."""
        return _collect(self.checkpoint_pages(job_id, max_pages=max_pages), on_page)

    def list_events(
        self, job_id: str, *, on_page: PageCallback | None = None, max_pages: int = MAX_EVENT_PAGES
    ) -> list[Item]:
        """Every event of the job (messages and per-step metrics), all pages."""
        return _collect(self.event_pages(job_id, max_pages=max_pages), on_page)

    def file_content(self, file_id: str) -> bytes:
        """The raw bytes of a file, e.g. a job's result CSV (often base64 on OpenAI)."""
        path = f"files/{quote(validate_id(file_id, 'file ID'), safe='')}/content"
        return self._get(path, accept="application/binary", max_bytes=self._config.max_file_bytes).content

    def _pages(self, path: str, start: ListProgress, max_pages: int) -> Pages:
        progress = start
        what = path.rsplit("/", 1)[-1]
        while not progress.complete:
            if progress.pages >= max_pages:
                raise PaginationError(
                    f"Stopped after {max_pages:,} pages of {what} without reaching the end."
                )
            params: dict[str, Any] = {"limit": PAGE_LIMIT}
            if progress.after is not None:
                params["after"] = progress.after
            data, has_more = _page_items(self._get_json(path, params), path)
            if data and has_more is True and data[-1]["id"] in progress.cursors:
                cursor = clip(data[-1]["id"], ECHO_CHARS)
                raise PaginationError(
                    f"The server sent the same page twice (cursor after={cursor!r}) while listing {what}; it "
                    "may be a proxy that ignores the 'after' parameter."
                )
            progress = progress.next_page(data, has_more)
            yield progress, data

    def _get_json(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self._get(path, params)
        try:
            body = response.json()
        except (ValueError, RecursionError):
            raise MalformedResponseError(
                f"{self._config.display_base_url} answered {path} with a body that is not valid JSON"
                + _request_id_suffix(response)
            ) from None
        if not isinstance(body, dict):
            raise MalformedResponseError(f"{path} answered with JSON that is not an object.")
        return body

    def _get(
        self,
        path: str,
        params: dict[str, Any] | None = None,
        *,
        accept: str | None = None,
        max_bytes: int | None = None,
    ) -> httpx.Response:
        headers = self._config.auth_headers()
        if accept:
            headers["Accept"] = accept
        query = dict(params or {})
        if self._config.api_version:
            query["api-version"] = self._config.api_version
        extensions: dict[str, Any] = {"max_bytes": max_bytes or self._config.max_response_bytes}
        if self._deadline is not None:
            extensions["deadline"] = self._deadline
        try:
            response = self._http.get(path, params=query, headers=headers, extensions=extensions)
        except DeadlineReached:
            assert self._deadline is not None  # only a request with a deadline can reach it
            raise DeadlineExceededError(
                f"Stopped waiting for {self._config.display_base_url} after {self._deadline.seconds:g} s, "
                "the time limit for one load (DASHBOARD_LOAD_DEADLINE)."
            ) from None
        except httpx.TimeoutException as exc:
            raise APITimeoutError(
                f"{self._config.display_base_url} did not answer within {self._config.read_timeout:g} s "
                f"({self._attempts(exc)})."
            ) from None
        except httpx.RemoteProtocolError as exc:
            raise APIConnectionError(
                f"{self._config.display_base_url} closed the connection before a whole answer arrived "
                f"({self._attempts(exc)})."
            ) from None
        except httpx.TransportError as exc:
            reason = f"{type(exc).__name__}, {self._attempts(exc)}"
            raise APIConnectionError(f"Could not reach {self._config.display_base_url} ({reason}).") from None
        except httpx.DecodingError:
            raise MalformedResponseError(
                f"{self._config.display_base_url} answered {path} with a body whose compression is broken."
            ) from None
        if response.is_error or response.is_redirect:
            raise self._status_error(response)
        return response

    def _attempts(self, exc: httpx.RequestError) -> str:
        """How many attempts the request made, as words ("2 attempts")."""
        try:
            made = exc.request.extensions.get("attempts")
        except RuntimeError:  # an error raised before the request was built
            made = None
        return count(made if isinstance(made, int) else self._config.max_retries + 1, "attempt")

    def _status_error(self, response: httpx.Response) -> APIStatusError:
        message, code, error_type = _error_fields(response, self._config.api_key)
        wait = response.request.extensions.get("unwaited_delay")
        if isinstance(wait, float | int):
            message += (
                f" The API asks to wait {_duration(wait)} before trying again, longer than this load could "
                "wait: press Refresh after that."
            )
        return status_error_class(response.status_code)(
            message,
            status=response.status_code,
            request_id=response.headers.get("x-request-id"),
            code=code,
            error_type=error_type,
        )


def _collect(pages: Pages, on_page: PageCallback | None) -> list[Item]:
    items: list[Item] = []
    for progress, data in pages:
        items.extend(data)
        if on_page is not None:
            on_page(progress.pages, progress.count)
    return items


def _page_items(body: dict[str, Any], path: str) -> tuple[list[Item], Any]:
    data = body.get("data")
    if not isinstance(data, list) or not all(
        isinstance(item, dict) and isinstance(item.get("id"), str) for item in data
    ):
        raise MalformedResponseError(
            f"{path} answered with a list whose 'data' is not a list of objects with ids."
        )
    return data, body.get("has_more")


def _error_fields(response: httpx.Response, secret: str) -> tuple[str, str | None, str | None]:
    """The API's own ``error.message``/``code``/``type``, or a short plain-text fallback.

    The text is redacted before it is cut short, so a cut can never leave part of a key behind.
    """
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError, RecursionError):
        error = None
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        code, error_type = error.get("code"), error.get("type")
        return (
            clean(redact(error["message"], secret), MESSAGE_CHARS),
            code if isinstance(code, str) else None,
            error_type if isinstance(error_type, str) else None,
        )
    if isinstance(error, str):
        return clean(redact(error, secret), MESSAGE_CHARS), None, None
    text = clean(redact(response.text, secret), ERROR_BODY_CHARS)
    return text or (response.reason_phrase or "Error"), None, None


def _duration(seconds: float) -> str:
    """A wait in words: ``45 s``, ``3 min``, ``2 h``."""
    if seconds < 120:
        return f"{math.ceil(seconds)} s"
    return f"{seconds / 60:.0f} min" if seconds < 7200 else f"{seconds / 3600:.0f} h"


def _request_id_suffix(response: httpx.Response) -> str:
    request_id = response.headers.get("x-request-id")
    return f" (request id {request_id})." if request_id else "."
