"""The page reads through the archive: a finished job it opened once comes back with no request, even when
the API no longer answers; a running job is read from the API every time; a wrong archive setting is named
and the page goes on without one; the demo is never archived."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from components.store import forget_stores
from devtools.standin import StandInServer, make_run
from tests.markdown_view import visible_text
from tests.page.page_support import new_app, table

JOB = "ftjob-kept"


def _restart() -> None:
    """What a server restart forgets: the cached runs and the shared clients (the archive file stays)."""
    st.cache_data.clear()
    st.cache_resource.clear()
    forget_stores()


def _warnings(at: AppTest) -> list[str]:
    return [visible_text(warning.value) for warning in at.main.warning]


def test_a_finished_job_is_archived_and_reopened_with_no_request_when_the_api_is_gone(
    open_page: Callable[..., AppTest], api_env: StandInServer, archive: Path
) -> None:
    run = make_run(JOB)
    api_env.add_run(run)
    first = open_page(JOB)
    assert not first.exception and not _warnings(first)
    assert archive.is_file()
    assert any("kept in the archive" in caption.value for caption in first.sidebar.caption)

    _restart()
    api_env.reset()  # the provider no longer serves the job: every request would be a 404
    again = open_page(JOB)
    assert not again.exception and not again.main.error
    assert api_env.requests == []
    assert len(table(again)) == len(run.checkpoints)
    # Served from the archive is news, not a warning nor a box of its own: the source line says it.
    assert not _warnings(again) and not again.main.info
    [line] = [visible_text(c.value) for c in again.main.caption if "From the archive" in c.value]
    source, _, note = line.partition(" :material/inventory_2: ")
    assert source.startswith("Source: OpenAI · ") and source.endswith(" ·")
    assert note.startswith("From the archive, saved ") and "No request was made for it." in note


def test_a_rerun_of_a_run_served_from_the_archive_still_says_so(
    open_page: Callable[..., AppTest], api_env: StandInServer, archive: Path
) -> None:
    """A rerun (any widget, or the rest of a first page following its chart) takes the session's copy of
    the run: where it was served from goes with it, so the source line and the kept files stay."""
    api_env.add_run(make_run(JOB))
    open_page(JOB)
    _restart()
    again = open_page(JOB)
    again.run()
    assert not again.exception
    assert any("From the archive" in caption.value for caption in again.main.caption)


def test_refresh_reads_the_api_again_and_falls_back_on_the_archived_copy(
    open_page: Callable[..., AppTest], api_env: StandInServer, archive: Path
) -> None:
    api_env.add_run(make_run(JOB))
    at = open_page(JOB)
    api_env.reset()
    at.button(key="refresh").click().run()
    assert not at.exception and not at.main.error
    assert api_env.count("job", JOB) == 1  # Refresh asked the API, which no longer has the job
    assert any("could not be read again" in note and "archived copy" in note for note in _warnings(at))


def test_a_running_job_is_not_archived(
    open_page: Callable[..., AppTest], api_env: StandInServer, archive: Path
) -> None:
    api_env.add_run(make_run(JOB, status="running", progress=0.5, result_file=None))
    open_page(JOB)
    _restart()
    again = open_page(JOB)
    assert not again.exception
    assert api_env.count("job", JOB) == 2
    assert not any(note.startswith("From the archive") for note in _warnings(again))


def test_the_default_archive_is_a_file_under_the_users_data_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, open_page: Callable[..., AppTest], api_env: StandInServer
) -> None:
    monkeypatch.delenv("DASHBOARD_STORE")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    api_env.add_run(make_run(JOB))
    try:
        open_page(JOB)
    finally:
        forget_stores()
    assert (tmp_path / "ft-checkpoint-dashboard" / "archive.sqlite3").is_file()


def test_a_wrong_archive_setting_is_named_and_the_job_still_opens(
    monkeypatch: pytest.MonkeyPatch, open_page: Callable[..., AppTest], api_env: StandInServer
) -> None:
    monkeypatch.setenv("DASHBOARD_STORE", "mysql://db/runs")
    api_env.add_run(make_run(JOB))
    at = open_page(JOB)
    assert not at.exception
    [problem] = [visible_text(error.value) for error in at.sidebar.error]
    assert problem.startswith("Configuration problem (Archive): DASHBOARD_STORE must be")
    assert len(table(at)) == len(make_run(JOB).checkpoints)


@pytest.mark.usefixtures("no_api_env")
def test_the_demo_is_never_archived(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DASHBOARD_STORE", str(tmp_path / "archive.sqlite3"))
    at = new_app().run()
    assert not at.exception and table(at) is not None
    assert not (tmp_path / "archive.sqlite3").exists()
