"""Nothing already fetched is lost: a partial run keeps its pages and a later load continues each list from
its saved cursor (ListProgress), over real HTTP against the stand-in."""

from __future__ import annotations

import pickle

import pytest

from components.api import FineTuningClient, ListProgress, ServerError, make_http_client
from components.data.job import parse_job
from components.errors import DashboardError, MalformedDataError
from components.sources.openai import load_run
from components.ui.errors import describe
from devtools.clock import SkippingClock
from devtools.configs import openai_config
from devtools.standin import DEFAULT_API_KEY, Fault, StandInServer, make_checkpoints_only, make_run

FAST = {"retry-after-ms": "1"}


@pytest.fixture
def client(standin: StandInServer):
    clock = SkippingClock()
    config = openai_config(DEFAULT_API_KEY, standin.base_url)
    http = make_http_client(config.base_url, read_timeout=5, max_retries=2, sleep=clock.sleep)
    yield FineTuningClient(http, config, clock=clock.now)
    http.close()


def _checkpoint_queries(standin: StandInServer) -> list[dict[str, str]]:
    return [request.query for request in standin.requests if request.path.endswith("/checkpoints")]


# --- ListProgress -------------------------------------------------------------------------------------


def test_list_progress_follows_the_cursor_rules() -> None:
    start = ListProgress()
    assert (start.after, start.pages, start.complete) == (None, 0, False)
    one = start.next_page([{"id": "c"}, {"id": "b"}], True)
    assert (one.pages, one.count, one.after, one.newest_id, one.complete) == (1, 2, "b", "c", False)
    two = one.next_page([{"id": "a"}], False)
    assert (two.pages, two.count, two.after, two.newest_id, two.complete) == (2, 3, "b", "c", True)
    assert one.next_page([], True).complete  # an empty page ends the list whatever has_more says
    assert one.next_page([{"id": "z"}], "true").complete  # only a JSON true continues it
    assert two.cursors == ("b",)


def test_list_progress_carries_items_only_when_asked_and_pickles_small() -> None:
    progress = ListProgress().next_page([{"id": "b", "x": 1.5}, {"id": "a"}], True)
    assert progress.items() == [] and progress.items_json is None
    held = progress.holding([{"id": "b", "x": 1.5}, {"id": "a"}])
    assert held.items() == [{"id": "b", "x": 1.5}, {"id": "a"}]
    assert pickle.loads(pickle.dumps(held)) == held
    assert held.holding(None).items_json is None
    assert "items_json" not in repr(held)


# --- load_run keeps and resumes ---------------------------------------------------------------------


def test_a_failure_on_page_7_keeps_pages_1_to_6_and_resume_asks_for_page_7_only(
    standin: StandInServer, client: FineTuningClient
) -> None:
    run = make_checkpoints_only("ftjob-big", 650)
    standin.add_run(run, [Fault("checkpoints", "status", status=502, headers=FAST, skip=6, times=3)])
    partial = load_run(client, "ftjob-big")

    assert partial.is_partial
    assert partial.resume.checkpoints.pages == 6 and partial.resume.checkpoints.count == 600
    assert partial.resume.checkpoints.after == run.checkpoints[599]["id"]
    assert partial.resume.checkpoints.newest_id == run.checkpoints[0]["id"]
    assert "HTTP 502" in partial.resume.checkpoints.stopped_by
    assert partial.checkpoints["step"].tolist() == list(range(510, 6501, 10))  # the newest 600
    assert len(partial.history) == 600
    [note] = (note.text for note in partial.notes)
    assert note.startswith("Only the newest 600 checkpoints (6 pages) could be read")
    assert "Refresh continues" in note
    assert pickle.loads(pickle.dumps(partial)).resume.checkpoints == partial.resume.checkpoints  # cacheable

    before = len(_checkpoint_queries(standin))
    resumed = load_run(client, "ftjob-big", resume=partial)
    queries = _checkpoint_queries(standin)[before:]
    assert queries == [{"limit": "100", "after": run.checkpoints[599]["id"]}]
    assert standin.count("events", "ftjob-big") == 1  # the finished events list was not read again
    assert not resumed.is_partial and resumed.notes == ()
    assert resumed.checkpoints["step"].tolist() == list(range(10, 6501, 10))
    assert resumed.resume.checkpoints.pages == 7 and resumed.resume.checkpoints.items_json is None


def test_a_resumed_list_still_detects_a_cursor_it_was_sent_before(
    standin: StandInServer, client: FineTuningClient
) -> None:
    standin.add_run(
        make_checkpoints_only("ftjob-loop", 350),
        [Fault("checkpoints", "status", status=500, headers=FAST, skip=2, times=3)],
    )
    partial = load_run(client, "ftjob-loop")
    assert partial.resume.checkpoints.pages == 2
    # Now the server starts ignoring `after`: the resumed walk gets page 1 again, whose last id was a cursor.
    standin.add_run(
        make_checkpoints_only("ftjob-loop", 350), [Fault("checkpoints", "repeat_cursor", times=None)]
    )
    again = load_run(client, "ftjob-loop", resume=partial)
    assert again.is_partial and again.resume.checkpoints.count == 200
    assert "same page twice" in again.notes[0].text


def test_a_partial_events_list_resumes_from_its_cursor(
    standin: StandInServer, client: FineTuningClient
) -> None:
    run = make_run("ftjob-live", n_steps=600, n_epochs=3, status="running", progress=1.0, result_file=None)
    standin.add_run(run, [Fault("events", "status", status=503, headers=FAST, skip=3, times=3)])
    partial = load_run(client, "ftjob-live")
    assert partial.resume.events is not None and partial.resume.events.count == 300
    assert partial.history["step"].max() == 600 and partial.history["step"].min() == 200  # newest steps kept
    resumed = load_run(client, "ftjob-live", resume=partial)
    assert (
        resumed.resume.events is not None
        and resumed.resume.events.complete
        and resumed.resume.events.count == 601
    )
    assert resumed.history_source == "metrics events" and len(resumed.history) == 600
    assert standin.count("checkpoints", "ftjob-live") == 1  # finished on the first load, reused


def test_a_refresh_that_cannot_read_the_job_again_keeps_what_was_read(
    standin: StandInServer, client: FineTuningClient
) -> None:
    standin.add_run(
        make_checkpoints_only("ftjob-big", 250),
        [Fault("checkpoints", "status", status=502, headers=FAST, skip=1, times=3)],
    )
    partial = load_run(client, "ftjob-big")
    standin.add_run(make_checkpoints_only("ftjob-big", 250), [Fault("job", "status", status=500, times=None)])
    kept = load_run(client, "ftjob-big", resume=partial)
    assert kept.resume.checkpoints == partial.resume.checkpoints and len(kept.checkpoints) == 100
    assert kept.notes[-1].text.startswith("Refresh could not read the job again")
    assert len(load_run(client, "ftjob-big", resume=kept).notes) == len(kept.notes)  # not repeated


def test_a_failure_on_the_first_checkpoint_page_is_still_the_pages_error(
    standin: StandInServer, client: FineTuningClient
) -> None:
    standin.add_run(
        make_run("ftjob-down"), [Fault("checkpoints", "status", status=500, headers=FAST, times=None)]
    )
    with pytest.raises(ServerError):
        load_run(client, "ftjob-down")


# --- the error hierarchy ---------------------------------------------------------------------------


def test_a_job_object_of_braces_is_a_clear_message_not_a_value_error(
    standin: StandInServer, client: FineTuningClient
) -> None:
    with pytest.raises(MalformedDataError) as info:
        parse_job({})
    title, detail, _ = describe(info.value)
    assert title == "The job's data is not in the documented shape"
    assert detail == "The API sent a fine-tuning job object without an id."
    run = make_run("ftjob-empty")
    standin.add_run(type(run)({}, run.checkpoints, run.events, run.files), job_id="ftjob-empty")
    with pytest.raises(MalformedDataError, match="without an id"):
        load_run(client, "ftjob-empty")


def test_every_error_the_dashboard_raises_is_a_dashboard_error() -> None:
    from components.api import ConfigError, FineTuningAPIError, MalformedResponseError
    from components.data.results_file import ResultFileError

    assert issubclass(FineTuningAPIError, DashboardError)
    assert issubclass(ConfigError, DashboardError) and issubclass(ConfigError, ValueError)
    assert issubclass(MalformedResponseError, MalformedDataError)
    assert issubclass(ResultFileError, MalformedDataError) and issubclass(MalformedDataError, ValueError)


def test_a_value_no_parser_foresaw_becomes_a_clear_message_not_a_crash(
    standin: StandInServer, client: FineTuningClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def overflow(items: object) -> None:
        raise OverflowError("Python int too large to convert to C long")

    monkeypatch.setattr("components.sources.openai.checkpoints_frame", overflow)
    standin.add_run(make_run("ftjob-odd"))
    with pytest.raises(MalformedDataError) as info:
        load_run(client, "ftjob-odd")
    assert str(info.value) == "Some values in the checkpoints from the API cannot be read."
    assert describe(info.value)[0] == "The job's data is not in the documented shape"
