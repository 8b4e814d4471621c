"""Issue 18 in a browser: a TensorBoard event file of a real Trainer run and a zip of a real Lightning
CSVLogger folder are uploaded into the sidebar's uploader, as a user would, and the strip names the
checkpoint (or step) each run's purpose chooses: F1 for the Trainer's events, val_acc for Lightning, with
its checkpoint file's name to load."""

from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from devtools.harness import app_process, wait_for_app_run
from tests.browser.apps import app_env

pytestmark = pytest.mark.browser

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
LIGHTNING = FIXTURES / "local_formats" / "lightning_csv" / "lightning_logs" / "version_0"
STRIP = ".st-key-best_card"


def _upload(page: Page, path: Path) -> None:
    before = page.url
    page.locator("[data-testid=stFileUploader] input[type=file]").set_input_files(path)
    expect(page).not_to_have_url(before, timeout=30_000)  # each upload opens as its own run
    wait_for_app_run(page)


def _best_f1_steps() -> list[int]:
    state = json.loads((FIXTURES / "trainers" / "classifier_f1" / "trainer_state.json").read_text())
    f1 = {entry["step"]: entry["eval_f1"] for entry in state["log_history"] if "eval_f1" in entry}
    return [step for step, value in f1.items() if value == max(f1.values())]


def _best_lightning_checkpoint() -> str:
    rows = list(csv.DictReader((LIGHTNING / "metrics.csv").read_text().splitlines()))
    accuracy = {int(row["step"]) + 1: float(row["val_acc"]) for row in rows if row["val_acc"]}
    step = min(step for step, value in accuracy.items() if value == max(accuracy.values()))
    [name] = [path.name for path in LIGHTNING.glob(f"checkpoints/*-step={step}-*.ckpt")]
    return name


def test_an_event_file_and_a_zipped_lightning_folder_are_recommended_in_the_strip(
    page: Page, tmp_path: Path
) -> None:
    [events] = sorted((FIXTURES / "trainers" / "classifier_f1").glob("runs/*/events.out.tfevents.*.0"))
    zipped = tmp_path / "version_0.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        for path in sorted(LIGHTNING.rglob("*")):
            if path.is_file():
                archive.write(path, f"version_0/{path.relative_to(LIGHTNING)}")
    with app_process(app_env()) as app:
        page.goto(app.url)
        wait_for_app_run(page)
        _upload(page, events)
        strip = page.locator(STRIP)
        expect(strip).to_contain_text("F1", timeout=30_000)
        assert any(f"step {step}" in strip.inner_text() for step in _best_f1_steps())
        _upload(page, zipped)
        expect(strip).to_contain_text(_best_lightning_checkpoint(), timeout=30_000)
        expect(strip).to_contain_text("Validation acc")
