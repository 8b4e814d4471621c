"""The API clients: one pooled ``httpx.Client`` per base URL, credentials per request.

:class:`ApiClient` is the one way any source talks HTTP: one request method (GET or POST) with the
load's deadline, byte limits, typed errors and redaction; :class:`FineTuningClient` adds the OpenAI-shaped
fine-tuning endpoints that OpenAI and Azure OpenAI share.

Every cursor list is walked with the cursor rules of shared/api.md §5/§7: ``limit=100``, ``after=<last id>``,
stop when ``has_more`` is not true or a page is empty, and fail loudly on a repeated cursor or a runaway
page count (a proxy that ignores ``after`` would loop for ever). A walk yields its
:class:`ListProgress` after every page, so a caller keeps what arrived before a failure and can continue
from there later.

The pooled client is shared by every user of the server, so it holds nothing of anyone's: no
credentials (each request carries its own headers), and no cookies (its jar refuses them all).
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from http.cookiejar import CookieJar, CookiePolicy
from typing import Any, Self
from urllib.parse import quote

import httpx

from components.api.config import ApiConfig, reject_credentials
from components.api.deadline import LOAD, Clock, Deadline, DeadlineReached
from components.api.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    DeadlineExceededError,
    InvalidJobIdError,
    MalformedResponseError,
    PaginationError,
    ResponseTooLargeError,
    redact,
    status_error_class,
)
from components.api.limits import CONNECT_TIMEOUT, MEGABYTE
from components.api.pagination import Item, ListProgress
from components.api.retry import RetryTransport
from components.domain.ref import InvalidRunRefError, check_run_id
from components.text import ECHO_CHARS, ERROR_BODY_CHARS, MESSAGE_CHARS, clean, clip
from components.wording import count

PAGE_LIMIT = 100
MAX_CHECKPOINT_PAGES = 1_000
MAX_EVENT_PAGES = 2_000

PageCallback = Callable[[int, int], None]
"""Called after each page with (pages fetched, items so far): progress without Streamlit here."""
Pages = Iterator[tuple[ListProgress, list[Item]]]
"""A list walk: after each page, the progress so far and that page's items."""


# MLflow's searches, by what they list: runs are its jobs, logged models its checkpoints.
_MLFLOW_LISTS = {"runs": "jobs", "experiments": "jobs", "logged-models": "checkpoints"}
INFERENCE = ("one answer", "DASHBOARD_INFERENCE_DEADLINE")


class RequestLog:
    """The requests one load sent, by what each read: the cost of a refresh, reported to the page.

    Counted as sent by this client (a retry of the same request is not counted again); thread-safe.
    """

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def record(self, path: str) -> None:
        with self._lock:
            self._counts[request_kind(path)] += 1

    @property
    def total(self) -> int:
        with self._lock:
            return sum(self._counts.values())

    def counts(self) -> dict[str, int]:
        """Requests per kind: job, checkpoints, events, metrics, file, chat or jobs (the list)."""
        with self._lock:
            return dict(self._counts)


def request_kind(path: str) -> str:
    """What a request path reads, in one word: the last segment of a list, ``file``, ``chat`` or ``job``."""
    parts = path.strip("/").split("/")
    last = parts[-1]
    if last in ("checkpoints", "events", "metrics"):
        return last
    if last.startswith("get-history"):  # MLflow's metric histories
        return "metrics"
    if parts[0] in _MLFLOW_LISTS and last == "search":
        return _MLFLOW_LISTS[parts[0]]
    if last == "content":
        return "file"
    if last == "completions":
        return "chat"
    return "jobs" if last in ("jobs", "fine-tunes") else "job"


def validate_id(value: str, what: str = "job ID") -> str:
    """Return the id stripped of blanks, or raise: ids become one URL path segment, nothing more."""
    try:
        return check_run_id(value, what)
    except InvalidRunRefError as exc:
        raise InvalidJobIdError(str(exc)) from None


def segment(value: str, what: str = "job ID") -> str:
    """A checked id, percent-encoded as one URL path segment."""
    return quote(validate_id(value, what), safe="")


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


class ApiClient:
    """Talks to one API with one credential: every request of every source goes through :meth:`request`.

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
        log: RequestLog | None = None,
    ) -> None:
        self._http = http
        self._config = config
        self._clock = clock
        self._deadline = deadline
        self._log = log

    @property
    def config(self) -> ApiConfig:
        return self._config

    def start_load(self, *, log: RequestLog | None = None) -> Self:
        """The same connections and credential, with a deadline of ``limits.load_deadline`` starting now;
        ``log`` counts the requests this load sends."""
        limits = self._config.limits
        deadline = Deadline(
            limits.load_deadline, max_wait=limits.max_retry_wait, clock=self._clock, budget=LOAD
        )
        return type(self)(self._http, self._config, clock=self._clock, deadline=deadline, log=log)

    def start_answer(self) -> Self:
        """The same connections and credential, with a deadline of ``limits.inference_deadline`` for one
        model's answer, starting now."""
        limits = self._config.limits
        deadline = Deadline(
            limits.inference_deadline, max_wait=limits.max_retry_wait, clock=self._clock, budget=INFERENCE
        )
        return type(self)(self._http, self._config, clock=self._clock, deadline=deadline)

    def out_of_time(self) -> bool:
        """Whether this client's load has used up its deadline (never, without one)."""
        return self._deadline is not None and self._deadline.expired()

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        accept: str | None = None,
        max_bytes: int | None = None,
    ) -> httpx.Response:
        """One request (retried by the transport as the SDKs do), its body read within ``max_bytes``.

        Any failure is a typed :class:`FineTuningAPIError` whose message is safe to show.
        """
        headers, query, extensions = self._prepare(path, params, accept, max_bytes)
        with self._translated_errors(path):
            response = self._http.request(
                method, path, params=query, json=json, headers=headers, extensions=extensions
            )
        if response.is_error or response.is_redirect:
            raise self._status_error(response)
        return response

    def stream_lines(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        accept: str = "text/event-stream",
        max_bytes: int | None = None,
    ) -> Iterator[str]:
        """The answer's lines as they arrive (a server-sent event stream), each without its line end.

        The same bounds as :meth:`request`: all the lines together stay within ``max_bytes`` (the limit for
        one answer by default), the deadline holds while they arrive, and a server that stops sending is
        given up after the read timeout. An error status is raised before the first line, as a typed error;
        closing the iterator early closes the connection.
        """
        headers, query, extensions = self._prepare(path, None, accept, max_bytes)
        extensions["stream"] = True
        limit = extensions["max_bytes"]
        with (
            self._translated_errors(path, streaming=True),
            self._http.stream(
                method, path, params=query, json=json, headers=headers, extensions=extensions
            ) as response,
        ):
            if response.is_error or response.is_redirect:
                raise self._status_error(response)
            yield from _lines(response.iter_bytes(), limit, self._deadline, response.request)

    def file_content(self, file_id: str) -> bytes:
        """The raw bytes of a file (a result CSV, a validation JSONL), within ``limits.max_file_bytes``."""
        path = f"files/{segment(file_id, 'file ID')}/content"
        limit = self._config.limits.max_file_bytes
        return self.request("GET", path, accept="application/binary", max_bytes=limit).content

    def _prepare(
        self, path: str, params: dict[str, Any] | None, accept: str | None, max_bytes: int | None
    ) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        """The headers, query and transport extensions of one request (and it is counted)."""
        headers = self._config.auth.headers()
        if accept:
            headers["Accept"] = accept
        query = dict(params or {})
        if self._config.api_version:
            query["api-version"] = self._config.api_version
        extensions: dict[str, Any] = {"max_bytes": max_bytes or self._config.limits.max_response_bytes}
        if self._deadline is not None:
            extensions["deadline"] = self._deadline
        if self._log is not None:
            self._log.record(path)
        return headers, query, extensions

    @contextmanager
    def _translated_errors(self, path: str, *, streaming: bool = False) -> Iterator[None]:
        """httpx's exceptions as the typed errors of this layer, with messages safe to show."""
        where = self._config.display_base_url
        try:
            yield
        except DeadlineReached:
            assert self._deadline is not None  # only a request with a deadline can reach it
            what, setting = self._deadline.budget
            raise DeadlineExceededError(
                f"Stopped waiting for {where} after {self._deadline.seconds:g} s, "
                f"the time limit for {what} ({setting})."
            ) from None
        except httpx.TimeoutException as exc:
            if self._deadline is not None and _cut_by_deadline(exc, self._config.limits.read_timeout):
                what, setting = self._deadline.budget
                raise DeadlineExceededError(
                    f"Stopped waiting for {where} after {self._deadline.seconds:g} s, "
                    f"the time limit for {what} ({setting})."
                ) from None
            if streaming and _answer_started(exc):
                raise APITimeoutError(
                    f"{where} stopped sending the answer: nothing arrived for "
                    f"{self._config.limits.read_timeout:g} s."
                ) from None
            raise APITimeoutError(
                f"{where} did not answer within {self._config.limits.read_timeout:g} s "
                f"({self._attempts(exc)})."
            ) from None
        except httpx.RemoteProtocolError as exc:
            if streaming and _answer_started(exc):
                raise APIConnectionError(
                    f"{where} closed the connection before the whole answer arrived."
                ) from None
            raise APIConnectionError(
                f"{where} closed the connection before a whole answer arrived ({self._attempts(exc)})."
            ) from None
        except httpx.TransportError as exc:
            reason = f"{type(exc).__name__}, {self._attempts(exc)}"
            raise APIConnectionError(f"Could not reach {where} ({reason}).") from None
        except httpx.DecodingError:
            raise MalformedResponseError(
                f"{where} answered {path} with a body whose compression is broken."
            ) from None

    def json_object(
        self, path: str, params: dict[str, Any] | None = None, *, method: str = "GET", json: Any = None
    ) -> dict[str, Any]:
        """The answer to one request as a JSON object, or MalformedResponseError."""
        response = self.request(method, path, params=params, json=json)
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

    def list_page(
        self, path: str, after: str | None = None, limit: int = PAGE_LIMIT
    ) -> tuple[list[Item], Any]:
        """One cursor page: its items (objects with string ids) and its ``has_more`` as sent."""
        params: dict[str, Any] = {"limit": limit}
        if after is not None:
            params["after"] = after
        return _page_items(self.json_object(path, params), path)

    def pages(self, path: str, start: ListProgress, max_pages: int) -> Pages:
        """A cursor list page by page from ``start``, by the rules of shared/api.md §5/§7."""
        progress = start
        what = path.rsplit("/", 1)[-1]
        while not progress.complete:
            if progress.pages >= max_pages:
                raise PaginationError(
                    f"Stopped after {max_pages:,} pages of {what} without reaching the end."
                )
            data, has_more = self.list_page(path, progress.after)
            if data and has_more is True and data[-1]["id"] in progress.cursors:
                cursor = clip(data[-1]["id"], ECHO_CHARS)
                raise PaginationError(
                    f"The server sent the same page twice (cursor after={cursor!r}) while listing {what}; it "
                    "may be a proxy that ignores the 'after' parameter."
                )
            progress = progress.next_page(data, has_more)
            yield progress, data

    def _attempts(self, exc: httpx.RequestError) -> str:
        """How many attempts the request made, as words ("2 attempts")."""
        try:
            made = exc.request.extensions.get("attempts")
        except RuntimeError:  # an error raised before the request was built
            made = None
        return count(made if isinstance(made, int) else self._config.limits.max_retries + 1, "attempt")

    def _status_error(self, response: httpx.Response) -> APIStatusError:
        message, code, error_type = _error_fields(response, self._config.auth.secrets())
        wait = response.request.extensions.get("unwaited_delay")
        if isinstance(wait, float | int):
            message += (
                f" The API asks to wait {_duration(wait)} before trying again, longer than this load could "
                "wait: press Refresh after that."
            )
        return status_error_class(response.status_code, code)(
            message,
            status=response.status_code,
            request_id=response.headers.get("x-request-id"),
            code=code,
            error_type=error_type,
        )


class FineTuningClient(ApiClient):
    """The OpenAI-shaped fine-tuning endpoints (OpenAI, and Azure OpenAI under its own base and auth)."""

    def get_job(self, job_id: str) -> dict[str, Any]:
        """The job object (status, model, hyperparameters, result files…)."""
        return self.json_object(f"fine_tuning/jobs/{segment(job_id)}")

    def jobs_page(self, after: str | None = None) -> tuple[list[Item], Any]:
        """One page of up to 100 of the organisation's jobs, newest first, after the job ``after``."""
        return self.list_page("fine_tuning/jobs", None if after is None else validate_id(after))

    def checkpoint_pages(
        self, job_id: str, start: ListProgress | None = None, *, max_pages: int = MAX_CHECKPOINT_PAGES
    ) -> Pages:
        """The job's checkpoints page by page (newest first), from ``start`` (default: the first page)."""
        return self.pages(
            f"fine_tuning/jobs/{segment(job_id)}/checkpoints", start or ListProgress(), max_pages
        )

    def event_pages(
        self, job_id: str, start: ListProgress | None = None, *, max_pages: int = MAX_EVENT_PAGES
    ) -> Pages:
        """The job's events (messages and per-step metrics) page by page, from ``start``."""
        return self.pages(f"fine_tuning/jobs/{segment(job_id)}/events", start or ListProgress(), max_pages)

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


def _collect(pages: Pages, on_page: PageCallback | None) -> list[Item]:
    items: list[Item] = []
    for progress, data in pages:
        items.extend(data)
        if on_page is not None:
            on_page(progress.pages, progress.count)
    return items


def _answer_started(exc: httpx.HTTPError) -> bool:
    """Whether the failure came after the answer's first bytes (a stream that stalled or was cut)."""
    try:
        return bool(exc.request.extensions.get("answer_started"))
    except RuntimeError:  # an error raised before the request was built
        return False


def _cut_by_deadline(exc: httpx.TimeoutException, read_timeout: float) -> bool:
    """Whether a read timed out after the deadline's time left (shorter than the configured read timeout)."""
    if not isinstance(exc, httpx.ReadTimeout):
        return False
    try:
        used = exc.request.extensions.get("timeout", {}).get("read")
    except RuntimeError:  # an error raised before the request was built
        return False
    return isinstance(used, int | float) and used < read_timeout


def _lines(
    chunks: Iterable[bytes], max_bytes: int, deadline: Deadline | None, request: httpx.Request
) -> Iterator[str]:
    """The lines of a streamed body as they complete (``\n`` or ``\r\n`` ends), decoded as UTF-8.

    A line is scanned once however the bytes arrive, so a server that sends one endless line costs the byte
    limit and no more; the deadline is checked as each chunk arrives.
    """
    buffer = bytearray()
    size = scanned = 0
    for chunk in chunks:
        request.extensions["answer_started"] = True
        size += len(chunk)
        if size > max_bytes:
            raise ResponseTooLargeError(
                f"The answer to {request.url.path} is larger than {max_bytes / MEGABYTE:g} MB, the most the "
                "dashboard reads in one answer of this kind."
            )
        if deadline is not None and deadline.expired():
            raise DeadlineReached("The time limit passed while the answer arrived.", request=request)
        buffer += chunk
        while (end := buffer.find(b"\n", scanned)) >= 0:
            yield bytes(buffer[:end]).rstrip(b"\r").decode("utf-8", "replace")
            del buffer[: end + 1]
            scanned = 0
        scanned = len(buffer)
    if buffer:
        yield bytes(buffer).rstrip(b"\r").decode("utf-8", "replace")


def _page_items(body: dict[str, Any], path: str) -> tuple[list[Item], Any]:
    data = body.get("data")
    if not isinstance(data, list) or not all(
        isinstance(item, dict) and isinstance(item.get("id"), str) for item in data
    ):
        raise MalformedResponseError(
            f"{path} answered with a list whose 'data' is not a list of objects with ids."
        )
    return data, body.get("has_more")


def _error_fields(response: httpx.Response, secrets: tuple[str, ...]) -> tuple[str, str | None, str | None]:
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
            clean(redact(error["message"], *secrets), MESSAGE_CHARS),
            code if isinstance(code, str) else None,
            error_type if isinstance(error_type, str) else None,
        )
    if isinstance(error, str):
        return clean(redact(error, *secrets), MESSAGE_CHARS), None, None
    text = clean(redact(response.text, *secrets), ERROR_BODY_CHARS)
    return text or (response.reason_phrase or "Error"), None, None


def _duration(seconds: float) -> str:
    """A wait in words: ``45 s``, ``3 min``, ``2 h``."""
    if seconds < 120:
        return f"{math.ceil(seconds)} s"
    return f"{seconds / 60:.0f} min" if seconds < 7200 else f"{seconds / 3600:.0f} h"


def _request_id_suffix(response: httpx.Response) -> str:
    request_id = response.headers.get("x-request-id")
    return f" (request id {request_id})." if request_id else "."
