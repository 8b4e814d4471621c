"""Reading settings: the environment first, then Streamlit secrets; a bad value is an error naming it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from components.errors import DashboardError
from components.text import ECHO_CHARS, clip


class ConfigError(DashboardError, ValueError):
    """A setting has a value the client cannot use; the message says which and why."""


class KeySource(StrEnum):
    """Where a credential came from; shown in the sidebar instead of the credential itself."""

    ENVIRONMENT = "environment variable"
    SECRETS = ".streamlit/secrets.toml"
    TYPED = "typed in this browser session"
    ENTRA_ID = "Microsoft Entra ID (azure-identity)"
    NONE = "no key"
    NO_AUTH = "nowhere: the server asks for none"  # an MLflow tracking server without auth

    def describe(self, variable: str) -> str:
        """Where the key came from, in words: ``environment variable OPENAI_API_KEY``."""
        return f"{self.value} {variable}" if self is KeySource.ENVIRONMENT else self.value


def _clean(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


@dataclass(frozen=True)
class Settings:
    """The environment and Streamlit secrets, read in that order."""

    env: Mapping[str, Any]
    secrets: Mapping[str, Any]

    def text(self, name: str) -> str | None:
        """The first non-blank value of ``name``, stripped; None when neither has one."""
        for source in (self.env, self.secrets):
            if value := _clean(source.get(name)):
                return value
        return None

    def number(self, name: str, default: float, low: float, high: float) -> float:
        """A number from ``low`` to ``high``; ``default`` when unset."""
        raw = self.text(name)
        if raw is None:
            return default
        try:
            value = float(raw)
        except ValueError:
            raise ConfigError(f"{name} must be a number, got {clip(raw, ECHO_CHARS)!r}.") from None
        if not low <= value <= high:
            raise ConfigError(f"{name} must be between {low:g} and {high:g}.")
        return value

    def whole(self, name: str, default: int, low: int, high: int) -> int:
        """A whole number from ``low`` to ``high``; ``default`` when unset."""
        value = self.number(name, default, low, high)
        if not float(value).is_integer():
            raise ConfigError(f"{name} must be a whole number.")
        return int(value)

    def key(self, name: str, typed: str | None = None) -> tuple[str, KeySource]:
        """A credential from the environment, then secrets, then typed in the page; ``("", NONE)`` if none.

        Streamlit copies root-level secrets into ``os.environ``, so a key found in both is named by the file.
        """
        secret = _clean(self.secrets.get(name))
        if key := _clean(self.env.get(name)):
            return _check_key(key, name), KeySource.SECRETS if key == secret else KeySource.ENVIRONMENT
        if secret:
            return _check_key(secret, name), KeySource.SECRETS
        if key := _clean(typed):
            return _check_key(key, name), KeySource.TYPED
        return "", KeySource.NONE


def _check_key(key: str, name: str) -> str:
    """A key must be printable ASCII: a pasted '…' or zero-width space would fail deep inside httpx."""
    if not (key.isascii() and key.isprintable()):
        raise ConfigError(
            f"The API key ({name}) contains characters that cannot be part of a key; paste it again."
        )
    return key
