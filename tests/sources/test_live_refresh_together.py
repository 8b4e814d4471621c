"""Live refresh of Together AI runs over real HTTP, against a stand-in job that grows while the test
watches: the job object is the one request of a quiet refresh, only new steps are read (global_step_from),
and the merged run equals a fresh full load of the same state."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from components.domain import Note, NoteKind, RunData
from components.sources import RunSource
from components.sources.live import refresh_run
from components.sources.refresh import JOB_RECHECK_AFTER
from devtools.standin import DEFAULT_API_KEY, Fault, StandInServer, make_growing_together_run, together_job_id
from tests.sources.conftest import OpenSource

FAST = {"retry-after-ms": "1"}
JOB = together_job_id("growing")
ENDPOINTS = ("job", "metrics", "checkpoints", "events")


@pytest.fixture
def source(standin: StandInServer, open_configured: OpenSource) -> RunSource:
    env = {"TOGETHER_API_KEY": DEFAULT_API_KEY, "TOGETHER_BASE_URL": standin.together_base_url}
    return open_configured(env, "together")


def counts(standin: StandInServer) -> dict[str, int]:
    return {endpoint: standin.count(endpoint, JOB, provider="together") for endpoint in ENDPOINTS}


def assert_same_as_fresh_load(run: RunData, source: RunSource) -> None:
    fresh = source.load_run(JOB)
    pd.testing.assert_frame_equal(run.history, fresh.history)
    pd.testing.assert_frame_equal(run.checkpoints, fresh.checkpoints)
    assert run.summary == fresh.summary and run.is_partial == fresh.is_partial


def test_a_quiet_refresh_reads_the_job_only(standin: StandInServer, source: RunSource) -> None:
    standin.add_run(make_growing_together_run(JOB, done=10))
    run = source.load_run(JOB)
    standin.reset_log()
    refresh = refresh_run(source, run)
    assert counts(standin) == {"job": 1, "metrics": 0, "checkpoints": 0, "events": 0}
    assert refresh.requests == 1 and not refresh.changed and refresh.run.history is run.history


def test_new_steps_are_read_from_the_last_step_known(standin: StandInServer, source: RunSource) -> None:
    standin.add_run(make_growing_together_run(JOB, n_steps=120, done=10))
    run = source.load_run(JOB)
    standin.advance(JOB, 20)
    standin.reset_log()
    refresh = refresh_run(source, run)
    assert counts(standin) == {"job": 1, "metrics": 1, "checkpoints": 0, "events": 0}
    [metrics] = [request for request in standin.requests if request.path.endswith("/metrics")]
    assert metrics.query == {"global_step_from": "10"}  # step 10 again, in case an evaluation came late
    assert refresh.new_steps == 20 and int(refresh.run.history["step"].max()) == 30
    assert_same_as_fresh_load(refresh.run, source)


def test_an_epoch_end_reads_the_checkpoints_too(standin: StandInServer, source: RunSource) -> None:
    standin.add_run(make_growing_together_run(JOB, n_steps=120, n_epochs=3, done=30))
    run = source.load_run(JOB)
    standin.advance(JOB, 15)  # step 40 ends the first epoch: an intermediate checkpoint and an evaluation
    standin.reset_log()
    refresh = refresh_run(source, run)
    assert counts(standin) == {"job": 1, "metrics": 1, "checkpoints": 1, "events": 0}
    assert refresh.new_checkpoints == 1 and refresh.run.checkpoints["step"].tolist() == [40]
    assert refresh.run.history.set_index("step").loc[40, "full_valid_loss"] > 0  # the evaluation at step 40
    assert_same_as_fresh_load(refresh.run, source)


def test_the_job_completing_reads_the_last_steps_and_the_final_checkpoints(
    standin: StandInServer, source: RunSource
) -> None:
    standin.add_run(make_growing_together_run(JOB, n_steps=120, done=100))
    run = source.load_run(JOB)
    standin.finish(JOB)
    standin.reset_log()
    refresh = refresh_run(source, run)
    assert counts(standin) == {"job": 1, "metrics": 1, "checkpoints": 1, "events": 0}
    assert refresh.finished and refresh.complete and refresh.run.summary.status_text == "completed"
    assert len(refresh.run.history) == 120
    assert_same_as_fresh_load(refresh.run, source)
    standin.reset_log()
    assert refresh_run(source, refresh.run).requests == 0 and standin.requests == []


@pytest.mark.parametrize("ending", ["error", "cancelled"])
def test_a_job_that_errs_or_is_cancelled_ends_the_refresh(
    standin: StandInServer, source: RunSource, ending: str
) -> None:
    standin.add_run(make_growing_together_run(JOB, n_steps=120, done=50))
    run = source.load_run(JOB)
    standin.finish(JOB, ending)
    refresh = refresh_run(source, run)
    assert (
        refresh.finished and refresh.complete and refresh.run.summary.status.value in ("failed", "cancelled")
    )
    assert_same_as_fresh_load(refresh.run, source)


def test_a_failed_job_read_keeps_the_run_and_says_so(standin: StandInServer, source: RunSource) -> None:
    standin.add_run(make_growing_together_run(JOB, done=10))
    run = source.load_run(JOB)
    standin.advance(JOB, 5)
    standin.add_faults(JOB, [Fault("job", "status", status=502, headers=FAST, times=3)], provider="together")
    failed = refresh_run(source, run)
    assert failed.error is not None and "HTTP 502" in failed.error and failed.run.history is run.history
    assert failed.run.notes[-1].text.startswith("Refresh could not read the job again")
    recovered = refresh_run(source, failed.run)
    assert recovered.new_steps == 5 and recovered.run.notes == ()
    assert_same_as_fresh_load(recovered.run, source)


def test_a_failed_metrics_read_is_owed_to_the_next_refresh(standin: StandInServer, source: RunSource) -> None:
    standin.add_run(make_growing_together_run(JOB, done=10))
    run = source.load_run(JOB)
    standin.advance(JOB, 5)
    standin.add_faults(
        JOB, [Fault("metrics", "status", status=500, headers=FAST, times=3)], provider="together"
    )
    partly = refresh_run(source, run)
    assert partly.error is not None and partly.run.is_partial and partly.new_steps == 0
    standin.reset_log()
    recovered = refresh_run(source, partly.run)  # the counters did not move since, but the metrics are owed
    assert counts(standin)["metrics"] == 1 and recovered.new_steps == 5 and not recovered.run.is_partial
    assert_same_as_fresh_load(recovered.run, source)


def test_after_quiet_refreshes_in_a_row_the_metrics_are_read_once(
    standin: StandInServer, source: RunSource
) -> None:
    standin.add_run(make_growing_together_run(JOB, done=10))
    run = source.load_run(JOB)
    standin.reset_log()
    for _ in range(JOB_RECHECK_AFTER - 1):
        run = refresh_run(source, run).run
    assert counts(standin) == {"job": JOB_RECHECK_AFTER - 1, "metrics": 0, "checkpoints": 0, "events": 0}
    assert refresh_run(source, run).reads == {"job": 1, "metrics": 1}


def test_a_reworded_failure_note_still_goes_and_a_lookalike_stays(
    standin: StandInServer, source: RunSource
) -> None:
    standin.add_run(make_growing_together_run(JOB, done=10))
    run = source.load_run(JOB)
    standin.add_faults(JOB, [Fault("job", "status", status=502, headers=FAST, times=3)], provider="together")
    failed = refresh_run(source, run)
    reworded = tuple(replace(note, text=f"In other words: {note.text}") for note in failed.run.notes)
    lookalike = Note(NoteKind.INFO, "The job's metrics could not be read, says a note of another kind.")
    recovered = refresh_run(source, replace(failed.run, notes=(*reworded, lookalike)))
    assert recovered.error is None and recovered.run.notes == (lookalike,)
