"""FineTuningClient and its config over httpx.MockTransport (shared/api.md §3, §4, §5, §7)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from components.api import (
    ApiConfig,
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConfigError,
    FineTuningClient,
    InvalidJobIdError,
    KeySource,
    MalformedResponseError,
    NotFoundError,
    PaginationError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    make_http_client,
    resolve_config,
    validate_id,
)
from devtools.configs import openai_config

KEY = "sk-proj-fake-test-key-Zq8vLm3T"
BASE = "https://api.openai.com/v1"
AZURE_BASE = "https://my-resource.openai.azure.com/openai/v1"
CHECKPOINTS = "/v1/fine_tuning/jobs/ftjob-abc/checkpoints"

Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    """Wraps a handler and keeps every request the transport saw."""

    def __init__(self, handler: Handler) -> None:
        self._handler = handler
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self._handler(request)

    @property
    def afters(self) -> list[str | None]:
        return [request.url.params.get("after") for request in self.requests]


def make_client(handler: Handler, **config: Any) -> tuple[FineTuningClient, Recorder]:
    """The real factory (no retries) over a MockTransport, with an ApiConfig built from ``config``."""
    recorder = Recorder(handler)
    settings: dict[str, Any] = {"key": KEY, "base_url": BASE, "max_retries": 0} | config
    api_config = openai_config(**settings)
    http = make_http_client(
        api_config.base_url,
        read_timeout=api_config.limits.read_timeout,
        max_retries=api_config.limits.max_retries,
        transport=httpx.MockTransport(recorder),
    )
    return FineTuningClient(http, api_config), recorder


def checkpoint(ident: str, step: int) -> dict[str, Any]:
    return {
        "object": "fine_tuning.job.checkpoint",
        "id": ident,
        "created_at": 1_721_764_800 + step,
        "fine_tuned_model_checkpoint": f"ft:gpt-4o-mini-2024-07-18:my-org::x:ckpt-step-{step}",
        "fine_tuning_job_id": "ftjob-abc",
        "step_number": step,
        "metrics": {"train_loss": 1.0 / step},
    }


def page(items: list[dict[str, Any]], has_more: Any = None, **extra: Any) -> httpx.Response:
    body: dict[str, Any] = {"object": "list", "data": items} | extra
    if has_more is not None:
        body["has_more"] = has_more
    return httpx.Response(200, json=body)


def error(status: int, message: str, code: str | None = None, request_id: str | None = "req_123") -> Handler:
    headers = {"x-request-id": request_id} if request_id else {}
    body = {"error": {"message": message, "type": "invalid_request_error", "param": None, "code": code}}
    return lambda request: httpx.Response(status, json=body, headers=headers)


def never_called(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"no request should be made, got {request.url}")


# --- pagination -----------------------------------------------------------------------------------


def test_walks_three_pages_with_after_cursors_and_limit_100() -> None:
    pages = {
        None: ([checkpoint("ckpt_e", 500), checkpoint("ckpt_d", 400), checkpoint("id_a", 300)], True),
        "id_a": ([checkpoint("ckpt_c", 250), checkpoint("id_b", 200)], True),
        "id_b": ([checkpoint("ckpt_z", 100)], False),
    }

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == CHECKPOINTS
        rows, more = pages[request.url.params.get("after")]
        return page(rows, more, first_id=rows[0]["id"], last_id=rows[-1]["id"])

    client, seen = make_client(handler)
    calls: list[tuple[int, int]] = []
    items = client.list_checkpoints("ftjob-abc", on_page=lambda n, count: calls.append((n, count)))
    assert seen.afters == [None, "id_a", "id_b"]
    assert [request.url.params.get("limit") for request in seen.requests] == ["100"] * 3
    assert [item["id"] for item in items] == ["ckpt_e", "ckpt_d", "id_a", "ckpt_c", "id_b", "ckpt_z"]
    assert calls == [(1, 3), (2, 5), (3, 6)]


def test_events_are_paginated_the_same_way() -> None:
    events = [{"id": f"ftevent-{n}", "type": "metrics", "data": {"step": n}} for n in range(5, 0, -1)]
    pages = {None: (events[:2], True), "ftevent-4": (events[2:4], True), "ftevent-2": (events[4:], False)}

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/v1/fine_tuning/jobs/ftjob-abc/events"
        return page(*pages[request.url.params.get("after")])

    client, seen = make_client(handler)
    assert client.list_events("ftjob-abc") == events
    assert seen.afters == [None, "ftevent-4", "ftevent-2"]
    assert {request.url.params["limit"] for request in seen.requests} == {"100"}


def test_stops_when_has_more_is_false() -> None:
    client, seen = make_client(lambda request: page([checkpoint("a", 2), checkpoint("b", 1)], False))
    assert [item["id"] for item in client.list_checkpoints("ftjob-abc")] == ["a", "b"]
    assert len(seen.requests) == 1


@pytest.mark.parametrize("has_more", [None, "true", 1, "yes"], ids=["missing", "string", "one", "word"])
def test_stops_when_has_more_is_missing_or_not_exactly_true(has_more: Any) -> None:
    # shared/api.md §7.1: a missing has_more means "stop" (as NODE does), which also ends a proxy's loop.
    client, seen = make_client(lambda request: page([checkpoint("a", 2)], has_more))
    assert len(client.list_checkpoints("ftjob-abc")) == 1
    assert len(seen.requests) == 1


def test_stops_on_an_empty_page_even_when_has_more_is_true() -> None:
    responses = iter([page([checkpoint("a", 2)], True), page([], True)])
    client, seen = make_client(lambda request: next(responses))
    assert [item["id"] for item in client.list_checkpoints("ftjob-abc")] == ["a"]
    assert seen.afters == [None, "a"]


def test_an_empty_first_page_is_an_empty_list() -> None:
    client, seen = make_client(lambda request: page([], True))
    assert client.list_checkpoints("ftjob-abc") == []
    assert len(seen.requests) == 1


def test_a_repeated_cursor_raises_after_exactly_two_requests() -> None:
    # A proxy that ignores `after` (BerriAI/litellm#36324) sends the first page for ever.
    client, seen = make_client(lambda request: page([checkpoint("a", 2), checkpoint("b", 1)], True))
    with pytest.raises(PaginationError, match="same page twice"):
        client.list_checkpoints("ftjob-abc")
    assert seen.afters == [None, "b"]


def test_the_page_cap_raises_pagination_error() -> None:
    counter = iter(range(1_000))

    def endless(request: httpx.Request) -> httpx.Response:
        n = next(counter)
        return page([checkpoint(f"ckpt_{n}", 1_000 - n)], True)

    client, seen = make_client(endless)
    with pytest.raises(PaginationError, match="5 pages"):
        client.list_checkpoints("ftjob-abc", max_pages=5)
    assert len(seen.requests) == 5
    with pytest.raises(PaginationError, match="3 pages"):
        client.list_events("ftjob-abc", max_pages=3)
    assert len(seen.requests) == 8


def test_the_page_cap_is_not_hit_by_a_list_that_ends_on_the_last_allowed_page() -> None:
    pages = {None: ([checkpoint("a", 2)], True), "a": ([checkpoint("b", 1)], False)}
    client, _ = make_client(lambda request: page(*pages[request.url.params.get("after")]))
    assert len(client.list_checkpoints("ftjob-abc", max_pages=2)) == 2


# --- malformed answers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [b'{"object": "list", "data": [', b"", b"<html>oops</html>", b"\xff\xfe\x00garbage"],
    ids=["truncated", "empty", "html", "binary"],
)
def test_a_2xx_body_that_is_not_json_is_malformed(body: bytes) -> None:
    client, _ = make_client(
        lambda request: httpx.Response(200, content=body, headers={"x-request-id": "req_bad"})
    )
    with pytest.raises(MalformedResponseError) as info:
        client.list_checkpoints("ftjob-abc")
    assert "req_bad" in str(info.value)
    assert KEY not in str(info.value)


def test_json_that_is_not_an_object_is_malformed() -> None:
    client, _ = make_client(lambda request: httpx.Response(200, json=[{"id": "a"}]))
    with pytest.raises(MalformedResponseError):
        client.get_job("ftjob-abc")
    with pytest.raises(MalformedResponseError):
        client.list_checkpoints("ftjob-abc")


@pytest.mark.parametrize(
    "body",
    [
        {"object": "list", "has_more": False},
        {"object": "list", "data": None, "has_more": False},
        {"object": "list", "data": {"id": "a"}, "has_more": False},
        {"object": "list", "data": "ckpt", "has_more": False},
        {"object": "list", "data": [{"step_number": 1}], "has_more": False},
        {"object": "list", "data": [{"id": 7}], "has_more": False},
        {"object": "list", "data": [{"id": "a"}, "b"], "has_more": False},
        {"object": "list", "data": [{"id": "a"}, None], "has_more": False},
    ],
    ids=["no-data", "null", "object", "string", "no-id", "int-id", "str-item", "null-item"],
)
def test_data_that_is_not_a_list_of_objects_with_ids_is_malformed(body: dict[str, Any]) -> None:
    client, _ = make_client(lambda request: httpx.Response(200, json=body))
    with pytest.raises(MalformedResponseError, match="data"):
        client.list_checkpoints("ftjob-abc")


# --- error mapping --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, BadRequestError),
        (418, BadRequestError),
        (422, BadRequestError),
        (429, RateLimitError),
        (500, ServerError),
        (503, ServerError),
    ],
)
def test_error_statuses_map_to_typed_errors_with_message_status_request_id_and_code(
    status: int, cls: type[APIStatusError]
) -> None:
    client, seen = make_client(
        error(status, "Something went wrong here.", code="some_code", request_id="req_9f")
    )
    with pytest.raises(cls) as info:
        client.get_job("ftjob-abc")
    exc = info.value
    assert type(exc) is cls
    assert exc.status == status
    assert exc.message == "Something went wrong here."
    assert exc.request_id == "req_9f"
    assert exc.code == "some_code"
    assert exc.error_type == "invalid_request_error"
    assert str(exc) == f"Something went wrong here. (HTTP {status}, request id req_9f)"
    assert len(seen.requests) == 1  # max_retries=0


def test_an_error_without_request_id_or_code() -> None:
    client, _ = make_client(error(404, "Could not find fine tune: ftjob-abc", request_id=None))
    with pytest.raises(NotFoundError) as info:
        client.get_job("ftjob-abc")
    assert info.value.request_id is None
    assert info.value.code is None
    assert str(info.value) == "Could not find fine tune: ftjob-abc (HTTP 404)"


def test_a_redirect_is_an_error_not_followed() -> None:
    client, seen = make_client(
        lambda request: httpx.Response(307, headers={"location": "https://evil.example/v1/x"})
    )
    with pytest.raises(APIStatusError) as info:
        client.get_job("ftjob-abc")
    assert info.value.status == 307
    assert len(seen.requests) == 1


@pytest.mark.parametrize(
    "message",
    [
        f"Incorrect API key provided: {KEY}. You can find your API key at https://platform.openai.com.",
        "Incorrect API key provided: sk-pro************************nA. You can find your API key at …",
        "Incorrect API key provided: sk-abc…",
        f"key {KEY[:-3]}*** rejected",
    ],
    ids=["full", "masked", "prefix", "truncated"],
)
def test_a_server_message_that_echoes_the_key_is_redacted(message: str) -> None:
    client, _ = make_client(error(401, message, code="invalid_api_key"))
    with pytest.raises(AuthenticationError) as info:
        client.list_checkpoints("ftjob-abc")
    for text in (str(info.value), info.value.message, repr(info.value)):
        assert KEY not in text
        assert "sk-" not in text
        assert KEY[3:12] not in text
    assert "[redacted" in info.value.message


def test_the_exact_key_is_redacted_even_when_it_does_not_look_like_a_key() -> None:
    azure_key = "0123456789abcdef0123456789abcdef"
    client, _ = make_client(
        error(401, f"Access denied due to invalid subscription key {azure_key}."), key=azure_key
    )
    with pytest.raises(AuthenticationError) as info:
        client.get_job("ftjob-abc")
    assert azure_key not in str(info.value)
    assert "[redacted]" in info.value.message


def test_a_non_json_error_body_gives_a_short_plain_message() -> None:
    html = (
        "<html><head><title>502 Bad Gateway</title></head>\n<body>"
        + "<p>nginx</p>\n" * 500
        + "</body></html>"
    )
    client, _ = make_client(
        lambda request: httpx.Response(
            502, text=html, headers={"content-type": "text/html", "x-request-id": "r1"}
        )
    )
    with pytest.raises(ServerError) as info:
        client.get_job("ftjob-abc")
    assert info.value.status == 502
    assert info.value.request_id == "r1"
    assert "502 Bad Gateway" in info.value.message
    assert "\n" not in info.value.message
    assert len(info.value.message) <= 200
    assert len(str(info.value)) < 250


def test_an_empty_error_body_falls_back_to_the_reason_phrase() -> None:
    client, _ = make_client(lambda request: httpx.Response(503))
    with pytest.raises(ServerError) as info:
        client.get_job("ftjob-abc")
    assert info.value.message == "Service Unavailable"


def test_an_error_field_that_is_a_string_is_the_message() -> None:
    client, _ = make_client(lambda request: httpx.Response(400, json={"error": "bad limit"}))
    with pytest.raises(BadRequestError) as info:
        client.get_job("ftjob-abc")
    assert info.value.message == "bad limit"


def test_timeouts_and_connection_failures_become_typed_errors_without_credentials() -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    base = "https://proxy.example:8443/v1"
    for handler, cls in ((timeout, APITimeoutError), (refused, APIConnectionError)):
        client, seen = make_client(handler, base_url=base, read_timeout=1.5)
        with pytest.raises(cls) as info:
            client.get_job("ftjob-abc")
        text = str(info.value)
        assert "https://proxy.example:8443/v1" in text
        assert KEY not in text
        assert "1 attempt)" in text
        assert len(seen.requests) == 1


@pytest.mark.parametrize(
    "base",
    ["https://alice:hunter2@proxy.example/v1", "https://sk-secret@proxy.example/v1", "http://:pw@h/v1"],
)
def test_the_pooled_client_refuses_credentials_in_its_base_url(base: str) -> None:
    # httpx would otherwise send them as Basic auth, replacing the key (issue 6, finding 8).
    with pytest.raises(ConfigError, match="base URL must not contain a user name or password") as info:
        make_http_client(base, read_timeout=1, max_retries=0, transport=httpx.MockTransport(never_called))
    for secret in ("hunter2", "sk-secret", "alice", "proxy.example"):
        assert secret not in str(info.value)


# --- auth headers and URLs ------------------------------------------------------------------------


def ok_job(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"object": "fine_tuning.job", "id": "ftjob-abc", "status": "running"})


def test_openai_sends_a_bearer_token_and_no_optional_headers_when_unset() -> None:
    client, seen = make_client(ok_job)
    assert client.get_job("ftjob-abc")["id"] == "ftjob-abc"
    headers = seen.requests[0].headers
    assert headers["authorization"] == f"Bearer {KEY}"
    assert "api-key" not in headers
    assert "openai-organization" not in headers
    assert "openai-project" not in headers
    assert headers["accept"] == "application/json"
    assert "api-version" not in seen.requests[0].url.params


def test_organization_and_project_headers_are_sent_when_set() -> None:
    client, seen = make_client(ok_job, organization="org-123", project="proj_456")
    client.get_job("ftjob-abc")
    headers = seen.requests[0].headers
    assert headers["openai-organization"] == "org-123"
    assert headers["openai-project"] == "proj_456"
    assert headers["authorization"] == f"Bearer {KEY}"


@pytest.mark.parametrize(
    "base", [AZURE_BASE, "https://x.openai.azure.us/openai", "https://x.cognitiveservices.azure.cn/openai"]
)
def test_azure_sends_the_api_key_header_and_no_authorization(base: str) -> None:
    client, seen = make_client(ok_job, base_url=base)
    client.get_job("ftjob-abc")
    headers = seen.requests[0].headers
    assert headers["api-key"] == KEY
    assert "authorization" not in headers


def test_a_host_that_merely_contains_azure_is_not_azure() -> None:
    client, seen = make_client(ok_job, base_url="https://azure.com.evil.example/v1")
    client.get_job("ftjob-abc")
    assert "api-key" not in seen.requests[0].headers
    assert seen.requests[0].headers["authorization"] == f"Bearer {KEY}"


def test_api_version_is_sent_as_a_query_parameter_on_every_endpoint() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/content"):
            return httpx.Response(200, content=b"step,train_loss\n1,0.5\n")
        if request.url.path.endswith(("/checkpoints", "/events")):
            return page([], False)
        return ok_job(request)

    client, seen = make_client(
        handler, base_url="https://r.openai.azure.com/openai", api_version="2024-10-21"
    )
    client.get_job("ftjob-abc")
    client.list_checkpoints("ftjob-abc")
    client.list_events("ftjob-abc")
    client.file_content("file-abc")
    assert [request.url.params.get("api-version") for request in seen.requests] == ["2024-10-21"] * 4
    assert seen.requests[0].url.path == "/openai/fine_tuning/jobs/ftjob-abc"
    assert seen.requests[1].url.params["limit"] == "100"


def test_the_key_never_appears_in_any_request_url() -> None:
    pages = {None: ([checkpoint("a", 2)], True), "a": ([checkpoint("b", 1)], False)}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/content"):
            return httpx.Response(200, content=b"x")
        if request.url.path.endswith(("/checkpoints", "/events")):
            return page(*pages[request.url.params.get("after")])
        return ok_job(request)

    for base, extra in ((BASE, {}), (AZURE_BASE, {"api_version": "preview"})):
        client, seen = make_client(handler, base_url=base, organization="org-1", **extra)
        client.get_job("ftjob-abc")
        client.list_checkpoints("ftjob-abc")
        client.list_events("ftjob-abc")
        client.file_content("file-abc")
        assert len(seen.requests) == 6
        for request in seen.requests:
            assert KEY not in str(request.url)
            assert KEY[3:] not in request.url.query.decode()


# --- job-id validation ----------------------------------------------------------------------------


BAD_IDS = [
    "../files/x",
    "a?b",
    "a/b",
    "",
    "   ",
    "x" * 200,
    "a#b",
    "ftjob abc",
    "a%2Fb",
    "ftjob-é",
    "..",
    None,
]


@pytest.mark.parametrize("bad", BAD_IDS)
def test_invalid_job_ids_are_rejected_before_any_request(bad: Any) -> None:
    client, seen = make_client(never_called)
    for call in (client.get_job, client.list_checkpoints, client.list_events):
        with pytest.raises(InvalidJobIdError):
            call(bad)
    with pytest.raises(InvalidJobIdError, match="file ID"):
        client.file_content(bad)
    assert seen.requests == []


def test_invalid_id_errors_are_value_errors_with_a_short_message() -> None:
    with pytest.raises(ValueError, match="Enter a job ID"):
        validate_id("")
    with pytest.raises(InvalidJobIdError) as info:
        validate_id("x" * 200)
    assert len(str(info.value)) < 200
    assert validate_id("x" * 128) == "x" * 128


def test_surrounding_blanks_are_stripped_from_a_pasted_id() -> None:
    assert validate_id("ftjob-abc\n") == "ftjob-abc"
    assert validate_id("  ftjob-abc\t") == "ftjob-abc"
    client, seen = make_client(ok_job)
    client.get_job("ftjob-abc\n")
    assert seen.requests[0].url.raw_path == b"/v1/fine_tuning/jobs/ftjob-abc"


@pytest.mark.parametrize("good", ["ftjob-abc123", "ft-AF1WoRqd3aJAHsqc9NY7iL8F", "ftjob_A-b_9"])
def test_valid_ids_are_sent_as_one_path_segment(good: str) -> None:
    client, seen = make_client(lambda request: page([], False))
    client.list_checkpoints(good)
    client.list_events(good)
    paths = [request.url.raw_path.split(b"?")[0] for request in seen.requests]
    assert paths == [
        f"/v1/fine_tuning/jobs/{good}/checkpoints".encode(),
        f"/v1/fine_tuning/jobs/{good}/events".encode(),
    ]


# --- file content ---------------------------------------------------------------------------------


def test_file_content_returns_raw_bytes_and_asks_for_binary() -> None:
    body = b"c3RlcCx0cmFpbl9sb3NzCjEsMC41Cg==\x00\xff"
    client, seen = make_client(
        lambda request: httpx.Response(
            200, content=body, headers={"content-type": "application/octet-stream"}
        )
    )
    assert client.file_content("file-kWG3vg9EasVeLyQCK1f3gA") == body
    request = seen.requests[0]
    assert request.url.path == "/v1/files/file-kWG3vg9EasVeLyQCK1f3gA/content"
    assert request.headers["accept"] == "application/binary"
    assert request.headers["authorization"] == f"Bearer {KEY}"


def test_file_content_errors_are_typed() -> None:
    client, _ = make_client(error(404, "No such File object: file-x"))
    with pytest.raises(NotFoundError, match="No such File object"):
        client.file_content("file-x")


# --- resolve_config -------------------------------------------------------------------------------


def test_environment_key_beats_secrets_and_typed_key() -> None:
    config, source = resolve_config({"OPENAI_API_KEY": "sk-env"}, {"OPENAI_API_KEY": "sk-secret"}, "sk-typed")
    assert (config.auth.secrets(), source) == (("sk-env",), KeySource.ENVIRONMENT)


def test_secrets_key_beats_typed_key() -> None:
    config, source = resolve_config({}, {"OPENAI_API_KEY": "sk-secret"}, "sk-typed")
    assert (config.auth.secrets(), source) == (("sk-secret",), KeySource.SECRETS)


def test_typed_key_is_used_last_and_stripped() -> None:
    config, source = resolve_config({"OPENAI_API_KEY": "  "}, {"OPENAI_API_KEY": ""}, "  sk-typed \n")
    assert (config.auth.secrets(), source) == (("sk-typed",), KeySource.TYPED)


def test_no_key_anywhere() -> None:
    config, source = resolve_config({}, {}, None)
    assert (config.auth.secrets(), source) == ((), KeySource.NONE)
    assert config.base_url == "https://api.openai.com/v1"
    assert (config.limits.read_timeout, config.limits.max_retries) == (30.0, 2)


def test_a_secret_copied_into_the_environment_reports_the_secrets_file() -> None:
    # Streamlit copies root-level secrets into os.environ; the sidebar should name the file.
    config, source = resolve_config({"OPENAI_API_KEY": "sk-same"}, {"OPENAI_API_KEY": "sk-same"})
    assert (config.auth.secrets(), source) == (("sk-same",), KeySource.SECRETS)


def test_key_source_descriptions_are_what_the_sidebar_shows() -> None:
    assert KeySource.ENVIRONMENT.describe("OPENAI_API_KEY") == "environment variable OPENAI_API_KEY"
    assert KeySource.SECRETS.describe("OPENAI_API_KEY") == ".streamlit/secrets.toml"
    assert KeySource.TYPED.describe("TOGETHER_API_KEY") == "typed in this browser session"
    assert KeySource.ENTRA_ID.describe("AZURE_OPENAI_API_KEY") == "Microsoft Entra ID (azure-identity)"
    assert KeySource.NONE.describe("OPENAI_API_KEY") == "no key"


def test_other_settings_come_from_env_then_secrets() -> None:
    env = {"OPENAI_ORG_ID": "org-env", "OPENAI_TIMEOUT": "12.5"}
    secrets = {
        "OPENAI_ORG_ID": "org-secret",
        "OPENAI_PROJECT_ID": "proj-secret",
        "OPENAI_BASE_URL": "https://my.openai.azure.com/openai/v1/",
        "OPENAI_API_VERSION": "preview",
        "OPENAI_MAX_RETRIES": 4,
    }
    config, _ = resolve_config(env, secrets, "sk-typed")
    assert config.base_url == "https://my.openai.azure.com/openai/v1"
    assert config.auth.headers() == {"api-key": "sk-typed"}  # an Azure host gets api-key, no bearer token
    assert config.api_version == "preview"
    assert config.limits.read_timeout == 12.5
    assert config.limits.max_retries == 4
    plain, _ = resolve_config(env | {"OPENAI_BASE_URL": "https://proxy.example/v1"}, secrets, "sk-typed")
    assert plain.auth.headers() == {
        "Authorization": "Bearer sk-typed",
        "OpenAI-Organization": "org-env",
        "OpenAI-Project": "proj-secret",
    }


def test_api_version_is_never_sent_to_api_openai_com() -> None:
    # OPENAI_API_VERSION is Azure's setting; with an Azure source beside OpenAI it must not reach OpenAI.
    config, _ = resolve_config({"OPENAI_API_KEY": "sk-x", "OPENAI_API_VERSION": "2024-10-21"}, {})
    assert config.api_version is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://api.openai.com/v1/", "https://api.openai.com/v1"),
        ("https://api.openai.com/v1///", "https://api.openai.com/v1"),
        ("  http://127.0.0.1:8080/v1/ ", "http://127.0.0.1:8080/v1"),
        ("https://proxy.example/", "https://proxy.example"),
    ],
)
def test_base_url_trailing_slash_is_stripped(raw: str, expected: str) -> None:
    config, _ = resolve_config({"OPENAI_BASE_URL": raw}, {})
    assert config.base_url == expected


@pytest.mark.parametrize(
    "raw",
    [
        "api.openai.com/v1",
        "ftp://api.openai.com/v1",
        "https://",
        "not a url",
        "https://api.openai.com/v1?api-version=1",
        "https://api.openai.com/v1#frag",
        "http://localhost:99999/v1",
        "http://localhost:abc/v1",
    ],
)
def test_a_bad_base_url_is_a_config_error(raw: str) -> None:
    with pytest.raises(ConfigError, match="OPENAI_BASE_URL"):
        resolve_config({"OPENAI_BASE_URL": raw}, {})


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("OPENAI_TIMEOUT", "abc"),
        ("OPENAI_TIMEOUT", "0"),
        ("OPENAI_TIMEOUT", "-5"),
        ("OPENAI_TIMEOUT", "601"),
        ("OPENAI_TIMEOUT", "nan"),
        ("OPENAI_MAX_RETRIES", "-1"),
        ("OPENAI_MAX_RETRIES", "11"),
        ("OPENAI_MAX_RETRIES", "two"),
        ("OPENAI_MAX_RETRIES", "2.5"),
    ],
)
def test_a_bad_number_is_a_config_error_naming_the_setting(name: str, raw: str) -> None:
    with pytest.raises(ConfigError, match=name):
        resolve_config({name: raw}, {})


def test_the_config_repr_never_shows_the_key() -> None:
    config, _ = resolve_config({"OPENAI_API_KEY": KEY}, {})
    assert config.auth.secrets() == (KEY,)
    for text in (repr(config), str(config), f"{config}", repr([config]), repr({"c": config})):
        assert KEY not in text
        assert "api_key" not in text


@pytest.mark.parametrize(
    ("base", "shown"),
    [
        ("https://user:p%40ss@proxy.example:8443/v1", "https://proxy.example:8443/v1"),
        ("https://sk-secret@proxy.example/v1", "https://proxy.example/v1"),
        ("https://api.openai.com/v1", "https://api.openai.com/v1"),
        ("http://[::1]:8080/v1", "http://[::1]:8080/v1"),
    ],
)
def test_display_base_url_drops_user_and_password_even_from_a_config_built_by_hand(
    base: str, shown: str
) -> None:
    config = ApiConfig(base_url=base)
    assert config.display_base_url == shown
    assert "p%40ss" not in repr(config) and "sk-secret" not in repr(config)


@pytest.mark.parametrize(
    "base",
    [
        "https://alice:hunter2@proxy.example/v1",
        "https://alice:p%40ss@proxy.example:8443/v1",
        "https://sk-secret@proxy.example/v1",
        "https://:hunter2@proxy.example/v1",
        "ftp://alice:hunter2@x/v1",
    ],
)
def test_credentials_in_the_base_url_are_a_config_error_that_never_echoes_them(base: str) -> None:
    with pytest.raises(ConfigError, match="OPENAI_BASE_URL must not contain a user name or password") as info:
        resolve_config({"OPENAI_BASE_URL": base, "OPENAI_API_KEY": KEY}, {})
    for secret in ("hunter2", "p%40ss", "p@ss", "sk-secret", "alice", "proxy.example", KEY):
        assert secret not in str(info.value)


@pytest.mark.parametrize("key", ["sk-abc…def", "sk-abc\u200bdef", "sk-abc def\n x"])
def test_a_key_with_characters_no_key_has_is_a_config_error(key: str) -> None:
    with pytest.raises(ConfigError, match="API key") as info:
        resolve_config({"OPENAI_API_KEY": key}, {})
    assert key not in str(info.value)


def test_no_key_sends_no_authorization_header() -> None:
    assert openai_config("").auth.headers() == {}
    assert openai_config("", "https://x.openai.azure.com/openai/v1").auth.headers() == {}


def test_a_config_error_never_echoes_the_url() -> None:
    with pytest.raises(ConfigError) as info:
        resolve_config({"OPENAI_BASE_URL": "ftp://user:hunter2@x/v1"}, {})
    assert "hunter2" not in str(info.value)


def test_error_bodies_are_parsed_only_as_far_as_needed() -> None:
    body = json.dumps({"error": {"message": 42, "code": 7, "type": None}})
    client, _ = make_client(lambda request: httpx.Response(400, text=body))
    with pytest.raises(BadRequestError) as info:
        client.get_job("ftjob-abc")
    # A message of the wrong type falls back to the body text, still short and on one line.
    assert info.value.code is None
    assert '"message": 42' in info.value.message
