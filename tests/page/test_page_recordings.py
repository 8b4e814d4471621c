"""Recorded answers in the page: nothing is sent before Record; the recommended checkpoint and the final model
start picked; 50 examples × 3 models are recorded, then every model refuses and the run reopened from the
archive still shows and scores them with no request; a set with failures asks only what is missing; a
replacement through the OpenAI-compatible endpoint is scored beside the recorded models."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from components.store import forget_stores
from components.ui.first_paint import DRAWN_KEY
from devtools.standin import DEFAULT_API_KEY, Fault, StandInServer, make_run
from devtools.standin.chat import answer as standin_answer
from tests.markdown_view import visible_text
from tests.page.page_support import TIMEOUT, new_app
from tests.validation_oracle import expected_answer, token_f1

JOB = "ftjob-recpage"
KEY = f"openai-{JOB}"
TABS = f"rec_tabs:{KEY}"
MODELS = f"rec_models:{KEY}"


@pytest.fixture
def page(api_env: StandInServer, archive: Path) -> AppTest:
    api_env.add_run(make_run(JOB, n_steps=300, n_epochs=3))
    return new_app(job=JOB).run()


def _texts(at: AppTest) -> list[str]:
    return [visible_text(e.value) for e in [*at.markdown, *at.caption, *at.error, *at.warning, *at.success]]


def _record(at: AppTest, examples: int, models: list[str] | None = None) -> AppTest:
    at.session_state[TABS] = "Record a new set"
    at.run()
    if models is not None:
        at.multiselect(key=MODELS).set_value(models).run()
    at.number_input(key="rec_examples").set_value(examples).run()
    return at.button(key="rec_record").click().run(timeout=TIMEOUT)


def _chat_models(standin: StandInServer) -> Counter:
    return Counter(r.json()["model"] for r in standin.requests if r.path.endswith("/chat/completions"))


def test_nothing_is_sent_before_record_and_the_answers_are_scored_as_computed_here(
    page: AppTest, api_env: StandInServer
) -> None:
    at = page
    assert not at.exception
    assert api_env.count("chat") == 0 and api_env.count("file") == 1  # the result file only
    at.session_state[TABS] = "Record a new set"
    at.run()
    picker = at.multiselect(key=MODELS)
    picked, options = list(picker.value), list(picker.options)
    labels = [o.split(" · ")[0] for o in options if o.split(" · ", 1)[1] in picked]
    assert len(labels) == 2 and labels[0].startswith("Checkpoint at step") and labels[1] == "Final model"
    assert api_env.count("chat") == 0 and api_env.count("file") == 2  # the validation file, to price it
    assert any(t.startswith("Sends 100 requests (50 prompts × 2 models, 4 at a time") for t in _texts(at))
    at.number_input(key="rec_examples").set_value(6).run()
    at.button(key="rec_record").click().run(timeout=TIMEOUT)
    assert not at.exception
    assert api_env.count("chat") == 12
    assert "12 answers stored in the archive." in _texts(at)
    at.session_state[TABS] = "Recorded sets"
    at.run()
    summary, answers = at.table[-1].value, at.dataframe[-1].value
    assert len(answers) == 6
    for model in picked:
        label = next(o for o in options if o.endswith(model)).split(" · ")[0]
        said = [standin_answer(model, [{"role": "user", "content": q}]) for q in answers["Question"]]
        assert list(answers[f"{label}: answer"]) == said
        f1 = [token_f1(s, expected_answer(q)) for s, q in zip(said, answers["Question"], strict=True)]
        assert summary.loc[label, "Token F1"] == f"{sum(f1) / 6:.2f}"
    assert {b.label for b in at.get("download_button")} >= {"Chat JSONL", "Answers CSV"}


def test_fifty_by_three_reopened_from_the_archive_with_every_model_refusing_makes_no_request(
    page: AppTest, api_env: StandInServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = page
    monkeypatch.setenv("DASHBOARD_OFFER_BASE_MODEL", "true")  # the operator offers the base model
    at.session_state[TABS] = "Record a new set"
    at.run()
    options = at.multiselect(key=MODELS).options
    base = next(o.split(" · ", 1)[1] for o in options if o.startswith("Base model"))
    _record(at, 50, [*at.multiselect(key=MODELS).value, base])
    assert not at.exception and api_env.count("chat") == 150
    asked = list(_chat_models(api_env))
    for model in asked:
        api_env.add_chat_faults(model, [Fault("chat", "status", status=404, times=None)])
    api_env.reset_log()

    reopened = AppTest.from_file(str(Path(__file__).resolve().parents[2] / "app.py"), default_timeout=TIMEOUT)
    reopened.secrets["UNUSED"] = "x"
    reopened.session_state[DRAWN_KEY] = True  # a browser that has drawn a chart: the whole page in one run
    reopened.query_params["run"] = f"archive:{KEY}"
    reopened.run()
    assert not reopened.exception
    texts = _texts(reopened)
    assert any(t.startswith("Opened from the archive, the models are not asked") for t in texts)
    assert any(
        t.startswith("50 prompts × 3 models, 150 of 150 answered. Asked at temperature 0") for t in texts
    )
    summary = reopened.table[-1].value
    assert summary.loc["All models", "Answered"] == "150" and summary.loc["All models", "Errors"] == "0"
    assert len(reopened.dataframe[-1].value) == 50
    assert {b.label for b in reopened.get("download_button")} >= {"Chat JSONL", "Answers CSV"}
    assert api_env.requests == []


def test_failed_answers_are_kept_and_asking_again_sends_only_them(
    page: AppTest, api_env: StandInServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_MAX_RETRIES", "0")
    at = new_app(job=JOB).run()
    at.session_state[TABS] = "Record a new set"
    at.run()
    final = at.multiselect(key=MODELS).value[-1]
    api_env.add_chat_faults(final, [Fault("chat", "status", status=500, times=4)])
    _record(at, 4)
    assert not at.exception
    assert any(t.startswith("4 answers stored, 4 failed") for t in _texts(at))
    at.session_state[TABS] = "Recorded sets"
    at.run()
    assert any(t.startswith("4 answers of 8 still missing (4 failed)") for t in _texts(at))
    api_env.reset_log()
    at.button(key="rec_resume").click().run(timeout=TIMEOUT)
    assert not at.exception
    assert _chat_models(api_env) == Counter({final: 4})
    assert at.table[-1].value.loc["All models", "Answered"] == "8"
    assert "4 answers stored in the archive." in _texts(at)
    at.run()
    assert not any(button.key == "rec_resume" for button in at.button) and api_env.count("chat") == 4


def test_a_replacement_through_the_compatible_endpoint_is_scored_beside_the_recorded_models(
    page: AppTest, api_env: StandInServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DASHBOARD_COMPAT_BASE_URL", api_env.base_url)
    monkeypatch.setenv("DASHBOARD_COMPAT_API_KEY", DEFAULT_API_KEY)
    monkeypatch.setenv("OPENAI_MAX_RETRIES", "0")
    api_env.add_models("local-llama")
    api_env.add_chat_faults("local-llama", [Fault("chat", "status", status=503, times=2)])
    at = new_app(job=JOB).run()
    assert any(
        t.startswith("Replacement models answer through the OpenAI-compatible endpoint") for t in _texts(at)
    )
    _record(at, 5)
    at.session_state[TABS] = "Recorded sets"
    at.run()
    at.selectbox(key="rec_replacement_source").select("compatible").run()
    at.text_input(key="rec_replacement_model").input("local-llama").run()
    assert any(t.startswith("Sends 5 requests (5 prompts × 1 model") for t in _texts(at))
    api_env.reset_log()
    at.button(key="rec_replacement").click().run(timeout=TIMEOUT)
    assert not at.exception
    assert _chat_models(api_env) == Counter({"local-llama": 5})
    assert any(t.startswith("3 answers stored, 2 failed") for t in _texts(at))
    assert at.table[-1].value.loc["Replacement: local-llama", "Errors"] == "2"
    at.run()
    api_env.reset_log()
    at.button(key="rec_resume").click().run(timeout=TIMEOUT)  # through the endpoint that answered them
    assert _chat_models(api_env) == Counter({"local-llama": 2})
    summary = at.table[-1].value
    assert summary.loc["Replacement: local-llama", "Answered"] == "5"
    conversation = [{"role": "user", "content": at.dataframe[-1].value["Question"][0]}]
    assert at.dataframe[-1].value["Replacement: local-llama: answer"][0] == standin_answer(
        "local-llama", conversation
    )


def test_without_an_archive_the_panel_says_where_answers_would_be_kept(
    api_env: StandInServer,
) -> None:
    forget_stores()
    api_env.add_run(make_run(JOB, n_steps=300, n_epochs=3))
    at = new_app(job=JOB).run()
    assert not at.exception
    assert any(
        t.startswith("Recorded answers are kept in the archive, and there is none") for t in _texts(at)
    )
