"""The dashboard's page-wide settings, read from the environment and then secrets, without Streamlit.

Each setting is read on its own: a wrong one becomes a named problem for the sidebar to show, and the
page goes on with the others (and without what the wrong one sets). The sources themselves, which also
take keys typed in the page, are resolved by ``components.sources.resolve_sources``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from components.api import ApiConfig, BearerAuth, ConfigError, NoAuth
from components.api.config import normalise_base_url
from components.api.limits import Limits, resolve_limits
from components.api.settings import Settings
from components.sources import SourceProblem
from components.sources.archive import ARCHIVE_LABEL
from components.store import StoreConfig, resolve_store

INTERVAL_SETTING = "DASHBOARD_REFRESH_SECONDS"
DEFAULT_INTERVAL_SECONDS = 60.0
MAX_INTERVAL_SECONDS = 86_400.0
COMPAT_URL_SETTING = "DASHBOARD_COMPAT_BASE_URL"
COMPAT_KEY_SETTING = "DASHBOARD_COMPAT_API_KEY"
COMPAT_LABEL = "OpenAI-compatible endpoint"
_T = TypeVar("_T")


@dataclass(frozen=True)
class DashboardSettings:
    """What the page-wide settings say, and the problem of each one that is wrong."""

    limits: Limits = field(default_factory=Limits)  # the defaults when the limits are wrong
    store: StoreConfig | None = None  # the archive; None when switched off or wrong
    refresh_seconds: float | None = None  # how often a running job is read again; None: the setting is wrong
    # in the order the sidebar names them: archive, auto-refresh, limits, compatible endpoint
    problems: tuple[SourceProblem, ...] = ()
    compat: ApiConfig | None = None  # an OpenAI-compatible endpoint that answers replacements (vLLM, Ollama…)


def refresh_interval(env: Mapping[str, Any], secrets: Mapping[str, Any]) -> float:
    """``DASHBOARD_REFRESH_SECONDS`` from the environment, then secrets: 1 s to a day, a minute when unset.

    Any other value is a ConfigError naming the setting, as for every other setting.
    """
    return Settings(env, secrets).number(INTERVAL_SETTING, DEFAULT_INTERVAL_SECONDS, 1, MAX_INTERVAL_SECONDS)


def compat_endpoint(env: Mapping[str, Any], secrets: Mapping[str, Any]) -> ApiConfig | None:
    """The OpenAI-compatible endpoint replacement models answer through (a local vLLM, llama.cpp or Ollama
    server), or None when ``DASHBOARD_COMPAT_BASE_URL`` is unset. Its optional key
    (``DASHBOARD_COMPAT_API_KEY``) is sent as a bearer token to that base URL only: the client follows no
    redirect, so the key never goes to another host."""
    settings = Settings(env, secrets)
    raw = settings.text(COMPAT_URL_SETTING)
    if raw is None:
        return None
    base_url = normalise_base_url(raw, COMPAT_URL_SETTING)
    key, _ = settings.key(COMPAT_KEY_SETTING)
    auth = BearerAuth(key) if key else NoAuth()
    return ApiConfig(base_url=base_url, auth=auth, limits=resolve_limits(env, secrets))


def _setting(label: str, read: Callable[[], _T]) -> tuple[_T | None, SourceProblem | None]:
    """A page-wide setting; a wrong one is a problem to show, and the page goes on without what it sets."""
    try:
        return read(), None
    except ConfigError as exc:
        return None, SourceProblem(label.lower(), label, str(exc))


def resolve_settings(env: Mapping[str, Any], secrets: Mapping[str, Any]) -> DashboardSettings:
    """The archive, the auto-refresh interval, the limits and the compatible endpoint; each wrong one a
    problem, the others kept."""
    store, store_problem = _setting(ARCHIVE_LABEL, lambda: resolve_store(env, secrets))
    refresh_seconds, refresh_problem = _setting("Auto-refresh", lambda: refresh_interval(env, secrets))
    limits, limits_problem = _setting("Limits", lambda: resolve_limits(env, secrets))
    compat, compat_problem = _setting(COMPAT_LABEL, lambda: compat_endpoint(env, secrets))
    found = (store_problem, refresh_problem, limits_problem, compat_problem)
    problems = tuple(problem for problem in found if problem is not None)
    return DashboardSettings(limits or Limits(), store, refresh_seconds, problems, compat)
