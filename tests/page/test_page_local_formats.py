"""The page opens each local format (issue 18) through the real app: from the runs folder (``?run=files:``)
and by the uploader (a single file, or a zip of a run folder), with the recommendation strip naming the
metric that decides and the step, read from the authentic fixtures."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from components.api import Limits
from components.sources import FilesSource
from components.ui.recommendation import STRIP_KEY
from components.ui.uploads import UPLOADER_KEY
from components.ui.view_options import METRIC_KEY
from tests.page.page_support import new_app

LOCAL = Path(__file__).resolve().parents[1] / "fixtures" / "local_formats"
TRAINERS = Path(__file__).resolve().parents[1] / "fixtures" / "trainers"


def _upload(name: str, data: bytes) -> AppTest:
    at = new_app().run()
    at.file_uploader(key=UPLOADER_KEY).upload(name, data, "application/octet-stream").run()
    assert not at.exception
    return at


def _strip(at: AppTest) -> tuple[str, str]:
    strip = at.get_by_key(STRIP_KEY)
    [metric] = strip.metric
    return metric.label, strip.caption[0].value


@pytest.mark.usefixtures("no_api_env")
def test_an_uploaded_trainer_event_file_is_recommended_by_its_f1() -> None:
    [events] = sorted((TRAINERS / "classifier_f1").glob("runs/*/events.out.tfevents.*.0"))
    at = _upload(events.name, events.read_bytes())
    state = json.loads((TRAINERS / "classifier_f1" / "trainer_state.json").read_text())
    f1 = {entry["step"]: entry["eval_f1"] for entry in state["log_history"] if "eval_f1" in entry}
    label, caption = _strip(at)
    assert label.startswith("Evaluation F1") and at.selectbox(key=METRIC_KEY).value == "eval_f1"
    assert any(f"step {step:,}" in caption for step, value in f1.items() if value == max(f1.values()))


@pytest.mark.usefixtures("no_api_env")
def test_an_uploaded_zip_of_a_lightning_folder_marks_its_checkpoint_files() -> None:
    folder = LOCAL / "lightning_csv" / "lightning_logs" / "version_0"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, f"version_0/{path.relative_to(folder)}")
    at = _upload("version_0.zip", buffer.getvalue())
    label, caption = _strip(at)
    assert at.selectbox(key=METRIC_KEY).value == "val_acc" and label.startswith("Validation acc")
    rows = list(csv.DictReader((folder / "metrics.csv").read_text().splitlines()))
    accuracy = {int(row["step"]) + 1: float(row["val_acc"]) for row in rows if row["val_acc"]}
    best = [step for step, value in accuracy.items() if value == max(accuracy.values())]
    assert any(f"step {step}" in caption for step in best)  # the checkpoint saved after that validation
    names = " ".join(code.value for code in at.get_by_key(STRIP_KEY).code)
    assert "version_0/checkpoints/epoch=" in names and ".ckpt" in names


@pytest.mark.usefixtures("no_api_env")
@pytest.mark.parametrize(
    ("name", "metric"),
    [
        ("tinker_sft", "full_valid_loss"),
        ("llamafactory_sft", "full_valid_loss"),
        ("nemo_style_tb/tb_logs/version_1", "val_acc"),
        ("lightning_csv/lightning_logs/version_0", "val_acc"),
    ],
)
def test_each_local_run_opens_from_the_runs_folder(
    monkeypatch: pytest.MonkeyPatch, name: str, metric: str
) -> None:
    monkeypatch.setenv("DASHBOARD_RUNS_DIR", str(LOCAL))
    folder = FilesSource(LOCAL, Limits())
    run_id = next(run.ref.run_id for run in folder.list_runs().runs if run.name == name)
    at = new_app()
    at.query_params["run"] = f"files:{run_id}"
    at.run()
    assert not at.exception and at.selectbox(key=METRIC_KEY).value == metric
    label, caption = _strip(at)
    assert "step" in caption and label
