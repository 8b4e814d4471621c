"""Named OpenAI-compatible providers (DASHBOARD_COMPATIBLE_PROVIDERS): two at once, each against its own
stand-in with its own key, listed side by side and read through the OpenAI source under its own name."""

from __future__ import annotations

import pytest

from components.api.compatible import resolve_compatible_providers
from components.domain import RunRef
from components.sources import resolve_sources
from devtools.standin import DEFAULT_API_KEY, StandInServer, make_run
from tests.sources.conftest import OpenSource

OTHER_KEY = "sk-portkey-test"


def _providers(nebius: StandInServer, portkey: StandInServer) -> dict[str, str]:
    return {
        "DASHBOARD_COMPATIBLE_PROVIDERS": (
            f"nebius,{nebius.base_url},NEBIUS_API_KEY,Nebius Token Factory; "
            f"portkey,{portkey.base_url},PORTKEY_API_KEY"
        ),
        "NEBIUS_API_KEY": DEFAULT_API_KEY,
        "PORTKEY_API_KEY": OTHER_KEY,
    }


def test_two_named_providers_are_listed_side_by_side_each_with_its_own_key_and_runs(
    standin: StandInServer, open_configured: OpenSource
) -> None:
    with StandInServer(api_keys=(OTHER_KEY,)) as portkey:
        standin.add_run(make_run("ftjob-nebius1", n_steps=60, n_epochs=2))
        portkey.add_run(make_run("ftjob-portkey1", n_steps=40, n_epochs=2))
        env = _providers(standin, portkey)
        registry = resolve_sources(env, {})
        assert registry.names == ("nebius", "portkey")
        assert [config.label for config in registry.configs] == ["Nebius Token Factory", "portkey"]
        assert registry.get("nebius").key_origin == "environment variable NEBIUS_API_KEY"
        nebius_source, portkey_source = open_configured(env, "nebius"), open_configured(env, "portkey")
        assert [run.ref for run in nebius_source.list_runs().runs] == [RunRef("nebius", "ftjob-nebius1")]
        assert [run.ref for run in portkey_source.list_runs().runs] == [RunRef("portkey", "ftjob-portkey1")]
        run = portkey_source.load_run("ftjob-portkey1")
        assert run.provenance.source == "portkey" and run.provenance.label == "portkey"
        assert len(run.history) == 40 and not run.checkpoints.empty


def test_a_provider_without_its_key_is_a_problem_of_its_own_and_the_others_work(
    standin: StandInServer,
) -> None:
    env = {
        "DASHBOARD_COMPATIBLE_PROVIDERS": (
            f"nebius,{standin.base_url},NEBIUS_API_KEY; other,{standin.base_url},OTHER_KEY"
        ),
        "NEBIUS_API_KEY": DEFAULT_API_KEY,
    }
    registry = resolve_sources(env, {})
    assert registry.names == ("nebius",)
    assert [(problem.name, problem.message) for problem in registry.problems] == [
        ("other", "OTHER_KEY is not set.")
    ]


@pytest.mark.parametrize(
    ("setting", "says"),
    [
        ("openai,https://x.example/v1,KEY", "not 'name,base_url"),
        ("nebius,https://user:pw@x.example/v1,KEY", "must not contain a user name or password"),
        ("nebius,https://x.example/v1,lower_case", "upper-case variable name"),
        ("a,b", "not 'name,base_url"),
    ],
)
def test_a_wrong_entry_says_what_is_wrong_without_echoing_a_password(setting: str, says: str) -> None:
    registry = resolve_sources({"DASHBOARD_COMPATIBLE_PROVIDERS": setting, "KEY": "k"}, {})
    assert "nebius" not in registry.names
    assert says in registry.problems[0].message
    assert "pw" not in registry.problems[0].message


def test_the_same_name_twice_is_refused() -> None:
    with pytest.raises(Exception, match="twice"):
        resolve_compatible_providers(
            {"DASHBOARD_COMPATIBLE_PROVIDERS": "aa,https://x/v1,K; aa,https://y/v1,K", "K": "k"}, {}
        )
