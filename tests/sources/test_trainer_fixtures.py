"""The readers on authentic files (tests/fixtures/trainers, written by real transformers/trl trainings):
every logged metric kept under its name, checkpoints carrying them, what the file states winning over what
is derived, and a result file or a foreign CSV read as what it is."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from components.api import Limits
from components.data.checkpoints import checkpoints_frame, with_step_metrics
from components.domain import RunRef, RunStatus
from components.sources import FilesSource, Upload, UploadSource
from components.sources.file_kinds import FileKind, sniff
from components.sources.files import SCANS
from components.sources.run_files import Origin, run_from_bytes

TRAINERS = Path(__file__).parents[1] / "fixtures" / "trainers"
ORIGIN = Origin(RunRef("upload", "trainer_state-0123456789"), "Uploaded files", "trainer_state.json")


def _state(name: str) -> dict:
    return json.loads((TRAINERS / name / "trainer_state.json").read_bytes())


def _logged_keys(state: dict) -> set[str]:
    """Every numeric key of the log's step entries (not the final summary, whose values are no step's)."""
    return {
        key
        for entry in state["log_history"]
        if "train_runtime" not in entry
        for key, value in entry.items()
        if isinstance(value, int | float) and key != "step"
    }


_MAPPED = {"loss", "mean_token_accuracy", "eval_loss", "eval_mean_token_accuracy"}
_THROUGHPUT = {"eval_runtime", "eval_samples_per_second", "eval_steps_per_second"}


@pytest.mark.parametrize("name", sorted(path.name for path in TRAINERS.iterdir() if path.is_dir()))
def test_every_metric_a_trainer_logs_is_a_column_under_its_name(name: str) -> None:
    run = run_from_bytes((TRAINERS / name / "trainer_state.json").read_bytes(), ORIGIN)
    expected = _logged_keys(_state(name)) - _MAPPED - _THROUGHPUT
    assert expected <= set(run.history.columns), expected - set(run.history.columns)
    assert not any(note.kind.name == "LEFT_OUT" for note in run.notes)


def test_the_metrics_the_issue_names_are_kept_and_reach_the_checkpoints() -> None:
    grpo = run_from_bytes((TRAINERS / "grpo" / "trainer_state.json").read_bytes(), ORIGIN)
    assert {"reward", "rewards/reward_keyword/mean", "eval_rewards/reward_keyword/mean"} <= set(grpo.history)
    dpo = run_from_bytes((TRAINERS / "dpo" / "trainer_state.json").read_bytes(), ORIGIN)
    assert {"rewards/margins", "eval_rewards/margins"} <= set(dpo.history)
    sft = run_from_bytes((TRAINERS / "sft_two_eval_sets" / "trainer_state.json").read_bytes(), ORIGIN)
    assert sft.checkpoints.loc[0, "eval_chat_loss"] == pytest.approx(1.7629708051681519)  # its step 40

    folder = FilesSource(TRAINERS, Limits())
    run_id = next(run.run_id for run in folder.list_runs().runs if run.name == "classifier_f1")
    classifier = folder.load_run(run_id)
    at_80 = classifier.checkpoints.set_index("step").loc[80]
    assert at_80["eval_f1"] == pytest.approx(0.8928571428571429)  # best_metric, at best_global_step 80
    assert at_80["metrics_step"] == 80 and at_80["step_only"] == 0


def test_the_epoch_is_the_one_each_entry_logs() -> None:
    run = run_from_bytes((TRAINERS / "classifier_f1" / "trainer_state.json").read_bytes(), ORIGIN)
    logged = {entry["step"]: entry["epoch"] for entry in _state("classifier_f1")["log_history"]}
    history = run.history.set_index("step")["epoch"]
    assert all(history[step] == epoch for step, epoch in logged.items())


def _per_step(steps: list[int]) -> pd.DataFrame:
    return pd.DataFrame({"step": steps, "eval_f1": np.linspace(0.1, 0.9, len(steps))})


def _checkpoints(*steps: int) -> pd.DataFrame:
    return checkpoints_frame([{"id": f"checkpoint-{step}", "step_number": step} for step in steps])


def test_a_checkpoint_between_logged_steps_takes_the_last_one_within_an_interval() -> None:
    logged = _per_step(list(range(10, 340, 10)))
    filled = with_step_metrics(_checkpoints(320, 336, 350), logged).set_index("step")
    assert filled.loc[320, "eval_f1"] == logged["eval_f1"].iloc[31] and filled.loc[320, "metrics_step"] == 320
    assert filled.loc[336, "eval_f1"] == logged["eval_f1"].iloc[-1] and filled.loc[336, "metrics_step"] == 330
    assert np.isnan(filled.loc[350, "eval_f1"]) and np.isnan(filled.loc[350, "metrics_step"])  # 2 intervals

    long = _per_step(list(range(1_000, 216_000, 1_000)))
    final = with_step_metrics(_checkpoints(215_337), long).iloc[0]
    assert final["eval_f1"] == long["eval_f1"].iloc[-1] and final["metrics_step"] == 215_000


def test_a_checkpoint_with_metrics_from_an_earlier_step_adds_no_point_to_the_curve() -> None:
    state = _state("speech_like_wer")
    state["log_history"] = [entry for entry in state["log_history"] if entry["step"] != 80]
    run = run_from_bytes(json.dumps(state).encode(), ORIGIN)  # checkpoint-80: logged up to 70
    row = run.checkpoints.set_index("step").loc[80]
    assert row["metrics_step"] == 70 and row["eval_wer"] == pytest.approx(20.833333333333332)
    assert np.isnan(run.history.set_index("step").loc[80, "full_valid_loss"])


def test_the_state_that_went_furthest_is_read_not_the_newest_file(tmp_path: Path) -> None:
    folder = tmp_path / "classifier_f1"
    shutil.copytree(TRAINERS / "classifier_f1", folder)
    os.utime(folder / "checkpoint-20" / "trainer_state.json", (2_000_000_000, 2_000_000_000))
    source = FilesSource(tmp_path, Limits())
    run = source.load_run(source.list_runs().runs[0].run_id)
    assert run.history["step"].max() == 100 and run.summary.status is RunStatus.SUCCEEDED
    assert run.summary.provider_status is None and run.summary.total_steps == 100

    (folder / "trainer_state.json").unlink()  # the last checkpoint's state, not checkpoint-20's
    SCANS.clear()  # the folder changed within the seconds a scan is kept
    run = source.load_run(source.list_runs().runs[0].run_id)
    assert run.history["step"].max() == 100


def test_a_run_the_file_says_stopped_early_is_finished_and_said_so() -> None:
    state = _state("classifier_f1")
    state["log_history"] = [entry for entry in state["log_history"] if entry["step"] <= 50]
    state["log_history"].append({"epoch": 2.5, "step": 50, "train_runtime": 3.0, "train_loss": 0.6})
    state["global_step"] = 50
    run = run_from_bytes(json.dumps(state).encode(), ORIGIN)
    assert run.summary.status is RunStatus.SUCCEEDED and run.summary.total_steps == 100
    assert run.summary.provider_status == "stopped early at step 50 of 100"
    assert any("stopped early at step 50 of 100" in note.text for note in run.notes)


def test_a_result_file_without_full_validation_offers_its_validated_steps() -> None:
    rows = "".join(
        f"{step},{2 - step / 100},{0.5 + step / 1000},{'' if step % 10 else 1.9 - step / 100},"
        f"{'' if step % 10 else 0.55}\n"
        for step in range(1, 121)
    )
    data = ("step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy\n" + rows).encode()
    run = run_from_bytes(data, ORIGIN)
    assert run.checkpoints["step"].tolist() == list(range(10, 121, 10))
    assert (run.checkpoints["step_only"] == 1).all() and (run.checkpoints["model"] == "").all()
    assert run.checkpoints["valid_loss"].notna().all() and run.checkpoints["metrics_step"].tolist() == list(
        range(10, 121, 10)
    )


def test_a_legacy_gpt3_result_file_keeps_its_accuracies() -> None:
    data = (
        b"step,elapsed_tokens,elapsed_examples,training_loss,training_sequence_accuracy,training_token_accuracy\n"
        b"1,2048,8,1.5,0.0,0.61\n2,4096,16,1.2,0.125,0.66\n"
    )
    assert sniff(data) is FileKind.RESULT_CSV
    run = run_from_bytes(data, ORIGIN)
    assert run.history["train_mean_token_accuracy"].tolist() == [0.61, 0.66]
    assert run.history["training_sequence_accuracy"].tolist() == [0.0, 0.125]
    assert run.history["elapsed_tokens"].tolist() == [2048, 4096]


@pytest.mark.parametrize(
    ("header", "named"),
    [
        ("epoch,step,train_loss,val_loss", "full_valid_loss"),
        ("epoch,step,train_loss_step,val_acc", "val_acc"),
    ],
)
def test_a_lightning_metrics_csv_upload_is_read_as_one(header: str, named: str) -> None:
    data = f"{header}\n0,9,0.5,0.6\n".encode()
    assert sniff(data) is FileKind.LIGHTNING_METRICS
    source = UploadSource([Upload("metrics.csv", data)], Limits())
    run = source.load_run(source.list_runs().runs[0].run_id)
    assert run.history["step"].tolist() == [9] and run.history["train_loss"].tolist() == [0.5]
    assert run.history[named].tolist() == [0.6] and run.summary.method == FileKind.LIGHTNING_METRICS.label


@pytest.mark.parametrize(
    ("fixture", "decider", "direction"),
    [
        ("classifier_f1", "eval_f1", "higher"),
        ("sft_two_eval_sets", "eval_chat_loss", "lower"),
        ("orpo", "full_valid_loss", "lower"),  # metric_for_best_model "loss": the Trainer's eval_loss
        ("dpo", "eval_rewards/margins", "higher"),
    ],
)
def test_a_runs_folder_of_event_files_alone_declares_the_metric_of_its_training_arguments(
    tmp_path: Path, fixture: str, decider: str, direction: str
) -> None:
    """Each fixture's TrainingArguments (``args/text_summary``) name its metric_for_best_model: a runs folder
    holding only the Trainer's event files (no trainer state) declares it, read live from the folder."""
    shutil.copytree(TRAINERS / fixture / "runs", tmp_path / "runs")
    SCANS.clear()
    source = FilesSource(tmp_path, Limits())
    [found] = source.scan().runs
    best = source.load_run(found.run_id).provider_best
    assert best is not None and (best.decider, best.direction) == (decider, direction)
    assert best.step is None and best.checkpoint_id is None  # it marks no checkpoint of its own


def test_event_files_without_a_declared_metric_declare_none(tmp_path: Path) -> None:
    """GRPO's and KTO's arguments name no metric_for_best_model: nothing is declared, and nothing said."""
    shutil.copytree(TRAINERS / "grpo" / "runs", tmp_path / "runs")
    SCANS.clear()
    source = FilesSource(tmp_path, Limits())
    [found] = source.scan().runs
    run = source.load_run(found.run_id)
    assert run.provider_best is None and not any("TrainingArguments" in note.text for note in run.notes)
