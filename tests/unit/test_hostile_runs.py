"""load_run over real HTTP on runs with numbers no honest API sends: data and notes come back, no crash."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pandas as pd
import pytest

from components.api import FineTuningClient, make_http_client
from components.charts.options import ViewOptions, XMode
from components.charts.view import ChartRun, build_display, run_axes
from components.sources.openai import load_run
from devtools.configs import openai_config
from devtools.standin import StandInServer, SyntheticRun, make_run


@pytest.fixture
def client(standin: StandInServer, api_key: str) -> Iterator[FineTuningClient]:
    config = openai_config(api_key, standin.base_url, read_timeout=10, max_retries=0)
    http = make_http_client(config.base_url, read_timeout=10, max_retries=0)
    yield FineTuningClient(http, config)
    http.close()


def _serve(standin: StandInServer, run: SyntheticRun) -> str:
    standin.add_run(run)
    return run.job["id"]


def test_checkpoints_created_at_10_to_the_14_load_with_blank_times(
    standin: StandInServer, client: FineTuningClient
) -> None:
    run = make_run("ftjob-far-future", n_steps=480, n_epochs=4)
    job_id = _serve(standin, replace(run, checkpoints=[{**c, "created_at": 10**14} for c in run.checkpoints]))

    data = load_run(client, job_id)

    assert data.checkpoints["step"].tolist() == [240, 360, 480]
    assert data.checkpoints["created_at"].isna().all()
    assert len(data.notes) == 1 and data.notes[0].text.startswith(
        "Ignored the creation times of 3 checkpoints"
    )


def test_steps_of_1e20_are_left_out_of_checkpoints_and_events(
    standin: StandInServer, client: FineTuningClient
) -> None:
    run = make_run("ftjob-huge-steps", n_steps=40, n_epochs=4, status="running", progress=1.0)
    newest = run.checkpoints[0]
    events = list(run.events)
    last = next(i for i, event in enumerate(events) if event["type"] == "metrics")  # step 40, newest first
    events[last] = {**events[last], "data": {**events[last]["data"], "step": 1e20, "total_steps": 1e20}}
    checkpoints = [{**newest, "id": "ftckpt_huge", "step_number": 1e20}, *run.checkpoints]
    job_id = _serve(standin, replace(run, checkpoints=checkpoints, events=events))

    data = load_run(client, job_id)

    assert data.checkpoints["step"].tolist() == [20, 30, 40]
    assert data.history["step"].min() == 1 and data.history["step"].max() == 40
    assert data.total_steps == 40  # the other events' count; 1e20 is ignored
    rule = "(a whole number from 0 to 1,000,000,000)."
    assert tuple(note.text for note in data.notes) == (
        f"Left out 1 checkpoint without an id or a usable step number {rule}",
        f"Left out 1 metrics event without a usable step number {rule}",
    )


def test_times_in_milliseconds_give_the_same_run_as_seconds(
    standin: StandInServer, client: FineTuningClient
) -> None:
    run = make_run("ftjob-seconds", n_steps=40, n_epochs=4, status="running", progress=1.0)
    millis = replace(
        run,
        job={**run.job, "id": "ftjob-millis", "created_at": run.job["created_at"] * 1000},
        checkpoints=[{**c, "created_at": c["created_at"] * 1000} for c in run.checkpoints],
        events=[{**e, "created_at": e["created_at"] * 1000} for e in run.events],
    )
    seconds, milliseconds = (load_run(client, _serve(standin, r)) for r in (run, millis))

    assert milliseconds.notes == ()
    assert (
        milliseconds.summary.created_at
        == seconds.summary.created_at
        == pd.Timestamp(run.job["created_at"], unit="s", tz="UTC")
    )
    pd.testing.assert_frame_equal(milliseconds.history, seconds.history)
    pd.testing.assert_frame_equal(milliseconds.checkpoints, seconds.checkpoints)
    axes = run_axes(milliseconds.history, milliseconds.checkpoints, n_epochs=4, total_steps=40)
    assert axes.has_time  # the elapsed-time axis works off the converted times


def test_a_job_with_millions_of_epochs_draws_without_building_epoch_ends(
    standin: StandInServer, client: FineTuningClient
) -> None:
    run = make_run("ftjob-epochs", n_steps=40, n_epochs=4, status="running", progress=1.0)
    hyperparameters = {**run.job["hyperparameters"], "n_epochs": 10_000_000}
    method = {"type": "supervised", "supervised": {"hyperparameters": hyperparameters}}
    job_id = _serve(
        standin, replace(run, job={**run.job, "hyperparameters": hyperparameters, "method": method})
    )

    data = load_run(client, job_id)
    axes = run_axes(
        data.history,
        data.checkpoints,
        n_epochs=data.summary.hyperparameters.n_epochs,
        total_steps=data.total_steps,
    )
    display = build_display(
        ChartRun(data.history, data.checkpoints, axes), options=ViewOptions(x_mode=XMode.EPOCH, smoothing=0.0)
    )

    assert data.summary.hyperparameters.n_epochs is None
    assert tuple(note.text for note in data.notes) == (
        "Ignored the job's n_epochs: 10,000,000 is not a whole number from 1 to 10,000.",
    )
    assert axes.steps_per_epoch == 10  # from the checkpoints' spacing
    assert list(display.view.epoch_ends) == [1.0, 2.0, 3.0, 4.0]
