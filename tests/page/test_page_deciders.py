"""The page chooses by what each run was trained for (issue 15): each authentic trainer fixture's top
trainer_state.json uploaded through the page's uploader is recommended by the metric its trainer
declared (or, without one, by the documented order), and the strip says so; the reader's pick in "Best
checkpoint by" is followed, and a metric of unknown direction is offered with "lower/higher is better"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from components.api import Limits
from components.sources import FilesSource
from components.ui.recommendation import STEP_ONLY, STRIP_KEY
from components.ui.uploads import UPLOADER_KEY
from components.ui.view_options import BETTER_KEY, METRIC_KEY
from tests.markdown_view import visible_text
from tests.page.page_support import new_app

TRAINERS = Path(__file__).resolve().parents[1] / "fixtures" / "trainers"


def _upload(name: str, data: bytes, kind: str = "application/json") -> AppTest:
    at = new_app().run()
    at.file_uploader(key=UPLOADER_KEY).upload(name, data, kind).run()
    assert not at.exception
    return at


def _strip_text(at: AppTest) -> str:
    strip = at.get_by_key(STRIP_KEY)
    parts = [*strip.caption, *strip.markdown, *strip.metric, *strip.code]
    return " ".join(visible_text(str(getattr(part, "value", getattr(part, "label", "")))) for part in parts)


@pytest.mark.usefixtures("no_api_env")
@pytest.mark.parametrize(
    ("fixture", "label", "step"),
    [
        ("classifier_f1", "Evaluation F1", 80),
        ("speech_like_wer", "Evaluation WER", 70),
        ("seq2seq_rouge", "Evaluation ROUGE-L", 70),
        ("sft_two_eval_sets", "Evaluation loss (chat set)", 40),
        ("dpo", "Evaluation reward margin", 30),
        ("orpo", "Evaluation loss", 30),  # the Trainer's eval_loss, in the trainer's words
    ],
)
def test_each_uploaded_trainer_state_is_recommended_by_its_declared_metric(
    fixture: str, label: str, step: int
) -> None:
    at = _upload("trainer_state.json", (TRAINERS / fixture / "trainer_state.json").read_bytes())
    strip = at.get_by_key(STRIP_KEY)
    assert f"step {step:,}" in strip.caption[0].value
    [metric] = strip.metric
    assert metric.label.startswith(label)
    assert "best_metric" in _strip_text(at)
    assert at.selectbox(key=METRIC_KEY).value in {"eval_f1", "eval_wer", "eval_rougeL", "eval_chat_loss"} | {
        "eval_rewards/margins",
        "full_valid_loss",
    }


@pytest.mark.usefixtures("no_api_env")
def test_an_uploaded_grpo_run_is_chosen_by_its_reward_and_the_strip_says_why_not_its_loss() -> None:
    at = _upload("trainer_state.json", (TRAINERS / "grpo" / "trainer_state.json").read_bytes())
    [metric] = at.get_by_key(STRIP_KEY).metric
    assert "reward" in metric.label.lower()
    assert "loss is near zero by construction" in _strip_text(at)


@pytest.mark.usefixtures("no_api_env")
def test_the_reader_picks_eval_accuracy_and_the_strip_follows() -> None:
    at = _upload("trainer_state.json", (TRAINERS / "classifier_f1" / "trainer_state.json").read_bytes())
    at.selectbox(key=METRIC_KEY).set_value("eval_accuracy").run()
    select = at.selectbox(key=METRIC_KEY)
    assert not at.exception and select.value == "eval_accuracy" and select.proto.query_param_key == METRIC_KEY
    [metric] = at.get_by_key(STRIP_KEY).metric
    assert metric.label == "Evaluation accuracy" and "you chose it" in _strip_text(at)


@pytest.mark.usefixtures("no_api_env")
def test_a_result_csv_with_no_full_validation_names_its_best_validated_step() -> None:
    rows = "".join(
        f"{step},{2 - step / 100},{0.5 + step / 1000},{'' if step % 10 else 1.9 - abs(step - 60) / 100},"
        f"{'' if step % 10 else 0.55}\n"
        for step in range(1, 121)
    )
    data = ("step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy\n" + rows).encode()
    at = _upload("step_metrics.csv", data, "text/csv")
    strip = at.get_by_key(STRIP_KEY)
    assert strip.caption[0].value.startswith("**★ Best validated step")
    assert not strip.code  # no model name is invented, and no snippet
    assert STEP_ONLY in _strip_text(at) and "No checkpoint was saved at that step" in _strip_text(at)


@pytest.mark.usefixtures("no_api_env")
def test_a_metric_of_unknown_direction_is_offered_with_a_direction_choice() -> None:
    state = json.loads((TRAINERS / "classifier_f1" / "trainer_state.json").read_bytes())
    for entry in state["log_history"]:
        if "eval_f1" in entry:
            entry["eval_mystery"] = 1.0 - entry["step"] / 1000
    at = _upload("trainer_state.json", json.dumps(state).encode())
    assert "Evaluation mystery" in at.selectbox(key=METRIC_KEY).options
    at.selectbox(key=METRIC_KEY).set_value("eval_mystery").run()
    assert not at.exception
    better = at.radio(key=BETTER_KEY)
    assert better.value is None and "Which way is Evaluation mystery better?" in " ".join(
        info.value for info in at.info
    )
    better.set_value("lower").run()
    assert at.radio(key=BETTER_KEY).proto.query_param_key == BETTER_KEY
    assert "step 100" in at.get_by_key(STRIP_KEY).caption[0].value


@pytest.mark.usefixtures("no_api_env")
def test_a_runs_folder_run_opens_chosen_by_its_declared_metric(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DASHBOARD_RUNS_DIR", str(TRAINERS))
    folder = FilesSource(TRAINERS, Limits())
    run_id = next(run.run_id for run in folder.list_runs().runs if run.name == "speech_like_wer")
    at = new_app()
    at.query_params["run"] = f"files:{run_id}"
    at.run()
    assert not at.exception and at.selectbox(key=METRIC_KEY).value == "eval_wer"
    assert "step 70" in at.get_by_key(STRIP_KEY).caption[0].value
