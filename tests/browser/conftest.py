"""Browser-test fixtures: one stand-in API and app processes shared per session, Debian's chromium.

pytest-playwright gives one browser per session and a fresh context and page per test; only its launch
arguments are changed here so that it never needs ``playwright install``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from devtools.harness import CHROMIUM, CHROMIUM_ARGS, RunningApp, app_process
from devtools.standin import Fault, StandInServer, SyntheticRun, make_run
from tests.browser.apps import HANG, S300, app_env, keyed_env


def pytest_configure(config: pytest.Config) -> None:
    # pytest-base-url (pulled in by pytest-playwright) defines a session fixture as a method; pytest 9 warns.
    config.addinivalue_line(
        "filterwarnings",
        "ignore:Session-scoped fixtures defined as instance methods:pytest.PytestRemovedIn10Warning",
    )


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Launch Debian's chromium instead of a downloaded one."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """Wide enough for the two charts side by side next to the sidebar."""
    return {**browser_context_args, "viewport": {"width": 1440, "height": 1000}}


@pytest.fixture(scope="session")
def s300_run() -> SyntheticRun:
    return make_run(S300, n_steps=300, n_epochs=3)


@pytest.fixture(scope="session")
def browser_standin(s300_run: SyntheticRun) -> Iterator[StandInServer]:
    """One stand-in for the browser suite (not the shared one: other tests reset that between tests)."""
    with StandInServer() as server:
        server.add_run(s300_run)
        server.add_run(
            make_run(HANG, n_steps=40, n_epochs=2),
            faults=[Fault("job", "hang", times=None, hang_seconds=5)],
        )
        yield server


@pytest.fixture(scope="session")
def keyed_app(browser_standin: StandInServer) -> Iterator[RunningApp]:
    """The dashboard with OPENAI_API_KEY and OPENAI_BASE_URL pointing at the stand-in."""
    with app_process(keyed_env(browser_standin)) as app:
        yield app


@pytest.fixture(scope="session")
def demo_app() -> Iterator[RunningApp]:
    """The dashboard with no key anywhere in its environment: the built-in demo."""
    with app_process(app_env()) as app:
        yield app
