"""components.settings: the page-wide settings, each wrong one a named problem while the others still work."""

from __future__ import annotations

from pathlib import Path

from components.api.limits import Limits
from components.settings import (
    DEFAULT_INTERVAL_SECONDS,
    INTERVAL_SETTING,
    DashboardSettings,
    resolve_settings,
)
from components.store import STORE_VARIABLE

OFF = {STORE_VARIABLE: "off"}


def test_nothing_set_gives_the_defaults_and_no_problem() -> None:
    assert resolve_settings(OFF, {}) == DashboardSettings(Limits(), None, DEFAULT_INTERVAL_SECONDS, ())


def test_the_environment_comes_before_the_secrets(tmp_path: Path) -> None:
    env = {**OFF, INTERVAL_SETTING: "5", "OPENAI_TIMEOUT": "3"}
    secrets = {INTERVAL_SETTING: "9", "OPENAI_MAX_RETRIES": "1", STORE_VARIABLE: str(tmp_path / "a.db")}
    settings = resolve_settings(env, secrets)
    assert settings.refresh_seconds == 5 and settings.store is None  # the environment switched it off
    assert (settings.limits.read_timeout, settings.limits.max_retries) == (3, 1)
    assert resolve_settings({}, secrets).store is not None
    assert resolve_settings({}, secrets).store.sqlite_path == tmp_path / "a.db"


def test_each_wrong_setting_is_a_named_problem_and_the_others_still_work(tmp_path: Path) -> None:
    store = str(tmp_path / "a.db")
    wrong_interval = resolve_settings({STORE_VARIABLE: store, INTERVAL_SETTING: "soon"}, {})
    assert wrong_interval.refresh_seconds is None and wrong_interval.store is not None
    [problem] = wrong_interval.problems
    assert (problem.name, problem.label) == ("auto-refresh", "Auto-refresh")
    assert problem.message == f"{INTERVAL_SETTING} must be a number, got 'soon'."

    wrong_limits = resolve_settings({**OFF, "OPENAI_TIMEOUT": "never", INTERVAL_SETTING: "7"}, {})
    assert wrong_limits.limits == Limits() and wrong_limits.refresh_seconds == 7
    assert [problem.label for problem in wrong_limits.problems] == ["Limits"]


def test_every_wrong_setting_is_named_in_the_sidebars_order() -> None:
    env = {STORE_VARIABLE: "mysql://db/runs", INTERVAL_SETTING: "0", "DASHBOARD_MAX_FILE_MB": "-1"}
    settings = resolve_settings(env, {})
    assert settings == DashboardSettings(Limits(), None, None, settings.problems)
    assert [(problem.name, problem.label) for problem in settings.problems] == [
        ("archive", "Archive"),
        ("auto-refresh", "Auto-refresh"),
        ("limits", "Limits"),
    ]
    assert settings.problems[0].message.startswith(f"{STORE_VARIABLE} must be")
