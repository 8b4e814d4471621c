"""The page chooses by what each run was trained for (issue 15): each authentic trainer fixture's top
trainer_state.json uploaded through the page's uploader is recommended by the metric its trainer
declared (or, without one, by the documented order), and the strip says so; the reader's pick in "Best
checkpoint by" is followed, and a metric of unknown direction is offered with "lower/higher is better"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from tensorboard.compat.proto import event_pb2, summary_pb2, tensor_pb2, tensor_shape_pb2, types_pb2
from tensorboard.summary.writer.event_file_writer import EventFileWriter

from components.api import Limits
from components.sources import FilesSource
from components.ui.recommendation import STEP_ONLY, STRIP_KEY
from components.ui.uploads import UPLOADER_KEY
from components.ui.view_options import BETTER_KEY, METRIC_KEY
from tests.markdown_view import markup_types, visible_text
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


def _event_file(folder: Path, args: bytes, extra: str | None = None) -> bytes:
    """An event file as the Trainer's TensorBoardCallback writes one: the TrainingArguments as the text
    summary ``args/text_summary`` first, then training and evaluation scalars (eval_rewards/margins rising,
    eval_loss rising after step 2)."""
    writer = EventFileWriter(str(folder))
    text = summary_pb2.SummaryMetadata(plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="text"))
    tensor = tensor_pb2.TensorProto(
        dtype=types_pb2.DT_STRING,
        string_val=[args],
        tensor_shape=tensor_shape_pb2.TensorShapeProto(dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=1)]),
    )
    summary = summary_pb2.Summary(
        value=[summary_pb2.Summary.Value(tag="args/text_summary", metadata=text, tensor=tensor)]
    )
    writer.add_event(event_pb2.Event(wall_time=1.8e9, step=0, summary=summary))
    for step in range(1, 5):
        values = {"train/loss": 1 / step, "eval/loss": abs(step - 2) + 0.5, "eval/rewards/margins": step / 10}
        if extra is not None:
            values[f"eval/{extra}"] = abs(step - 3) + 1.0
        summary = summary_pb2.Summary(
            value=[summary_pb2.Summary.Value(tag=tag, simple_value=value) for tag, value in values.items()]
        )
        writer.add_event(event_pb2.Event(wall_time=1.8e9 + step, step=step, summary=summary))
    writer.close()
    [path] = folder.iterdir()
    return path.read_bytes()


@pytest.mark.usefixtures("no_api_env")
def test_a_tensorboard_only_trainer_run_is_chosen_by_the_metric_its_training_arguments_declare() -> None:
    """The ORPO fixture's TrainingArguments say metric_for_best_model "loss", greater_is_better false: its
    event file alone is chosen by the evaluation loss, where the documented order would take the reward
    margin."""
    [events] = (TRAINERS / "orpo" / "runs").glob("*/events.out.tfevents.*")
    at = _upload(events.name, events.read_bytes(), "application/octet-stream")
    [metric] = at.get_by_key(STRIP_KEY).metric
    assert metric.label.startswith("Evaluation loss")
    assert at.selectbox(key=METRIC_KEY).value == "full_valid_loss"
    assert "metric_for_best_model" in _strip_text(at) and "lower is better" in _strip_text(at)


@pytest.mark.usefixtures("no_api_env")
@pytest.mark.parametrize(
    ("args", "note"),
    [
        (b'{"metric_for_best_model": "loss", "greater_is_', "not valid JSON"),
        (b'["loss"]', "not a JSON object"),
        (b'{"metric_for_best_model": "loss", "pad": "' + b"x" * 70_000 + b'"}', "larger than"),
    ],
    ids=["cut", "not-an-object", "too-large"],
)
def test_training_arguments_that_cannot_be_read_are_ignored_with_a_note(
    tmp_path: Path, args: bytes, note: str
) -> None:
    at = _upload("events.out.tfevents.1.vm", _event_file(tmp_path, args), "application/octet-stream")
    [metric] = at.get_by_key(STRIP_KEY).metric
    assert metric.label.startswith("Evaluation reward margin")  # the documented order, not "loss"
    notes = " ".join(element.value for element in at.main.warning)
    assert "TrainingArguments" in notes and note in notes


@pytest.mark.usefixtures("no_api_env")
def test_a_declared_metric_name_is_never_markup(tmp_path: Path) -> None:
    """A name from the file (logged, and declared) reaches the page as text only."""
    name = "x/_em_/y"  # "_em_" would be emphasis if the reason were Markdown
    args = json.dumps({"metric_for_best_model": name, "greater_is_better": False}).encode()
    at = _upload(
        "events.out.tfevents.1.vm", _event_file(tmp_path, args, extra=name), "application/octet-stream"
    )
    assert not at.exception
    assert (
        "metric_for_best_model" in _strip_text(at) and "step 3" in at.get_by_key(STRIP_KEY).caption[0].value
    )
    shown = [element.value for element in [*at.main.markdown, *at.main.caption, *at.main.warning]]
    assert any("eval_x/_em_/y" in visible_text(value) for value in shown)  # the name, as it is written
    assert all("em_open" not in markup_types(value) for value in shown)
