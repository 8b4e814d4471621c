"""Where the page says that models stop answering: the job list's "Answers until" column, its "stops within
60 days" filter and its notice, a run's line under its header, and a closed platform said in words.

``DASHBOARD_TODAY`` pins the page's date, so what is "soon" does not move with the calendar.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from components.page.job_rows import ANSWERS_UNTIL, COLUMNS
from components.page.retirement import CLOSED_TITLE, REPORTED_FOOTNOTE, TODAY_SETTING
from components.ui.job_list import SOON, SOON_KEY
from devtools.standin import (
    DEFAULT_API_KEY,
    TRAINING_NOT_AVAILABLE,
    Fault,
    StandInServer,
    azure_job_id,
    make_azure_run,
    make_fleet,
    make_together_run,
    together_job_id,
)
from tests.markdown_view import markup_types, visible_text
from tests.page.page_support import new_app

TODAY = "2026-12-07"


@pytest.fixture
def fleet(api_env: StandInServer, monkeypatch: pytest.MonkeyPatch) -> list:
    """30 OpenAI jobs, six on each of five base models (one of them, gpt-4.1-nano, stopped in October)."""
    monkeypatch.setenv(TODAY_SETTING, TODAY)
    runs = make_fleet(30)
    for run in runs:
        api_env.add_run(run)
    return runs


def _table(at: AppTest):
    [frame] = [el for el in at.main.dataframe if list(el.value.columns) == list(COLUMNS)]
    return frame


def _column_config(at: AppTest) -> dict:
    return json.loads(_table(at).proto.columns)


def _notices(at: AppTest) -> list[str]:
    return [el.value for el in at.main.warning if "stop" in el.value]


def test_the_list_shows_when_each_runs_models_stop_answering_and_warns_of_the_soonest(fleet: list) -> None:
    at = new_app().run()
    assert not at.exception
    frame = _table(at).value
    by_base = dict(zip(frame["Base model"], frame[ANSWERS_UNTIL], strict=True))
    assert by_base == {
        "gpt-4o-mini-2024-07-18": "2027-01-14† · 38 days",
        "gpt-4.1-2025-04-14": "2027-01-14† · 38 days",
        "gpt-4o-2024-08-06": "2027-01-14† · 38 days",
        "gpt-4.1-mini-2025-04-14": "2027-01-14† · 38 days",
        "gpt-4.1-nano-2025-04-14": "2026-10-23 · stopped",
    }
    assert "help" in _column_config(at)[ANSWERS_UNTIL]  # shown, with what † means and how it sorts
    [notice] = _notices(at)
    assert notice.splitlines()[:3] == [
        "**Fine-tuned models stop answering soon.**",
        "- **2026-10-23** · stopped: fine-tunes of `gpt-4.1-nano` (6 listed runs)",
        "- **2027-01-14†** · in 38 days: fine-tunes of `gpt-4.1-mini`, `gpt-4o`, `gpt-4.1`, `gpt-4o-mini` "
        "(24 listed runs)",
    ]
    assert "OpenAI refuses new fine-tuning jobs from 2027-01-06." in notice
    assert "no archive is configured" in notice  # the page tests run without one
    assert REPORTED_FOOTNOTE in [caption.value for caption in at.main.caption]


def test_the_stops_soon_filter_keeps_the_runs_with_fewer_than_60_days_left(fleet: list) -> None:
    at = new_app().run()
    assert [el.key for el in at.main.button_group if el.key == SOON_KEY] == [SOON_KEY]
    soon = at.get_by_key(SOON_KEY)
    assert [option.content for option in soon.proto.options] == ["Stops within 60 days (24)"]
    soon.set_value(SOON).run()
    shown = _table(at).value
    assert len(shown) == 24 and "gpt-4.1-nano-2025-04-14" not in set(shown["Base model"])
    at.get_by_key(SOON_KEY).set_value(None).run()
    assert len(_table(at).value) == 30


def test_far_from_the_date_there_is_no_notice_and_no_filter(
    api_env: StandInServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TODAY_SETTING, "2026-11-15")  # 60 days before 2027-01-14
    for run in make_fleet(4, bases=("gpt-4o-mini-2024-07-18", "gpt-4.1-2025-04-14")):
        api_env.add_run(run)
    at = new_app().run()
    assert _notices(at) == [] and not any(getattr(el, "key", None) == SOON_KEY for el in at.main.button_group)
    assert set(_table(at).value[ANSWERS_UNTIL]) == {"2027-01-14† · 60 days"}


def test_runs_whose_models_stopped_still_get_the_notice_saying_so(
    api_env: StandInServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TODAY_SETTING, "2026-11-15")
    for run in make_fleet(2, bases=("gpt-4.1-nano-2025-04-14", "gpt-4o-mini-2024-07-18")):
        api_env.add_run(run)
    [notice] = _notices(new_app().run())
    assert notice.startswith(
        "**The fine-tuned models of these runs stopped answering.**\n- **2026-10-23** · "
    )


def test_a_source_without_dates_hides_the_column(
    monkeypatch: pytest.MonkeyPatch, no_api_env: None, standin: StandInServer
) -> None:
    standin.add_run(make_together_run(together_job_id("dates")))
    monkeypatch.setenv("TOGETHER_API_KEY", DEFAULT_API_KEY)
    monkeypatch.setenv("TOGETHER_BASE_URL", standin.together_base_url)
    monkeypatch.setenv(TODAY_SETTING, TODAY)
    at = new_app().run()
    assert _table(at).value[ANSWERS_UNTIL].eq("").all()
    assert _column_config(at)[ANSWERS_UNTIL]["hidden"] is True
    assert _notices(at) == []


def _header_lines(at: AppTest) -> list[str]:
    """The lines of the header's caption that say when the run's models stop answering."""
    return [line for c in at.main.caption for line in c.value.split("  \n") if "event_busy" in line]


def test_a_run_says_once_in_its_header_when_its_models_stop(fleet: list) -> None:
    mini, nano = fleet[0], fleet[2]
    at = new_app(job=mini.job["id"]).run()
    [line] = _header_lines(at)
    assert line == (
        ":material/event_busy: :orange[**Models stop answering on 2027-01-14†**, in 38 days] (reported by "
        "third parties only). No archive (`DASHBOARD_STORE`) keeps it."
    )
    [header] = [c.value for c in at.main.caption if line in c.value]
    assert header.startswith("Base model `gpt-4o-mini-2024-07-18`")  # under the job's facts, same caption
    assert _notices(at) == [] and "2027-01-14" not in " ".join(el.value for el in at.main.markdown)
    [line] = _header_lines(new_app(job=nano.job["id"]).run())
    assert ":orange[**Models stopped answering on 2026-10-23**]" in line


def test_an_archived_run_says_the_archive_keeps_it(
    fleet: list, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DASHBOARD_STORE", str(tmp_path / "archive.sqlite3"))
    at = new_app(job=fleet[0].job["id"]).run()  # read, finished: saved as it is opened
    [line] = _header_lines(at)
    assert line.endswith("The archive keeps this run.")
    listing = new_app().run()
    assert "saved to the archive now, they stay readable here" in _notices(listing)[0]


def test_an_azure_run_far_from_its_date_shows_it_plainly(
    monkeypatch: pytest.MonkeyPatch, no_api_env: None, standin: StandInServer
) -> None:
    job_id = azure_job_id("dates")
    standin.add_run(make_azure_run(job_id), provider="azure")
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", standin.azure_endpoint)
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", DEFAULT_API_KEY)
    monkeypatch.setenv(TODAY_SETTING, TODAY)
    at = new_app(job=job_id).run()
    assert _header_lines(at) == [
        ":material/event_busy: Models answer until 2027-10-14 · 311 days left (Microsoft's retirement "
        "schedule)."
    ]
    assert _notices(at) == []


def test_a_closed_platform_is_explained_in_words_not_shown_as_a_failed_request(
    api_env: StandInServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TODAY_SETTING, "2027-01-07")
    hostile = "Closed. <img src=x onerror=alert(1)> [click](http://evil.example) **now**"
    api_env.add_list_faults(
        [Fault("jobs", "status", status=403, code=TRAINING_NOT_AVAILABLE, message=hostile)]
    )
    at = new_app().run()
    assert not at.exception and [el.value for el in at.main.error] == []
    [info] = [el.value for el in at.main.info if CLOSED_TITLE in el.value]
    assert info.startswith(
        f"**{CLOSED_TITLE}.** OpenAI no longer accepts new fine-tuning jobs on this platform since "
        "2027-01-06; reading existing runs still works where the API answers"
    )
    said = info.split("The API said: ", 1)[1]
    assert markup_types(said) == set() and "Closed. <img" in visible_text(said)
