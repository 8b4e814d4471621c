"""Every failure to read a job is a clear message in the page (title from components/ui/errors.py), never
a traceback; transient failures that clear within the retries are recovered."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from devtools.standin import Fault, StandInServer, make_run
from tests.markdown_view import visible_text
from tests.page.page_support import FORBIDDEN_KEY, new_app, table

FAST_RETRY = {"retry-after-ms": "5"}  # the stand-in asks for a 5 ms wait, so retries cost nothing


def _assert_clear_error(at: AppTest, title: str) -> str:
    """One st.error in the main area, titled ``title``; no exception, no charts and no table."""
    assert not at.exception, [e.value for e in at.exception]
    texts = [e.value for e in at.main.error]
    assert len(texts) == 1, texts
    assert texts[0].startswith(f"**{title}**"), texts
    assert "Traceback" not in texts[0]
    assert not at.get("plotly_chart")
    assert not at.main.dataframe
    return texts[0]


def test_invalid_job_id_is_rejected_before_any_request(
    open_page: Callable[..., AppTest], api_env: StandInServer
) -> None:
    at = open_page("../files/x")
    text = _assert_clear_error(at, "That is not a job ID")
    assert "ftjob-abc123" in text
    assert api_env.requests == []


def test_wrong_key_is_refused(monkeypatch, open_page: Callable[..., AppTest], api_env: StandInServer) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-not-a-known-key-42")
    api_env.add_run(make_run("ftjob-auth"))
    text = _assert_clear_error(open_page("ftjob-auth"), "The API key was refused")
    assert "HTTP 401" in text
    assert api_env.count("job", "ftjob-auth") == 1  # a 401 is never retried


def test_forbidden_key_gets_the_permission_message(monkeypatch, forbidding: StandInServer) -> None:
    forbidding.add_run(make_run("ftjob-other-org"))
    monkeypatch.setenv("OPENAI_API_KEY", FORBIDDEN_KEY)
    text = _assert_clear_error(new_app(job="ftjob-other-org").run(), "This key may not read that job")
    assert "HTTP 403" in text
    assert "OPENAI_PROJECT_ID" in text
    assert forbidding.count("job", "ftjob-other-org") == 1


def test_unknown_job_is_not_found(open_page: Callable[..., AppTest], api_env: StandInServer) -> None:
    text = _assert_clear_error(open_page("ftjob-nosuchjob"), "No such job")
    assert "HTTP 404" in text
    assert api_env.count("job", "ftjob-nosuchjob") == 1


@pytest.mark.parametrize(
    ("status", "title"),
    [(429, "Rate limited"), (500, "The API had a server error"), (503, "The API had a server error")],
)
def test_persistent_status_fails_after_the_retries(
    status: int, title: str, open_page: Callable[..., AppTest], api_env: StandInServer
) -> None:
    api_env.add_run(
        make_run("ftjob-busy"), [Fault("job", "status", status=status, times=None, headers=FAST_RETRY)]
    )
    text = _assert_clear_error(open_page("ftjob-busy"), title)
    assert f"HTTP {status}" in text
    assert api_env.count("job", "ftjob-busy") == 3  # OPENAI_MAX_RETRIES=2: one try and two retries


def test_failing_checkpoint_list_after_the_job_loaded_is_a_message(
    open_page: Callable[..., AppTest], api_env: StandInServer
) -> None:
    faults = [Fault("checkpoints", "status", status=502, times=None, headers=FAST_RETRY)]
    api_env.add_run(make_run("ftjob-halfway"), faults)
    _assert_clear_error(open_page("ftjob-halfway"), "The API had a server error")
    assert api_env.count("job", "ftjob-halfway") == 1
    assert api_env.count("checkpoints", "ftjob-halfway") == 3


def test_malformed_json_is_reported(open_page: Callable[..., AppTest], api_env: StandInServer) -> None:
    api_env.add_run(make_run("ftjob-garbled"), [Fault("checkpoints", "malformed_json")])
    text = _assert_clear_error(
        open_page("ftjob-garbled"), "The API sent an answer that is not the documented shape"
    )
    assert "not valid JSON" in text


def test_looping_cursor_stops_and_keeps_the_first_page_with_a_warning(
    open_page: Callable[..., AppTest], api_env: StandInServer
) -> None:
    run = make_run("ftjob-loop")
    api_env.add_run(run, [Fault("checkpoints", "repeat_cursor", times=None)])
    at = open_page("ftjob-loop")
    assert not at.exception
    assert not at.main.error
    [note] = [w.value for w in at.main.warning if "checkpoint list stopped" in w.value]
    assert "listing checkpoints" in note
    assert "same page twice" in note
    assert "Refresh continues" in note
    assert len(table(at)) == len(run.checkpoints)  # page 1 is kept
    assert api_env.count("checkpoints", "ftjob-loop") == 2


def test_hanging_api_times_out(
    monkeypatch, open_page: Callable[..., AppTest], api_env: StandInServer
) -> None:
    monkeypatch.setenv("OPENAI_TIMEOUT", "0.2")
    monkeypatch.setenv("OPENAI_MAX_RETRIES", "0")
    api_env.add_run(make_run("ftjob-hang"), [Fault("job", "hang", hang_seconds=2)])
    text = _assert_clear_error(open_page("ftjob-hang"), "The API did not answer in time")
    assert "within 0.2 s (1 attempt)." in visible_text(text)
    assert api_env.count("job", "ftjob-hang") == 1


def test_rate_limit_that_clears_within_the_retries_is_recovered(
    open_page: Callable[..., AppTest], api_env: StandInServer
) -> None:
    run = make_run("ftjob-recovers")
    api_env.add_run(run, [Fault("job", "status", status=429, times=2, headers=FAST_RETRY)])
    at = open_page("ftjob-recovers")
    assert not at.exception
    assert not at.error
    assert at.markdown[0].value.startswith("### `ftjob-recovers`")
    assert len(table(at)) == len(run.checkpoints)
    assert api_env.count("job", "ftjob-recovers") == 3


def test_unusable_base_url_is_a_configuration_message(
    monkeypatch, open_page: Callable[..., AppTest], api_env: StandInServer
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "ftp://x")
    at = open_page("ftjob-anything")
    assert not at.exception
    texts = [e.value for e in at.sidebar.error]
    assert len(texts) == 1
    assert texts[0].startswith("Configuration problem")
    assert "OPENAI_BASE_URL must be an http(s) URL" in visible_text(texts[0])
    assert not at.get("plotly_chart")
    assert api_env.requests == []


def test_a_looping_events_cursor_costs_the_curves_detail_not_the_page(
    open_page: Callable[..., AppTest], api_env: StandInServer
) -> None:
    run = make_run("ftjob-evloop", status="running", progress=0.6, result_file=None)
    api_env.add_run(run, [Fault("events", "repeat_cursor", times=None)])
    at = open_page("ftjob-evloop")
    assert not at.exception
    assert not at.main.error
    [note] = [w.value for w in at.main.warning if "metrics events could be read" in w.value]
    assert "Only the newest 100 events" in note and "1 page" in note
    assert "while listing events" in note
    assert "Refresh continues" in note
    assert len(at.dataframe[-1].value) == len(run.checkpoints)
