"""Jobs that are not simply finished: no checkpoint yet, failed, or running with metrics events only."""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from components.charts.curves import CHECKPOINT_TRACE
from devtools.standin import Fault, StandInServer, SyntheticRun, make_run
from tests.markdown_view import markup_types, visible_text
from tests.page.page_support import (
    TABLE_KEY,
    captions,
    chart_spec,
    decode,
    has_key,
    table,
    trace_names,
    traces,
)


@pytest.mark.parametrize("progress", [0.0, 0.1])
def test_running_job_without_checkpoints_explains_when_they_come(
    progress: float, open_page: Callable[..., AppTest], api_env: StandInServer
) -> None:
    api_env.add_run(make_run("ftjob-early", status="running", progress=progress, result_file=None))
    at = open_page("ftjob-early")
    assert not at.exception
    assert not at.error
    assert ":blue-badge[running]" in at.markdown[0].value  # the status, right above the message
    infos = [info.value for info in at.info]
    assert any(i.startswith("**This job has no checkpoints yet.**") for i in infos), infos
    assert any("saves one only at each epoch end" in i for i in infos), infos
    assert not has_key(at, TABLE_KEY)
    assert not has_key(at, "best_card")
    if progress:  # 48 steps of metrics events: curves, but no checkpoint markers
        assert "Training loss (raw)" in trace_names(at)
        assert CHECKPOINT_TRACE not in trace_names(at)


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
    assert len(table(at)) == len(base.checkpoints) == 2


def test_running_job_reads_history_from_metrics_events(
    open_page: Callable[..., AppTest], api_env: StandInServer
) -> None:
    run = make_run("ftjob-live", status="running", progress=0.6, result_file=None)
    api_env.add_run(run)
    at = open_page("ftjob-live")
    assert not at.exception
    assert ":blue-badge[running]" in at.markdown[0].value
    assert any("**Estimated finish**" in markdown.value for markdown in at.main.markdown)  # job details
    expected = "Read: 2 checkpoints (1 page) · 288 steps of metrics from the metrics events."
    assert any(expected in caption for caption in captions(at)), captions(at)
    # Progress: steps done of the total, the share, the epoch; the axis runs to the total.
    [bar] = at.get("progress")
    assert bar.proto.text == "288 / 480 steps · 60% · epoch 2.4 of 4"
    assert bar.proto.value == 60
    assert at.get_by_key("best_card").caption[0].value.startswith("**★ Best checkpoint so far**")
    assert chart_spec(at)["layout"]["xaxis"]["range"] == [0, 480]
    frame = table(at)
    assert set(frame["checkpoint_id"]) == {c["id"] for c in run.checkpoints}
    assert api_env.count("events", "ftjob-live") == 3  # 289 events at 100 a page
    assert api_env.count("file") == 0
    loss = traces(chart_spec(at))
    assert max(decode(loss["Training loss (raw)"]["x"])) == 288
    assert len(decode(loss[CHECKPOINT_TRACE]["x"])) == 2


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
    assert any("480 steps of metrics from the metrics events" in caption for caption in captions(at))
    assert len(table(at)) == len(run.checkpoints)


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
