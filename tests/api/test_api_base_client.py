"""The base client every source uses: one request method (GET and POST), auth as a strategy per source,
and the shared limits, over httpx.MockTransport."""

from __future__ import annotations

import json

import httpx
import pytest

from components.api import (
    ApiClient,
    ApiConfig,
    ApiKeyAuth,
    AuthenticationError,
    BearerAuth,
    CredentialError,
    EntraIdAuth,
    Limits,
    NoAuth,
    ResponseTooLargeError,
    make_http_client,
)

BASE = "https://api.example.test/v1"


def client(handler, auth=None, **limits) -> tuple[ApiClient, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    config = ApiConfig(base_url=BASE, auth=auth or NoAuth(), limits=Limits(max_retries=0, **limits))
    http = make_http_client(BASE, read_timeout=5, max_retries=0, transport=httpx.MockTransport(record))
    return ApiClient(http, config), seen


def test_a_post_sends_its_json_body_with_the_credential_per_request() -> None:
    api, seen = client(lambda request: httpx.Response(200, json={"id": "chatcmpl-1"}), BearerAuth("tok-123"))
    body = {"model": "ft:gpt-4o-mini:org::abc", "messages": [{"role": "user", "content": "Hi"}]}
    assert api.json_object("chat/completions", method="POST", json=body) == {"id": "chatcmpl-1"}
    [request] = seen
    assert request.method == "POST" and request.url.path == "/v1/chat/completions"
    assert json.loads(request.content) == body
    assert request.headers["authorization"] == "Bearer tok-123" and "api-key" not in request.headers


@pytest.mark.parametrize(
    ("auth", "headers"),
    [
        (NoAuth(), {}),
        (
            BearerAuth("t", (("OpenAI-Project", "proj_1"),)),
            {"authorization": "Bearer t", "openai-project": "proj_1"},
        ),
        (ApiKeyAuth("k"), {"api-key": "k"}),
        (EntraIdAuth(token_provider=lambda: "entra"), {"authorization": "Bearer entra"}),
    ],
    ids=["none", "bearer", "azure-key", "entra"],
)
def test_each_strategy_sends_exactly_its_own_headers(auth, headers: dict[str, str]) -> None:
    api, seen = client(lambda request: httpx.Response(200, json={}), auth)
    api.json_object("x")
    sent = {
        name: value
        for name, value in seen[0].headers.items()
        if name in ("authorization", "api-key", "openai-project")
    }
    assert sent == headers


def test_every_secret_of_the_strategy_is_redacted_from_error_messages() -> None:
    key = "0123456789abcdef0123456789abcdef"
    api, _ = client(
        lambda request: httpx.Response(401, json={"error": {"message": f"bad key {key}"}}), ApiKeyAuth(key)
    )
    with pytest.raises(AuthenticationError) as info:
        api.json_object("x")
    assert key not in str(info.value) and "[redacted]" in str(info.value)


def test_credentials_never_appear_in_a_repr() -> None:
    for auth in (
        BearerAuth("sk-secret-1"),
        ApiKeyAuth("secret-2"),
        EntraIdAuth(token_provider=lambda: "secret-3"),
    ):
        config = ApiConfig(base_url=BASE, auth=auth)
        assert "secret" not in repr(config) and "secret" not in repr(auth)


@pytest.mark.parametrize("token", ["", "has space\n", "caf\u00e9", None])
def test_a_token_provider_that_returns_no_token_is_a_credential_error(token: object) -> None:
    api, seen = client(
        lambda request: httpx.Response(200, json={}), EntraIdAuth(token_provider=lambda: token)
    )
    with pytest.raises(CredentialError):
        api.json_object("x")
    assert seen == []


def test_the_shared_byte_limit_applies_to_every_answer() -> None:
    api, _ = client(
        lambda request: httpx.Response(200, content=b"{" + b" " * 5_000 + b"}"), max_response_bytes=1_000
    )
    with pytest.raises(ResponseTooLargeError, match=r"larger than 0\.001 MB"):
        api.json_object("x")
