"""A running job re-reads itself as often as DASHBOARD_REFRESH_SECONDS says; a finished one does not."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from components.api import ConfigError
from components.page.live import is_timer_tick
from components.settings import DEFAULT_INTERVAL_SECONDS, INTERVAL_SETTING, refresh_interval
from components.ui.auto_refresh import TOGGLE_KEY
from devtools.standin import StandInServer, make_run
from tests.markdown_view import visible_text
from tests.page.page_support import has_key, new_app, table


def test_a_running_job_offers_auto_refresh_switched_on(
    open_page: Callable[..., AppTest], api_env: StandInServer
) -> None:
    api_env.add_run(make_run("ftjob-running", status="running", progress=0.6, result_file=None))
    at = open_page("ftjob-running")
    assert not at.exception
    assert at.toggle(key=TOGGLE_KEY).value is True


def test_a_finished_job_has_no_auto_refresh(
    open_page: Callable[..., AppTest], api_env: StandInServer
) -> None:
    api_env.add_run(make_run("ftjob-done"))
    at = open_page("ftjob-done")
    assert not at.exception
    assert not has_key(at, TOGGLE_KEY)


def test_switching_it_off_keeps_the_page(open_page: Callable[..., AppTest], api_env: StandInServer) -> None:
    api_env.add_run(make_run("ftjob-running", status="running", progress=0.6, result_file=None))
    at = open_page("ftjob-running")
    requests = len(api_env.requests)
    at.toggle(key=TOGGLE_KEY).set_value(False).run()
    assert not at.exception and at.toggle(key=TOGGLE_KEY).value is False
    assert len(api_env.requests) == requests  # a plain rerun is served from the cache


def test_only_a_fragment_run_without_a_page_run_in_between_is_a_timer_tick() -> None:
    assert is_timer_tick(page_runs=3, seen=3)
    assert not is_timer_tick(page_runs=4, seen=3)
    assert not is_timer_tick(page_runs=1, seen=None)


def test_the_interval_is_read_from_the_environment_then_the_secrets() -> None:
    assert refresh_interval({}, {}) == DEFAULT_INTERVAL_SECONDS
    assert refresh_interval({INTERVAL_SETTING: "5"}, {INTERVAL_SETTING: "9"}) == 5
    assert refresh_interval({INTERVAL_SETTING: " "}, {INTERVAL_SETTING: 9}) == 9


@pytest.mark.parametrize("raw", ["0.5", "-3", "soon", "1e9", "nan"])
def test_a_wrong_interval_is_a_configuration_error_naming_the_setting(raw: str) -> None:
    with pytest.raises(ConfigError, match=INTERVAL_SETTING):
        refresh_interval({INTERVAL_SETTING: raw}, {})


def test_the_interval_from_the_secrets_is_the_one_the_page_uses(api_env: StandInServer) -> None:
    api_env.add_run(make_run("ftjob-running", status="running", progress=0.6, result_file=None))
    at = new_app(job="ftjob-running")
    at.secrets[INTERVAL_SETTING] = "7"
    at.run()
    assert not at.exception
    assert "every 7 s" in at.toggle(key=TOGGLE_KEY).help


def test_a_wrong_interval_is_named_and_the_running_job_shows_without_auto_refresh(
    monkeypatch: pytest.MonkeyPatch, open_page: Callable[..., AppTest], api_env: StandInServer
) -> None:
    monkeypatch.setenv(INTERVAL_SETTING, "soon")
    api_env.add_run(make_run("ftjob-running", status="running", progress=0.6, result_file=None))
    at = open_page("ftjob-running")
    assert not at.exception
    assert [visible_text(error.value) for error in at.sidebar.error] == [
        f"Configuration problem (Auto-refresh): {INTERVAL_SETTING} must be a number, got 'soon'."
    ]
    assert not has_key(at, TOGGLE_KEY)
    assert len(table(at)) == 2
