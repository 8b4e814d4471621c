"""Named providers that speak OpenAI's fine-tuning API under their own base URL and key (Nebius Token
Factory, a gateway such as Portkey): ``DASHBOARD_COMPATIBLE_PROVIDERS``, one entry per provider.

An entry is ``name,base_url,KEY_VARIABLE[,label]``; entries are separated by ``;``::

    DASHBOARD_COMPATIBLE_PROVIDERS="nebius,https://api.tokenfactory.nebius.com/v1,NEBIUS_API_KEY,Nebius"

The key is read from the variable the entry names (environment, then secrets), never from the entry, so
the setting itself holds no secret. Each provider is resolved on its own: a wrong entry is a problem of
that provider alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from components.api.auth import BearerAuth
from components.api.config import ApiConfig, normalise_base_url
from components.api.limits import resolve_limits
from components.api.settings import ConfigError, KeySource, Settings
from components.domain.ref import SOURCE_PATTERN
from components.text import ECHO_CHARS, clean

SETTING = "DASHBOARD_COMPATIBLE_PROVIDERS"
MAX_PROVIDERS = 20
_KEY_VARIABLE = re.compile(r"[A-Z][A-Z0-9_]{0,63}")
RESERVED = frozenset(
    {"openai", "azure", "together", "files", "upload", "archive", "demo", "mlflow", "trackio"}
)


@dataclass(frozen=True)
class CompatibleProvider:
    """One entry: the source name (``?run=nebius:…``), its label, and its config (or why it has none)."""

    name: str
    label: str
    key_variable: str
    config: tuple[ApiConfig, KeySource] | None = None
    problem: str | None = None


def _entry(
    text: str, settings: Settings, env: Mapping[str, Any], secrets: Mapping[str, Any]
) -> CompatibleProvider:
    parts = [part.strip() for part in text.split(",", 3)]
    if len(parts) < 3 or not SOURCE_PATTERN.fullmatch(parts[0]) or parts[0] in RESERVED:
        name = clean(parts[0], ECHO_CHARS) if parts else ""
        raise ConfigError(
            f"{SETTING}: the entry {name!r} is not 'name,base_url,KEY_VARIABLE[,label]' with a name of "
            "2 to 20 lower-case letters and digits other than the built-in sources."
        )
    name, url, variable = parts[:3]
    label = clean(parts[3], ECHO_CHARS) if len(parts) > 3 and parts[3] else name
    if not _KEY_VARIABLE.fullmatch(variable):
        raise ConfigError(f"{SETTING}: the key variable of {name} must be an upper-case variable name.")
    base_url = normalise_base_url(url, f"The base URL of {name} in {SETTING}")
    try:
        key, source = settings.key(variable)
    except ConfigError as exc:
        return CompatibleProvider(name, label, variable, problem=str(exc))
    if not key:
        return CompatibleProvider(name, label, variable, problem=f"{variable} is not set.")
    config = ApiConfig(base_url=base_url, auth=BearerAuth(key), limits=resolve_limits(env, secrets))
    return CompatibleProvider(name, label, variable, config=(config, source))


def resolve_compatible_providers(
    env: Mapping[str, Any], secrets: Mapping[str, Any]
) -> tuple[CompatibleProvider, ...]:
    """Every provider ``DASHBOARD_COMPATIBLE_PROVIDERS`` names, in its order; ConfigError when the setting
    itself cannot be read (a repeated name, too many entries)."""
    settings = Settings(env, secrets)
    raw = settings.text(SETTING)
    if raw is None:
        return ()
    entries = [entry for entry in raw.split(";") if entry.strip()]
    if len(entries) > MAX_PROVIDERS:
        raise ConfigError(f"{SETTING} names more than {MAX_PROVIDERS} providers.")
    providers = tuple(_entry(entry, settings, env, secrets) for entry in entries)
    names = [provider.name for provider in providers]
    if len(set(names)) != len(names):
        raise ConfigError(f"{SETTING} names a provider twice.")
    return providers
