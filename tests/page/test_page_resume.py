"""A partial run lives in one browser session, for one key and job: Refresh continues it there, and a
different key in the same session never gets it (nor does another session)."""

from __future__ import annotations

from devtools.standin import (
    DEFAULT_API_KEY,
    Fault,
    StandInServer,
    make_checkpoints_only,
    make_run,
    without_fields,
)
from tests.page.page_support import FORBIDDEN_KEY, TABLE_KEY, has_key, new_app, table

FAST = {"retry-after-ms": "1"}


def _partial_fault() -> list[Fault]:
    """Checkpoints page 2 fails once: the forbidding stand-in's tests run with OPENAI_MAX_RETRIES=0."""
    return [Fault("checkpoints", "status", status=502, headers=FAST, skip=1, times=1)]


def test_a_partial_run_is_never_resumed_for_another_key(forbidding: StandInServer) -> None:
    forbidding.add_run(make_checkpoints_only("ftjob-shared", 250), _partial_fault())
    at = new_app(job="ftjob-shared").run()
    at.text_input(key="api_key_typed").input(DEFAULT_API_KEY).run()
    assert len(table(at)) == 100
    assert any("Refresh continues" in warning.value for warning in at.main.warning)

    at.text_input(key="api_key_typed").input(FORBIDDEN_KEY).run()
    assert not at.exception
    assert [error.value.split("\n")[0] for error in at.main.error] == ["**This key may not read that job**"]
    assert not has_key(at, TABLE_KEY) and not at.main.warning
    at.button(key="refresh").click().run()
    assert [error.value.split("\n")[0] for error in at.main.error] == ["**This key may not read that job**"]
    forbidden = [
        r for r in forbidding.requests if r.headers.get("authorization") == f"Bearer {FORBIDDEN_KEY}"
    ]
    assert [r.path.rsplit("/", 1)[-1] for r in forbidden] == ["ftjob-shared", "ftjob-shared"]  # job only

    other_session = new_app(job="ftjob-shared").run()  # same job, fresh session, the partial's own key
    other_session.text_input(key="api_key_typed").input(DEFAULT_API_KEY).run()
    # The cached partial run is served (same key), and this session can continue it too.
    assert len(table(other_session)) == 100
    other_session.button(key="refresh").click().run()
    assert len(table(other_session)) == 250
    assert not other_session.main.warning


def test_a_job_object_of_braces_is_a_clear_message(open_page, api_env: StandInServer) -> None:
    run = make_run("ftjob-braces")
    api_env.add_run(without_fields(run, "job", list(run.job)), job_id="ftjob-braces")
    at = open_page("ftjob-braces")
    assert not at.exception
    [message] = [error.value for error in at.main.error]
    assert message.startswith("**The job's data is not in the documented shape**")
    assert "without an id" in message and "ValueError" not in message
