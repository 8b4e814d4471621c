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
- Chat completions (``POST …/chat/completions``; on Azure's dated paths
  ``/openai/deployments/{name}/chat/completions``) for every model of the runs it serves (and
  :meth:`StandInServer.add_models`), streamed as server-sent events or not, answering as ``chat.answer``
  says, with per-model faults (:meth:`StandInServer.add_chat_faults`).
- Every job's validation file at ``…/files/{validation_file}/content`` (``chat.validation_jsonl``), and each
  file's object (``bytes``, ``filename``, ``purpose``) at ``…/files/{id}``.
- Jobs that grow while a test watches (``growing``): :meth:`StandInServer.advance` and :meth:`finish`.
- The platform closing (``closing``), by the stand-in's own date (:meth:`StandInServer.set_today`): job
  creation (``POST …/fine_tuning/jobs``) refused with 403 ``training_not_available`` from
  :meth:`StandInServer.close_training`'s day, and models that answer 404 ``model_not_found`` from
  :meth:`StandInServer.retire_models`' day.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import socket
import struct
import sys
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qsl, unquote, urlsplit

from . import chat
from .closing import TRAINING_NOT_AVAILABLE, TRAINING_NOT_AVAILABLE_MESSAGE, Closing, real_today
from .growing import GrowingRun, GrowingTogetherRun
from .synthetic import SyntheticRun, make_run
from .together import TogetherRun

DEFAULT_API_KEY = "sk-test-standin"
_JSON = "application/json"
Provider = Literal["openai", "azure", "together"]
Run = SyntheticRun | TogetherRun
Growing = GrowingRun | GrowingTogetherRun
_OPENAI_READS = (
    ("jobs", r"/fine_tuning/jobs"),
    ("job", r"/fine_tuning/jobs/([^/]+)"),
    ("checkpoints", r"/fine_tuning/jobs/([^/]+)/checkpoints"),
    ("events", r"/fine_tuning/jobs/([^/]+)/events"),
    ("file", r"/files/([^/]+)/content"),
    ("file_object", r"/files/([^/]+)"),
)
_TOGETHER = (
    ("jobs", r"/fine-tunes"),
    ("job", r"/fine-tunes/([^/]+)"),
    ("checkpoints", r"/fine-tunes/([^/]+)/checkpoints"),
    ("metrics", r"/fine-tunes/([^/]+)/metrics"),
    ("events", r"/fine-tunes/([^/]+)/events"),
    ("file", r"/files/([^/]+)/content"),
    ("file_object", r"/files/([^/]+)"),
    ("chat", r"/chat/completions"),
)
# (provider, path prefix, dated: needs api-version) and the endpoints under it
_PREFIXES: tuple[tuple[Provider, str, bool, tuple[tuple[str, str], ...]], ...] = (
    ("openai", "/v1", False, (*_OPENAI_READS, ("chat", r"/chat/completions"))),
    ("azure", "/openai/v1", False, (*_OPENAI_READS, ("chat", r"/chat/completions"))),
    ("azure", "/openai", True, (*_OPENAI_READS, ("chat", r"/deployments/([^/]+)/chat/completions"))),
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
    # chat completions only:
    "stall",  # stream `after_chunks` chunks, then send nothing more for `hang_seconds`
    "cut",  # stream `after_chunks` chunks, then close the connection mid-answer
    "stream_error",  # stream `after_chunks` chunks, then an OpenAI-shaped error object in the stream
    "no_usage",  # the normal answer without any usage (no usage chunk, no usage object)
]


@dataclass
class Fault:
    """A scripted misbehaviour for requests to one endpoint of one job (or of a provider's jobs list).

    It lets `skip` matching requests through untouched, then hits `times` of them (None: every one).
    """

    endpoint: Literal["jobs", "job", "checkpoints", "events", "file", "metrics", "chat", "any"]
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
    after_chunks: int = 2  # kind="stall", "cut" or "stream_error": chunks streamed before it
    message: str | None = None  # kind="status" or "stream_error": the error's message (default: OpenAI's)
    code: str | None = None  # kind="status": the error's code (e.g. "training_not_available")


@dataclass(frozen=True)
class RecordedRequest:
    """What the stand-in keeps of a request, so tests can assert on client behaviour."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # names lower-cased
    body: bytes = b""

    def json(self) -> Any:
        """The request body as JSON (a chat completion's ``model``, ``stream``, ``messages``…)."""
        return json.loads(self.body)


Delivery = Literal["whole", "trickle", "truncate", "chunked", "drop", "reset", "sse"]


@dataclass(frozen=True)
class _Reply:
    status: int
    body: bytes
    content_type: str = _JSON
    headers: dict[str, str] = field(default_factory=dict)
    delivery: Delivery = "whole"
    interval: float = 0.0  # delivery="trickle": seconds between bytes
    chunks: tuple[bytes, ...] = ()  # delivery="sse": one server-sent event each, flushed one by one
    then: Literal["end", "stall", "cut"] = "end"  # delivery="sse": after the chunks
    hang_seconds: float = 0.0  # then="stall"


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
    def scripted(
        cls, status: int, headers: dict[str, str], message: str | None = None, code: str | None = None
    ) -> _ApiError:
        """The body OpenAI sends for a status a Fault asks for (or one with the Fault's `message`, `code`)."""
        if message is not None or code is not None:
            return cls(status, message or f"Scripted fault: HTTP {status}.", code=code, headers=headers)
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


def _json_body(raw: bytes) -> dict:
    """A request's JSON object, or the 400 the API answers for anything else."""
    try:
        body = json.loads(raw or b"null")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise _ApiError(400, "We could not parse the JSON body of your request.")
    return body


def _allowed(route: _Route | None) -> tuple[str, ...]:
    """The methods a path takes: POST for chat completions, GET and POST for an OpenAI-shaped jobs list
    (job creation), GET for every other read."""
    if route is not None and route.endpoint == "chat":
        return ("POST",)
    if route is not None and route.endpoint == "jobs" and route.provider != "together":
        return ("GET", "POST")
    return ("GET",)


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
    growing: Growing | None = None  # the run is this one's view, renewed when it advances

    def take_fault(self, endpoint: str) -> Fault | None:
        return _take_fault(self.faults, endpoint)


def _index(run: Run) -> dict[str, dict[str, int]]:
    """Item id -> position, per list, for cursors."""
    if not isinstance(run, SyntheticRun):
        return {}
    return {
        "checkpoints": {item["id"]: i for i, item in enumerate(run.checkpoints) if "id" in item},
        "events": {item["id"]: i for i, item in enumerate(run.events) if "id" in item},
    }


def _models_of(run: Run, job_id: str) -> set[str]:
    """The model names a run offers for chat: its base model, its fine-tuned model, its checkpoints."""
    job = run.job
    names = {job.get("model"), job.get("fine_tuned_model"), job.get("model_output_name")}
    if isinstance(run, SyntheticRun):
        names |= {item.get("fine_tuned_model_checkpoint") for item in run.checkpoints}
    else:
        names |= {f"{job_id}:{item.get('step')}" for item in run.checkpoints}
    return {name for name in names if isinstance(name, str) and name}


def _chat_id(model: str, body: bytes) -> str:
    return "chatcmpl-" + hashlib.sha256(model.encode() + body).hexdigest()[:24]


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
        self._models: dict[Provider, set[str]] = {}
        self._chat_faults: dict[tuple[Provider, str], list[Fault]] = {}
        self._today = real_today()
        self._closings: dict[Provider, Closing] = {}
        self._created = 0
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
        run: Run | Growing,
        faults: Sequence[Fault] = (),
        *,
        job_id: str | None = None,
        provider: Provider | None = None,
    ) -> None:
        """Serve `run` under `job_id` (default: its own id), misbehaving as `faults` script.

        A :class:`TogetherRun` is served by Together's endpoints; a :class:`SyntheticRun` by OpenAI's, or by
        Azure's with ``provider="azure"``. A run whose job object or items lack their ids (a hostile
        variant) is still served: by `job_id`, and items without an id cannot be named by a cursor. A growing
        run is served as its current view and grows with :meth:`advance` and :meth:`finish`.
        """
        growing = run if isinstance(run, GrowingRun | GrowingTogetherRun) else None
        if growing is not None:
            provider = provider or (
                "together" if isinstance(growing, GrowingTogetherRun) else growing.provider
            )
            run = growing.view()
        assert isinstance(run, SyntheticRun | TogetherRun)
        provider = provider or ("together" if isinstance(run, TogetherRun) else "openai")
        if (provider == "together") != isinstance(run, TogetherRun):
            raise ValueError("Together runs are served by the Together endpoints only")
        job_id = job_id or run.job["id"]
        with self._lock:
            job = _Job(run, [replace(fault) for fault in faults], _index(run), len(self._jobs), growing)
            self._jobs[(provider, job_id)] = job
            self._register(provider, job_id, run)

    def _register(self, provider: Provider, job_id: str, run: Run) -> None:
        """Its files (result files, the validation file) and its models, as the run shows them now."""
        files = set(run.files) if isinstance(run, SyntheticRun) else set()
        if isinstance(run.job.get("validation_file"), str):
            files.add(run.job["validation_file"])
        self._file_owner.update({(provider, file_id): job_id for file_id in files})
        self._models.setdefault(provider, set()).update(_models_of(run, job_id))

    def add_faults(self, job_id: str, faults: Sequence[Fault], *, provider: Provider | None = None) -> None:
        """More faults for a job already served (e.g. for the refresh after a first load)."""
        with self._lock:
            self._job_named(job_id, provider).faults.extend(replace(fault) for fault in faults)

    def advance(self, job_id: str, steps: int = 1, *, provider: Provider | None = None) -> None:
        """A growing job does ``steps`` more steps (with their events, and checkpoints at epoch ends)."""
        with self._lock:
            job = self._job_named(job_id, provider)
            if job.growing is None:
                raise ValueError(f"{job_id} is not a growing run")
            job.growing.advance(steps)
            self._renew(job, job_id, provider)

    def finish(self, job_id: str, status: str | None = None, *, provider: Provider | None = None) -> None:
        """A growing job ends: ``succeeded`` (``completed`` on Together) by default, or failed, cancelled…"""
        with self._lock:
            job = self._job_named(job_id, provider)
            if job.growing is None:
                raise ValueError(f"{job_id} is not a growing run")
            if isinstance(job.growing, GrowingTogetherRun):
                job.growing.finish(status or "completed")  # type: ignore[arg-type]
            else:
                job.growing.finish(status or "succeeded")  # type: ignore[arg-type]
            self._renew(job, job_id, provider)

    def _renew(self, job: _Job, job_id: str, provider: Provider | None) -> None:
        assert job.growing is not None
        job.run = job.growing.view()
        job.index = _index(job.run)
        owner = next(key[0] for key, value in self._jobs.items() if value is job)
        self._register(owner, job_id, job.run)

    def _job_named(self, job_id: str, provider: Provider | None) -> _Job:
        found = [
            job for (owner, name), job in self._jobs.items() if name == job_id and provider in (None, owner)
        ]
        if len(found) != 1:
            raise KeyError(f"no single job {job_id!r} (provider {provider})")
        return found[0]

    def add_models(self, *models: str, provider: Provider = "openai") -> None:
        """More model names (or Azure deployment names) that answer chat completions."""
        with self._lock:
            self._models.setdefault(provider, set()).update(models)

    def add_chat_faults(self, model: str, faults: Sequence[Fault], *, provider: Provider = "openai") -> None:
        """Faults for chat completions asked of `model` (by name, or Azure deployment name)."""
        with self._lock:
            self._chat_faults.setdefault((provider, model), []).extend(replace(fault) for fault in faults)

    def add_list_faults(self, faults: Sequence[Fault], provider: Provider = "openai") -> None:
        """Faults for `provider`'s jobs list (the only endpoint that belongs to no one job)."""
        with self._lock:
            self._list_faults.setdefault(provider, []).extend(replace(fault) for fault in faults)

    def set_today(self, day: date) -> None:
        """The stand-in's date, which decides what is closed and retired (default: today in UTC)."""
        with self._lock:
            self._today = day

    def close_training(self, on: date, *, provider: Provider = "openai") -> None:
        """From ``on``, creating a fine-tuning job answers 403 ``training_not_available``."""
        with self._lock:
            self._closings.setdefault(provider, Closing()).training_closes = on

    def retire_models(self, base: str, on: date, *, provider: Provider = "openai") -> None:
        """From ``on``, every model built on ``base`` (a family or one snapshot: the base model itself, its
        fine-tunes and their checkpoints) answers chat completions 404 ``model_not_found``."""
        with self._lock:
            self._closings.setdefault(provider, Closing()).retired.append((base, on))

    def issue_entra_token(self) -> str:
        """A Microsoft Entra ID access token this server accepts as Azure's bearer token (JWT-shaped)."""
        token = ".".join(secrets.token_urlsafe(24) for _ in range(3))
        with self._lock:
            self._entra_tokens.add(token)
        return token

    def release_hangs(self) -> None:
        """Answer every request held by a "hang" (or "stall") fault now, and later ones at once, until reset:
        a test holds a load in flight exactly as long as it needs."""
        self._release.set()

    def reset(self) -> None:
        """Forget runs, faults, tokens and the request log (for a server shared across tests)."""
        self._release.clear()
        with self._lock:
            self._jobs.clear()
            self._list_faults.clear()
            self._file_owner.clear()
            self._models.clear()
            self._chat_faults.clear()
            self._entra_tokens.clear()
            self._log.clear()
            self._closings.clear()
            self._today = real_today()

    def reset_log(self) -> None:
        """Forget the requests recorded so far (runs and faults stay), to count what comes next."""
        with self._lock:
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
            if route.endpoint in ("file", "file_object")
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

    def _dispatch(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: bytes = b""
    ) -> _Reply:
        """The reply to one request (its delivery may be a dropped or reset connection)."""
        try:
            route = _route(path)
            self._authorize(route.provider if route else "openai", headers)
            allowed = _allowed(route)
            if method not in allowed:
                message = f"Method not allowed ({method} {path})"
                raise _ApiError(405, message, headers={"Allow": ", ".join(allowed)})
            if route is None or (route.dated and "api-version" not in query):
                raise _ApiError(404, "Resource not found" if route else f"Invalid URL ({method} {path})")
            if route.endpoint == "chat":
                return self._chat(route, body)
            if method == "POST":
                return self._create_job(route, body)
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
            raise _ApiError.scripted(fault.status, fault.headers, fault.message, fault.code)
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
        if route.endpoint in ("file", "file_object"):
            files = job.run.files if job is not None and isinstance(job.run, SyntheticRun) else {}
            if route.ident in files:
                body = files[route.ident]
            elif job is not None and job.run.job.get("validation_file") == route.ident:
                body = chat.validation_jsonl(job.run.job["id"])
            else:
                raise _ApiError(404, f"No such File object: {route.ident}", param="id")
            if route.endpoint == "file":
                return _Reply(200, body, "application/octet-stream")
            assert job is not None  # a file is served only as a job's
            result = route.ident in (job.run.job.get("result_files") or [])
            name = "step_metrics.csv" if result else "data.jsonl"
            described = {"object": "file", "id": route.ident, "bytes": len(body), "filename": name}
            return _json_reply(200, described | {"purpose": "fine-tune-results" if result else "fine-tune"})
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

    def _chat(self, route: _Route, raw: bytes) -> _Reply:
        """A chat completion as OpenAI (and Azure, Together) answer one, or the model's scripted fault."""
        body = _json_body(raw)
        model = route.ident or body.get("model")
        if not isinstance(model, str) or not model:
            raise _ApiError(400, "you must provide a model parameter", param="model")
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            raise _ApiError(400, "'messages' must be a non-empty array.", param="messages")
        stream = body.get("stream") is True
        if "stream_options" in body and not stream:
            message = "The 'stream_options' parameter is only allowed when 'stream' is enabled."
            raise _ApiError(400, message, param="stream_options")
        with self._lock:
            closing = self._closings.get(route.provider, Closing())
            known = model in self._models.get(route.provider, set()) and closing.answers(model, self._today)
            fault = _take_fault(self._chat_faults.get((route.provider, model), []), "chat")
        if not known:
            if route.dated:
                message = "The API deployment for this resource does not exist."
                raise _ApiError(404, message, code="DeploymentNotFound")
            message = f"The model `{model}` does not exist or you do not have access to it."
            raise _ApiError(404, message, code="model_not_found")
        if fault is not None and fault.kind in (
            "status",
            "drop_connection",
            "reset",
            "hang",
            "malformed_json",
        ):
            if fault.kind == "hang":
                self._release.wait(fault.hang_seconds)
            else:
                return self._faulty(fault, route, None, {})
        text = chat.answer(model, messages)
        parts = chat.pieces(text)
        limit = body.get("max_completion_tokens", body.get("max_tokens"))
        finish = "stop"
        if isinstance(limit, int) and 0 < limit < len(parts):
            parts, finish = parts[:limit], "length"
        usage = {
            "prompt_tokens": chat.prompt_tokens(messages),
            "completion_tokens": len(parts),
            "total_tokens": chat.prompt_tokens(messages) + len(parts),
        }
        if fault is not None and fault.kind == "no_usage":
            usage = {}
        answer_id = _chat_id(model, raw)
        if not stream:
            message = {"role": "assistant", "content": "".join(parts)}
            reply = {
                "id": answer_id,
                "object": "chat.completion",
                "created": 1_732_000_000,
                "model": model,
                "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            }
            return _json_reply(200, reply | ({"usage": usage} if usage else {}))
        return self._chat_stream(route, body, answer_id, model, parts, finish, usage, fault)

    def _chat_stream(
        self,
        route: _Route,
        body: dict,
        answer_id: str,
        model: str,
        parts: list[str],
        finish: str,
        usage: dict,
        fault: Fault | None,
    ) -> _Reply:
        """The answer as server-sent events: role, one word per chunk, the finish, usage as the provider
        sends it (OpenAI and Azure: a last chunk when asked; Together: on the finishing chunk), [DONE]."""

        def chunk(delta: dict, finish_reason: str | None = None, **extra: Any) -> dict:
            choice = {"index": 0, "delta": delta, "finish_reason": finish_reason}
            base = {
                "id": answer_id,
                "object": "chat.completion.chunk",
                "created": 1_732_000_000,
                "model": model,
            }
            return base | {"choices": [choice]} | extra

        events: list[dict] = []
        if route.provider == "azure":  # Azure's content filter speaks first, with no choice
            events.append(
                {
                    "id": "",
                    "object": "",
                    "created": 0,
                    "model": "",
                    "choices": [],
                    "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": {}}],
                }
            )
        events.append(chunk({"role": "assistant", "content": ""}))
        events += [chunk({"content": part}) for part in parts]
        wants_usage = (body.get("stream_options") or {}).get("include_usage") is True
        if route.provider == "together":
            events.append(chunk({}, finish, **({"usage": usage} if usage else {})))
        else:
            events.append(chunk({}, finish))
            if wants_usage and usage:
                events.append(chunk({}, None) | {"choices": [], "usage": usage})
        encoded = [
            b"data: " + json.dumps(event, separators=(",", ":")).encode() + b"\n\n" for event in events
        ]
        encoded.append(b"data: [DONE]\n\n")
        if fault is None or fault.kind == "no_usage":
            return _Reply(200, b"", "text/event-stream", delivery="sse", chunks=tuple(encoded))
        head = tuple(encoded[: 1 + fault.after_chunks + (route.provider == "azure")])
        if fault.kind == "stream_error":
            message = fault.message or "The server had an error while processing your request."
            error = {"error": {"message": message, "type": "server_error", "param": None, "code": None}}
            tail = b"data: " + json.dumps(error).encode() + b"\n\n"
            return _Reply(200, b"", "text/event-stream", delivery="sse", chunks=(*head, tail))
        then: Literal["stall", "cut"] = "stall" if fault.kind == "stall" else "cut"
        return _Reply(
            200,
            b"",
            "text/event-stream",
            delivery="sse",
            chunks=head,
            then=then,
            hang_seconds=fault.hang_seconds,
        )

    def _create_job(self, route: _Route, raw: bytes) -> _Reply:
        """``POST …/fine_tuning/jobs``: 403 ``training_not_available`` once training has closed; before,
        a new job that has just started (validating its files), served from then on."""
        body = _json_body(raw)
        for name in ("model", "training_file"):
            if not isinstance(body.get(name), str) or not body[name]:
                raise _ApiError(400, f"Missing required parameter: '{name}'.", param=name)
        with self._lock:
            closed = self._closings.get(route.provider, Closing()).training_closed(self._today)
            self._created += 1
            created = self._created
        job_id = f"ftjob-new{created:05d}"
        if closed:
            raise _ApiError(403, TRAINING_NOT_AVAILABLE_MESSAGE, code=TRAINING_NOT_AVAILABLE)
        run = make_run(  # a seed of its own: file ids come from the seed, and files are served by id
            job_id,
            status="running",
            progress=0.0,
            result_file=None,
            base_model=body["model"],
            seed=2_000_000 + created,
        )
        run = replace(
            run, job=run.job | {"status": "validating_files", "training_file": body["training_file"]}
        )
        self.add_run(run, provider=route.provider)
        return _json_reply(200, run.job)

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
        if "global_step_to" in query:  # inclusive, as a range's end in Together's API reads (UNCONFIRMED)
            end = int(query["global_step_to"])
            records = [record for record in records if record.get("train/global_step", 0) <= end]
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
        body = self.rfile.read(int(headers.get("content-length") or 0))  # and keep the stream in sync
        standin = self.server.standin
        standin._record(RecordedRequest(self.command, url.path, query, headers, body))
        reply = standin._dispatch(self.command, url.path, query, headers, body)
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
            if reply.delivery in ("chunked", "sse"):
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
        elif reply.delivery == "sse":
            for chunk in reply.chunks:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.flush()
            if reply.then == "end":
                self.wfile.write(b"0\r\n\r\n")
                return
            if reply.then == "stall":
                release.wait(reply.hang_seconds)
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
