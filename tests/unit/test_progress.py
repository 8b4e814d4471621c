"""Progress of a job: steps, epochs, fraction, elapsed time and the expected finish."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from components.data.checkpoints import checkpoints_frame
from components.data.events import metrics_events_frame
from components.data.history import build_history
from components.data.job import parse_job
from components.data.progress import RATE_POINTS, RunProgress, run_progress
from components.domain import HistorySource

START = 1_732_000_000
NOW = pd.Timestamp(START + 790, unit="s", tz="UTC")


def _job(**fields):
    return parse_job({"id": "ftjob-1", "created_at": START, **fields})


def _running_history(done: int = 360, checkpoint_steps=(150, 300)) -> pd.DataFrame:
    """Events for steps 1..done, logged 60 s after the start and then every 2 s; checkpoints as given."""
    events = [
        {"type": "metrics", "created_at": START + 60 + 2 * step, "data": {"step": step, "train_loss": 1.0}}
        for step in range(1, done + 1)
    ]
    checkpoints = checkpoints_frame(
        {"id": f"c{step}", "step_number": step, "created_at": START + 60 + 2 * step}
        for step in checkpoint_steps
    )
    return build_history(checkpoints, metrics_events_frame(events), HistorySource.METRICS_EVENTS)


def test_a_running_job_with_its_total_from_the_events():
    progress = run_progress(
        _job(status="running", hyperparameters={"n_epochs": 4}), _running_history(), 600, now=NOW
    )
    # 360 of 600 steps; 150 steps per epoch, so 2.4 epochs. Over the last 50 steps, 0.5 steps a second:
    # the 240 steps left take 480 s after step 360 (logged at START + 780), so START + 1,260.
    assert progress == RunProgress(
        running=True,
        steps_done=360,
        total_steps=600,
        fraction=0.6,
        epochs_done=pytest.approx(2.4),
        n_epochs=4,
        elapsed=pd.Timedelta(seconds=790),
        estimated_finish=pd.Timestamp(START + 1_260, unit="s", tz="UTC"),
        estimate_source="step rate",
        latest_checkpoint_step=300,
        step_rate_finish=pd.Timestamp(START + 1_260, unit="s", tz="UTC"),
    )


def test_the_step_rate_is_the_recent_one():
    history = _running_history()
    # Steps 1..300 ran four times slower: only the latest RATE_POINTS steps set the rate.
    slow = history["step"] <= 300
    history.loc[slow, "created_at"] = history.loc[slow, "created_at"] - pd.to_timedelta(
        (300 - history.loc[slow, "step"]) * 6, unit="s"
    )
    assert RATE_POINTS <= 60
    progress = run_progress(_job(status="running"), history, 600, now=NOW)
    assert progress.estimated_finish == pd.Timestamp(START + 1_260, unit="s", tz="UTC")


def test_the_providers_estimate_comes_first():
    job = _job(status="running", estimated_finish=START + 2_000)
    progress = run_progress(job, _running_history(), 600, now=NOW)
    assert progress.estimated_finish == pd.Timestamp(START + 2_000, unit="s", tz="UTC")
    assert progress.estimate_source == "provider"
    # ours is still worked out, to stand beside the provider's once that has passed
    assert progress.step_rate_finish == pd.Timestamp(START + 1_260, unit="s", tz="UTC")
    assert not progress.overdue(NOW)
    assert progress.overdue(pd.Timestamp(START + 2_001, unit="s", tz="UTC"))


def test_a_providers_estimate_in_the_past_is_overdue_only_while_the_job_runs():
    late = run_progress(
        _job(status="running", estimated_finish=START + 700), _running_history(), 600, now=NOW
    )
    assert late.overdue(NOW) and late.step_rate_finish is not None
    done = run_progress(
        _job(status="succeeded", estimated_finish=START + 700, finished_at=START + 780),
        _running_history(),
        600,
        now=NOW,
    )
    assert not done.overdue(NOW) and done.step_rate_finish is None


def test_auto_epochs_are_counted_from_the_checkpoint_spacing():
    progress = run_progress(
        _job(status="running", hyperparameters={"n_epochs": "auto"}), _running_history(), 600, now=NOW
    )
    # Checkpoints 150 steps apart: 600 steps are 4 epochs, and 360 of them 2.4.
    assert (progress.n_epochs, progress.epochs_done) == (4, pytest.approx(2.4))


def test_a_succeeded_job_read_from_a_result_file():
    # A result file has no times and no total: the job is done at its last step.
    history = build_history(
        checkpoints_frame([{"id": "c", "step_number": 480}]),
        pd.DataFrame({"step": np.arange(1, 481), "train_loss": 1.0}),
        HistorySource.RESULT_FILE,
    )
    job = _job(status="succeeded", finished_at=START + 1_100, hyperparameters={"n_epochs": 4})
    progress = run_progress(job, history, None, now=NOW)
    assert progress == RunProgress(
        running=False,
        steps_done=480,
        total_steps=480,
        fraction=1.0,
        epochs_done=pytest.approx(4.0),
        n_epochs=4,
        elapsed=pd.Timedelta(seconds=1_100),
        estimated_finish=None,
        estimate_source=None,
        latest_checkpoint_step=480,
    )


def test_a_queued_job_knows_nothing_yet():
    empty = build_history(checkpoints_frame([]))
    progress = run_progress(parse_job({"id": "ftjob-1", "status": "queued"}), empty, None, now=NOW)
    assert progress == RunProgress(
        running=True,
        steps_done=None,
        total_steps=None,
        fraction=None,
        epochs_done=None,
        n_epochs=None,
        elapsed=None,
        estimated_finish=None,
        estimate_source=None,
        latest_checkpoint_step=None,
    )


def test_without_a_total_there_is_no_fraction_and_no_estimate_of_our_own():
    progress = run_progress(_job(status="running"), _running_history(), None, now=NOW)
    assert (progress.steps_done, progress.fraction, progress.estimated_finish) == (360, None, None)


def test_a_total_below_the_steps_done_is_full_not_more():
    progress = run_progress(_job(status="running"), _running_history(), 300, now=NOW)
    assert progress.fraction == 1.0
    # Nothing is left, so the estimate is the last logged step's time.
    assert progress.estimated_finish == pd.Timestamp(START + 780, unit="s", tz="UTC")


def test_a_failed_job_stops_the_clock_at_its_finish_and_has_no_estimate():
    job = _job(status="failed", finished_at=START + 500, estimated_finish=START + 2_000)
    progress = run_progress(job, _running_history(200, checkpoint_steps=(150,)), 600, now=NOW)
    assert progress.running is False and progress.fraction == pytest.approx(200 / 600)
    assert progress.elapsed == pd.Timedelta(seconds=500)
    assert progress.estimated_finish is None


@settings(max_examples=100, deadline=None)
@given(
    st.integers(1, 400),
    st.one_of(st.none(), st.integers(1, 1_000)),
    st.sampled_from(["running", "succeeded", "failed", "queued"]),
    st.one_of(st.none(), st.integers(1, 50), st.just("auto")),
)
def test_progress_stays_in_its_bounds(done, total, status, n_epochs):
    job = _job(status=status, hyperparameters={"n_epochs": n_epochs})
    progress = run_progress(job, _running_history(done, checkpoint_steps=(done,)), total, now=NOW)
    assert progress.steps_done == done and progress.latest_checkpoint_step == done
    assert progress.fraction is None or 0 <= progress.fraction <= 1
    if status == "succeeded":
        assert progress.fraction == 1.0 and progress.total_steps == (total or done)
    if progress.estimated_finish is not None:
        assert progress.running
        assert progress.estimated_finish >= pd.Timestamp(START + 60 + 2 * done, unit="s", tz="UTC")
    assert progress.elapsed is None or progress.elapsed >= pd.Timedelta(0)


def test_epochs_done_are_the_epoch_the_file_logs_at_its_last_step():
    # 4 epochs over 600 steps by the job would make step 360 epoch 2.4; the file says 0.9.
    history = _running_history().assign(epoch=lambda frame: frame["step"] / 400)
    progress = run_progress(_job(status="running", hyperparameters={"n_epochs": 4}), history, 600, now=NOW)
    assert (progress.n_epochs, progress.epochs_done) == (4, pytest.approx(0.9))
