"""The local formats of issue 18, read from the authentic fixtures (tests/fixtures/local_formats, written by
the tools' own writers, and the Trainer fixtures' TensorBoard events): each opens from the runs folder and
as an upload (a single file, or a zip of its folder) with its metrics, checkpoints and recommendation.

Expected values are read from the fixture files themselves with the standard library (csv, json) or, for
event files, cross-checked against the Trainer's own trainer_state.json of the same run.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from components.api import Limits
from components.charts.options import ViewOptions
from components.domain import HistorySource, RunData, RunStatus
from components.page import build_page, prepare
from components.sources import FilesSource, Upload, UploadSource
from components.sources.file_kinds import FileKind, sniff

LOCAL = Path(__file__).resolve().parents[1] / "fixtures" / "local_formats"
TRAINERS = Path(__file__).resolve().parents[1] / "fixtures" / "trainers"
LIGHTNING = LOCAL / "lightning_csv" / "lightning_logs" / "version_0"


def _folder_run(root: Path, name: str) -> RunData:
    source = FilesSource(root, Limits())
    return source.load_run(next(run.ref.run_id for run in source.list_runs().runs if run.name == name))


def _uploaded(name: str, data: bytes) -> RunData:
    source = UploadSource([Upload(name, data)], Limits())
    return source.load_run(source.list_runs().runs[0].ref.run_id)


def _zipped(folder: Path, inside: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, f"{inside}/{path.relative_to(folder)}")
    return buffer.getvalue()


def _strip(run: RunData) -> tuple[str, int]:
    strip = build_page(prepare(run), ViewOptions()).strip
    assert strip is not None
    return strip.metric, strip.step


def _csv_column(path: Path, name: str) -> dict[int, float]:
    with path.open() as handle:
        return {int(row["step"]): float(row[name]) for row in csv.DictReader(handle) if row[name]}


def _json_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_the_runs_folder_lists_each_local_run_once_with_what_it_was_recognised_as() -> None:
    listed = {run.name: run.method for run in FilesSource(LOCAL, Limits()).list_runs().runs}
    assert listed == {
        "lightning_csv/lightning_logs/version_0": "Lightning CSVLogger",
        "nemo_style_tb/tb_logs/version_0": "TensorBoard events",  # two runs of one log folder, as
        "nemo_style_tb/tb_logs/version_1": "TensorBoard events",  # TensorBoard groups them
        "llamafactory_sft": "Hugging Face trainer state + LLaMA-Factory log",
        "tinker_sft": "Tinker metrics + Tinker checkpoints",
    }


def _check_lightning(run: RunData, prefix: str) -> None:
    val_loss = _csv_column(LIGHTNING / "metrics.csv", "val_loss")
    train = _csv_column(LIGHTNING / "metrics.csv", "train_loss_step")
    history = run.history.set_index("step")
    assert history["full_valid_loss"].dropna().to_dict() == val_loss
    assert history["train_loss"].dropna().to_dict() == train
    assert run.checkpoints["step"].tolist() == [16, 32, 48, 64]  # every epoch=N-step=S-val_loss=V.ckpt
    assert run.checkpoints["model"].tolist() == [
        f"{prefix}checkpoints/{path.name}" for path in sorted(LIGHTNING.glob("checkpoints/epoch=*.ckpt"))
    ]
    assert "last.ckpt" not in run.checkpoints["checkpoint_id"].tolist()  # it names no step
    assert run.summary.hyperparameters.learning_rate == 0.5  # hparams.yaml
    val_acc = _csv_column(LIGHTNING / "metrics.csv", "val_acc")
    best = max(val_acc.values())
    metric, step = _strip(run)  # a held-out task metric decides: val_acc, at the checkpoint after its epoch
    assert metric == "val_acc" and step - 1 in {logged for logged, value in val_acc.items() if value == best}


def test_a_lightning_csvlogger_folder_opens_with_its_checkpoint_files_and_hparams() -> None:
    _check_lightning(
        _folder_run(LOCAL, "lightning_csv/lightning_logs/version_0"),
        "lightning_csv/lightning_logs/version_0/",
    )


def test_a_zipped_lightning_folder_opens_as_the_folder_does() -> None:
    run = _uploaded("version_0.zip", _zipped(LIGHTNING, "version_0"))
    _check_lightning(run, "version_0/")
    assert run.summary.name == "version_0.zip/version_0"


def test_a_lightning_metrics_csv_alone_offers_its_validated_steps() -> None:
    run = _uploaded("metrics.csv", (LIGHTNING / "metrics.csv").read_bytes())
    assert run.history_source is HistorySource.TRAINING_LOGS
    assert run.checkpoints["step"].tolist() == sorted(_csv_column(LIGHTNING / "metrics.csv", "val_loss"))
    assert run.checkpoints["step_only"].eq(1).all()


@pytest.mark.parametrize("version", ["version_0", "version_1"])
def test_nemo_names_in_tensorboard_events_are_the_training_and_validation_loss(version: str) -> None:
    run = _folder_run(LOCAL, f"nemo_style_tb/tb_logs/{version}")
    history = run.history.set_index("step")
    assert history["train_loss"].notna().sum() == 12 and history["full_valid_loss"].notna().sum() == 3
    assert "reduced_train_loss_epoch" in run.history and "val_acc" in run.history
    assert run.summary.hyperparameters.learning_rate == {"version_0": 0.5, "version_1": 0.05}[version]
    assert run.checkpoints["step_only"].eq(1).all()  # TensorBoard knows no checkpoints: validated steps
    assert run.summary.status is RunStatus.UNKNOWN  # Lightning's events say nothing of an end
    metric, step = _strip(run)
    assert metric == "val_acc" and step in history["val_acc"].dropna().index


def _state_evaluations(name: str, key: str) -> dict[int, float]:
    state = json.loads((TRAINERS / name / "trainer_state.json").read_text())
    return {entry["step"]: entry[key] for entry in state["log_history"] if key in entry}


def test_a_trainer_event_file_reads_every_tag_as_the_trainer_state_names_it() -> None:
    [events] = sorted((TRAINERS / "classifier_f1").glob("runs/*/events.out.tfevents.*.0"))
    assert sniff(events.read_bytes()) is FileKind.TENSORBOARD_EVENTS
    run = _uploaded(events.name, events.read_bytes())
    history = run.history.set_index("step")
    f1 = _state_evaluations("classifier_f1", "eval_f1")
    assert history["eval_f1"].dropna().to_dict() == pytest.approx(f1)  # float32 in the events
    losses = _state_evaluations("classifier_f1", "loss")
    assert history["train_loss"].dropna().to_dict() == pytest.approx(losses)
    assert "train_runtime" not in run.history and "train_loss" in run.history  # no summary as a step
    assert run.summary.status is RunStatus.SUCCEEDED  # ... but the summary says training ended
    assert run.history["created_at"].notna().all()
    metric, step = _strip(run)
    assert metric == "eval_f1" and f1[step] == max(f1.values())


def test_a_trainer_folder_takes_the_steps_its_events_logged_since_the_last_save(tmp_path: Path) -> None:
    folder = tmp_path / "classifier_f1"
    shutil.copytree(TRAINERS / "classifier_f1", folder)
    (folder / "trainer_state.json").unlink()  # the run as it was between the saves of step 90 and 100
    shutil.rmtree(folder / "checkpoint-100")
    run = _folder_run(tmp_path, "classifier_f1")
    assert run.summary.method == "Hugging Face trainer state + TensorBoard events"
    assert run.history["step"].max() == 100 and run.checkpoints["step"].max() == 90
    assert any("after the last saved trainer state (step 90)" in note.text for note in run.notes)
    saved = json.loads((folder / "checkpoint-90" / "trainer_state.json").read_text())["log_history"]
    history = run.history.set_index("step")
    assert all(
        history.loc[entry["step"], "train_loss"] == entry["loss"] for entry in saved if "loss" in entry
    )


def test_llamafactory_trainer_log_alone_and_beside_its_trainer_state() -> None:
    lines = _json_lines(LOCAL / "llamafactory_sft" / "trainer_log.jsonl")
    alone = _uploaded("trainer_log.jsonl", (LOCAL / "llamafactory_sft" / "trainer_log.jsonl").read_bytes())
    history = alone.history.set_index("step")
    assert history["train_loss"].dropna().to_dict() == {
        line["current_steps"]: line["loss"] for line in lines if "loss" in line
    }
    evals = {line["current_steps"]: line["eval_loss"] for line in lines if "eval_loss" in line}
    assert history["full_valid_loss"].dropna().to_dict() == evals
    assert alone.summary.total_steps == 30 and alone.summary.status is RunStatus.SUCCEEDED
    assert _strip(alone) == ("full_valid_loss", min(evals, key=evals.get))
    folder = _folder_run(LOCAL, "llamafactory_sft")
    assert folder.checkpoints["checkpoint_id"].tolist() == ["checkpoint-10", "checkpoint-20", "checkpoint-30"]
    assert folder.history.set_index("step")["full_valid_loss"].dropna().to_dict() == pytest.approx(evals)
    metric, step = _strip(folder)
    saved = {step: value for step, value in evals.items() if step in (10, 20, 30)}
    assert metric == "full_valid_loss" and step == min(saved, key=saved.get)


@pytest.mark.parametrize("read", ["folder", "zip"])
def test_tinker_metrics_and_checkpoints_open_with_its_sampler_paths(read: str) -> None:
    run = (
        _folder_run(LOCAL, "tinker_sft")
        if read == "folder"
        else _uploaded("tinker_sft.zip", _zipped(LOCAL / "tinker_sft", "tinker_sft"))
    )
    metrics = _json_lines(LOCAL / "tinker_sft" / "metrics.jsonl")
    records = _json_lines(LOCAL / "tinker_sft" / "checkpoints.jsonl")
    history = run.history.set_index("step")
    assert history["train_loss"].to_dict() == {line["step"]: line["train_mean_nll"] for line in metrics}
    nll = {line["step"]: line["test/nll"] for line in metrics if "test/nll" in line}
    assert history["full_valid_loss"].dropna().to_dict() == nll
    assert run.checkpoints["checkpoint_id"].tolist() == [record["name"] for record in records]
    assert run.checkpoints["step"].tolist() == [10, 20, metrics[-1]["step"]]  # "final" after the last step
    assert run.checkpoints["model"].tolist() == [record["sampler_path"] for record in records]
    assert run.summary.status is RunStatus.SUCCEEDED and run.summary.total_steps == len(metrics)
    metric, step = _strip(run)
    assert metric == "full_valid_loss" and step in (10, 20, metrics[-1]["step"])
