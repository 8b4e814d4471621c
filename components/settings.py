"""The dashboard's page-wide settings, read from the environment and then secrets, without Streamlit.

Each setting is read on its own: a wrong one becomes a named problem for the sidebar to show, and the
page goes on with the others (and without what the wrong one sets). The sources themselves, which also
take keys typed in the page, are resolved by ``components.sources.resolve_sources``.
"""

from __future__ import annotations

import re
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
REQUIRE_LOGIN_SETTING = "DASHBOARD_REQUIRE_LOGIN"
ALLOWED_USERS_SETTING = "DASHBOARD_ALLOWED_USERS"
AUTH_KEYS = ("redirect_uri", "cookie_secret", "client_id", "client_secret", "server_metadata_url")
"""What ``st.login`` needs in the ``[auth]`` section of ``.streamlit/secrets.toml`` (Streamlit 1.67's
``auth_util.validate_auth_credentials``: the default provider's settings may sit in ``[auth]`` itself)."""
_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})
_DOMAIN = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+")
_LOCAL = re.compile(r"[a-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}")  # an address's local part (RFC 5322 atoms)
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


@dataclass(frozen=True)
class AllowList:
    """Who may use a dashboard that requires sign-in: whole e-mail addresses and whole domains (case-folded).

    A domain admits its own addresses only, not those of its subdomains; an address the provider says is
    unverified is never admitted.
    """

    addresses: frozenset[str] = frozenset()
    domains: frozenset[str] = frozenset()

    def admits(self, email: object, verified: object = None) -> bool:
        """Whether the signed-in user with this ``email`` claim (and ``email_verified`` claim) may use it."""
        if not isinstance(email, str) or verified is False or email.count("@") != 1:
            return False
        address = email.strip().casefold()
        local, _, domain = address.partition("@")
        return bool(local) and (address in self.addresses or domain in self.domains)


@dataclass(frozen=True)
class SignInSettings:
    """Whether the page requires sign-in, who is allowed, and what is wrong with either (fail closed: a
    wrong setting requires sign-in, admits nobody and says why)."""

    required: bool = False
    allowed: AllowList = AllowList()
    problem: str | None = None  # safe to show: names the setting, never a secret


def allow_list(text: str) -> AllowList:
    """``alice@team.example, @team.example other.example``: addresses and domains, by commas or spaces."""
    addresses, domains = set(), set()
    for entry in re.split(r"[\s,;]+", text.strip().casefold()):
        if not entry:
            continue
        local, _, domain = entry.rpartition("@")
        if not _DOMAIN.fullmatch(domain) or (local and not _LOCAL.fullmatch(local)):
            raise ConfigError(f"{ALLOWED_USERS_SETTING} holds an entry that is not an address or a domain.")
        if local:
            addresses.add(entry)
        else:
            domains.add(domain)
    return AllowList(frozenset(addresses), frozenset(domains))


def _auth_problem(secrets: Mapping[str, Any]) -> str | None:
    """What the ``[auth]`` section lacks for ``st.login`` (None: complete); never repeats a value."""
    auth = secrets.get("auth")
    if not isinstance(auth, Mapping):
        return "its [auth] section is missing from .streamlit/secrets.toml"
    missing = [key for key in AUTH_KEYS if not str(auth.get(key) or "").strip()]
    return f"its [auth] section lacks {', '.join(missing)}" if missing else None


def sign_in_settings(env: Mapping[str, Any], secrets: Mapping[str, Any]) -> SignInSettings:
    """``DASHBOARD_REQUIRE_LOGIN`` (off unless true) and ``DASHBOARD_ALLOWED_USERS``; a required sign-in
    with no one allowed, or without ``[auth]`` for ``st.login``, is a problem that admits nobody."""
    settings = Settings(env, secrets)
    raw = (settings.text(REQUIRE_LOGIN_SETTING) or "false").casefold()
    if raw not in _TRUE | _FALSE:
        return SignInSettings(True, problem=f"{REQUIRE_LOGIN_SETTING} must be true or false.")
    if raw in _FALSE:
        return SignInSettings()
    try:
        allowed = allow_list(settings.text(ALLOWED_USERS_SETTING) or "")
    except ConfigError as exc:
        return SignInSettings(True, problem=str(exc))
    if not allowed.addresses and not allowed.domains:
        return SignInSettings(True, problem=f"{ALLOWED_USERS_SETTING} names no one who may sign in.")
    if problem := _auth_problem(secrets):
        return SignInSettings(True, allowed, f"Sign-in is required ({REQUIRE_LOGIN_SETTING}), but {problem}.")
    return SignInSettings(True, allowed)


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
