"""The job list: a configured source opens on its runs, newest first; Load more reads one page of 100 per
click and says how many are listed; search and the status filter; a click opens a run and the list is one
click back, as it was; ticking runs compares them; the sidebar switches sources; request counts."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from components.domain import RunStatus
from components.page.job_rows import COLUMNS
from components.sources import resolve_sources
from components.text import MODEL_CHARS, WORD_CHARS, clean
from components.ui import job_list
from components.ui.compare_page import REMOVE_KEY
from components.ui.errors import UNEXPECTED_TITLE
from components.ui.job_list import COMPARE_KEY, GO_COMPARE_KEY, MORE_KEY, SEARCH_KEY, STATUS_KEY, table_key
from components.ui.run_page import BACK_KEY
from devtools.standin import (
    DEFAULT_API_KEY,
    Fault,
    StandInServer,
    azure_job_id,
    make_checkpoints_only,
    make_run,
    make_together_run,
    together_job_id,
    with_status,
)
from tests.hostile import HOSTILE, hostile_run
from tests.markdown_view import markup_types
from tests.page.page_support import has_key, new_app, table

START = 1_750_000_000


def _add_jobs(standin: StandInServer, count: int, *, provider: str = "openai") -> list[str]:
    """``count`` small jobs created one second apart; their ids, newest first."""
    ids = [azure_job_id(f"job-{n}") if provider == "azure" else f"ftjob-{n:04d}" for n in range(count)]
    for n, job_id in enumerate(ids):
        standin.add_run(make_checkpoints_only(job_id, 1, start=START + n), job_id=job_id, provider=provider)
    return ids[::-1]


def _table(at: AppTest):
    [frame] = [el.value for el in at.main.dataframe if list(el.value.columns) == list(COLUMNS)]
    return frame


def table_key_of(at: AppTest) -> str:
    rounds = at.session_state["job_table_round"] if "job_table_round" in at.session_state else 0  # noqa: SIM401
    return f"job_table_{rounds}"


def _select(at: AppTest, *rows: int) -> AppTest:
    at.session_state[table_key_of(at)] = {"selection": {"rows": list(rows), "columns": []}}
    return at.run()


def _caption(at: AppTest) -> str:
    [caption] = [c.value for c in at.main.caption if " listed" in c.value]
    return caption


@pytest.fixture
def openai_list(api_env: StandInServer) -> StandInServer:
    return api_env


def test_the_page_opens_on_the_newest_runs_and_load_more_reads_one_page_per_click(
    openai_list: StandInServer,
) -> None:
    newest_first = _add_jobs(openai_list, 250)
    openai_list.reset_log()
    at = new_app().run()
    assert not at.exception
    assert list(_table(at)["Run"]) == newest_first[:100]
    assert openai_list.count("jobs") == 1 and len(openai_list.requests) == 1  # nothing but the list
    assert _caption(at).startswith("100 runs listed (1 page read); more exist")
    at.button(key=MORE_KEY).click().run()
    assert list(_table(at)["Run"]) == newest_first[:200]
    at.button(key=MORE_KEY).click().run()
    assert list(_table(at)["Run"]) == newest_first
    assert _caption(at) == "250 runs listed (3 pages read); that is all of them."
    assert not [b for b in at.button if b.key == MORE_KEY]
    # Listing N jobs costs ceil(N/100) requests, and a rerun reads nothing again.
    assert openai_list.count("jobs") == math.ceil(250 / 100) == len(openai_list.requests)
    at.run()
    assert openai_list.count("jobs") == 3
    at.button(key="refresh").click().run()  # Refresh lists again from the newest
    assert openai_list.count("jobs") == 4 and list(_table(at)["Run"]) == newest_first[:100]


def test_columns_show_what_a_job_says_and_nothing_made_up(openai_list: StandInServer) -> None:
    run = make_run("ftjob-cols")
    openai_list.add_run(run)
    at = new_app().run()
    [row] = _table(at).to_dict("records")
    assert row["Run"] == "ftjob-cols" and row["Status"] == "succeeded"
    assert row["Base model"] == run.job["model"]
    assert row["Model or suffix"] == run.job["fine_tuned_model"]
    assert row["Trained tokens"] == run.job["trained_tokens"]
    assert row["Method"] == run.job["method"]["type"]
    assert row["Created"].timestamp() == run.job["created_at"]
    assert row["Finished"].timestamp() == run.job["finished_at"]


def test_search_and_status_filter_narrow_the_listed_runs_and_say_so(openai_list: StandInServer) -> None:
    for n, status in enumerate(["succeeded", "failed", "succeeded", "cancelled"]):
        openai_list.add_run(with_status(make_checkpoints_only(f"ftjob-s{n}", 1, start=START + n), status))
    at = new_app().run()
    assert len(_table(at)) == 4
    labels = [option.content for option in at.get_by_key(STATUS_KEY).proto.options]
    assert sorted(labels) == ["cancelled (1)", "failed (1)", "succeeded (2)"]
    at.text_input(key=SEARCH_KEY).input("S2").run()
    assert list(_table(at)["Run"]) == ["ftjob-s2"]
    assert _caption(at).startswith("Showing 1 of 4 runs listed")
    at.text_input(key=SEARCH_KEY).input("").run()
    status_filter = at.get_by_key(STATUS_KEY)
    status_filter.set_value([RunStatus.SUCCEEDED]).run()
    assert sorted(_table(at)["Run"]) == ["ftjob-s0", "ftjob-s2"]
    assert len(openai_list.requests) == 1


def test_a_click_opens_the_run_and_one_click_goes_back_to_the_list_as_it_was(
    openai_list: StandInServer,
) -> None:
    newest_first = _add_jobs(openai_list, 120)
    at = new_app().run()
    at.button(key=MORE_KEY).click().run()
    at.text_input(key=SEARCH_KEY).input("ftjob-01").run()
    shown = list(_table(at)["Run"])
    assert shown == [job for job in newest_first if "ftjob-01" in job]
    _select(at, 2)
    assert not at.exception
    assert at.query_params["run"] == [f"openai:{shown[2]}"] or at.query_params["run"] == f"openai:{shown[2]}"
    assert at.markdown[0].value.startswith(f"### `{shown[2]}`")
    assert len(table(at)) == 1  # the run's checkpoint table
    listed = openai_list.count("jobs")
    at.button(key=BACK_KEY).click().run()
    assert not at.exception
    assert "run" not in at.query_params
    assert at.text_input(key=SEARCH_KEY).value == "ftjob-01"
    assert list(_table(at)["Run"]) == shown  # both pages still listed, the search kept
    assert openai_list.count("jobs") == listed  # nothing read again
    assert "job_table_1" in table_key_of(at)  # a fresh table: coming back does not reopen the run
    assert table_key() == "job_table_0"  # outside a session the key starts at round 0


def test_a_click_on_any_cell_of_a_row_opens_its_run_but_not_while_ticking_to_compare(
    openai_list: StandInServer,
) -> None:
    newest_first = _add_jobs(openai_list, 3)
    at = new_app().run()
    at.toggle(key=COMPARE_KEY).set_value(True).run()
    at.session_state[table_key_of(at)] = {"selection": {"rows": [], "columns": [], "cells": [[1, "Run"]]}}
    at.run()
    assert not at.exception and "run" not in at.query_params  # ticking, not opening
    at.toggle(key=COMPARE_KEY).set_value(False).run()
    at.session_state[table_key_of(at)] = {"selection": {"rows": [], "columns": [], "cells": [[1, "Status"]]}}
    at.run()
    assert not at.exception
    assert at.query_params["run"] == f"openai:{newest_first[1]}"
    assert at.markdown[0].value.startswith(f"### `{newest_first[1]}`")


def test_ticking_runs_compares_them_through_the_url(openai_list: StandInServer) -> None:
    newest_first = _add_jobs(openai_list, 5)
    at = new_app().run()
    at.toggle(key=COMPARE_KEY).set_value(True).run()
    assert at.button(key=GO_COMPARE_KEY).disabled
    _select(at, 0, 3)
    button = at.button(key=GO_COMPARE_KEY)
    assert button.label == "Compare selected (2)" and not button.disabled
    button.click().run()
    assert not at.exception
    wanted = [f"openai:{newest_first[0]}", f"openai:{newest_first[3]}"]
    assert list(at.query_params["run"]) == wanted
    assert [header.value for header in at.main.subheader] == ["Comparing 2 runs"]
    assert not at.main.error


def test_a_failed_page_keeps_the_rows_listed_and_load_more_tries_again(openai_list: StandInServer) -> None:
    newest_first = _add_jobs(openai_list, 150)
    at = new_app().run()
    openai_list.add_list_faults([Fault("jobs", "status", status=400)])
    at.button(key=MORE_KEY).click().run()
    assert not at.exception
    assert list(_table(at)["Run"]) == newest_first[:100]
    assert at.main.error and "100 runs listed" in _caption(at)
    at.button(key=MORE_KEY).click().run()
    assert list(_table(at)["Run"]) == newest_first and not at.main.error


def test_the_sidebar_switches_between_sources_and_nothing_is_read_for_the_others(
    monkeypatch: pytest.MonkeyPatch, openai_list: StandInServer
) -> None:
    _add_jobs(openai_list, 3)
    job = together_job_id("listed")
    openai_list.add_run(make_together_run(job))
    monkeypatch.setenv("TOGETHER_API_KEY", DEFAULT_API_KEY)
    monkeypatch.setenv("TOGETHER_BASE_URL", openai_list.together_base_url)
    at = new_app().run()
    assert openai_list.count("jobs", provider="together") == 0  # only the source shown is listed
    assert at.radio(key="source_switch").value == "openai"
    switch = at.radio(key="source_switch")
    assert list(switch.options) == ["OpenAI", "Together AI"]
    assert "key from environment variable TOGETHER_API_KEY" in str(switch.proto.captions)
    at.radio(key="source_switch").set_value("together").run()
    assert not at.exception and at.query_params["source"] in ("together", ["together"])
    assert list(_table(at)["Run"]) == [job]
    _select(at, 0)
    assert at.markdown[0].value.startswith(f"### `{job}`")
    assert any("Source: Together AI" in c.value for c in at.main.caption)


def test_a_typed_job_replaces_the_open_run_and_an_emptied_field_goes_back_to_its_list(
    monkeypatch: pytest.MonkeyPatch, openai_list: StandInServer
) -> None:
    newest_first = _add_jobs(openai_list, 2)
    job = together_job_id("listed")
    openai_list.add_run(make_together_run(job))
    monkeypatch.setenv("TOGETHER_API_KEY", DEFAULT_API_KEY)
    monkeypatch.setenv("TOGETHER_BASE_URL", openai_list.together_base_url)
    at = new_app().run()
    at.radio(key="source_switch").set_value("together").run()
    _select(at, 0)
    assert at.markdown[0].value.startswith(f"### `{job}`")
    at.text_input(key="job").input(newest_first[1]).run()
    assert not at.exception and at.markdown[0].value.startswith(f"### `{newest_first[1]}`")
    assert "run" not in at.query_params and at.query_params["source"] == "together"
    at.text_input(key="job").input("").run()
    assert not at.exception and list(_table(at)["Run"]) == [job]  # the list the run was opened from


def test_a_bug_while_listing_is_shown_as_unexpected_and_logged(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, openai_list: StandInServer
) -> None:
    class Broken:
        def list_runs(self, cursor: str | None = None) -> None:
            raise RuntimeError("a bug")

    monkeypatch.setattr(job_list, "source_for", lambda config: Broken())
    config = resolve_sources({"OPENAI_API_KEY": DEFAULT_API_KEY}, {}).get("openai")
    listing = job_list._read_next(job_list.Listing(config))
    assert listing.error is not None and listing.error.startswith(f"**{UNEXPECTED_TITLE}**: RuntimeError")
    [record] = [record for record in caplog.records if record.name == job_list.__name__]
    assert record.exc_info is not None and "a bug" in str(record.exc_info[1])


def test_azure_alone_lists_its_jobs_and_old_job_links_open_there(
    monkeypatch: pytest.MonkeyPatch, no_api_env: None, standin: StandInServer
) -> None:
    ids = _add_jobs(standin, 3, provider="azure")
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", standin.azure_endpoint)
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", DEFAULT_API_KEY)
    at = new_app().run()
    assert list(_table(at)["Run"]) == ids
    linked = new_app(job=ids[1]).run()
    assert linked.markdown[0].value.startswith(f"### `{ids[1]}`")
    assert standin.count("job", ids[1], provider="azure") == 1


def test_the_runs_folder_is_listed_like_any_source(
    monkeypatch: pytest.MonkeyPatch, no_api_env: None, tmp_path: Path
) -> None:
    from devtools.trainer_runs import write_trainer_output

    write_trainer_output(tmp_path / "my-run")
    monkeypatch.setenv("DASHBOARD_RUNS_DIR", str(tmp_path))
    at = new_app().run()
    [row] = _table(at).to_dict("records")
    assert row["Model or suffix"] == "my-run"
    _select(at, 0)
    assert not at.exception and at.get("plotly_chart")


def test_a_failed_first_read_offers_to_try_again(openai_list: StandInServer) -> None:
    ids = _add_jobs(openai_list, 3)
    openai_list.add_list_faults([Fault("jobs", "status", status=400)])
    at = new_app().run()
    assert not at.exception and at.main.error
    assert at.button(key=MORE_KEY).label == "Try again"
    at.button(key=MORE_KEY).click().run()
    assert list(_table(at)["Run"]) == ids and not at.main.error


@pytest.mark.parametrize(("name", "text"), list(HOSTILE.items()), ids=list(HOSTILE))
def test_hostile_job_fields_are_listed_as_cleaned_text_only(
    openai_list: StandInServer, name: str, text: str
) -> None:
    openai_list.add_run(hostile_run("ftjob-hostile", text), job_id="ftjob-hostile")
    at = new_app().run()
    assert not at.exception
    [row] = _table(at).to_dict("records")
    assert row["Run"] == "ftjob-hostile"  # the address the list gives, never the id the job claims
    assert row["Base model"] == clean(text, MODEL_CHARS) or (row["Base model"] is None and not clean(text))
    assert row["Status"] == clean(text, WORD_CHARS) or not clean(text)
    for element in [*at.main.markdown, *at.main.caption, *at.main.warning, *at.main.error]:
        assert not markup_types(element.value) - {"strong_open", "code_inline"}, element.value


def test_removing_a_run_from_a_comparison_edits_the_link_and_one_left_opens_its_page(
    openai_list: StandInServer,
) -> None:
    newest_first = _add_jobs(openai_list, 3)
    refs = [f"openai:{job_id}" for job_id in newest_first]
    at = new_app()
    at.query_params["run"] = refs
    at.run()
    assert [header.value for header in at.main.subheader] == ["Comparing 3 runs"]
    at.button(key=REMOVE_KEY.format(index=1)).click().run()
    assert not at.exception
    assert list(at.query_params["run"]) == [refs[0], refs[2]]
    assert [header.value for header in at.main.subheader] == ["Comparing 2 runs"]
    at.button(key=REMOVE_KEY.format(index=0)).click().run()
    left = at.query_params["run"]
    assert (left if isinstance(left, list) else [left]) == [refs[2]]
    assert not at.main.subheader and has_key(at, BACK_KEY)  # the one run left, on its own page
