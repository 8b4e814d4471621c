"""Live refresh of OpenAI and Azure OpenAI runs over real HTTP, against a stand-in job that grows while the
test watches: what each refresh costs in requests, what it reads and why, and that the merged run equals
a fresh full load of the same state."""

from __future__ import annotations

import math
import pickle
from collections.abc import Callable
from dataclasses import replace

import pandas as pd
import pytest

from components.domain import Note, NoteKind, RunData
from components.sources import RunSource
from components.sources.live import needs_refresh, refresh_run
from components.sources.openai_live import Signals, signals
from components.sources.refresh import JOB_RECHECK_AFTER
from devtools.standin import DEFAULT_API_KEY, Fault, StandInServer, azure_job_id, make_growing_run
from tests.sources.conftest import OpenSource

FAST = {"retry-after-ms": "1"}
ENDPOINTS = ("job", "events", "checkpoints", "file")


def _env(standin: StandInServer, provider: str, **extra: str) -> dict[str, str]:
    if provider == "azure":
        return {
            "AZURE_OPENAI_ENDPOINT": standin.azure_endpoint,
            "AZURE_OPENAI_API_KEY": DEFAULT_API_KEY,
            **extra,
        }
    return {"OPENAI_API_KEY": DEFAULT_API_KEY, "OPENAI_BASE_URL": standin.base_url, **extra}


Grow = Callable[..., tuple[RunSource, str]]


@pytest.fixture(params=["openai", "azure"])
def grow(request: pytest.FixtureRequest, standin: StandInServer, open_configured: OpenSource) -> Grow:
    """``grow(**options)``: a growing job served as ``provider`` and the source that reads it."""
    provider = request.param

    def build(**options: object) -> tuple[RunSource, str]:
        settings = options.pop("settings", {})
        job_id = azure_job_id("grow") if provider == "azure" else "ftjob-grow"
        standin.add_run(make_growing_run(job_id, provider=provider, **options))  # type: ignore[arg-type]
        return open_configured(_env(standin, provider, **settings), provider), job_id  # type: ignore[arg-type]

    return build


def counts(standin: StandInServer, job_id: str) -> dict[str, int]:
    return {endpoint: standin.count(endpoint, job_id) for endpoint in ENDPOINTS}


def assert_same_as_fresh_load(run: RunData, source: RunSource, job_id: str) -> None:
    """The refreshed run shows what a fresh full load of the same state shows."""
    fresh = source.load_run(job_id)
    pd.testing.assert_frame_equal(run.history, fresh.history)
    pd.testing.assert_frame_equal(run.checkpoints, fresh.checkpoints)
    assert run.summary == fresh.summary
    assert (run.history_source, run.total_steps, run.is_partial) == (
        fresh.history_source,
        fresh.total_steps,
        fresh.is_partial,
    )


def test_a_quiet_refresh_costs_one_request(standin: StandInServer, grow: Grow) -> None:
    source, job_id = grow(n_steps=3000, n_epochs=3, done=40)
    run = source.load_run(job_id)
    standin.reset_log()
    refresh = refresh_run(source, run)
    assert counts(standin, job_id) == {"job": 0, "events": 1, "checkpoints": 0, "file": 0}
    assert (refresh.requests, refresh.reads) == (1, {"events": 1})
    assert not refresh.changed and refresh.new_events == 0 and refresh.error is None
    assert (
        refresh.run.history is run.history and refresh.run.checkpoints is run.checkpoints
    )  # nothing rebuilt
    assert not refresh.ended and refresh.keep_refreshing and needs_refresh(source, refresh.run)


@pytest.mark.parametrize("k", [1, 99, 100, 101, 250])
def test_k_new_events_cost_the_pages_that_hold_them(standin: StandInServer, grow: Grow, k: int) -> None:
    source, job_id = grow(n_steps=3000, n_epochs=3, done=40)
    run = source.load_run(job_id)
    standin.advance(job_id, k)
    standin.reset_log()
    refresh = refresh_run(source, run)
    # The first page holds up to 99 new events and the newest known one: ceil((k + 1) / 100) pages in all,
    # within the budget of one request plus ceil(k / 100).
    pages = math.ceil((k + 1) / 100)
    assert pages <= 1 + math.ceil(k / 100)
    assert counts(standin, job_id) == {"job": 0, "events": pages, "checkpoints": 0, "file": 0}
    assert refresh.requests == pages and refresh.new_events == k and refresh.new_steps == k
    assert refresh.changed and int(refresh.run.history["step"].max()) == 40 + k
    queries = [request.query for request in standin.requests]
    assert queries[0] == {"limit": "100"} and all(query["limit"] == "100" for query in queries)
    assert_same_as_fresh_load(refresh.run, source, job_id)


def test_a_saved_checkpoint_is_read_and_nothing_else(standin: StandInServer, grow: Grow) -> None:
    source, job_id = grow(n_steps=300, n_epochs=3, done=95)
    run = source.load_run(job_id)
    assert run.checkpoints.empty
    standin.advance(job_id, 10)  # step 100 ends the first epoch: its checkpoint is saved
    standin.reset_log()
    refresh = refresh_run(source, run)
    assert counts(standin, job_id) == {"job": 0, "events": 1, "checkpoints": 1, "file": 0}
    assert refresh.new_checkpoints == 1 and refresh.run.checkpoints["step"].tolist() == [100]
    assert refresh.new_events == 11  # ten steps and the "Checkpoint created" message
    assert_same_as_fresh_load(refresh.run, source, job_id)


def test_the_job_ending_reads_the_job_and_what_a_finished_run_needs(
    standin: StandInServer, grow: Grow
) -> None:
    source, job_id = grow(n_steps=300, n_epochs=3, done=250)
    run = source.load_run(job_id)
    standin.finish(job_id)  # the last 50 steps, the last checkpoint, the closing events
    standin.reset_log()
    refresh = refresh_run(source, run)
    assert counts(standin, job_id) == {"job": 1, "events": 1, "checkpoints": 1, "file": 1}
    assert refresh.finished and refresh.ended and refresh.complete and not refresh.keep_refreshing
    assert refresh.run.summary.status == "succeeded" and refresh.run.summary.fine_tuned_model
    assert refresh.run.history_source == "result file" and len(refresh.run.history) == 300
    assert refresh.run.checkpoints["step"].tolist() == [100, 200, 300]
    assert_same_as_fresh_load(refresh.run, source, job_id)
    # Nothing is left to read: the next refresh sends nothing, and auto-refresh stops.
    standin.reset_log()
    assert refresh_run(source, refresh.run).requests == 0 and standin.requests == []
    assert not needs_refresh(source, refresh.run)


@pytest.mark.parametrize("ending", ["failed", "cancelled"])
def test_a_job_that_fails_or_is_cancelled_ends_the_refresh(
    standin: StandInServer, grow: Grow, ending: str
) -> None:
    source, job_id = grow(n_steps=300, n_epochs=3, done=150)
    run = source.load_run(job_id)
    standin.finish(job_id, ending)
    standin.reset_log()
    refresh = refresh_run(source, run)
    assert counts(standin, job_id) == {"job": 1, "events": 1, "checkpoints": 1, "file": 0}
    assert refresh.finished and refresh.complete and refresh.run.summary.status == ending
    assert refresh.run.history_source == "metrics events" and len(refresh.run.history) == 150
    assert_same_as_fresh_load(refresh.run, source, job_id)


def test_a_failed_events_read_keeps_the_run_and_says_so(standin: StandInServer, grow: Grow) -> None:
    source, job_id = grow(n_steps=3000, n_epochs=3, done=120)
    run = source.load_run(job_id)
    standin.advance(job_id, 30)
    standin.add_faults(job_id, [Fault("events", "status", status=503, headers=FAST, times=3)])
    failed = refresh_run(source, run)
    assert failed.error is not None and "HTTP 503" in failed.error
    assert failed.run.history is run.history and failed.run.checkpoints is run.checkpoints  # nothing lost
    assert failed.run.notes[-1].text.startswith("Refresh could not read the new events")
    assert not failed.ended and failed.keep_refreshing
    # The next refresh reads everything new since the last good one, and the note goes.
    recovered = refresh_run(source, failed.run)
    assert recovered.error is None and recovered.new_events == 30 and recovered.run.notes == ()
    assert_same_as_fresh_load(recovered.run, source, job_id)


def test_a_reworded_failure_note_still_goes_and_a_lookalike_stays(standin: StandInServer, grow: Grow) -> None:
    """What a refresh drops follows a note's kind: rewording its own note, or wording another like it,
    changes nothing."""
    source, job_id = grow(n_steps=3000, n_epochs=3, done=120)
    run = source.load_run(job_id)
    standin.add_faults(job_id, [Fault("events", "status", status=503, headers=FAST, times=3)])
    failed = refresh_run(source, run)
    reworded = tuple(replace(note, text=f"In other words: {note.text}") for note in failed.run.notes)
    lookalike = Note(NoteKind.INFO, "Refresh could not read this, but it is a note of another kind.")
    recovered = refresh_run(source, replace(failed.run, notes=(*reworded, lookalike)))
    assert recovered.error is None and recovered.run.notes == (lookalike,)


def test_a_failed_job_read_keeps_the_new_steps_and_is_owed_to_the_next_refresh(
    standin: StandInServer, grow: Grow
) -> None:
    source, job_id = grow(n_steps=300, n_epochs=3, done=250)
    run = source.load_run(job_id)
    standin.finish(job_id)
    standin.add_faults(job_id, [Fault("job", "status", status=500, headers=FAST, times=3)])
    partly = refresh_run(source, run)
    assert partly.error is not None and "HTTP 500" in partly.error
    assert partly.new_steps == 50 and partly.run.summary.status == "running"  # steps kept, old status kept
    assert any(note.text.startswith("Refresh could not read the job again") for note in partly.run.notes)
    standin.reset_log()
    done = refresh_run(source, partly.run)  # no new event, but the job read is owed
    assert standin.count("job", job_id) == 1 and done.finished and done.complete
    assert_same_as_fresh_load(done.run, source, job_id)


def test_a_partial_events_list_is_continued_while_new_events_are_read(
    standin: StandInServer, grow: Grow
) -> None:
    source, job_id = grow(n_steps=3000, n_epochs=3, done=600)
    standin.add_faults(job_id, [Fault("events", "status", status=503, headers=FAST, skip=2, times=3)])
    partial = source.load_run(job_id)
    assert partial.is_partial and len(partial.history) == 200  # the newest two pages
    standin.advance(job_id, 50)
    standin.reset_log()
    refresh = refresh_run(source, partial)
    # The head (one page: 50 new events and the newest known one), then the rest from the saved cursor.
    assert standin.requests[0].query == {"limit": "100"}
    assert "after" in standin.requests[1].query
    assert counts(standin, job_id)["events"] == 1 + 5 and not refresh.run.is_partial
    assert len(refresh.run.history) == 650 and refresh.run.notes == ()
    assert_same_as_fresh_load(refresh.run, source, job_id)


def test_a_partial_checkpoint_list_is_continued(standin: StandInServer, grow: Grow) -> None:
    source, job_id = grow(n_steps=600, n_epochs=300, done=500, kept_checkpoints=300, with_validation=False)
    standin.add_faults(job_id, [Fault("checkpoints", "status", status=502, headers=FAST, skip=1, times=3)])
    partial = source.load_run(job_id)
    assert partial.is_partial and len(partial.checkpoints) == 100
    refresh = refresh_run(source, partial)
    assert not refresh.run.is_partial and len(refresh.run.checkpoints) == 250
    assert_same_as_fresh_load(refresh.run, source, job_id)


def test_after_quiet_refreshes_in_a_row_the_job_is_read_once(standin: StandInServer, grow: Grow) -> None:
    source, job_id = grow(n_steps=3000, n_epochs=3, done=40)
    run = source.load_run(job_id)
    standin.reset_log()
    for _ in range(JOB_RECHECK_AFTER - 1):
        run = refresh_run(source, run).run
    assert counts(standin, job_id) == {"job": 0, "events": JOB_RECHECK_AFTER - 1, "checkpoints": 0, "file": 0}
    refresh = refresh_run(source, run)
    assert refresh.reads == {"events": 1, "job": 1}
    assert refresh_run(source, refresh.run).reads == {"events": 1}  # the count starts again


def test_a_refresh_stops_at_the_load_deadline_and_keeps_the_run(standin: StandInServer, grow: Grow) -> None:
    source, job_id = grow(n_steps=3000, n_epochs=3, done=40, settings={"DASHBOARD_LOAD_DEADLINE": "0.5"})
    run = source.load_run(job_id)
    standin.add_faults(job_id, [Fault("events", "hang", hang_seconds=600, times=None)])
    refresh = refresh_run(source, run)
    assert refresh.error is not None and "time limit for one load" in refresh.error
    assert refresh.run.history is run.history


def test_the_refresh_state_survives_a_pickle_round_trip(standin: StandInServer, grow: Grow) -> None:
    source, job_id = grow(n_steps=3000, n_epochs=3, done=40)
    run = pickle.loads(pickle.dumps(source.load_run(job_id)))  # as Streamlit's cache hands it back
    standin.advance(job_id, 7)
    refresh = refresh_run(source, run)
    again = refresh_run(source, pickle.loads(pickle.dumps(refresh.run)))
    assert refresh.new_events == 7 and again.requests == 1 and not again.changed
    assert_same_as_fresh_load(again.run, source, job_id)


# --- what events call for (pure) -----------------------------------------------------------------------


def _metrics(step: int, **values: float) -> dict:
    return {
        "id": f"e{step}",
        "type": "metrics",
        "message": f"Step {step}/300",
        "data": {"step": step, **values},
    }


def _message(text: str) -> dict:
    return {"id": "m", "type": "message", "message": text}


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        ([_metrics(5, train_loss=1.0)], Signals()),
        ([_metrics(100, train_loss=1.0)], Signals(checkpoints=True)),  # the last step of epoch 1 of 3
        ([_metrics(7, full_valid_loss=0.5)], Signals(checkpoints=True)),  # a full validation ends an epoch
        ([_message("Checkpoint created at step 100")], Signals(checkpoints=True)),
        ([_message("Step 12/300: training loss=0.4")], Signals()),  # progress written as a message
        ([_message("The job has successfully completed")], Signals(job=True)),
        ([_message("Fine-tuning job started")], Signals(job=True)),
        ([{"id": "x", "message": None}], Signals(job=True)),  # an event of unknown shape: ask the job
    ],
)
def test_what_new_events_call_for(events: list[dict], expected: Signals) -> None:
    assert signals(events, steps_per_epoch=100) == expected
