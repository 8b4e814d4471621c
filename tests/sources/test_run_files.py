"""Run files to RunData, with no key and no network: a TRL trainer_state.json (train and eval entries merged
by step), OpenAI and Azure result CSVs (plain or base64), and this tool's export; every failure our error."""

from __future__ import annotations

import base64
import json
import math
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from components.data.trainer_state import parse_trainer_state
from components.domain import HistorySource, ProviderBest, RunRef, RunStatus
from components.errors import DashboardError
from components.export.json_file import to_export
from components.sources.file_kinds import FileKind, sniff
from components.sources.run_files import (
    EPOCH_ENDS_AS_CHECKPOINTS,
    NO_TRAINER_ACCURACY,
    VALIDATED_STEPS,
    Origin,
    run_from_bytes,
)
from devtools.standin import azure_job_id, make_azure_run, make_run
from devtools.trainer_runs import trainer_state

FIXTURE = Path(__file__).parents[1] / "fixtures" / "trl_trainer_state.json"
ORIGIN = Origin(RunRef("upload", "trainer_state-0123456789"), "Uploaded files", "trainer_state.json")


def test_trl_log_history_is_merged_by_step_and_the_summary_entry_is_not_a_step() -> None:
    state = parse_trainer_state(json.loads(FIXTURE.read_bytes()))
    history = state.history.set_index("step")
    assert history.index.tolist() == [1, 2, 3, 4]
    assert history["train_loss"].tolist() == [2.0625, 1.5, 1.125, 0.875]  # not the summary's mean 1.390625
    assert history["train_mean_token_accuracy"].tolist() == [0.5537, 0.6512, 0.7401, 0.8002]
    # The Trainer evaluates on the whole eval set: full validation, never batch validation.
    assert history["full_valid_loss"].tolist()[1::2] == [1.3125, 1.375]
    assert history["full_valid_mean_token_accuracy"].tolist()[1::2] == [0.6875, 0.6822]
    assert history["valid_loss"].isna().all() and history["valid_mean_token_accuracy"].isna().all()
    assert history["learning_rate"].tolist() == [2e-05, 1.5e-05, 1e-05, 5e-06]  # an extra
    assert math.isnan(history.loc[4, "grad_norm"])  # NaN as the trainer wrote it
    for ignored in (
        "eval_runtime",
        "train_runtime",
        "train_loss_summary",
        "total_flos",
        "eval_samples_per_second",
    ):
        assert ignored not in history.columns
    assert (state.global_step, state.max_steps, state.num_train_epochs, state.train_batch_size) == (
        4,
        4,
        2,
        8,
    )
    assert (state.best_step, state.best_metric, state.best_model_checkpoint) == (
        2,
        1.3125,
        "outputs/qwen-sft/checkpoint-2",
    )
    assert state.finished and state.tokens_seen is None  # 0 means "not counted"


def test_an_uploaded_trainer_state_is_a_run_with_the_trainers_best_beside_ours() -> None:
    run = run_from_bytes(FIXTURE.read_bytes(), ORIGIN)
    assert run.summary.ref == ORIGIN.ref and run.summary.status is RunStatus.SUCCEEDED
    assert run.history_source is HistorySource.TRAINER_STATE and run.history["step"].tolist() == [1, 2, 3, 4]
    # The file alone names its own step and the best one as checkpoints, with the numbers logged there.
    assert run.checkpoints["checkpoint_id"].tolist() == ["checkpoint-2", "checkpoint-4"]
    assert run.checkpoints["full_valid_loss"].tolist() == [1.3125, 1.375]
    assert run.checkpoints["train_loss"].tolist() == [1.5, 0.875]
    # The metric the trainer chose by is recorded with it (issue 15): eval_loss, read as full_valid_loss.
    best = run.provider_best
    assert best is not None and best.reason and "lower is better" in best.reason
    assert replace(best, reason=None) == ProviderBest(
        label="The trainer's best_model_checkpoint",
        checkpoint_id="checkpoint-2",
        step=2,
        value=1.3125,
        metric="eval_loss",
        decider="full_valid_loss",
        direction="lower",
    )
    assert run.unavailable == {} and run.total_steps == 4
    assert "DASHBOARD_RUNS_DIR shows every checkpoint-N" in run.notes[0].text


def test_a_plain_trainer_without_trl_says_it_logs_no_accuracy() -> None:
    run = run_from_bytes(json.dumps(trainer_state(trl=False)).encode(), ORIGIN, checkpoint_steps=[50, 100])
    assert run.unavailable == {"accuracy": NO_TRAINER_ACCURACY}
    assert run.checkpoints["checkpoint_id"].tolist() == ["checkpoint-50", "checkpoint-100"]


def test_an_unfinished_trainer_state_says_where_it_stopped() -> None:
    run = run_from_bytes(json.dumps(trainer_state(upto=120)).encode(), ORIGIN)
    assert run.summary.status is RunStatus.UNKNOWN and run.summary.status_text == "at step 120 of 200"


@pytest.mark.parametrize("encoding", ["plain", "base64"])
def test_an_openai_result_csv_alone_marks_its_epoch_ends(encoding: str) -> None:
    raw = next(iter(make_run("ftjob-a", result_file=encoding).files.values()))
    run = run_from_bytes(raw, Origin(RunRef("files", "results-0123456789"), "Runs folder", "results.csv"))
    assert run.history_source is HistorySource.RESULT_FILE and len(run.history) == 480
    assert run.checkpoints["step"].tolist() == [120, 240, 360, 480]
    assert run.checkpoints["checkpoint_id"].tolist() == ["step-120", "step-240", "step-360", "step-480"]
    assert run.checkpoints["full_valid_loss"].notna().all() and run.checkpoints["train_loss"].notna().all()
    assert [note.text for note in run.notes] == [EPOCH_ENDS_AS_CHECKPOINTS]
    assert run.summary.status is RunStatus.SUCCEEDED and run.summary.total_steps == 480


def test_azure_result_columns_are_read_in_both_formats() -> None:
    current = next(iter(make_azure_run(azure_job_id("c")).files.values()))
    run = run_from_bytes(current, ORIGIN)
    assert run.history["valid_mean_token_accuracy"].notna().sum() == 48  # validation_mean_token_accuracy
    assert run.history["full_valid_mean_token_accuracy"].notna().sum() == 4

    legacy = next(iter(make_azure_run(azure_job_id("l"), legacy_csv=True).files.values()))
    old = run_from_bytes(legacy, ORIGIN)
    assert old.history["train_mean_token_accuracy"].notna().all()  # training_accuracy
    assert old.history["valid_mean_token_accuracy"].notna().sum() == 48  # valid_accuracy
    assert old.notes[0].text.startswith(
        "The result file's training_accuracy and valid_accuracy columns measure exact-match"
    )
    # No full validation: the validated steps are offered as steps, not saved checkpoints (no model name).
    assert len(old.checkpoints) == 48 and (old.checkpoints["step_only"] == 1).all()
    assert (old.checkpoints["model"] == "").all() and old.notes[-1].text == VALIDATED_STEPS


def test_an_export_opens_under_its_new_address_and_says_where_it_came_from() -> None:
    original = run_from_bytes(FIXTURE.read_bytes(), ORIGIN)
    origin = Origin(RunRef("upload", "export-0123456789"), "Uploaded files", "qwen.json")
    run = run_from_bytes(to_export(original), origin)
    assert run.summary.ref == origin.ref and run.provenance.endpoint == "qwen.json"
    pd.testing.assert_frame_equal(run.history, original.history, check_exact=True)
    assert run.notes[-1].text.startswith("Exported from Uploaded files (trainer_state.json), read there on ")


def test_the_kind_is_read_from_the_content_never_the_name() -> None:
    assert sniff(FIXTURE.read_bytes()) is FileKind.TRAINER_STATE
    assert sniff(to_export(run_from_bytes(FIXTURE.read_bytes(), ORIGIN))) is FileKind.JSON_EXPORT
    assert sniff(b"step,train_loss\n1,2\n") is FileKind.RESULT_CSV
    assert sniff(base64.b64encode(b"step,train_loss\n1,2\n")) is FileKind.RESULT_CSV_BASE64


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"", "not a run file this dashboard reads"),
        (b"\x00\xff garbage", "not a run file this dashboard reads"),
        (b"a,b\n1,2\n", "not a run file this dashboard reads"),
        (b'{"hello": 1}', "neither a trainer_state.json"),
        (b'{"log_history": 5}', "neither a trainer_state.json"),
        (b"{not json", "not valid JSON"),
        (b"[" * 50_000, "not a run file"),
        (b"{" * 50_000, "not valid JSON"),
        (
            b'{"format": "ft-checkpoint-dashboard-export", "version": 1, "runs": "x"}',
            "must hold 1 to 50 runs",
        ),
    ],
)
def test_what_is_not_a_run_file_is_a_clear_message(data: bytes, says: str) -> None:
    with pytest.raises(DashboardError, match=says) as info:
        run_from_bytes(data, ORIGIN)
    assert isinstance(info.value, DashboardError) and len(str(info.value)) < 400


def test_a_hostile_file_name_is_cleaned_and_bounded_in_messages() -> None:
    origin = Origin(RunRef("upload", "x-0123456789"), "Uploaded files", "\u202e" + "evil\n<b>" * 50)
    with pytest.raises(DashboardError) as info:
        run_from_bytes(b"\x00", origin)
    assert "\u202e" not in str(info.value) and "\n" not in str(info.value) and len(str(info.value)) < 400
