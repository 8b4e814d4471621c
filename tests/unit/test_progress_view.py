"""A running job's progress in words: the provider's estimate, ours, and an estimate that has passed."""

from __future__ import annotations

import pandas as pd

from components.data.progress import RunProgress
from components.page.progress import progress_view

NOW = pd.Timestamp("2026-11-25 16:00", tz="UTC")


def _progress(**fields) -> RunProgress:
    base = {
        "running": True,
        "steps_done": 288,
        "total_steps": 480,
        "fraction": 0.6,
        "epochs_done": 2.4,
        "n_epochs": 4,
        "elapsed": pd.Timedelta(minutes=18),
        "estimated_finish": None,
        "estimate_source": None,
        "latest_checkpoint_step": 240,
        "step_rate_finish": None,
    }
    return RunProgress(**(base | fields))


def test_steps_epochs_elapsed_and_the_latest_checkpoint() -> None:
    view = progress_view(_progress(), NOW)
    assert view.label == "288 / 480 steps · 60% · epoch 2.4 of 4"
    assert view.caption == "Running for 18 min; latest checkpoint at step 240."
    assert view.fraction == 0.6 and not view.overdue


def test_our_own_estimate_from_the_step_rate() -> None:
    ours = NOW + pd.Timedelta(minutes=8)
    view = progress_view(
        _progress(estimated_finish=ours, estimate_source="step rate", step_rate_finish=ours), NOW
    )
    assert "expected to finish in about 8 min at the current step rate (16:08 UTC)" in view.caption


def test_the_providers_estimate_ahead() -> None:
    theirs = NOW + pd.Timedelta(minutes=30)
    view = progress_view(
        _progress(estimated_finish=theirs, estimate_source="provider", step_rate_finish=NOW), NOW
    )
    assert "expected to finish in about 30 min (16:30 UTC, the provider's estimate)" in view.caption
    assert not view.overdue


def test_a_providers_estimate_in_the_past_is_overdue_with_ours_beside_it() -> None:
    theirs, ours = NOW - pd.Timedelta(minutes=12), NOW + pd.Timedelta(minutes=5)
    view = progress_view(
        _progress(estimated_finish=theirs, estimate_source="provider", step_rate_finish=ours), NOW
    )
    assert view.overdue
    assert (
        "overdue: the provider expected it 12 min ago (15:48 UTC); in about 5 min at the current step rate "
        "(16:05 UTC)" in view.caption
    )


def test_a_job_without_steps_waits_for_the_first() -> None:
    view = progress_view(
        _progress(
            steps_done=None, fraction=None, epochs_done=None, elapsed=None, latest_checkpoint_step=None
        ),
        NOW,
    )
    assert view.label == "Waiting for the first step" and view.caption == ""


def test_a_step_rate_finish_that_has_passed_says_no_step_came_lately() -> None:
    ours = NOW - pd.Timedelta(minutes=3)
    view = progress_view(
        _progress(estimated_finish=ours, estimate_source="step rate", step_rate_finish=ours), NOW
    )
    assert "the last step rate pointed to 15:57 UTC (3 min ago), so no step came lately" in view.caption


def test_a_run_not_said_to_run_never_reads_as_running() -> None:
    """A run of unknown status (files no longer written, no end in them) says when it started, not that it
    is running: the header says it stopped writing."""
    view = progress_view(_progress(running=False), NOW)
    assert view.caption == "Started 18 min ago; latest checkpoint at step 240."
