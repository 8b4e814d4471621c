"""A running job re-reads itself; a finished one does not offer to."""

from __future__ import annotations

from collections.abc import Callable

from streamlit.testing.v1 import AppTest

from components.ui.auto_refresh import DEFAULT_INTERVAL_SECONDS, TOGGLE_KEY, is_timer_tick, refresh_interval
from devtools.standin import StandInServer, make_run
from tests.page.page_support import has_key


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


def test_the_interval_setting_is_a_number_of_seconds_of_at_least_one() -> None:
    assert refresh_interval("5") == 5
    for raw in (None, "", "0.5", "-3", "soon"):
        assert refresh_interval(raw) == DEFAULT_INTERVAL_SECONDS
