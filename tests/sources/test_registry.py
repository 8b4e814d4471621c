"""Which sources are configured (environment, secrets, typed keys), several at once, each on its own; old
``?job=`` links; ``?run=`` addresses; and nothing fetched for a source that is not configured."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from components.api import ApiKeyAuth, BearerAuth, EntraIdAuth, KeySource, NoAuth
from components.api import auth as auth_module
from components.api.config import resolve_azure_config
from components.domain import InvalidRunRefError, RunRef
from components.sources import open_source, resolve_sources
from components.sources.base import SourceKind
from devtools.standin import (
    DEFAULT_API_KEY,
    StandInServer,
    make_checkpoints_only,
    make_together_run,
    together_job_id,
)
from tests.sources.conftest import OpenSource


def test_nothing_configured_offers_the_demo_alone() -> None:
    registry = resolve_sources({}, {})
    assert registry.names == ("demo",) and registry.is_demo and registry.problems == ()
    assert registry.ref_for_job("ftjob-demo") == RunRef("demo", "ftjob-demo")
    assert registry.ref_for_job("ftjob-other") is None
    demo = open_source(registry.configs[0])
    assert [run.ref for run in demo.list_runs().runs] == [RunRef("demo", "ftjob-demo")]
    assert demo.info.kind is SourceKind.DEMO and demo.load_run("ftjob-demo").history_source == "result file"


def test_every_source_is_configured_from_its_own_settings(tmp_path: Path) -> None:
    env = {
        "OPENAI_API_KEY": "sk-openai",
        "AZURE_OPENAI_ENDPOINT": "https://res.openai.azure.com/",
        "AZURE_OPENAI_API_KEY": "azure-key-0123",
        "DASHBOARD_RUNS_DIR": str(tmp_path),
    }
    secrets = {"TOGETHER_API_KEY": "tgp-together"}
    registry = resolve_sources(env, secrets)
    assert registry.names == ("openai", "azure", "together", "files") and not registry.is_demo
    openai, azure, together, files = registry.configs
    assert (
        openai.api.auth == BearerAuth("sk-openai")
        and openai.key_origin == "environment variable OPENAI_API_KEY"
    )
    assert (
        azure.api.auth == ApiKeyAuth("azure-key-0123")
        and azure.api.base_url == "https://res.openai.azure.com/openai/v1"
    )
    assert (
        together.api.auth == BearerAuth("tgp-together")
        and together.api.base_url == "https://api.together.xyz/v1"
    )
    assert together.key_source is KeySource.SECRETS
    assert files.runs_dirs == (tmp_path.resolve(),) and files.kind is SourceKind.FILES
    for config in registry.configs:
        assert (
            "sk-openai" not in repr(config)
            and "azure-key" not in repr(config)
            and "tgp-together" not in repr(config)
        )


def test_several_runs_folders_are_one_source_each_listed_once(tmp_path: Path) -> None:
    """``ft-dashboard --logdir a --logdir b`` sets DASHBOARD_RUNS_DIR to both, separated by os.pathsep."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    both = os.pathsep.join(str(tmp_path / name) for name in ("a", "b", "a"))
    files = resolve_sources({"DASHBOARD_RUNS_DIR": both, "DASHBOARD_QUIET_MINUTES": "2"}, {}).get("files")
    assert files.runs_dirs == ((tmp_path / "a").resolve(), (tmp_path / "b").resolve())
    assert files.quiet_minutes == 2
    missing = os.pathsep.join([str(tmp_path / "a"), str(tmp_path / "missing")])
    registry = resolve_sources({"DASHBOARD_RUNS_DIR": missing}, {})
    assert "files" not in registry.names
    assert [problem.message for problem in registry.problems] == [
        "DASHBOARD_RUNS_DIR is not a folder (or list of folders) this server can read."
    ]


def test_keys_typed_in_the_page_configure_their_source() -> None:
    registry = resolve_sources({}, {}, {"together": " tgp-typed ", "openai": ""})
    assert registry.names == ("together",)
    assert registry.get("together").key_source is KeySource.TYPED


def test_a_wrong_setting_of_one_source_is_a_problem_while_the_others_work(tmp_path: Path) -> None:
    env = {
        "OPENAI_API_KEY": "sk-openai",
        "TOGETHER_API_KEY": "tgp",
        "TOGETHER_BASE_URL": "ftp://user:hunter2@host/v1",
        "DASHBOARD_RUNS_DIR": str(tmp_path / "missing"),
    }
    registry = resolve_sources(env, {})
    assert registry.names == ("openai",)
    assert [(problem.name, problem.label) for problem in registry.problems] == [
        ("together", "Together AI"),
        ("files", "Runs folder"),
    ]
    assert "TOGETHER_BASE_URL must not contain a user name or password" in registry.problems[0].message
    assert "hunter2" not in registry.problems[0].message
    assert not resolve_sources(
        {"DASHBOARD_RUNS_DIR": str(tmp_path / "missing")}, {}
    ).is_demo  # a problem, no demo


def test_old_job_links_open_in_openai_else_azure() -> None:
    both = resolve_sources(
        {
            "OPENAI_API_KEY": "sk",
            "AZURE_OPENAI_ENDPOINT": "https://r.openai.azure.com",
            "AZURE_OPENAI_API_KEY": "k",
        },
        {},
    )
    assert both.ref_for_job(" ftjob-abc ") == RunRef("openai", "ftjob-abc")
    azure_only = resolve_sources(
        {"AZURE_OPENAI_ENDPOINT": "https://r.openai.azure.com", "AZURE_OPENAI_API_KEY": "k"}, {}
    )
    assert azure_only.ref_for_job("ftjob-abc") == RunRef("azure", "ftjob-abc")
    together_only = resolve_sources({"TOGETHER_API_KEY": "tgp"}, {})
    assert together_only.ref_for_job("ftjob-abc") is None
    with pytest.raises(InvalidRunRefError, match="job ID"):
        both.ref_for_job("../files")


def test_run_addresses_resolve_only_to_configured_sources() -> None:
    registry = resolve_sources({"TOGETHER_API_KEY": "tgp"}, {})
    assert registry.resolve("together:ft-abc") == RunRef("together", "ft-abc")
    with pytest.raises(
        InvalidRunRefError,
        match="'openai', which is not configured on this dashboard \\(configured: together\\)",
    ):
        registry.resolve("openai:ftjob-abc")
    with pytest.raises(InvalidRunRefError):
        registry.resolve("upload:file-0123456789")
    assert registry.resolve("upload:file-0123456789", uploads=True) == RunRef("upload", "file-0123456789")


def test_nothing_is_fetched_for_a_source_that_is_not_configured(
    standin: StandInServer, open_configured: OpenSource
) -> None:
    standin.add_run(make_checkpoints_only("ftjob-openai", 1))
    job_id = together_job_id("only")
    standin.add_run(make_together_run(job_id))
    env = {"TOGETHER_API_KEY": DEFAULT_API_KEY, "TOGETHER_BASE_URL": standin.together_base_url}
    registry = resolve_sources(env, {})
    assert standin.requests == []  # resolving makes no request
    assert registry.names == ("together",)
    source = open_configured(env, "together")
    source.list_runs()
    source.load_run(job_id)
    assert {request.path.split("/")[1] for request in standin.requests} == {"together"}
    assert standin.count("jobs", provider="openai") == standin.count("job", provider="openai") == 0


# --- Azure settings -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoint", "version", "base"),
    [
        ("https://r.openai.azure.com", None, "https://r.openai.azure.com/openai/v1"),
        ("https://r.openai.azure.com/", None, "https://r.openai.azure.com/openai/v1"),
        ("https://r.openai.azure.com/openai/v1/", None, "https://r.openai.azure.com/openai/v1"),
        ("https://r.openai.azure.com/openai", "2024-10-21", "https://r.openai.azure.com/openai"),
        ("https://r.openai.azure.com", "2025-04-01-preview", "https://r.openai.azure.com/openai"),
        ("https://r.openai.azure.com", "preview", "https://r.openai.azure.com/openai/v1"),  # the v1 API's own
        ("https://apim.example.com/aoai", None, "https://apim.example.com/aoai/openai/v1"),
    ],
)
def test_azure_paths_follow_the_api_version(endpoint: str, version: str | None, base: str) -> None:
    env = {"AZURE_OPENAI_ENDPOINT": endpoint, "AZURE_OPENAI_API_KEY": "k"} | (
        {"OPENAI_API_VERSION": version} if version else {}
    )
    config, _ = resolve_azure_config(env, {})
    assert config.base_url == base and config.api_version == version


def test_azure_without_a_key_uses_entra_id_when_azure_identity_is_installed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("components.api.config.azure_identity_available", lambda: True)
    config, source = resolve_azure_config({"AZURE_OPENAI_ENDPOINT": "https://r.openai.azure.com"}, {})
    assert isinstance(config.auth, EntraIdAuth) and source is KeySource.ENTRA_ID
    assert config.auth.scope == "https://cognitiveservices.azure.com/.default"


def test_azure_without_a_key_or_azure_identity_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("components.api.config.azure_identity_available", lambda: False)
    registry = resolve_sources({"AZURE_OPENAI_ENDPOINT": "https://r.openai.azure.com"}, {})
    [problem] = registry.problems
    assert problem.name == "azure"
    assert (
        "pip install -r requirements-azure.txt" in problem.message
        and "AZURE_OPENAI_API_KEY" in problem.message
    )


def test_the_default_token_provider_is_imported_only_when_needed_and_explains_its_absence(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def missing(name: str) -> object:
        raise ImportError(name)

    auth_module.default_token_provider.cache_clear()
    monkeypatch.setattr(auth_module.importlib, "import_module", missing)
    with pytest.raises(auth_module.ConfigError, match=r"requirements-azure\.txt"):
        EntraIdAuth().headers()


def test_the_default_token_provider_uses_default_azure_credential_with_the_cognitive_services_scope(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple] = []

    class FakeIdentity:
        class DefaultAzureCredential:
            pass

        @staticmethod
        def get_bearer_token_provider(credential: object, scope: str):
            calls.append((type(credential).__name__, scope))
            return lambda: "entra-token"

    auth_module.default_token_provider.cache_clear()
    monkeypatch.setattr(auth_module.importlib, "import_module", lambda name: FakeIdentity)
    try:
        assert EntraIdAuth().headers() == {"Authorization": "Bearer entra-token"}
        assert EntraIdAuth().headers() == {"Authorization": "Bearer entra-token"}
    finally:
        auth_module.default_token_provider.cache_clear()
    assert calls == [("DefaultAzureCredential", "https://cognitiveservices.azure.com/.default")]  # made once


def test_no_key_means_no_auth_header() -> None:
    assert NoAuth().headers() == {} and NoAuth().secrets() == ()
