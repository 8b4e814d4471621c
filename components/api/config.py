"""Where each API source's settings come from: environment variables, then Streamlit secrets, then a key
typed in the page. Kept free of Streamlit so a notebook can build a config from ``os.environ`` alone.

- OpenAI: ``OPENAI_API_KEY``, ``OPENAI_BASE_URL`` (an ``*.azure.com`` base gets the ``api-key`` header, as
  before), ``OPENAI_ORG_ID``, ``OPENAI_PROJECT_ID``, ``OPENAI_API_VERSION``.
- Azure OpenAI: ``AZURE_OPENAI_ENDPOINT``, ``AZURE_OPENAI_API_KEY`` (else Microsoft Entra ID through the
  optional azure-identity), ``OPENAI_API_VERSION`` (a dated version selects the dated paths); or an endpoint
  typed in the page, which only ever gets the key typed with it (:func:`typed_azure_config`).
- Together AI: ``TOGETHER_API_KEY``, ``TOGETHER_BASE_URL``.
- Every source: the shared :class:`~components.api.limits.Limits`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from components.api.auth import (
    AZURE_IDENTITY_HINT,
    ApiKeyAuth,
    Auth,
    BearerAuth,
    EntraIdAuth,
    NoAuth,
    TokenProvider,
    azure_identity_available,
)
from components.api.limits import Limits, resolve_limits
from components.api.settings import ConfigError, KeySource, Settings

DEFAULT_BASE_URL = "https://api.openai.com/v1"
TOGETHER_BASE_URL = "https://api.together.xyz/v1"
_AZURE_HOSTS = (".azure.com", ".azure.us", ".azure.cn")
# Azure's dated API versions (2024-10-21, 2025-04-01-preview) select the paths without /v1; the v1 API's own
# versions (v1, preview, latest) keep /v1.
_DATED_VERSION = re.compile(r"\d{4}-\d{2}-\d{2}(?:-preview)?")
_AZURE_PATH_TAIL = re.compile(r"/openai(?:/v1)?$", re.IGNORECASE)
TYPED_AZURE_HOSTS = (".openai.azure.com", ".cognitiveservices.azure.com", ".services.ai.azure.com")
"""Where a typed Azure endpoint may point: Azure's own hosts, over HTTPS. The server sends the typed key
there, so a page visitor must not be able to make it call any other host; an operator sets any other
endpoint (a proxy, the stand-in) with ``AZURE_OPENAI_ENDPOINT``."""


@dataclass(frozen=True)
class ApiConfig:
    """Everything needed to talk to one API with one credential: where, as whom, and within which limits.

    Equal configs read the same data, so a config (credential included, never shown) is a safe cache key.
    """

    base_url: str = field(default=DEFAULT_BASE_URL, repr=False)
    auth: Auth = field(default_factory=NoAuth)
    limits: Limits = field(default_factory=Limits)
    api_version: str | None = None  # sent as ``api-version`` on every request when set
    # typed in the page: never pooled with the operator's endpoints, never given a server credential
    visitor_endpoint: bool = False

    @property
    def display_base_url(self) -> str:
        """The base URL without any ``user:password@`` part (even in a config built by hand), safe to show."""
        parts = urlsplit(self.base_url)
        host = f"[{parts.hostname}]" if ":" in (parts.hostname or "") else parts.hostname or ""
        return urlunsplit(parts._replace(netloc=host + (f":{parts.port}" if parts.port else "")))


def reject_credentials(url: str, setting: str = "The API base URL") -> None:
    """Refuse ``user:password@`` in a base URL: httpx would quietly send it as Basic auth instead of the key.

    The message never repeats the URL, so a password in it cannot reach the page or a log.
    """
    if "@" in urlsplit(url.strip()).netloc:
        raise ConfigError(
            f"{setting} must not contain a user name or password (user:password@…): the dashboard sends only "
            "the API key. Remove them from the URL and set the key on its own."
        )


def normalise_base_url(value: str, setting: str = "OPENAI_BASE_URL") -> str:
    """Check that a base URL is an absolute http(s) URL without credentials and drop a trailing slash."""
    reject_credentials(value, setting)
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{setting} must be an http(s) URL such as https://api.openai.com/v1.")
    if parts.query or parts.fragment:
        raise ConfigError(f"{setting} must not carry a query string or fragment.")
    try:
        parts.port  # noqa: B018 - urlsplit checks the port only when it is read
    except ValueError:
        raise ConfigError(f"{setting} has a port that is not a number from 0 to 65535.") from None
    return urlunsplit(parts._replace(path=parts.path.rstrip("/")))


def is_azure_host(url: str) -> bool:
    """Whether ``url`` is an Azure host (``*.azure.com``, sovereign clouds): those want ``api-key``."""
    return (urlsplit(url).hostname or "").endswith(_AZURE_HOSTS)


def openai_auth(key: str, base_url: str, organization: str | None = None, project: str | None = None) -> Auth:
    """The OpenAI source's credential: a bearer token with its organisation and project headers, or Azure's
    ``api-key`` when ``OPENAI_BASE_URL`` points at an Azure host (as before there was an Azure source)."""
    if not key:
        return NoAuth()
    if is_azure_host(base_url):
        return ApiKeyAuth(key)
    extra = (("OpenAI-Organization", organization), ("OpenAI-Project", project))
    return BearerAuth(key, tuple((name, value) for name, value in extra if value))


def resolve_config(
    env: Mapping[str, Any], secrets: Mapping[str, Any], typed_key: str | None = None
) -> tuple[ApiConfig, KeySource]:
    """The OpenAI source's config: the environment first, then secrets, then a key typed in the page."""
    settings = Settings(env, secrets)
    key, source = settings.key("OPENAI_API_KEY", typed_key)
    base_url = normalise_base_url(settings.text("OPENAI_BASE_URL") or DEFAULT_BASE_URL)
    organization, project = settings.text("OPENAI_ORG_ID"), settings.text("OPENAI_PROJECT_ID")
    config = ApiConfig(
        base_url=base_url,
        auth=openai_auth(key, base_url, organization, project),
        limits=resolve_limits(env, secrets),
        # OPENAI_API_VERSION is Azure's setting: api.openai.com itself never gets it.
        api_version=settings.text("OPENAI_API_VERSION") if base_url != DEFAULT_BASE_URL else None,
    )
    return config, source


def azure_base_url(endpoint: str, api_version: str | None) -> str:
    """``{endpoint}/openai/v1``, or ``{endpoint}/openai`` for a dated ``api-version``.

    An endpoint pasted with ``/openai`` or ``/openai/v1`` already on it is taken as the resource endpoint.
    """
    root = _AZURE_PATH_TAIL.sub("", endpoint)
    dated = api_version is not None and _DATED_VERSION.fullmatch(api_version)
    return f"{root}/openai" if dated else f"{root}/openai/v1"


def typed_azure_endpoint(text: str) -> str | None:
    """A typed Azure endpoint when it is an HTTPS URL on one of Azure's hosts, else None
    (see :data:`TYPED_AZURE_HOSTS`)."""
    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    ok = (
        parts.scheme == "https"
        and not parts.username
        and not parts.password
        and host.endswith(TYPED_AZURE_HOSTS)
    )
    return f"https://{host}{f':{port}' if port else ''}/" if ok else None


def typed_azure_config(
    endpoint: str, typed_key: str | None, env: Mapping[str, Any], secrets: Mapping[str, Any]
) -> tuple[ApiConfig, KeySource] | None:
    """The Azure config of an endpoint a visitor typed: with the key typed beside it, and nothing else.

    Never the server's ``AZURE_OPENAI_API_KEY`` nor its Microsoft Entra ID identity: a visitor's endpoint
    gets no credential the visitor did not type. A key that is blank once cleaned (spaces, tabs, no-break
    spaces) means no Azure source yet; one with characters no key has (a zero-width space) is a ConfigError.
    """
    checked = typed_azure_endpoint(endpoint)
    if checked is None:
        raise ConfigError("A typed Azure OpenAI endpoint must be https://<resource>.openai.azure.com/.")
    key, source = Settings({}, {}).key("AZURE_OPENAI_API_KEY", typed_key)
    if not key:
        return None
    settings = Settings(env, secrets)
    api_version = settings.text("OPENAI_API_VERSION")
    config = ApiConfig(
        base_url=azure_base_url(checked.rstrip("/"), api_version),
        auth=ApiKeyAuth(key),
        limits=resolve_limits(env, secrets),
        api_version=api_version,
        visitor_endpoint=True,
    )
    return config, source


def resolve_azure_config(
    env: Mapping[str, Any],
    secrets: Mapping[str, Any],
    typed_key: str | None = None,
    *,
    typed_endpoint: str | None = None,
    token_provider: TokenProvider | None = None,
) -> tuple[ApiConfig, KeySource] | None:
    """The Azure OpenAI source's config: the operator's ``AZURE_OPENAI_ENDPOINT``, else an endpoint typed in
    the page (:func:`typed_azure_config`, the typed key only); None when neither is given.

    At the operator's endpoint with no key, the server signs in with Microsoft Entra ID (scope
    ``cognitiveservices``) through the optional azure-identity, or ``token_provider`` when given; without
    either, a ConfigError says what to do.
    """
    settings = Settings(env, secrets)
    endpoint = settings.text("AZURE_OPENAI_ENDPOINT")
    if endpoint is None:
        return None if typed_endpoint is None else typed_azure_config(typed_endpoint, typed_key, env, secrets)
    endpoint = normalise_base_url(endpoint, "AZURE_OPENAI_ENDPOINT")
    key, source = settings.key("AZURE_OPENAI_API_KEY", typed_key)
    auth: Auth
    if key:
        auth = ApiKeyAuth(key)
    elif token_provider is not None or azure_identity_available():
        auth, source = EntraIdAuth(token_provider=token_provider), KeySource.ENTRA_ID
    else:
        raise ConfigError(
            f"AZURE_OPENAI_ENDPOINT is set but AZURE_OPENAI_API_KEY is not: {AZURE_IDENTITY_HINT}."
        )
    api_version = settings.text("OPENAI_API_VERSION")
    config = ApiConfig(
        base_url=azure_base_url(endpoint, api_version),
        auth=auth,
        limits=resolve_limits(env, secrets),
        api_version=api_version,
    )
    return config, source


def resolve_together_config(
    env: Mapping[str, Any], secrets: Mapping[str, Any], typed_key: str | None = None
) -> tuple[ApiConfig, KeySource] | None:
    """The Together AI source's config, or None without a ``TOGETHER_API_KEY`` (Together needs one)."""
    settings = Settings(env, secrets)
    key, source = settings.key("TOGETHER_API_KEY", typed_key)
    if not key:
        return None
    base_url = normalise_base_url(
        settings.text("TOGETHER_BASE_URL") or TOGETHER_BASE_URL, "TOGETHER_BASE_URL"
    )
    return ApiConfig(base_url=base_url, auth=BearerAuth(key), limits=resolve_limits(env, secrets)), source
