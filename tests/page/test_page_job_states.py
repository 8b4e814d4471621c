"""Jobs that are not simply finished: no checkpoint yet, failed, or running with metrics events only."""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from devtools.standin import Fault, StandInServer, SyntheticRun, make_run
from tests.markdown_view import markup_types, visible_text
from tests.page.page_support import TABLE_KEY, chart_spec, decode, has_key, trace_names, traces


@pytest.mark.parametrize("progress", [0.0, 0.1])
def test_running_job_without_checkpoints_explains_when_they_come(
    progress: float, open_page: Callable[..., AppTest], api_env: StandInServer
) -> None:
    api_env.add_run(make_run("ftjob-early", status="running", progress=progress, result_file=None))
    at = open_page("ftjob-early")
    assert not at.exception
    assert not at.error
    infos = [info.value for info in at.info]
    assert any(i.startswith("**This job has no checkpoints yet** (status: running)") for i in infos), infos
    assert any("end of each epoch" in i for i in infos)
    assert not has_key(at, TABLE_KEY)
    assert not has_key(at, "best_card")
    if progress:  # 48 steps of metrics events: curves, but no checkpoint markers
        assert "Training loss (raw)" in trace_names(at)
        assert "Saved checkpoint (click to select)" not in trace_names(at)


def test_failed_job_shows_the_jobs_error(open_page: Callable[..., AppTest], api_env: StandInServer) -> None:
    base = make_run("ftjob-failed", status="running", progress=0.6, result_file=None)
    job = copy.deepcopy(base.job)
    job.update(
        status="failed",
        finished_at=job["created_at"] + 700,
        estimated_finish=None,
        error={
            "code": "invalid_training_file",
            "message": "Line 12 of the training file is not valid JSON.",
            "param": "training_file",
        },
    )
    api_env.add_run(SyntheticRun(job, base.checkpoints, base.events, base.files))
    at = open_page("ftjob-failed")
    assert not at.exception
    assert ":red-badge[failed]" in at.markdown[0].value
    errors = [e.value for e in at.main.error]
    assert len(errors) == 1
    assert errors[0].startswith("**The job failed (invalid\\_training\\_file):**")
    assert visible_text(errors[0]) == (
        "The job failed (invalid_training_file): Line 12 of the training file is not valid JSON."
    )
    assert len(at.get_by_key(TABLE_KEY).value) == len(base.checkpoints) == 2


def test_running_job_reads_history_from_metrics_events(
    open_page: Callable[..., AppTest], api_env: StandInServer
) -> None:
    run = make_run("ftjob-live", status="running", progress=0.6, result_file=None)
    api_env.add_run(run)
    at = open_page("ftjob-live")
    assert not at.exception
    assert ":blue-badge[running]" in at.markdown[0].value
    assert "**Estimated finish**" in at.markdown[1].value
    captions = [c.value for c in at.main.caption]
    expected = "Per-step metrics from the metrics events: 288 steps. 2 checkpoints in 1 page."
    assert any(c.startswith(expected) for c in captions), captions
    frame = at.get_by_key(TABLE_KEY).value
    assert set(frame["checkpoint_id"]) == {c["id"] for c in run.checkpoints}
    assert api_env.count("events", "ftjob-live") == 3  # 289 events at 100 a page
    assert api_env.count("file") == 0
    loss = traces(chart_spec(at, "loss_chart"))
    assert max(decode(loss["Training loss (raw)"]["x"])) == 288
    assert len(decode(loss["Saved checkpoint (click to select)"]["x"])) == 2


def test_unreadable_result_file_falls_back_to_events_with_a_note(
    open_page: Callable[..., AppTest], api_env: StandInServer
) -> None:
    run = make_run("ftjob-nofile")
    api_env.add_run(run, [Fault("file", "status", status=500, times=None, headers={"retry-after-ms": "5"})])
    at = open_page("ftjob-nofile")
    assert not at.exception
    assert not at.main.error
    notes = [w.value for w in at.main.warning if w.value.startswith("The result file")]
    assert len(notes) == 1
    assert "using the job's metrics events" in visible_text(notes[0])
    assert any(
        c.value.startswith("Per-step metrics from the metrics events: 480 steps") for c in at.main.caption
    )
    assert len(at.get_by_key(TABLE_KEY).value) == len(run.checkpoints)


def test_note_about_an_unreadable_result_file_shows_server_text_as_typed(
    open_page: Callable[..., AppTest], api_env: StandInServer
) -> None:
    base = make_run("ftjob-oddfile")
    job = copy.deepcopy(base.job)
    job["result_files"] = ["file-__bold__"]  # a valid id; the stand-in has no such file and answers 404
    api_env.add_run(SyntheticRun(job, base.checkpoints, base.events, {}))
    at = open_page("ftjob-oddfile")
    assert not at.exception
    [note] = [w.value for w in at.main.warning if w.value.startswith("The result file")]
    assert "The result file file-__bold__ could not be read" in visible_text(note), note
    assert not markup_types(note), note  # no bold from the underscores


def test_a_job_that_has_not_started_says_there_are_no_metrics_yet(
    open_page: Callable[..., AppTest], api_env: StandInServer
) -> None:
    api_env.add_run(make_run("ftjob-queued", status="running", progress=0.0, result_file=None))
    at = open_page("ftjob-queued")
    assert not at.exception and not at.get("plotly_chart")
    assert any("No training metrics yet" in info.value for info in at.main.info)
