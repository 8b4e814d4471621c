"""Where the client's settings come from: environment variables, then Streamlit secrets, then a typed key.

Kept free of Streamlit so a notebook can build an :class:`ApiConfig` from ``os.environ`` alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from components.errors import DashboardError
from components.text import ECHO_CHARS, clip

DEFAULT_BASE_URL = "https://api.openai.com/v1"
DEFAULT_READ_TIMEOUT = 30.0
CONNECT_TIMEOUT = 5.0
DEFAULT_MAX_RETRIES = 2
# A hung API must reach a clear message within 45 s: one 30 s attempt, a short backoff, and a second
# attempt cut to what is left of 40 s.
DEFAULT_LOAD_DEADLINE = 40.0
DEFAULT_MAX_RETRY_WAIT = 20.0
MEGABYTE = 1_000_000
# A page of 100 checkpoints or events is well under 1 MB; a 100,000-step result file about 10 MB (base64).
DEFAULT_MAX_RESPONSE_MB = 8.0
DEFAULT_MAX_FILE_MB = 32.0


class KeySource(StrEnum):
    """Where the API key came from; shown in the sidebar instead of the key itself."""

    ENVIRONMENT = "environment variable OPENAI_API_KEY"
    SECRETS = ".streamlit/secrets.toml"
    TYPED = "typed in this browser session"
    NONE = "no key"


class ConfigError(DashboardError, ValueError):
    """A setting has a value the client cannot use; the message says which and why."""


@dataclass(frozen=True)
class ApiConfig:
    """Everything needed to talk to one OpenAI-compatible API with one key."""

    api_key: str = field(default="", repr=False)
    base_url: str = field(default=DEFAULT_BASE_URL, repr=False)
    organization: str | None = None
    project: str | None = None
    api_version: str | None = None
    read_timeout: float = DEFAULT_READ_TIMEOUT
    max_retries: int = DEFAULT_MAX_RETRIES
    load_deadline: float = DEFAULT_LOAD_DEADLINE  # seconds one whole load may take, retries included
    max_retry_wait: float = DEFAULT_MAX_RETRY_WAIT  # seconds one load may spend waiting between retries
    max_response_bytes: int = round(DEFAULT_MAX_RESPONSE_MB * MEGABYTE)  # one JSON answer
    max_file_bytes: int = round(DEFAULT_MAX_FILE_MB * MEGABYTE)  # one result file

    @property
    def is_azure(self) -> bool:
        """Azure OpenAI wants the key in ``api-key`` rather than a bearer token."""
        host = urlsplit(self.base_url).hostname or ""
        return host.endswith((".azure.com", ".azure.us", ".azure.cn"))

    @property
    def display_base_url(self) -> str:
        """The base URL without any ``user:password@`` part (even in a config built by hand), safe to show."""
        parts = urlsplit(self.base_url)
        host = f"[{parts.hostname}]" if ":" in (parts.hostname or "") else parts.hostname or ""
        return urlunsplit(parts._replace(netloc=host + (f":{parts.port}" if parts.port else "")))

    def auth_headers(self) -> dict[str, str]:
        """Per-request headers; the shared HTTP client never holds a credential."""
        headers = {}
        if self.api_key:
            headers = (
                {"api-key": self.api_key} if self.is_azure else {"Authorization": f"Bearer {self.api_key}"}
            )
        if self.organization:
            headers["OpenAI-Organization"] = self.organization
        if self.project:
            headers["OpenAI-Project"] = self.project
        return headers


def _clean(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def _pick(name: str, *sources: Mapping[str, Any]) -> str | None:
    for source in sources:
        value = _clean(source.get(name))
        if value:
            return value
    return None


def reject_credentials(url: str) -> None:
    """Refuse ``user:password@`` in a base URL: httpx would quietly send it as Basic auth instead of the key.

    The message never repeats the URL, so a password in it cannot reach the page or a log.
    """
    if "@" in urlsplit(url.strip()).netloc:
        raise ConfigError(
            "OPENAI_BASE_URL must not contain a user name or password (user:password@…): the dashboard "
            "sends only the API key. Remove them from the URL and put the key in OPENAI_API_KEY."
        )


def normalise_base_url(value: str) -> str:
    """Check that the base URL is an absolute http(s) URL without credentials and drop a trailing slash."""
    reject_credentials(value)
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError("OPENAI_BASE_URL must be an http(s) URL such as https://api.openai.com/v1.")
    if parts.query or parts.fragment:
        raise ConfigError("OPENAI_BASE_URL must not carry a query string or fragment.")
    try:
        parts.port  # noqa: B018 - urlsplit checks the port only when it is read
    except ValueError:
        raise ConfigError("OPENAI_BASE_URL has a port that is not a number from 0 to 65535.") from None
    return urlunsplit(parts._replace(path=parts.path.rstrip("/")))


def _number(name: str, raw: str | None, default: float, low: float, high: float) -> float:
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {clip(raw, ECHO_CHARS)!r}.") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low:g} and {high:g}.")
    return value


def _whole(name: str, value: float) -> int:
    if not float(value).is_integer():
        raise ConfigError(f"{name} must be a whole number.")
    return int(value)


def _check_key(key: str) -> str:
    """A key must be printable ASCII: a pasted '…' or zero-width space would fail deep inside httpx."""
    if key and not (key.isascii() and key.isprintable()):
        raise ConfigError("The API key contains characters that cannot be part of a key; paste it again.")
    return key


def resolve_config(
    env: Mapping[str, Any], secrets: Mapping[str, Any], typed_key: str | None = None
) -> tuple[ApiConfig, KeySource]:
    """Build the config from the environment first, then secrets, then a key typed in the page."""
    secret_key = _clean(secrets.get("OPENAI_API_KEY"))
    if key := _clean(env.get("OPENAI_API_KEY")):
        # Streamlit copies root-level secrets into os.environ; name the file, not the copy.
        source = KeySource.SECRETS if key == secret_key else KeySource.ENVIRONMENT
    elif key := secret_key:
        source = KeySource.SECRETS
    elif key := _clean(typed_key):
        source = KeySource.TYPED
    else:
        key, source = "", KeySource.NONE

    def setting(name: str, default: float, low: float, high: float) -> float:
        return _number(name, _pick(name, env, secrets), default, low, high)

    config = ApiConfig(
        api_key=_check_key(key),
        base_url=normalise_base_url(_pick("OPENAI_BASE_URL", env, secrets) or DEFAULT_BASE_URL),
        organization=_pick("OPENAI_ORG_ID", env, secrets),
        project=_pick("OPENAI_PROJECT_ID", env, secrets),
        api_version=_pick("OPENAI_API_VERSION", env, secrets),
        read_timeout=setting("OPENAI_TIMEOUT", DEFAULT_READ_TIMEOUT, 0.05, 600),
        max_retries=_whole("OPENAI_MAX_RETRIES", setting("OPENAI_MAX_RETRIES", DEFAULT_MAX_RETRIES, 0, 10)),
        load_deadline=setting("DASHBOARD_LOAD_DEADLINE", DEFAULT_LOAD_DEADLINE, 0.1, 3600),
        max_retry_wait=setting("DASHBOARD_MAX_RETRY_WAIT", DEFAULT_MAX_RETRY_WAIT, 0, 3600),
        max_response_bytes=round(
            setting("DASHBOARD_MAX_RESPONSE_MB", DEFAULT_MAX_RESPONSE_MB, 0.001, 1024) * MEGABYTE
        ),
        max_file_bytes=round(setting("DASHBOARD_MAX_FILE_MB", DEFAULT_MAX_FILE_MB, 0.001, 4096) * MEGABYTE),
    )
    return config, source
