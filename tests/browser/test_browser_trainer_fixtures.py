"""Each authentic trainer output (tests/fixtures/trainers, written by real transformers/trl runs on CPU) is
uploaded into the sidebar's uploader, as a user would, and the strip must name the checkpoint the run's own
purpose chooses: the metric the trainer declared (F1, WER, ROUGE-L, a named eval set's loss, DPO's margin),
or for runs that declare none, the held-out reward or margin instead of a loss that says nothing there."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from devtools.harness import app_process, wait_for_app_run
from tests.browser.apps import app_env

pytestmark = pytest.mark.browser

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "trainers"
STRIP = ".st-key-best_card"

# The fixture, the step its purpose chooses among the checkpoints an uploaded trainer_state.json names
# (the trainer's best and the final step), and words of the deciding metric's label. Facts of the files:
# tests/fixtures/trainers/README.md lists each run's values.
EXPECTED = [
    ("classifier_f1", 80, "F1"),  # metric_for_best_model=f1; the final step 100 has the lower eval loss
    ("speech_like_wer", 70, "WER"),  # greater_is_better=False
    ("seq2seq_rouge", 80, "ROUGE-L"),  # ties the best_metric of step 70, which has no checkpoint
    ("sft_two_eval_sets", 40, "chat set"),  # eval_dataset={"chat": …, "code": …}
    ("dpo", 30, "margin"),  # metric_for_best_model=rewards/margins
    ("grpo", 24, "reward"),  # no declared metric: the held-out reward, never GRPO's ~0 loss
    ("kto", 30, "margin"),
    ("orpo", 30, "loss"),
]


def _upload(page: Page, path: Path) -> None:
    """The file goes into the sidebar uploader's own file input, as the file chooser would put it (after
    the first file, the uploader's button turns into a small "+" beside the list)."""
    page.locator("[data-testid=stFileUploader] input[type=file]").set_input_files(path)


def test_every_authentic_trainer_output_is_recommended_by_its_own_metric(page: Page) -> None:
    with app_process(app_env()) as app:
        page.goto(app.url)
        wait_for_app_run(page)
        for name, step, words in EXPECTED:
            before = page.url
            _upload(page, FIXTURES / name / "trainer_state.json")
            expect(page).not_to_have_url(before, timeout=30_000)  # each upload opens as its own run
            wait_for_app_run(page)
            strip = page.locator(STRIP)
            expect(strip).to_contain_text(f"step {step}", timeout=30_000)
            expect(strip).to_contain_text(words)
