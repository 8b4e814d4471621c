"""A real HTTP stand-in for the fine-tuning read APIs of OpenAI, Azure OpenAI and Together AI, with faults.

It runs on 127.0.0.1 in a daemon thread so that in-process tests, benchmarks
and a separate `streamlit run` process can all talk to it over real sockets.
Behaviour follows /work/shared/api.md and /work/shared/providers.md; stdlib only.

- OpenAI at ``/v1/...`` (``base_url``): the jobs list, a job, its checkpoints and events, files.
- Azure OpenAI at ``/openai/v1/...`` and the dated ``/openai/...?api-version=`` (``azure_endpoint``): the same
  shapes, with the ``api-key`` header or a Microsoft Entra ID bearer token this server issued
  (:meth:`StandInServer.issue_entra_token`), never both and never an API key as a bearer token.
- Together AI at ``/together/v1/fine-tunes...`` (``together_base_url``): jobs, a job, its checkpoints,
  metrics and events, with a bearer key.
"""

from __future__ import annotations

import json
import re
import secrets
import socket
import struct
import sys
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal
from urllib.parse import parse_qsl, unquote, urlsplit

from .synthetic import SyntheticRun
from .together import TogetherRun

DEFAULT_API_KEY = "sk-test-standin"
_JSON = "application/json"
Provider = Literal["openai", "azure", "together"]
Run = SyntheticRun | TogetherRun
_OPENAI_SHAPED = (
    ("jobs", r"/fine_tuning/jobs"),
    ("job", r"/fine_tuning/jobs/([^/]+)"),
    ("checkpoints", r"/fine_tuning/jobs/([^/]+)/checkpoints"),
    ("events", r"/fine_tuning/jobs/([^/]+)/events"),
    ("file", r"/files/([^/]+)/content"),
)
_TOGETHER = (
    ("jobs", r"/fine-tunes"),
    ("job", r"/fine-tunes/([^/]+)"),
    ("checkpoints", r"/fine-tunes/([^/]+)/checkpoints"),
    ("metrics", r"/fine-tunes/([^/]+)/metrics"),
    ("events", r"/fine-tunes/([^/]+)/events"),
)
# (provider, path prefix, dated: needs api-version) and the endpoints under it
_PREFIXES: tuple[tuple[Provider, str, bool, tuple[tuple[str, str], ...]], ...] = (
    ("openai", "/v1", False, _OPENAI_SHAPED),
    ("azure", "/openai/v1", False, _OPENAI_SHAPED),
    ("azure", "/openai", True, _OPENAI_SHAPED),
    ("together", "/together/v1", False, _TOGETHER),
)
_ROUTES = tuple(
    (provider, dated, re.compile(re.escape(prefix) + pattern), endpoint)
    for provider, prefix, dated, endpoints in _PREFIXES
    for endpoint, pattern in endpoints
)
_DEFAULT_LIMIT = {"checkpoints": 10, "events": 20, "jobs": 20}
_AZURE_DENIED = (
    "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key "
    "for an active subscription and use a correct regional API endpoint for your resource."
)
_MISSING_KEY = (
    "You didn't provide an API key. You need to provide your API key in an Authorization "
    "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY). You can obtain an API "
    "key from https://platform.openai.com/account/api-keys."
)


FaultKind = Literal[
    "status",  # an OpenAI-shaped error with `status` and `headers` (e.g. 429 with Retry-After)
    "malformed_json",  # 200 with a JSON body cut off mid-way
    "body",  # 200 with `body` (e.g. an HTML page) as `content_type` instead of the answer
    "content_type",  # the normal answer, labelled `content_type`
    "headers",  # the normal answer with `headers` added (e.g. Set-Cookie)
    "hang",  # wait `hang_seconds` before answering normally (a hung API)
    "trickle",  # the normal answer, one byte every `interval` seconds
    "truncate",  # Content-Length of the whole answer, then half of it, then the connection closes
    "oversize",  # a 200 body of `size` bytes, with Content-Length or (`chunked`) streamed without one
    "drop_connection",  # close the connection without answering
    "reset",  # reset the connection (TCP RST) without answering
    "repeat_cursor",  # ignore `after`: the first page again, with has_more true
    "overlap",  # each page after the first starts with the item `after` named (duplicate ids)
    "has_more_always",  # has_more is true on every page, also the empty one after the end
    "empty_page",  # data [] with has_more true
]


@dataclass
class Fault:
    """A scripted misbehaviour for requests to one endpoint of one job (or of a provider's jobs list).

    It lets `skip` matching requests through untouched, then hits `times` of them (None: every one).
    """

    endpoint: Literal["jobs", "job", "checkpoints", "events", "file", "metrics", "any"]
    kind: FaultKind
    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)  # kind="status" or "headers"
    times: int | None = 1
    hang_seconds: float = 30.0  # kind="hang"
    skip: int = 0
    interval: float = 0.05  # kind="trickle": seconds between bytes
    size: int = 0  # kind="oversize": body bytes
    chunked: bool = False  # kind="oversize": no Content-Length, chunked transfer encoding
    body: bytes = b"<html><body><h1>502 Bad Gateway</h1></body></html>"  # kind="body"
    content_type: str = "text/html"  # kind="body" or "content_type"


@dataclass(frozen=True)
class RecordedRequest:
    """What the stand-in keeps of a request, so tests can assert on client behaviour."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # names lower-cased


Delivery = Literal["whole", "trickle", "truncate", "chunked", "drop", "reset"]


@dataclass(frozen=True)
class _Reply:
    status: int
    body: bytes
    content_type: str = _JSON
    headers: dict[str, str] = field(default_factory=dict)
    delivery: Delivery = "whole"
    interval: float = 0.0  # delivery="trickle": seconds between bytes


_DROP = _Reply(0, b"", delivery="drop")
_RESET = _Reply(0, b"", delivery="reset")


def _json_reply(status: int, payload: dict, headers: dict[str, str] | None = None) -> _Reply:
    body = json.dumps(payload, separators=(",", ":")).encode()
    return _Reply(status, body, _JSON, headers or {})


class _ApiError(Exception):
    """An OpenAI-shaped error response; raised anywhere while answering a request."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        error = {"message": message, "type": type, "param": param, "code": code}
        self.reply = _json_reply(status, {"error": error}, headers)

    @classmethod
    def scripted(cls, status: int, headers: dict[str, str]) -> _ApiError:
        """The body OpenAI sends for a status a Fault asks for."""
        if status == 429:
            return cls(
                429,
                "Rate limit reached for requests. Please try again later.",
                type="requests",
                code="rate_limit_exceeded",
                headers=headers,
            )
        if status >= 500:
            message = "The server had an error while processing your request. Sorry about that!"
            return cls(status, message, type="server_error", headers=headers)
        return cls(status, f"Scripted fault: HTTP {status}.", headers=headers)


@dataclass(frozen=True)
class _Route:
    provider: Provider
    endpoint: str
    ident: str  # the job or file id; "" for the jobs list
    dated: bool  # Azure's dated paths, which need api-version


def _route(path: str) -> _Route | None:
    """The provider, endpoint and id of a known path, else None."""
    for provider, dated, pattern, endpoint in _ROUTES:
        if match := pattern.fullmatch(path):
            return _Route(provider, endpoint, unquote(match.group(1)) if match.groups() else "", dated)
    return None


def _mask(key: str) -> str:
    """Hide a key the way OpenAI echoes it: first 6 + stars + last 3 (all stars if short)."""
    return key[:6] + "*" * (len(key) - 9) + key[-3:] if len(key) >= 12 else "*" * len(key)


Paging = Literal["normal", "repeat_cursor", "overlap", "has_more_always"]


def _page(
    items: list[dict], index: dict[str, int], query: dict[str, str], default_limit: int, paging: Paging
) -> tuple[list[dict], bool]:
    """One cursor page of a newest-first list, validated like the real API (or broken as `paging` says)."""
    raw_limit = query.get("limit", str(default_limit))
    try:
        limit = int(raw_limit)
    except ValueError:
        limit = 0
    if not 1 <= limit <= 100:
        message = f"Invalid 'limit': expected an integer from 1 to 100, got {raw_limit!r}."
        raise _ApiError(400, message, param="limit")
    begin = 0
    if "after" in query and paging != "repeat_cursor":
        if query["after"] not in index:
            raise _ApiError(400, f"Invalid 'after': no item with id {query['after']!r}.", param="after")
        begin = index[query["after"]] + (0 if paging == "overlap" else 1)
    data = items[begin : begin + limit]
    return data, paging in ("repeat_cursor", "has_more_always") or begin + limit < len(items)


def _padding(size: int) -> bytes:
    """A JSON object of exactly `size` bytes (at least 13)."""
    return b'{"padding":"' + b"x" * max(0, size - 14) + b'"}'


def _take_fault(faults: list[Fault], endpoint: str) -> Fault | None:
    """The first armed fault for `endpoint`, counting down its `skip`, then its `times`."""
    for fault in faults:
        if fault.endpoint in (endpoint, "any") and (fault.times is None or fault.times > 0):
            if fault.skip > 0:
                fault.skip -= 1
                continue
            if fault.times is not None:
                fault.times -= 1
            return fault
    return None


@dataclass
class _Job:
    run: Run
    faults: list[Fault]  # private copies; their `times` count down
    index: dict[str, dict[str, int]]  # endpoint -> item id -> position
    order: int  # when it was added: later-added jobs list first among jobs created at the same time

    def take_fault(self, endpoint: str) -> Fault | None:
        return _take_fault(self.faults, endpoint)


class StandInServer:
    """The stand-in API; use as a context manager or call start()/stop().

    ``together_page_size`` makes Together's jobs list and metrics answer in pages of that size with
    ``has_more`` (Together documents no paging; the dashboard pages defensively should it ever start).
    """

    def __init__(
        self,
        api_keys: Iterable[str] = (DEFAULT_API_KEY,),
        forbidden_keys: Iterable[str] = (),
        *,
        together_page_size: int | None = None,
    ) -> None:
        self._api_keys = frozenset(api_keys)
        self._forbidden_keys = frozenset(forbidden_keys)
        self._together_page_size = together_page_size
        self._entra_tokens: set[str] = set()
        self._lock = threading.Lock()
        self._jobs: dict[tuple[Provider, str], _Job] = {}
        self._list_faults: dict[Provider, list[Fault]] = {}
        self._file_owner: dict[tuple[Provider, str], str] = {}
        self._log: list[RecordedRequest] = []
        self._release = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:<port>``; known once started."""
        if self._httpd is None:
            raise RuntimeError("StandInServer is not started")
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def base_url(self) -> str:
        """Where clients point OPENAI_BASE_URL."""
        return f"{self.origin}/v1"

    @property
    def azure_endpoint(self) -> str:
        """Where clients point AZURE_OPENAI_ENDPOINT (paths continue with /openai/…)."""
        return self.origin

    @property
    def together_base_url(self) -> str:
        """Where clients point TOGETHER_BASE_URL."""
        return f"{self.origin}/together/v1"

    def start(self) -> StandInServer:
        if self._httpd is not None:
            raise RuntimeError("StandInServer is already started")
        self._release.clear()
        self._httpd = _HTTPServer(self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Release hanging handlers first so shutdown returns promptly."""
        if self._httpd is None:
            return
        self._release.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        assert self._thread is not None
        self._thread.join()
        self._httpd = self._thread = None

    def __enter__(self) -> StandInServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def add_run(
        self,
        run: Run,
        faults: Sequence[Fault] = (),
        *,
        job_id: str | None = None,
        provider: Provider | None = None,
    ) -> None:
        """Serve `run` under `job_id` (default: its own id), misbehaving as `faults` script.

        A :class:`TogetherRun` is served by Together's endpoints; a :class:`SyntheticRun` by OpenAI's, or by
        Azure's with ``provider="azure"``. A run whose job object or items lack their ids (a hostile
        variant) is still served: by `job_id`, and items without an id cannot be named by a cursor.
        """
        provider = provider or ("together" if isinstance(run, TogetherRun) else "openai")
        if (provider == "together") != isinstance(run, TogetherRun):
            raise ValueError("Together runs are served by the Together endpoints only")
        index = {}
        if isinstance(run, SyntheticRun):
            index = {
                "checkpoints": {item["id"]: i for i, item in enumerate(run.checkpoints) if "id" in item},
                "events": {item["id"]: i for i, item in enumerate(run.events) if "id" in item},
            }
        job_id = job_id or run.job["id"]
        with self._lock:
            self._jobs[(provider, job_id)] = _Job(
                run, [replace(fault) for fault in faults], index, len(self._jobs)
            )
            files = run.files if isinstance(run, SyntheticRun) else {}
            self._file_owner.update({(provider, file_id): job_id for file_id in files})

    def add_list_faults(self, faults: Sequence[Fault], provider: Provider = "openai") -> None:
        """Faults for `provider`'s jobs list (the only endpoint that belongs to no one job)."""
        with self._lock:
            self._list_faults.setdefault(provider, []).extend(replace(fault) for fault in faults)

    def issue_entra_token(self) -> str:
        """A Microsoft Entra ID access token this server accepts as Azure's bearer token (JWT-shaped)."""
        token = ".".join(secrets.token_urlsafe(24) for _ in range(3))
        with self._lock:
            self._entra_tokens.add(token)
        return token

    def reset(self) -> None:
        """Forget runs, faults, tokens and the request log (for a server shared across tests)."""
        with self._lock:
            self._jobs.clear()
            self._list_faults.clear()
            self._file_owner.clear()
            self._entra_tokens.clear()
            self._log.clear()

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._log)

    def count(self, endpoint: str, job_id: str | None = None, *, provider: Provider | None = None) -> int:
        """How many requests hit `endpoint` (of `job_id`, of `provider`, if given), faulted ones included."""
        with self._lock:
            routes = [_route(request.path) for request in self._log]
            return sum(
                1
                for route in routes
                if route
                and route.endpoint == endpoint
                and provider in (None, route.provider)
                and job_id in (None, self._job_of(route))
            )

    def _job_of(self, route: _Route) -> str:
        """The job a routed request belongs to: a file's producer ("" if unknown), else the id."""
        return (
            self._file_owner.get((route.provider, route.ident), "")
            if route.endpoint == "file"
            else route.ident
        )

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._log.append(request)

    def _authorize(self, provider: Provider, headers: dict[str, str]) -> None:
        scheme, _, token = headers.get("authorization", "").partition(" ")
        bearer = token.strip() if scheme.lower() == "bearer" else ""
        if provider == "azure":
            self._authorize_azure(bearer, headers.get("api-key", ""), "authorization" in headers)
            return
        key = bearer or (headers.get("api-key", "") if provider == "openai" else "")
        if not key:
            raise _ApiError(401, _MISSING_KEY, code="invalid_api_key")
        if key in self._forbidden_keys:
            message = "You have insufficient permissions for this operation."
            raise _ApiError(403, message, code="insufficient_permissions")
        if key not in self._api_keys:
            message = (
                f"Incorrect API key provided: {_mask(key)}. You can find your API key at "
                "https://platform.openai.com/account/api-keys."
            )
            raise _ApiError(401, message, code="invalid_api_key")

    def _authorize_azure(self, bearer: str, api_key: str, has_authorization: bool) -> None:
        """Azure takes ``api-key`` or an Entra ID bearer token; both, or a key as a token, is refused."""
        headers = {"x-ms-error-code": "401"}
        if api_key and has_authorization:
            raise _ApiError(
                401,
                "Send either the api-key header or an Authorization bearer token, not both.",
                code="401",
                headers=headers,
            )
        if api_key:
            if api_key in self._api_keys:
                return
            raise _ApiError(401, _AZURE_DENIED, code="401", headers=headers)
        with self._lock:
            issued = bearer in self._entra_tokens
        if not issued:
            raise _ApiError(
                401,
                _AZURE_DENIED if not bearer else "Invalid Microsoft Entra ID token.",
                code="401",
                headers=headers,
            )

    def _dispatch(self, method: str, path: str, query: dict[str, str], headers: dict[str, str]) -> _Reply:
        """The reply to one request (its delivery may be a dropped or reset connection)."""
        try:
            route = _route(path)
            self._authorize(route.provider if route else "openai", headers)
            if method != "GET":
                message = f"Method not allowed ({method} {path})"
                raise _ApiError(405, message, headers={"Allow": "GET"})
            if route is None or (route.dated and "api-version" not in query):
                raise _ApiError(404, "Resource not found" if route else f"Invalid URL ({method} {path})")
            with self._lock:
                if route.endpoint == "jobs":
                    job = None
                    fault = _take_fault(self._list_faults.get(route.provider, []), "jobs")
                else:
                    job = self._jobs.get((route.provider, self._job_of(route)))
                    fault = job.take_fault(route.endpoint) if job else None
            if fault is None:
                return self._serve(route, job, query, "normal")
            return self._faulty(fault, route, job, query)
        except _ApiError as error:
            return error.reply

    def _faulty(self, fault: Fault, route: _Route, job: _Job | None, query: dict[str, str]) -> _Reply:
        """The reply `fault` makes of a request."""
        kind = fault.kind
        if kind == "status":
            raise _ApiError.scripted(fault.status, fault.headers)
        if kind in ("drop_connection", "reset"):
            return _DROP if kind == "drop_connection" else _RESET
        if kind == "malformed_json":
            return _Reply(200, b'{"object": "list", "data": [')
        if kind == "body":
            return _Reply(200, fault.body, fault.content_type)
        if kind == "oversize":
            body = b"x" * fault.size if route.endpoint == "file" else _padding(fault.size)
            return _Reply(200, body, delivery="chunked" if fault.chunked else "whole")
        if kind == "empty_page":
            page: dict = {"object": "list", "data": [], "has_more": True}
            return _json_reply(
                200, page | ({"first_id": None, "last_id": None} if route.endpoint == "checkpoints" else {})
            )
        if kind == "hang":
            self._release.wait(fault.hang_seconds)
        paging: Paging = kind if kind in ("repeat_cursor", "overlap", "has_more_always") else "normal"
        reply = self._serve(route, job, query, paging)
        if kind == "content_type":
            return replace(reply, content_type=fault.content_type)
        if kind == "headers":
            return replace(reply, headers=reply.headers | fault.headers)
        if kind == "trickle":
            return replace(reply, delivery="trickle", interval=fault.interval)
        if kind == "truncate":
            return replace(reply, delivery="truncate")
        return reply

    def _serve(self, route: _Route, job: _Job | None, query: dict[str, str], paging: Paging) -> _Reply:
        """The normal answer for a routed GET."""
        if route.endpoint == "jobs":
            return self._jobs_list(route.provider, query, paging)
        if route.endpoint == "file":
            if job is None:
                raise _ApiError(404, f"No such File object: {route.ident}", param="id")
            assert isinstance(job.run, SyntheticRun)
            return _Reply(200, job.run.files[route.ident], "application/octet-stream")
        if job is None:
            if route.provider == "together":
                raise _ApiError(404, f"Fine-tune job {route.ident} not found", code="not_found")
            raise _ApiError(
                404,
                f"Could not find fine tune: {route.ident}",
                param="fine_tune_id",
                code="fine_tune_not_found",
            )
        if isinstance(job.run, TogetherRun):
            return self._together(route.endpoint, job.run, query)
        if route.endpoint == "job":
            return _json_reply(200, job.run.job)
        items = job.run.checkpoints if route.endpoint == "checkpoints" else job.run.events
        data, has_more = _page(
            items, job.index[route.endpoint], query, _DEFAULT_LIMIT[route.endpoint], paging
        )
        page = {"object": "list", "data": data, "has_more": has_more}
        if route.endpoint == "checkpoints":
            page |= {
                "first_id": data[0].get("id") if data else None,
                "last_id": data[-1].get("id") if data else None,
            }
        return _json_reply(200, page)

    def _jobs_list(self, provider: Provider, query: dict[str, str], paging: Paging) -> _Reply:
        """A provider's jobs: OpenAI and Azure newest first in cursor pages; Together all at once in the
        order they were added (its order is undocumented), or in pages when ``together_page_size`` is set."""
        with self._lock:
            jobs = [(job_id, job) for (owner, job_id), job in self._jobs.items() if owner == provider]
        if provider == "together":
            listed = [job.run.job for _, job in sorted(jobs, key=lambda pair: pair[1].order)]
            if self._together_page_size is None:
                return _json_reply(200, {"object": "list", "data": listed})
            index = {item["id"]: position for position, item in enumerate(listed)}
            limit = str(self._together_page_size)
            data, has_more = _page(listed, index, {**query, "limit": limit}, self._together_page_size, paging)
            return _json_reply(200, {"object": "list", "data": data, "has_more": has_more})
        newest = sorted(
            jobs, key=lambda pair: (pair[1].run.job.get("created_at") or 0, pair[1].order), reverse=True
        )
        listed = [{**job.run.job, "id": job_id} for job_id, job in newest]
        index = {item["id"]: position for position, item in enumerate(listed)}
        data, has_more = _page(listed, index, query, _DEFAULT_LIMIT["jobs"], paging)
        return _json_reply(200, {"object": "list", "data": data, "has_more": has_more})

    def _together(self, endpoint: str, run: TogetherRun, query: dict[str, str]) -> _Reply:
        if endpoint == "job":
            return _json_reply(200, run.job)
        if endpoint == "checkpoints":
            return _json_reply(200, {"object": "list", "data": run.checkpoints})
        if endpoint == "events":
            return _json_reply(200, {"object": "list", "data": run.events})
        records = run.metrics
        if "global_step_from" in query:
            start = int(query["global_step_from"])
            records = [record for record in records if record.get("train/global_step", 0) >= start]
        size = self._together_page_size
        if size is None:
            return _json_reply(200, {"metrics": records})
        steps = sorted({record["train/global_step"] for record in records})[:size]
        page = [record for record in records if record["train/global_step"] in steps]
        return _json_reply(200, {"metrics": page, "has_more": len(page) < len(records)})


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True  # a hanging handler must never keep the interpreter alive
    request_queue_size = 128  # benchmarks open many connections at once

    def __init__(self, standin: StandInServer) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.standin = standin

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that resets or abandons a connection (as fault tests make it do) is no server error."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    """Thin HTTP glue: record the request, ask the stand-in, write its reply."""

    protocol_version = "HTTP/1.1"  # keep-alive, like the real API and SDK pools
    disable_nagle_algorithm = True  # headers and body go out in two writes; avoid a 40 ms stall
    server: _HTTPServer

    def _handle(self) -> None:
        url = urlsplit(self.path)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        headers = {name.lower(): value for name, value in self.headers.items()}
        self.rfile.read(int(headers.get("content-length") or 0))  # keep the stream in sync
        standin = self.server.standin
        standin._record(RecordedRequest(self.command, url.path, query, headers))
        reply = standin._dispatch(self.command, url.path, query, headers)
        if reply.delivery in ("drop", "reset"):
            self.close_connection = True
            if reply.delivery == "reset":  # linger 0: closing sends RST instead of FIN
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.connection.close()
            return
        try:
            self.send_response(reply.status)
            self.send_header("x-request-id", f"req_{secrets.token_hex(16)}")
            self.send_header("content-type", reply.content_type)
            if reply.delivery == "chunked":
                self.send_header("transfer-encoding", "chunked")
            else:
                self.send_header("content-length", str(len(reply.body)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self._write_body(reply)
        except ConnectionError:  # the client gave up (e.g. after a hang); nothing to tell it
            self.close_connection = True

    def _write_body(self, reply: _Reply) -> None:
        release = self.server.standin._release
        if reply.delivery == "whole":
            self.wfile.write(reply.body)
        elif reply.delivery == "truncate":
            self.wfile.write(reply.body[: len(reply.body) // 2])
            self.close_connection = True
        elif reply.delivery == "chunked":
            for start in range(0, len(reply.body), 65_536):
                chunk = reply.body[start : start + 65_536]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.write(b"0\r\n\r\n")
        else:  # trickle, until done or the server stops
            for byte in reply.body:
                self.wfile.write(bytes((byte,)))
                self.wfile.flush()
                if release.wait(reply.interval):
                    self.close_connection = True
                    return

    # http.server dispatches on these names; non-GET methods get the 405 from _dispatch.
    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _handle  # noqa: N815

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet: test output should show only what tests print."""
