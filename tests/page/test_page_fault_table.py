"""The page-level rows of the fault table (devtools/faults.py, ``page=True``), through app.py in AppTest.

An error row shows one clear message and nothing of the run; a partial row shows the run as far as it
was read with a warning, and Refresh continues it from the saved cursor until the warning is gone.
"""

from __future__ import annotations

import time

import pytest
from streamlit.testing.v1 import AppTest

from components.ui.errors import UNEXPECTED_TITLE
from devtools.faults import SCENARIOS, Scenario
from devtools.standin import StandInServer
from tests.page.page_support import TABLE_KEY, captions, has_key, new_app, table

PAGE_ROWS = [scenario for scenario in SCENARIOS if scenario.page]
DEADLINE_MARGIN = 3.0  # the page run adds Streamlit's own work to the load


def _requests(standin: StandInServer) -> int:
    return len(standin.requests)


def _warnings(at: AppTest) -> list[str]:
    return [warning.value for warning in at.main.warning]


@pytest.mark.parametrize("scenario", PAGE_ROWS, ids=lambda scenario: scenario.job_id.removeprefix("ftjob-"))
def test_fault_table_row_on_the_page(
    scenario: Scenario, api_env: StandInServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in scenario.settings.items():
        monkeypatch.setenv(name, value)
    api_env.add_run(scenario.make(scenario.job_id), scenario.faults, job_id=scenario.job_id)
    expect = scenario.expect

    began = time.monotonic()
    at = new_app(job=scenario.job_id).run()
    took = time.monotonic() - began
    assert not at.exception
    if scenario.deadline:
        assert took < float(scenario.settings["DASHBOARD_LOAD_DEADLINE"]) + DEADLINE_MARGIN
    if expect.requests is not None:
        assert _requests(api_env) == expect.requests

    if expect.error is not None:
        [message] = [error.value for error in at.main.error]
        assert message.startswith("**") and UNEXPECTED_TITLE not in message
        assert expect.says in message
        assert not at.get("plotly_chart") and not has_key(at, TABLE_KEY)
        return

    assert not at.main.error
    warnings = _warnings(at)
    assert len(warnings) == expect.notes
    assert "Refresh continues" in warnings[0]
    assert len(table(at)) == expect.checkpoints
    assert not at.get("status")  # the loading box is gone; the chart's caption says what was read
    assert any(
        caption.startswith("Partly loaded") or "Read: Partly loaded" in caption for caption in captions(at)
    )

    before = _requests(api_env)
    at.button(key="refresh").click().run()
    assert not at.exception and not at.main.error
    assert _requests(api_env) - before == expect.resume_requests
    assert _warnings(at) == []
    complete = scenario.make(scenario.job_id)
    assert len(table(at)) == len(complete.checkpoints)
    assert not any("Partly loaded" in caption for caption in captions(at))
