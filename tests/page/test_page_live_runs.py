"""A running job refreshed in the page: what each refresh costs, what it redraws, what it keeps.

AppTest has no timer, so a refresh is the fragment's own timer path, entered as the timer enters it: a
fragment run with no page run since the last one (``is_timer_tick``). The real timer is driven in
``tests/browser/test_browser_live_runs.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from components.ui.auto_refresh import LIVE_KEY, PAGE_RUNS_KEY, SEEN_KEY, TOGGLE_KEY
from components.ui.selection import PICKED_KEY
from devtools.standin import (
    DEFAULT_API_KEY,
    Fault,
    StandInServer,
    azure_job_id,
    make_growing_run,
    make_growing_together_run,
    together_job_id,
)
from tests.markdown_view import visible_text
from tests.page.page_support import chart_spec, decode, has_key, new_app, table, traces

JOB = "ftjob-live-page"
TRAINING = "Training loss (raw)"


def refresh(at: AppTest) -> AppTest:
    """One timer refresh: the fragment runs as if no page run came since its last run."""
    at.session_state[SEEN_KEY] = at.session_state[PAGE_RUNS_KEY] + 1
    return at.run()


def _texts(at: AppTest) -> list[str]:
    return [
        visible_text(e.value)
        for e in [*at.main.caption, *at.main.warning, *at.main.success, *at.main.markdown]
    ]


def _last_step(at: AppTest) -> int:
    return int(max(decode(traces(chart_spec(at))[TRAINING]["x"])))


@pytest.fixture
def live(open_page: Callable[..., AppTest], api_env: StandInServer) -> AppTest:
    api_env.add_run(make_growing_run(JOB, n_steps=300, n_epochs=3, done=150))
    at = open_page(JOB)
    assert not at.exception and at.toggle(key=TOGGLE_KEY).value is True
    api_env.reset_log()
    return at


def test_a_quiet_refresh_is_one_request_and_redraws_nothing(live: AppTest, api_env: StandInServer) -> None:
    spec = chart_spec(live)
    refresh(live)
    assert not live.exception
    assert [request.path.rsplit("/", 1)[-1] for request in api_env.requests] == ["events"]
    assert any("nothing new (1 request); refresh 1" in text for text in _texts(live))
    assert chart_spec(live) == spec
    refresh(live)
    assert len(api_env.requests) == 2


def test_new_steps_grow_the_chart_and_table_and_keep_the_pick(live: AppTest, api_env: StandInServer) -> None:
    first = str(table(live)["checkpoint_id"].iloc[0])
    live.session_state[PICKED_KEY] = first
    live.run()
    api_env.reset_log()
    api_env.advance(JOB, 120)  # steps 151-270: 120 metrics events and the checkpoint at step 200
    refresh(live)
    assert not live.exception
    # 121 new events: two events pages (the second holds the one already known); the checkpoint list once.
    assert api_env.count("events", JOB) == 2 and api_env.count("checkpoints", JOB) == 1
    assert len(api_env.requests) == 3
    assert _last_step(live) == 270 and len(table(live)) == 2
    assert live.session_state[PICKED_KEY] == first and "Selected" in " ".join(traces(chart_spec(live)))
    assert any("270 / 300 steps" in text for text in [bar.proto.text for bar in live.get("progress")])
    assert any("120 new steps, 1 new checkpoint (3 requests)" in text for text in _texts(live))


def test_a_failed_refresh_keeps_the_data_and_says_so(live: AppTest, api_env: StandInServer) -> None:
    before = table(live)
    api_env.advance(JOB, 30)
    api_env.add_faults(JOB, [Fault("events", "status", status=500, times=3)])  # the first try and 2 retries
    refresh(live)
    assert not live.exception
    assert any(text.startswith("Refresh could not read the new events") for text in _texts(live))
    assert any("it failed, the page keeps what was read before" in text for text in _texts(live))
    assert _last_step(live) == 150 and table(live).equals(before)
    refresh(live)  # the next one reads what was missed
    assert _last_step(live) == 180
    assert not any(text.startswith("Refresh could not") for text in _texts(live))


def test_refresh_stops_when_the_job_ends_and_the_run_is_archived(
    archive: Path, open_page: Callable[..., AppTest], api_env: StandInServer
) -> None:
    api_env.add_run(make_growing_run(JOB, n_steps=300, n_epochs=3, done=150))
    at = open_page(JOB)
    api_env.finish(JOB)
    refresh(at)
    assert not at.exception
    assert not has_key(at, TOGGLE_KEY)
    [ended] = [visible_text(success.value) for success in at.main.success]
    assert ended.startswith("The job ended while you watched, so auto-refresh stopped. Saved to the archive")
    assert _last_step(at) == 300 and at.session_state[LIVE_KEY].value.run.summary.is_terminal
    api_env.reset_log()
    at.run()  # no timer any more, and the page is the session's run: nothing is read
    assert api_env.requests == []


def test_an_azure_job_refreshes_at_one_request_too(
    monkeypatch: pytest.MonkeyPatch, no_api_env: None, standin: StandInServer
) -> None:
    job = azure_job_id("live")
    standin.add_run(make_growing_run(job, n_steps=300, n_epochs=3, done=150, provider="azure"))
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", standin.azure_endpoint)
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", DEFAULT_API_KEY)
    at = new_app(job=job).run()
    assert not at.exception and at.toggle(key=TOGGLE_KEY).value is True
    standin.reset_log()
    refresh(at)
    assert [request.path.rsplit("/", 1)[-1] for request in standin.requests] == ["events"]
    standin.advance(job, 20, provider="azure")
    refresh(at)
    assert _last_step(at) == 170


def test_switching_auto_refresh_off_keeps_the_progress(live: AppTest, api_env: StandInServer) -> None:
    live.toggle(key=TOGGLE_KEY).set_value(False).run()
    assert not live.exception and live.get("progress")
    assert api_env.requests == []


def test_a_together_job_refreshes_at_one_request_and_grows(
    no_api_env: None, standin: StandInServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOGETHER_API_KEY", DEFAULT_API_KEY)
    monkeypatch.setenv("TOGETHER_BASE_URL", standin.together_base_url)
    job = together_job_id("live")
    standin.add_run(make_growing_together_run(job, n_steps=120, n_epochs=3, done=50))
    at = new_app()
    at.query_params["run"] = f"together:{job}"
    at.run()
    assert not at.exception and at.toggle(key=TOGGLE_KEY).value is True
    standin.reset_log()
    refresh(at)
    assert len(standin.requests) == 1  # the job, which carries Together's progress
    standin.advance(job, 20, provider="together")
    refresh(at)
    assert not at.exception
    assert _last_step(at) == 70
    assert any("20 new steps" in text for text in _texts(at))
