"""A visitor's Azure endpoint gets only the key the visitor typed: never the server's key, never the server's
Microsoft Entra ID identity, whatever the typed key looks like (issue 17, item 1)."""

from __future__ import annotations

import pytest

from components.api import ApiKeyAuth, ConfigError, KeySource
from components.api.config import resolve_azure_config, typed_azure_endpoint
from components.sources import resolve_sources

ENDPOINT = "https://visitor.openai.azure.com/"
SERVER = {"AZURE_OPENAI_API_KEY": "server-azure-key-0123"}  # the operator's key, without its endpoint
BLANK_KEYS = ["", " ", "   ", "\t", " \t\n ", "\u00a0", "\u3000"]
UNPRINTABLE_KEYS = ["\u200b", " \u200b ", "\u2060", "\ufeff", "\u200b\t"]


def _never(*_args: object) -> str:
    raise AssertionError("the server's Entra ID identity was asked for a visitor's endpoint")


@pytest.fixture(autouse=True)
def server_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    """The server has an ambient identity (azure-identity installed); asking it fails the test."""
    monkeypatch.setattr("components.api.config.azure_identity_available", lambda: True)
    monkeypatch.setattr("components.api.auth.default_token_provider", _never)


@pytest.mark.parametrize("key", BLANK_KEYS)
@pytest.mark.parametrize("env", [{}, SERVER])
def test_a_typed_endpoint_with_a_blank_key_is_no_source_at_all(env: dict[str, str], key: str) -> None:
    assert resolve_azure_config(env, {}, key, typed_endpoint=ENDPOINT, token_provider=_never) is None
    registry = resolve_sources(env, {}, {"azure": key}, azure_endpoint=ENDPOINT, token_provider=_never)
    assert registry.get("azure") is None and registry.problems == ()


@pytest.mark.parametrize("key", UNPRINTABLE_KEYS)
def test_a_typed_endpoint_with_a_zero_width_key_is_a_problem_and_no_source(key: str) -> None:
    with pytest.raises(ConfigError, match="cannot be part of a key"):
        resolve_azure_config(SERVER, {}, key, typed_endpoint=ENDPOINT, token_provider=_never)
    registry = resolve_sources(SERVER, {}, {"azure": key}, azure_endpoint=ENDPOINT, token_provider=_never)
    assert registry.get("azure") is None and [p.name for p in registry.problems] == ["azure"]


def test_a_typed_endpoint_gets_the_typed_key_and_only_it() -> None:
    resolved = resolve_azure_config(
        SERVER, {}, " visitor-key ", typed_endpoint=ENDPOINT, token_provider=_never
    )
    assert resolved is not None
    config, source = resolved
    assert config.auth == ApiKeyAuth("visitor-key") and source is KeySource.TYPED
    assert config.auth.headers() == {"api-key": "visitor-key"}
    assert config.base_url == "https://visitor.openai.azure.com/openai/v1" and config.visitor_endpoint


def test_the_operators_endpoint_wins_over_a_typed_one_and_keeps_its_own_credential() -> None:
    env = {"AZURE_OPENAI_ENDPOINT": "https://team.openai.azure.com", **SERVER}
    config, source = resolve_azure_config(env, {}, None, typed_endpoint=ENDPOINT)
    assert config.base_url == "https://team.openai.azure.com/openai/v1" and not config.visitor_endpoint
    assert config.auth == ApiKeyAuth(SERVER["AZURE_OPENAI_API_KEY"]) and source is KeySource.ENVIRONMENT


@pytest.mark.parametrize(
    "endpoint", ["http://visitor.openai.azure.com/", "https://169.254.169.254/", "https://evil.example/"]
)
def test_a_typed_endpoint_off_azures_hosts_is_refused_below_the_page(endpoint: str) -> None:
    assert typed_azure_endpoint(endpoint) is None
    with pytest.raises(ConfigError, match=r"openai\.azure\.com"):
        resolve_azure_config({}, {}, "visitor-key", typed_endpoint=endpoint)
