"""A ``?job=`` link opens that job from the API; the API key never reaches the URL or the page."""

from __future__ import annotations

from collections.abc import Callable

from streamlit.testing.v1 import AppTest

from devtools.standin import DEFAULT_API_KEY, StandInServer, make_run
from tests.page.page_support import new_app, page_text, table, walk


def _assert_key_hidden(at: AppTest, key: str, *, except_widget: str | None = None) -> None:
    """The key is in no query parameter and in no element's protobuf (text, value, spec, help…)."""
    assert all(key not in f"{name}={value}" for name, value in at.query_params.items()), at.query_params
    for element in walk(at):
        proto = getattr(element, "proto", None)
        if proto is None or (except_widget and getattr(element, "key", None) == except_widget):
            continue
        assert key not in str(proto), f"API key found in {type(element).__name__}: {str(proto)[:300]}"


def test_job_query_param_opens_that_job(open_page: Callable[..., AppTest], api_env: StandInServer) -> None:
    run = make_run("ftjob-linked1")
    api_env.add_run(run)
    at = open_page("ftjob-linked1")
    assert not at.exception
    assert at.text_input(key="job").value == "ftjob-linked1"
    assert at.markdown[0].value.startswith("### `ftjob-linked1`")
    assert set(table(at)["checkpoint_id"]) == {c["id"] for c in run.checkpoints}
    assert len(table(at)) == len(run.checkpoints) == 3
    assert api_env.count("job", "ftjob-linked1") == 1
    assert api_env.count("checkpoints", "ftjob-linked1") == 1
    assert {r.headers["authorization"] for r in api_env.requests} == {f"Bearer {DEFAULT_API_KEY}"}
    assert any("from environment variable OPENAI_API_KEY" in c.value for c in at.sidebar.caption)


def test_typing_another_job_switches_the_page_and_the_field_is_url_bound(
    open_page: Callable[..., AppTest], api_env: StandInServer
) -> None:
    api_env.add_run(make_run("ftjob-first"))
    second = make_run("ftjob-second", seed=3, n_epochs=3, n_steps=300, kept_checkpoints=2)
    api_env.add_run(second)
    at = open_page("ftjob-first")
    assert at.query_params["job"] == "ftjob-first"
    # The browser writes a bound widget's value into the URL; AppTest has no browser, so the binding
    # itself is what can be checked here: the field is bound to ?job=.
    assert at.text_input(key="job").proto.query_param_key == "job"
    at.text_input(key="job").input("ftjob-second").run()
    assert not at.exception
    assert at.markdown[0].value.startswith("### `ftjob-second`")
    assert set(table(at)["checkpoint_id"]) == {c["id"] for c in second.checkpoints}
    assert api_env.count("job", "ftjob-second") == 1


def test_env_api_key_never_appears_in_url_or_page(
    open_page: Callable[..., AppTest], api_env: StandInServer
) -> None:
    run = make_run("ftjob-secret")
    api_env.add_run(run)
    at = open_page("ftjob-secret", ckpt=run.checkpoints[1]["id"])
    assert not at.exception
    assert run.checkpoints[1]["fine_tuned_model_checkpoint"] in page_text(at)  # the comparison panel
    _assert_key_hidden(at, DEFAULT_API_KEY)
    at.text_input(key="job").input("ftjob-unknown").run()
    assert at.error
    _assert_key_hidden(at, DEFAULT_API_KEY)


def test_typed_api_key_stays_out_of_url_and_other_elements(
    monkeypatch, no_api_env: None, standin: StandInServer
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", standin.base_url)
    standin.add_run(make_run("ftjob-typed"))
    at = new_app(job="ftjob-typed").run()
    assert any(info.value.startswith("**Demo job**") for info in at.info)
    at.text_input(key="api_key_typed").input(DEFAULT_API_KEY).run()
    assert not at.exception
    assert at.markdown[0].value.startswith("### `ftjob-typed`")
    assert any("typed in this browser session" in c.value for c in at.sidebar.caption)
    assert "api_key_typed" not in at.query_params
    _assert_key_hidden(at, DEFAULT_API_KEY, except_widget="api_key_typed")
    assert DEFAULT_API_KEY not in str(at.text_input(key="api_key_typed").proto)


def test_refused_key_is_not_echoed_in_the_error(
    monkeypatch, open_page: Callable[..., AppTest], api_env: StandInServer
) -> None:
    wrong = "sk-wrong-key-1234567890"
    monkeypatch.setenv("OPENAI_API_KEY", wrong)
    api_env.add_run(make_run("ftjob-refused"))
    at = open_page("ftjob-refused")
    assert any("The API key was refused" in text.value for text in at.error)
    _assert_key_hidden(at, wrong)
    _assert_key_hidden(at, "sk-wro")  # the stand-in echoes a masked key, as OpenAI does: none of it shows
