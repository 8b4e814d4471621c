"""Budgets for the server's keys in the page (issue 17, item 2): the budget left is said before Send, the ask
that would exceed it is refused with when it fits again and nothing is sent; a key the user typed is theirs
(no budget); prompts longer than the cap are refused; the base model only when the operator allows it; Azure
deployments from the operator's list with the server's credential, typed freely with the user's own key."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from components.ui.connection import TYPED_KEY, TYPED_KEYS
from devtools.standin import DEFAULT_API_KEY, StandInServer, azure_job_id, make_azure_run, make_run
from tests.markdown_view import visible_text
from tests.page.page_support import TIMEOUT, new_app

JOB = "ftjob-budget"
MODELS_KEY = f"try_models:openai:{JOB}"
BUDGET = "Your budget on the server's key:"


def _texts(at: AppTest) -> list[str]:
    return [visible_text(element.value) for element in [*at.markdown, *at.caption, *at.error, *at.info]]


def _budget_line(at: AppTest) -> str:
    [line] = [text for text in _texts(at) if text.startswith(BUDGET)]
    return line


def _checkpoints(at: AppTest, key: str = MODELS_KEY) -> list[str]:
    return [o.split(" · ", 1)[1] for o in at.multiselect(key=key).options if ":ckpt-step-" in o]


def _send(at: AppTest) -> AppTest:
    return at.button(key="try_send").click().run(timeout=TIMEOUT)


@pytest.fixture
def budget_page(
    open_page: Callable[..., AppTest], api_env: StandInServer, monkeypatch: pytest.MonkeyPatch
) -> AppTest:
    """The server's key, with a budget of 5 requests (one back a minute) and plenty of tokens."""
    monkeypatch.setenv("DASHBOARD_BUDGET_BURST", "5")
    monkeypatch.setenv("DASHBOARD_BUDGET_REQUESTS_PER_MINUTE", "1")
    api_env.add_run(make_run(JOB, n_steps=300, n_epochs=3))
    at = open_page(JOB)
    at.multiselect(key=MODELS_KEY).set_value(_checkpoints(at)).run()
    return at.text_area(key="try_prompt").input("What is 2 plus 3?").run()


def test_the_send_that_would_exceed_the_budget_is_refused_and_says_when_it_fits(
    budget_page: AppTest, api_env: StandInServer
) -> None:
    at = budget_page
    assert _budget_line(at).startswith(
        f"{BUDGET} 5 requests now and about 1,000,000 tokens until the day ends"
    )
    assert _budget_line(at).endswith("This asks 3 requests, about 795 tokens at most.")  # 3 × (5 + 4 + 256)
    _send(at)
    assert not at.exception and api_env.count("chat") == 3
    assert _budget_line(at).startswith(f"{BUDGET} 2 requests now")
    _send(at)  # 3 more: only 2 are left
    assert not at.exception
    assert api_env.count("chat") == 3  # nothing was sent
    [refusal] = [visible_text(error.value) for error in at.error]
    assert refusal.startswith(
        "Not sent: this asks 3 requests and about 795 tokens; you have 2 requests left now."
    )
    assert re.search(r"Enough requests again at \d\d:\d\d:\d\d UTC \(in (\d\d? s|1 min 0 s)\)\.$", refusal)


def test_the_days_tokens_refused_say_they_come_back_at_midnight_utc(
    open_page: Callable[..., AppTest], api_env: StandInServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DASHBOARD_BUDGET_TOKENS_PER_DAY", "1000")
    api_env.add_run(make_run(JOB, n_steps=300, n_epochs=3))
    at = open_page(JOB)
    at.multiselect(key=MODELS_KEY).set_value(_checkpoints(at)).run()
    at.text_area(key="try_prompt").input("What is 2 plus 3?").run()
    _send(at)
    assert api_env.count("chat") == 3
    _send(at)
    assert api_env.count("chat") == 3
    [refusal] = [visible_text(error.value) for error in at.error]
    assert "about 205 tokens are left today" in refusal  # 1,000 − 795
    # Midnight UTC, in hours and minutes, or to the second in the day's last hour (the test runs at any time).
    when = r"(00:00 UTC \(in \d+ h \d+ min\)|00:00:00 UTC \(in (\d+ min )?\d+ s\))"
    assert re.search(rf"The day's tokens come back at {when}\.$", refusal)


def test_a_validation_run_larger_than_the_budget_is_refused_before_anything_is_sent(
    budget_page: AppTest, api_env: StandInServer
) -> None:
    at = budget_page
    at.session_state["try_tabs"] = "On validation examples"
    at.run()
    assert "This asks 30 requests" in _budget_line(at)
    at.button(key="validation_run").click().run(timeout=TIMEOUT)
    assert not at.exception and api_env.count("chat") == 0
    [refusal] = [visible_text(error.value) for error in at.error]
    assert refusal.startswith("Not sent: this asks 30 requests") and "DASHBOARD_BUDGET_BURST" in refusal


@pytest.mark.usefixtures("no_api_env")
def test_a_key_the_user_typed_is_theirs_no_budget_and_the_base_model_offered(
    monkeypatch: pytest.MonkeyPatch, standin: StandInServer
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", standin.base_url)
    monkeypatch.setenv("DASHBOARD_BUDGET_BURST", "1")
    standin.add_run(make_run(JOB, n_steps=300, n_epochs=3))
    at = new_app(job=JOB).run()
    at.text_input(key=TYPED_KEY).input(DEFAULT_API_KEY).run()
    assert any(option.startswith("Base model") for option in at.multiselect(key=MODELS_KEY).options)
    at.multiselect(key=MODELS_KEY).set_value(_checkpoints(at)).run()
    at.text_area(key="try_prompt").input("What is 2 plus 3?").run()
    assert not [text for text in _texts(at) if text.startswith(BUDGET)]
    _send(at)
    assert not at.exception and not at.error and standin.count("chat") == 3


def test_the_base_model_is_offered_on_the_servers_key_only_when_the_operator_allows_it(
    open_page: Callable[..., AppTest], api_env: StandInServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    api_env.add_run(make_run(JOB, n_steps=300, n_epochs=3))
    at = open_page(JOB)
    assert not any(option.startswith("Base model") for option in at.multiselect(key=MODELS_KEY).options)
    monkeypatch.setenv("DASHBOARD_OFFER_BASE_MODEL", "true")
    at.run()
    assert any(option.startswith("Base model") for option in at.multiselect(key=MODELS_KEY).options)


def test_a_prompt_or_system_message_is_cut_at_the_cap_and_the_page_says_so(
    budget_page: AppTest, api_env: StandInServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DASHBOARD_MAX_PROMPT_CHARS", "40")
    at = budget_page
    at.run()  # a new cap makes a new field, empty
    at.text_area(key="try_prompt").input("What is 2 plus 3?").run()
    assert at.text_area(key="try_prompt").proto.max_chars == 40  # the browser stops at 40 characters
    at.text_input(key="try_system").set_value("s" * 41).run()  # a client past the browser: cut by the server
    assert (
        "The system message is at this server's limit of 40 characters (DASHBOARD_MAX_PROMPT_CHARS): longer "
        "text is cut."
    ) in _texts(at)
    _send(at)
    assert not at.exception
    systems = {
        r.json()["messages"][0]["content"] for r in api_env.requests if r.path.endswith("/completions")
    }
    assert systems == {"s" * 40}


@pytest.mark.usefixtures("no_api_env")
def test_azure_deployments_on_the_servers_credential_come_from_the_operators_list_only(
    monkeypatch: pytest.MonkeyPatch, standin: StandInServer
) -> None:
    job = azure_job_id("budget")
    standin.add_run(make_azure_run(job, n_steps=300, n_epochs=3), provider="azure")
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", standin.azure_endpoint)
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", DEFAULT_API_KEY)
    at = new_app(job=job).run()
    models_key = f"try_models:azure:{job}"
    picked = [option.split(" · ", 1)[1] for option in at.multiselect(key=models_key).options][:2]
    at.multiselect(key=models_key).set_value(picked).run()
    assert any(text.startswith("The server's Azure OpenAI credential calls only") for text in _texts(at))
    assert not [w for w in at.text_input if w.key.startswith("try_deployment")]  # no free-text name
    monkeypatch.setenv("DASHBOARD_AZURE_DEPLOYMENTS", "team-ckpt")
    at.run()
    assert at.selectbox(key=f"try_deployment:{picked[0]}").options == ["team-ckpt"]


@pytest.mark.usefixtures("no_api_env")
def test_azure_deployments_typed_with_the_users_own_key_are_free_text(
    monkeypatch: pytest.MonkeyPatch, standin: StandInServer
) -> None:
    job = azure_job_id("own")
    standin.add_run(make_azure_run(job, n_steps=300, n_epochs=3), provider="azure")
    standin.add_models("my-ckpt", "my-other", provider="azure")
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", standin.azure_endpoint)  # the operator's endpoint, no key
    monkeypatch.setattr("components.api.config.azure_identity_available", lambda: False)
    at = new_app().run()
    at.text_input(key=TYPED_KEYS["azure"]).input(DEFAULT_API_KEY).run()
    at.query_params["run"] = f"azure:{job}"
    at.run()
    models_key = f"try_models:azure:{job}"
    picked = [option.split(" · ", 1)[1] for option in at.multiselect(key=models_key).options][:2]
    at.multiselect(key=models_key).set_value(picked).run()
    at.text_input(key=f"try_deployment:{picked[0]}").input("my-ckpt").run()
    at.text_input(key=f"try_deployment:{picked[1]}").input("my-other").run()
    at.text_area(key="try_prompt").input("What is 5 plus 8?").run()
    _send(at)
    assert not at.exception
    asked = [r.json()["model"] for r in standin.requests if r.path.endswith("/chat/completions")]
    assert sorted(asked) == ["my-ckpt", "my-other"]


def test_recording_more_than_the_budget_is_refused_before_a_set_is_started(
    budget_page: AppTest, api_env: StandInServer, archive: object
) -> None:
    at = budget_page
    tabs = f"rec_tabs:openai-{JOB}"
    at.session_state[tabs] = "Record a new set"
    at.run()
    at.number_input(key="rec_examples").set_value(6).run()
    lines = [text for text in _texts(at) if text.startswith(BUDGET)]
    assert len(lines) == 2 and "This asks 12 requests" in lines[-1]  # the try panel's, then this tab's
    at.button(key="rec_record").click().run(timeout=TIMEOUT)
    assert not at.exception and api_env.count("chat") == 0
    [refusal] = [visible_text(error.value) for error in at.error]
    assert refusal.startswith("Not sent: this asks 12 requests") and "DASHBOARD_BUDGET_BURST" in refusal
    at.session_state[tabs] = "Recorded sets"
    at.run()
    assert "No answers are recorded for this run yet." in _texts(at)


def test_a_wrong_budget_setting_is_named_in_the_sidebar_and_the_defaults_apply(
    budget_page: AppTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DASHBOARD_BUDGET_BURST", "lots")
    at = budget_page
    at.run()
    assert [visible_text(error.value) for error in at.sidebar.error] == [
        "Configuration problem (budgets, the defaults apply): DASHBOARD_BUDGET_BURST must be a number, "
        "got 'lots'."
    ]
    assert _budget_line(at).startswith(f"{BUDGET} 1,000 requests now")


def test_recorded_prompts_from_a_file_longer_than_the_cap_are_refused(
    budget_page: AppTest, api_env: StandInServer, archive: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DASHBOARD_MAX_PROMPT_CHARS", "20")
    at = budget_page
    at.session_state[f"rec_tabs:openai-{JOB}"] = "Record a new set"
    at.run()
    at.checkbox(key="rec_use_validation").uncheck().run()
    lines = b'{"messages": [{"role": "user", "content": "short"}]}\n'
    lines += b'{"messages": [{"role": "user", "content": "' + b"x" * 30 + b'"}]}\n'
    at.file_uploader(key="rec_prompts_file").upload("prompts.jsonl", lines, "application/jsonl").run()
    at.button(key="rec_record").click().run(timeout=TIMEOUT)
    assert not at.exception and api_env.count("chat") == 0
    assert [visible_text(error.value) for error in at.error] == [
        "The message is 30 characters long; this server sends at most 20 (DASHBOARD_MAX_PROMPT_CHARS). "
        "Shorten it and send again."
    ]
