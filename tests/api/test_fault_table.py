"""The fault table (devtools/faults.py), one test per row: the real client and load_run over loopback HTTP
against the stand-in, with each row's small test settings and retry waits skipped (counted, not slept).

Each row checks what the user would see (the error and its words, or the run and its warnings), how many
attempts reached the network, that what arrived before a failure is kept (the newest items, as the API
lists them), that a Refresh continues a partial run from its cursor, and that deadline rows end on time.
"""

from __future__ import annotations

import pytest

from components.domain import RunData
from components.ui.errors import UNEXPECTED_TITLE, describe
from devtools.clock import SkippingClock
from devtools.faults import SCENARIOS, Expect, Loader, Outcome, Scenario
from devtools.standin import DEFAULT_API_KEY, StandInServer

DEADLINE_MARGIN = 1.5  # seconds past the deadline a load may take to notice it and return


def _check(outcome: Outcome, expect: Expect) -> None:
    """The outcome is what ``expect`` says the user sees."""
    if expect.error is not None:
        assert isinstance(outcome.error, expect.error), outcome.error
        assert describe(outcome.error)[0] != UNEXPECTED_TITLE
    else:
        assert outcome.error is None, f"{type(outcome.error).__name__}: {outcome.error}"
        assert outcome.run is not None
        assert len(outcome.run.notes) == expect.notes, outcome.run.notes
        assert outcome.run.is_partial is expect.partial
    assert expect.says in outcome.says()
    assert DEFAULT_API_KEY not in outcome.says()
    if expect.requests is not None:
        assert outcome.requests == expect.requests


def _check_kept(run: RunData, expect: Expect, scenario: Scenario) -> None:
    """The checkpoints shown are exactly the newest ``expect.checkpoints`` the server lists."""
    listed = scenario.make(scenario.job_id).checkpoints
    if expect.checkpoints is not None:
        assert len(run.checkpoints) == expect.checkpoints
        if all("id" in item for item in listed):
            newest = {item["id"] for item in listed[: expect.checkpoints]}
            assert set(run.checkpoints["checkpoint_id"]) == newest
    if expect.events is not None:
        assert run.resume.events is not None and run.resume.events.count == expect.events
    if expect.status is not None:
        assert run.summary.status_text == expect.status
    if expect.has_metrics is not None:
        assert bool(run.checkpoints["train_loss"].notna().all()) is expect.has_metrics


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda scenario: scenario.job_id.removeprefix("ftjob-"))
def test_fault_table_row(scenario: Scenario, standin: StandInServer) -> None:
    clock = SkippingClock()
    loader = Loader(scenario, standin, settings=scenario.settings, sleep=clock.sleep, clock=clock.now)
    try:
        outcome = loader.load()
        _check(outcome, scenario.expect)
        if outcome.run is not None:
            _check_kept(outcome.run, scenario.expect, scenario)
        if scenario.deadline:
            assert outcome.seconds < loader.config.limits.load_deadline + DEADLINE_MARGIN
        assert clock.skipped <= loader.config.limits.max_retry_wait  # the cap on waiting between retries
        assert not any("cookie" in request.headers for request in standin.requests)

        if scenario.expect.resume_requests is not None:
            assert outcome.run is not None
            resumed = loader.load(resume=outcome.run)
            assert resumed.error is None and resumed.run is not None
            assert resumed.requests == scenario.expect.resume_requests
            assert not resumed.run.is_partial
            assert resumed.run.notes == ()  # the warning is gone once the list is complete
            complete = scenario.make(scenario.job_id)
            assert len(resumed.run.checkpoints) == len(complete.checkpoints)
            if resumed.run.resume.events is not None:
                assert resumed.run.resume.events.count == len(complete.events)
    finally:
        loader.close()
