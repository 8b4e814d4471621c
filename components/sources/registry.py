"""Which sources are configured, from the environment, Streamlit secrets and keys typed in the page.

Several can be configured at once; each is resolved on its own, so a wrong setting of one is a problem
to show while the others work. Nothing here makes a request: a source that is not configured is never
built, so nothing is fetched for it. The built-in demo is offered only when nothing is configured (the
archive, when given, comes last and does not count: it holds what other sources read).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from components.api import (
    ApiConfig,
    ConfigError,
    FineTuningClient,
    KeySource,
    Limits,
    TokenProvider,
    make_http_client,
    resolve_azure_config,
    resolve_config,
    resolve_limits,
    resolve_together_config,
)
from components.api.compatible import SETTING as COMPATIBLE_SETTING
from components.api.compatible import resolve_compatible_providers
from components.api.limits import MEGABYTE
from components.api.mlflow import MLflowClient, resolve_mlflow_config
from components.api.settings import Settings
from components.api.together import TogetherClient
from components.data.mlflow import MLFLOW
from components.demo import DEMO_JOB_ID
from components.domain import Conventions, InvalidRunRefError, RunRef, check_run_id
from components.sources.archive import ARCHIVE, ARCHIVE_LABEL, ArchiveSource
from components.sources.azure import AZURE, AZURE_LABEL, azure_source
from components.sources.base import RunSource, SourceKind
from components.sources.demo import DEMO, DEMO_LABEL, demo_source
from components.sources.files import (
    DEFAULT_MAX_LOG_MB,
    FILES,
    FILES_LABEL,
    UPLOAD,
    FilesSource,
    Upload,
    UploadSource,
)
from components.sources.liveness import DEFAULT_QUIET_MINUTES
from components.sources.mlflow import MLFLOW_LABEL
from components.sources.mlflow_source import MLflowSource
from components.sources.openai import OPENAI, openai_info
from components.sources.openai_source import OpenAISource
from components.sources.together import TOGETHER, TOGETHER_LABEL
from components.sources.together_source import TogetherSource
from components.sources.trackio import TRACKIO, TRACKIO_LABEL, TrackioSource
from components.store import StoreConfig, connect_store, credential_material

if TYPE_CHECKING:
    from collections.abc import Callable

OPENAI_LABEL = "OpenAI"
API_SOURCES_FOR_JOB_IDS = (OPENAI, AZURE)
"""Where an old ``?job=ftjob-…`` link looks: the first of these that is configured."""
KEY_VARIABLES = {
    OPENAI: "OPENAI_API_KEY",
    AZURE: "AZURE_OPENAI_API_KEY",
    TOGETHER: "TOGETHER_API_KEY",
    MLFLOW: "MLFLOW_TRACKING_TOKEN",
}


@dataclass(frozen=True)
class SourceConfig:
    """One configured source: enough to build it, and a safe cache key (the credential is never shown)."""

    name: str
    label: str
    kind: SourceKind
    limits: Limits = field(default_factory=Limits)
    api: ApiConfig | None = None  # API sources
    key_source: KeySource = KeySource.NONE
    runs_dirs: tuple[Path, ...] = ()  # the files source: its folders
    quiet_minutes: float = DEFAULT_QUIET_MINUTES  # the files source: quiet this long, a run is not running
    max_log_mb: float = DEFAULT_MAX_LOG_MB  # the files source: the most of one appended training log
    tracker_dir: Path | None = None  # Trackio's TRACKIO_DIR
    key_variable: str | None = None  # a compatible provider's key variable (the built-in ones: KEY_VARIABLES)
    store: StoreConfig | None = None  # the archive
    # The archive: the credentials of the session's other sources, whose runs it shows (never shown).
    credentials: tuple[str, ...] = field(default=(), repr=False)
    # The signed-in user's e-mail address (None: no sign-in): in every cache key, and whose runs it shows.
    user: str | None = field(default=None, repr=False)

    @property
    def key_origin(self) -> str:
        """Where the credential came from, in words (never the credential)."""
        return self.key_source.describe(self.key_variable or KEY_VARIABLES.get(self.name, ""))


DEMO_SOURCE = SourceConfig(DEMO, DEMO_LABEL, SourceKind.DEMO)
"""The built-in demo job's source: offered when nothing is configured."""


@dataclass(frozen=True)
class SourceProblem:
    """A source whose settings are wrong: which, and the message (safe to show)."""

    name: str
    label: str
    message: str


@dataclass(frozen=True)
class Registry:
    """The configured sources in a fixed order (OpenAI, Azure, Together, MLflow, Trackio, files, the named
    OpenAI-compatible providers; else the demo)."""

    configs: tuple[SourceConfig, ...]
    problems: tuple[SourceProblem, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(config.name for config in self.configs)

    def get(self, name: str) -> SourceConfig | None:
        return next((config for config in self.configs if config.name == name), None)

    @property
    def is_demo(self) -> bool:
        return tuple(name for name in self.names if name != ARCHIVE) == (DEMO,)

    @property
    def archive(self) -> SourceConfig | None:
        """The archive's config, when a store is configured."""
        return self.get(ARCHIVE)

    def job_source(self) -> SourceConfig | None:
        """The source an old ``?job=`` id opens in: OpenAI, else Azure (None: neither is configured)."""
        return next((config for name in API_SOURCES_FOR_JOB_IDS if (config := self.get(name))), None)

    def signed_in(self, user: str | None) -> Registry:
        """These sources for the signed-in ``user`` (an e-mail address): each config carries it, so nothing
        cached for one user is served to another, and the archive shows the runs that user saved."""
        if user is None:
            return self
        return replace(self, configs=tuple(replace(config, user=user) for config in self.configs))

    def ref_for_job(self, job_id: str) -> RunRef | None:
        """The run an old ``?job=ftjob-…`` link means, or None when no API source could hold it."""
        config = self.job_source()
        if config is not None:
            return RunRef(config.name, check_run_id(job_id, "job ID"))
        if self.is_demo and job_id.strip() == DEMO_JOB_ID:
            return RunRef(DEMO, DEMO_JOB_ID)
        return None

    def resolve(self, text: str, *, uploads: bool = False) -> RunRef:
        """The run a ``?run=source:id`` value names, if its source is configured here (``upload`` when the
        session has uploads); else InvalidRunRefError saying which source is missing."""
        ref = RunRef.parse(text)
        if ref.source in self.names or (uploads and ref.source == UPLOAD):
            return ref
        raise InvalidRunRefError(
            f"The run {ref} is from the source '{ref.source}', which is not configured on this dashboard"
            + (f" (configured: {', '.join(self.names)})." if self.names else ".")
        )


def _api(name: str, label: str, resolved: tuple[ApiConfig, KeySource] | None) -> SourceConfig | None:
    if resolved is None:
        return None
    api, key_source = resolved
    return SourceConfig(name, label, SourceKind.API, api.limits, api=api, key_source=key_source)


def _openai(env: Mapping[str, Any], secrets: Mapping[str, Any], typed: str | None) -> SourceConfig | None:
    api, key_source = resolve_config(env, secrets, typed)
    return None if key_source is KeySource.NONE else _api(OPENAI, OPENAI_LABEL, (api, key_source))


def _files(env: Mapping[str, Any], secrets: Mapping[str, Any]) -> SourceConfig | None:
    """``DASHBOARD_RUNS_DIR``: one folder, or several separated by ``os.pathsep`` (``ft-dashboard --logdir a
    --logdir b``), each listed once."""
    settings = Settings(env, secrets)
    raw = settings.text("DASHBOARD_RUNS_DIR")
    if raw is None:
        return None
    folders = [Path(part).expanduser() for part in raw.split(os.pathsep) if part.strip()]
    if not folders or not all(folder.is_dir() for folder in folders):
        raise ConfigError("DASHBOARD_RUNS_DIR is not a folder (or list of folders) this server can read.")
    return SourceConfig(
        FILES,
        FILES_LABEL,
        SourceKind.FILES,
        resolve_limits(env, secrets),
        runs_dirs=tuple(dict.fromkeys(folder.resolve() for folder in folders)),
        quiet_minutes=settings.number("DASHBOARD_QUIET_MINUTES", DEFAULT_QUIET_MINUTES, 0.1, 7 * 24 * 60),
        max_log_mb=settings.number("DASHBOARD_MAX_LOG_MB", DEFAULT_MAX_LOG_MB, 1, 65_536),
    )


def _trackio(env: Mapping[str, Any], secrets: Mapping[str, Any]) -> SourceConfig | None:
    raw = Settings(env, secrets).text("TRACKIO_DIR")
    if raw is None:
        return None
    folder = Path(raw).expanduser()
    if not folder.is_dir():
        raise ConfigError("TRACKIO_DIR is not a folder this server can read.")
    return SourceConfig(
        TRACKIO, TRACKIO_LABEL, SourceKind.FILES, resolve_limits(env, secrets), tracker_dir=folder.resolve()
    )


def _compatible(
    env: Mapping[str, Any], secrets: Mapping[str, Any]
) -> tuple[list[SourceConfig], list[SourceProblem]]:
    """Every named OpenAI-compatible provider (``DASHBOARD_COMPATIBLE_PROVIDERS``), each on its own."""
    try:
        providers = resolve_compatible_providers(env, secrets)
    except ConfigError as exc:
        return [], [SourceProblem("compatible", COMPATIBLE_SETTING, str(exc))]
    configs, problems = [], []
    for provider in providers:
        if provider.config is None:
            problems.append(SourceProblem(provider.name, provider.label, provider.problem or ""))
            continue
        api, key_source = provider.config
        configs.append(
            SourceConfig(
                provider.name,
                provider.label,
                SourceKind.API,
                api.limits,
                api=api,
                key_source=key_source,
                key_variable=provider.key_variable,
            )
        )
    return configs, problems


def _tried(
    attempts: Sequence[tuple[str, str, Callable[[], SourceConfig | None]]],
) -> tuple[list[SourceConfig], list[SourceProblem]]:
    """Each source's config, or its problem: a wrong setting of one leaves the others working."""
    configs, problems = [], []
    for name, label, attempt in attempts:
        try:
            config = attempt()
        except ConfigError as exc:
            problems.append(SourceProblem(name, label, str(exc)))
            continue
        if config is not None:
            configs.append(config)
    return configs, problems


def resolve_sources(
    env: Mapping[str, Any],
    secrets: Mapping[str, Any],
    typed_keys: Mapping[str, str] | None = None,
    *,
    azure_endpoint: str | None = None,
    token_provider: TokenProvider | None = None,
    store: StoreConfig | None = None,
) -> Registry:
    """Every configured source, in order; the demo alone when none is and nothing is wrong.

    ``typed_keys`` maps a source name (openai, azure, together) to a key typed in this browser session;
    ``azure_endpoint`` is an Azure endpoint typed there (it only ever gets the typed Azure key);
    ``token_provider`` replaces azure-identity for Microsoft Entra ID (tests); ``store``
    (``components.store.resolve_store``) adds the archive last, showing the runs of these credentials.
    """
    typed = typed_keys or {}
    attempts = (
        (OPENAI, OPENAI_LABEL, lambda: _openai(env, secrets, typed.get(OPENAI))),
        (
            AZURE,
            AZURE_LABEL,
            lambda: _api(
                AZURE,
                AZURE_LABEL,
                resolve_azure_config(
                    env,
                    secrets,
                    typed.get(AZURE),
                    typed_endpoint=azure_endpoint,
                    token_provider=token_provider,
                ),
            ),
        ),
        (
            TOGETHER,
            TOGETHER_LABEL,
            lambda: _api(
                TOGETHER, TOGETHER_LABEL, resolve_together_config(env, secrets, typed.get(TOGETHER))
            ),
        ),
        (MLFLOW, MLFLOW_LABEL, lambda: _api(MLFLOW, MLFLOW_LABEL, resolve_mlflow_config(env, secrets))),
        (TRACKIO, TRACKIO_LABEL, lambda: _trackio(env, secrets)),
        (FILES, FILES_LABEL, lambda: _files(env, secrets)),
    )
    configs, problems = _tried(attempts)
    compatible, wrong = _compatible(env, secrets)
    configs, problems = [*configs, *compatible], [*problems, *wrong]
    if not configs and not problems:
        configs.append(DEMO_SOURCE)
    if store is not None:
        configs.append(archive_config(store, configs))
    return Registry(tuple(configs), tuple(problems))


def archive_config(store: StoreConfig, configs: Sequence[SourceConfig]) -> SourceConfig:
    """The archive as a source: it shows the runs stored with the credentials of ``configs``."""
    materials = (credential_material(config.api) for config in configs)
    return SourceConfig(
        ARCHIVE,
        ARCHIVE_LABEL,
        SourceKind.ARCHIVE,
        store=store,
        credentials=tuple(sorted({material for material in materials if material})),
    )


def http_client_for(config: SourceConfig) -> httpx.Client:
    """A new pooled HTTP client for an API source's base URL (it holds no credential; share it per URL)."""
    if config.api is None:
        raise ValueError(f"the {config.name} source does not use HTTP")
    return make_http_client(
        config.api.base_url, read_timeout=config.limits.read_timeout, max_retries=config.limits.max_retries
    )


def open_source(
    config: SourceConfig, http: httpx.Client | None = None, *, uploads: Sequence[Upload] = ()
) -> RunSource:
    """The source ``config`` describes; API sources read through ``http`` (default: a new client)."""
    if config.kind is SourceKind.DEMO:
        return demo_source()
    if config.kind is SourceKind.ARCHIVE:
        assert config.store is not None
        store = connect_store(config.store)  # opened once per process; StoreError when unreachable
        return ArchiveSource(store, store.viewer(config.credentials, config.user))
    if config.name == FILES:
        return FilesSource(
            config.runs_dirs,
            config.limits,
            quiet_seconds=config.quiet_minutes * 60,
            max_log_bytes=round(config.max_log_mb * MEGABYTE),
        )
    if config.name == UPLOAD:
        return UploadSource(uploads, config.limits)
    if config.name == TRACKIO:
        assert config.tracker_dir is not None
        return TrackioSource(config.tracker_dir)
    assert config.api is not None
    http = http or http_client_for(config)
    if config.name == TOGETHER:
        return TogetherSource(TogetherClient(http, config.api))
    if config.name == MLFLOW:
        return MLflowSource(MLflowClient(http, config.api))
    client = FineTuningClient(http, config.api)
    if config.name in (OPENAI, AZURE):
        return azure_source(client) if config.name == AZURE else OpenAISource(client)
    # A named OpenAI-compatible provider: the OpenAI source under its own name, label and base.
    return OpenAISource(
        client, openai_info(client, name=config.name, label=config.label, conventions=Conventions())
    )


def upload_config(limits: Limits) -> SourceConfig:
    """The session's uploads as a source config (open it with ``open_source(config, uploads=…)``)."""
    return SourceConfig(UPLOAD, "Uploaded files", SourceKind.FILES, limits)
