"""How each source proves who it is: one small strategy per kind of credential, sent per request.

The pooled HTTP client is shared by every user of the server, so it never holds a credential: each
request asks its config's strategy for headers. Every strategy keeps its secret out of ``repr`` and
names it for redaction, so a server that echoes it cannot put it on the page.
"""

from __future__ import annotations

import base64
import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Protocol

from components.api.errors import CredentialError
from components.api.settings import ConfigError
from components.text import MESSAGE_CHARS, clean

COGNITIVE_SERVICES_SCOPE = "https://cognitiveservices.azure.com/.default"
AZURE_IDENTITY_HINT = (
    "install azure-identity (pip install -r requirements-azure.txt) to sign in with Microsoft Entra ID, "
    "or set AZURE_OPENAI_API_KEY"
)

TokenProvider = Callable[[], str]
"""Returns a current bearer token (refreshing it as needed); azure-identity's bearer token provider is one."""


class Auth(Protocol):
    """A credential strategy: the headers of one request, and the secrets to redact from answers."""

    def headers(self) -> dict[str, str]: ...

    def secrets(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class NoAuth:
    """No credential: the demo, or a source that is not configured yet."""

    def headers(self) -> dict[str, str]:
        return {}

    def secrets(self) -> tuple[str, ...]:
        return ()


@dataclass(frozen=True)
class BearerAuth:
    """``Authorization: Bearer <token>`` (OpenAI, Together), plus fixed headers such as OpenAI-Project."""

    token: str = field(repr=False)
    extra: tuple[tuple[str, str], ...] = ()

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", **dict(self.extra)}

    def secrets(self) -> tuple[str, ...]:
        return (self.token,)


@dataclass(frozen=True)
class BasicAuth:
    """``Authorization: Basic`` from a user name and password (MLflow's ``MLFLOW_TRACKING_USERNAME`` /
    ``_PASSWORD``): sent as a header per request, never as ``user:password@`` in a URL."""

    username: str
    password: str = field(repr=False)

    def headers(self) -> dict[str, str]:
        pair = base64.b64encode(f"{self.username}:{self.password}".encode()).decode("ascii")
        return {"Authorization": f"Basic {pair}"}

    def secrets(self) -> tuple[str, ...]:
        return (self.password, self.headers()["Authorization"].removeprefix("Basic "))


@dataclass(frozen=True)
class ApiKeyAuth:
    """Azure OpenAI's ``api-key: <key>`` header, and never a bearer token beside it."""

    key: str = field(repr=False)

    def headers(self) -> dict[str, str]:
        return {"api-key": self.key}

    def secrets(self) -> tuple[str, ...]:
        return (self.key,)


@dataclass(frozen=True)
class EntraIdAuth:
    """A Microsoft Entra ID bearer token for Azure OpenAI, from ``token_provider``.

    Without a provider the server's own identity is used through azure-identity's ``DefaultAzureCredential``
    (environment, managed identity, ``az login``…), imported only when the first token is needed; tests
    inject a provider instead. The provider is not part of equality: the identity is the server's, the same
    for every session.
    """

    scope: str = COGNITIVE_SERVICES_SCOPE
    token_provider: TokenProvider | None = field(default=None, repr=False, compare=False)

    def headers(self) -> dict[str, str]:
        provider = self.token_provider or default_token_provider(self.scope)
        try:
            token = provider()
        except Exception as exc:  # azure-identity raises its own types; none may reach the page unexplained
            first_line = clean(str(exc).splitlines()[0] if str(exc) else "", MESSAGE_CHARS)
            raise CredentialError(
                f"Could not get a Microsoft Entra ID token ({type(exc).__name__}"
                + (f": {first_line}" if first_line else "")
                + "). Sign in (for example az login) or give the server a managed identity, or set "
                "AZURE_OPENAI_API_KEY."
            ) from None
        if not isinstance(token, str) or not token.isascii() or not token.isprintable() or not token:
            raise CredentialError(
                "The Microsoft Entra ID token provider returned something that is not a token."
            )
        return {"Authorization": f"Bearer {token}"}

    def secrets(self) -> tuple[str, ...]:
        return ()


def azure_identity_available() -> bool:
    """Whether the optional azure-identity package is installed (checked without importing it)."""
    try:
        return importlib.util.find_spec("azure.identity") is not None
    except (ImportError, ValueError):  # a missing parent package, or a broken install
        return False


@cache
def default_token_provider(scope: str) -> TokenProvider:
    """azure-identity's caching bearer-token provider for ``scope``, made once per process.

    Raises ConfigError with what to do when azure-identity is not installed.
    """
    try:
        identity = importlib.import_module("azure.identity")
    except ImportError:
        raise ConfigError(f"Azure OpenAI has no key: {AZURE_IDENTITY_HINT}.") from None
    return identity.get_bearer_token_provider(identity.DefaultAzureCredential(), scope)
