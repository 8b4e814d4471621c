"""Trying checkpoints in the page: nothing is sent before the click, answers come side by side (one failing
while the others answer), and validation scores that this test computes on its own."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from devtools.standin import DEFAULT_API_KEY, Fault, StandInServer, azure_job_id, make_azure_run, make_run
from devtools.standin.chat import answer as standin_answer
from tests.markdown_view import visible_text
from tests.page.page_support import TIMEOUT, new_app
from tests.validation_oracle import expected_answer, token_f1

JOB = "ftjob-try"
MODELS_KEY = "try_models:openai:" + JOB


@pytest.fixture
def try_page(open_page: Callable[..., AppTest], api_env: StandInServer) -> AppTest:
    api_env.add_run(make_run(JOB, n_steps=300, n_epochs=3))
    return open_page(JOB)


def _checkpoints(at: AppTest) -> list[str]:
    """The three checkpoints' model names, oldest first, as the picker offers them."""
    shown = at.multiselect(key=MODELS_KEY).options  # "Checkpoint at step 100 · ft:…:ckpt-step-100"
    return [option.split(" · ", 1)[1] for option in shown if ":ckpt-step-" in option]


def _texts(at: AppTest) -> list[str]:
    return [visible_text(element.value) for element in [*at.markdown, *at.caption, *at.error]]


def test_nothing_is_sent_before_send_is_clicked(try_page: AppTest, api_env: StandInServer) -> None:
    at = try_page
    assert not at.exception
    files = api_env.count("file")  # the result file, read with the run
    picker = at.multiselect(key=MODELS_KEY)
    assert len(picker.value) == 3  # the recommended checkpoint, the final and the base model
    assert at.button(key="try_send").disabled  # no prompt yet
    at.text_area(key="try_prompt").input("What is 2 plus 3?").run()
    at.text_input(key="try_system").input("Be brief.").run()
    at.multiselect(key=MODELS_KEY).set_value(_checkpoints(at)).run()
    at.session_state["try_tabs"] = "On validation examples"
    at.run()
    assert not at.exception
    assert api_env.count("chat") == 0
    assert (
        api_env.count("file") == files + 1
    )  # the validation file, read to price the run; no answer was asked


def test_three_checkpoints_answer_side_by_side_and_one_failure_stays_its_own(
    try_page: AppTest, api_env: StandInServer
) -> None:
    at = try_page
    models = _checkpoints(at)
    failing = models[1]
    api_env.add_chat_faults(failing, [Fault("chat", "status", status=500, times=None)])
    at.multiselect(key=MODELS_KEY).set_value(models).run()
    prompt = "What is 12 plus 30?"
    at.text_area(key="try_prompt").input(prompt).run()
    at.button(key="try_send").click().run(timeout=TIMEOUT)
    assert not at.exception
    shown = _texts(at)
    conversation = [{"role": "user", "content": prompt}]
    for model in (models[0], models[2]):
        assert standin_answer(model, conversation) in shown
    assert sum(text.startswith("No answer (HTTP 500)") for text in shown) == 1
    assert sum(" in / " in text and "tokens" in text for text in shown) == 2
    asked = Counter(
        request.json()["model"] for request in api_env.requests if request.path.endswith("/chat/completions")
    )
    assert asked[models[0]] == asked[models[2]] == 1 and asked[failing] >= 1
    # The answers stay on the page through a rerun, and nothing is asked again.
    sent = api_env.count("chat")
    at.run()
    assert standin_answer(models[0], conversation) in _texts(at) and api_env.count("chat") == sent


def test_ten_validation_examples_on_three_checkpoints_score_as_computed_here(
    try_page: AppTest, api_env: StandInServer
) -> None:
    at = try_page
    models = _checkpoints(at)
    at.multiselect(key=MODELS_KEY).set_value(models).run()
    at.session_state["try_tabs"] = "On validation examples"
    at.run()
    assert any("Sends 30 requests (10 examples × 3 models" in text for text in _texts(at))
    assert api_env.count("chat") == 0
    at.button(key="validation_run").click().run(timeout=TIMEOUT)
    assert not at.exception
    assert api_env.count("chat") == 30
    summary, answers = at.table[-1].value, at.dataframe[-1].value
    assert len(answers) == 10
    for model in models:
        label = f"Checkpoint at step {model.rsplit('-', 1)[-1]}"  # "…:ckpt-step-100"
        row = summary.loc[label]
        exact, f1 = [], []
        for question, expected, shown in zip(
            answers["Question"], answers["Expected"], answers[f"{label}: answer"], strict=True
        ):
            assert expected == expected_answer(question)
            said = standin_answer(model, [{"role": "user", "content": question}])
            assert shown == said
            exact.append(said == expected)
            f1.append(token_f1(said, expected))
        assert row["Answered"] == "10" and row["Errors"] == "0"
        assert row["Exact match"] == f"{sum(exact) / 10:.0%}"
        assert row["Token F1"] == f"{sum(f1) / 10:.2f}"
    assert summary.loc["All models", "Answered"] == "30"
    assert at.get("download_button")  # the CSV


def test_azure_asks_each_model_through_the_deployment_named_for_it(
    monkeypatch: pytest.MonkeyPatch, no_api_env: None, standin: StandInServer
) -> None:
    job = azure_job_id("try")
    standin.add_run(make_azure_run(job, n_steps=300, n_epochs=3), provider="azure")
    standin.add_models("ckpt-200-deployment", "base-deployment", provider="azure")
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", standin.azure_endpoint)
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", DEFAULT_API_KEY)
    # the server's key: only the operator's deployments, and the base model because the operator allows it
    monkeypatch.setenv("DASHBOARD_AZURE_DEPLOYMENTS", "ckpt-200-deployment, base-deployment")
    monkeypatch.setenv("DASHBOARD_OFFER_BASE_MODEL", "true")
    at = new_app(job=job).run()
    models_key = f"try_models:azure:{job}"
    picked = [option.split(" · ", 1)[1] for option in at.multiselect(key=models_key).options]
    at.multiselect(key=models_key).set_value([picked[1], picked[-1]]).run()  # step 200, the base model
    at.text_area(key="try_prompt").input("What is 5 plus 8?").run()
    assert any("give the name of its deployment here" in text for text in _texts(at))
    assert at.button(key="try_send").disabled  # no deployment named yet
    listed = ["ckpt-200-deployment", "base-deployment"]
    assert at.selectbox(key=f"try_deployment:{picked[1]}").options == listed
    at.selectbox(key=f"try_deployment:{picked[1]}").select("ckpt-200-deployment").run()
    at.selectbox(key=f"try_deployment:{picked[-1]}").select("base-deployment").run()
    at.button(key="try_send").click().run(timeout=TIMEOUT)
    assert not at.exception
    asked = [
        request.json()["model"] for request in standin.requests if request.path.endswith("/chat/completions")
    ]
    assert sorted(asked) == ["base-deployment", "ckpt-200-deployment"]
    conversation = [{"role": "user", "content": "What is 5 plus 8?"}]
    shown = _texts(at)
    assert all(standin_answer(name, conversation) in shown for name in asked)


def test_the_demo_answers_from_its_built_in_examples(no_api_env: None) -> None:
    at = new_app().run()
    at.text_area(key="try_prompt").input("I was charged twice for my subscription this month.").run()
    at.button(key="try_send").click().run(timeout=TIMEOUT)
    assert not at.exception
    answers = [text for text in _texts(at) if text.startswith("billing")]
    assert len(answers) == 2  # two fine-tuned models route it; the base model explains itself
    assert sum(" in / " in text and "out tokens" in text for text in _texts(at)) == 3


def _files_page(runs_dir: str) -> None:
    import os

    from components.demo import DEMO_JOB_ID
    from components.sources import open_source
    from components.sources.registry import DEMO_SOURCE, resolve_sources
    from components.ui.try_checkpoints import try_checkpoints

    files = resolve_sources({"DASHBOARD_RUNS_DIR": runs_dir, **os.environ}, {}).get("files")
    try_checkpoints(files, open_source(DEMO_SOURCE).load_run(DEMO_JOB_ID))


def test_runs_from_files_say_they_cannot_be_asked(tmp_path: Path, no_api_env: None) -> None:
    at = AppTest.from_function(_files_page, args=(str(tmp_path),), default_timeout=TIMEOUT).run()
    assert not at.exception
    [info] = [visible_text(element.value) for element in at.info]
    assert info.startswith("Runs opened from files have no endpoint that answers prompts")
    assert not at.button and not at.multiselect


def test_a_job_without_a_validation_file_says_so_in_the_validation_tab(
    open_page: Callable[..., AppTest], api_env: StandInServer
) -> None:
    api_env.add_run(make_run("ftjob-novalidation", with_validation=False))
    at = open_page("ftjob-novalidation")
    at.session_state["try_tabs"] = "On validation examples"
    at.run()
    assert not at.exception
    assert [visible_text(info.value) for info in at.info] == [
        "This job was trained without a validation file, so there are no validation examples to try."
    ]
    assert not any(button.key == "validation_run" for button in at.button)


def test_the_demo_runs_its_validation_examples_offline(no_api_env: None) -> None:
    at = new_app().run()
    at.session_state["try_tabs"] = "On validation examples"
    at.run()
    at.button(key="validation_run").click().run(timeout=TIMEOUT)
    assert not at.exception
    scores = at.table[-1].value
    # the recommended checkpoint, the final model and the base model, preselected
    assert list(scores.index) == [
        "Checkpoint at step 240",
        "Final model",
        "Base model (before fine-tuning)",
        "All models",
    ]
    assert scores.loc["All models", "Answered"] == "30" and scores.loc["All models", "Errors"] == "0"


def test_a_model_past_its_retirement_day_is_said_to_have_stopped_answering(
    open_page: Callable[..., AppTest], api_env: StandInServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After 2027-01-14 the stand-in answers 404 model_not_found for fine-tunes of gpt-4o-mini, as OpenAI
    will: the try panel says the model stopped answering (and where its answers are kept), then the API's
    words, instead of a bare failed request."""
    after = date(2027, 1, 20)
    monkeypatch.setenv("DASHBOARD_TODAY", after.isoformat())
    api_env.set_today(after)
    api_env.retire_models("gpt-4o-mini", date(2027, 1, 14))
    api_env.add_run(make_run(JOB, n_steps=300, n_epochs=3))
    at = open_page(JOB)

    at.multiselect(key=MODELS_KEY).set_value(_checkpoints(at)[:2]).run()
    at.text_area(key="try_prompt").input("What is 12 plus 30?").run()
    at.button(key="try_send").click().run(timeout=TIMEOUT)
    assert not at.exception
    errors = [visible_text(element.value) for element in at.error]
    assert len(errors) == 2  # both checkpoints are fine-tunes of gpt-4o-mini
    for error in errors:
        assert error.startswith("This model stopped answering on 2027-01-14†")
        assert "Recorded answers" in error and "No answer (HTTP 404)" in error
