"""Trying checkpoints in a real browser: three checkpoints answer one prompt side by side, one of them
failing on its own; nothing is asked before Send (the stand-in's request log says so)."""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from devtools.harness import CHROMIUM, RunningApp, app_process, wait_for_app_run
from devtools.standin import Fault, StandInServer, SyntheticRun, make_run
from devtools.standin.chat import answer as standin_answer
from tests.browser.apps import job_path, keyed_env
from tests.validation_oracle import expected_answer, token_f1

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no chromium at {CHROMIUM}"),
]
JOB = "ftjob-try-browser"
PROMPT = "What is 41 plus 17?"
FIRST_TOKEN = re.compile(r"first token (\d+\.\d+) s")


@pytest.fixture(scope="module")
def run() -> SyntheticRun:
    return make_run(JOB, n_steps=300, n_epochs=3)


@pytest.fixture(scope="module")
def try_standin(run: SyntheticRun) -> Iterator[StandInServer]:
    with StandInServer() as server:
        server.add_run(run)
        yield server


@pytest.fixture(scope="module")
def try_app(try_standin: StandInServer) -> Iterator[RunningApp]:
    with app_process(keyed_env(try_standin, OPENAI_MAX_RETRIES="0")) as app:
        yield app


def _chat_requests(server: StandInServer) -> int:
    return server.count("chat")


def _pick(page: Page, models: list[str]) -> None:
    """Clear the preselected models, then pick ``models`` by typing part of each name."""
    page.get_by_text("Try checkpoints").scroll_into_view_if_needed()
    page.get_by_role("button", name="Clear all").click()
    wait_for_app_run(page)
    picker = page.get_by_role("combobox", name="Models to compare")
    for model in models:
        picker.click()
        picker.fill(model.rsplit(":", 1)[-1])  # "ckpt-step-100", or the final model's suffix
        page.get_by_role("option", name=re.compile(re.escape(model) + "$")).click()
        wait_for_app_run(page)
    page.keyboard.press("Escape")


def test_three_checkpoints_answer_side_by_side_one_failing(
    page: Page, try_app: RunningApp, try_standin: StandInServer, run: SyntheticRun
) -> None:
    models = [item["fine_tuned_model_checkpoint"] for item in reversed(run.checkpoints)]  # steps 100-300
    failing = models[1]
    try_standin.add_chat_faults(failing, [Fault("chat", "status", status=503, times=None)])
    page.goto(try_app.url + job_path(JOB))
    wait_for_app_run(page)
    expect(page.get_by_text("Try checkpoints")).to_be_visible()

    _pick(page, models)
    page.get_by_role("textbox", name="Prompt").fill(PROMPT)
    page.get_by_role("textbox", name="Prompt").press(
        "Control+Enter"
    )  # commit the text: a rerun, nothing sent
    wait_for_app_run(page)
    assert _chat_requests(try_standin) == 0

    clicked = time.perf_counter()
    page.get_by_role("button", name="Send to 3 models").click()
    conversation = [{"role": "user", "content": PROMPT}]
    expect(page.get_by_text(standin_answer(models[0], conversation), exact=True).first).to_be_visible()
    shown_after = time.perf_counter() - clicked  # a measurement for the report, not an assertion
    for model in (models[0], models[2]):
        expect(page.get_by_text(standin_answer(model, conversation), exact=True).first).to_be_visible()
    expect(page.get_by_text("No answer (HTTP 503)")).to_have_count(1)
    wait_for_app_run(page)
    asked = [
        request.json()["model"]
        for request in try_standin.requests
        if request.path.endswith("/chat/completions")
    ]
    assert sorted(asked) == sorted(models)
    columns = page.get_by_test_id("stColumn").filter(has_text="Checkpoint at step")
    boxes = [columns.nth(index).bounding_box() for index in range(columns.count())]
    tops = {round(box["y"]) for box in boxes if box}
    assert len(boxes) == 3 and len(tops) == 1  # side by side, on one row
    firsts = [float(found) for found in FIRST_TOKEN.findall(page.get_by_test_id("stMain").inner_text())]
    assert len(firsts) == 2
    print(f"first token {max(firsts):.2f} s (measured by the app); click to answer shown {shown_after:.2f} s")


def test_ten_validation_examples_on_three_models_score_as_computed_here(
    page: Page, try_app: RunningApp, try_standin: StandInServer, run: SyntheticRun
) -> None:
    checkpoints = [item["fine_tuned_model_checkpoint"] for item in reversed(run.checkpoints)]
    models = [checkpoints[0], checkpoints[2], run.job["fine_tuned_model"]]  # not the failing one
    page.goto(try_app.url + job_path(JOB))
    wait_for_app_run(page)
    _pick(page, models)
    page.get_by_role("tab", name="On validation examples").click()
    wait_for_app_run(page)
    expect(page.get_by_text(re.compile(r"Sends 30 requests \(10 examples × 3 models"))).to_be_visible()
    before = _chat_requests(try_standin)
    clicked = time.perf_counter()
    page.get_by_role("button", name="Run 10 examples on 3 models").click()
    scores = page.get_by_test_id("stTable")
    expect(scores).to_be_visible(timeout=60_000)
    took = time.perf_counter() - clicked  # a measurement for the report, not an assertion
    assert _chat_requests(try_standin) - before == 30
    with page.expect_download() as download:
        page.get_by_role("button", name="Download results (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert len(rows) == 30
    for model in models:
        mine = [row for row in rows if row["model"] == model]
        assert len(mine) == 10
        exact, f1 = [], []
        for row in mine:
            expected = expected_answer(row["question"])
            said = standin_answer(model, [{"role": "user", "content": row["question"]}])
            assert row["answer"] == said and row["expected"] == expected
            exact.append(said == expected)
            f1.append(token_f1(said, expected))
        label = mine[0]["model_label"]
        line = (
            scores.locator("tr")
            .filter(has=page.get_by_role("rowheader", name=label, exact=True))
            .inner_text()
        )
        assert f"{sum(exact) / 10:.0%}" in line and f"{sum(f1) / 10:.2f}" in line
    print(f"validation run of 10 examples × 3 models: {took:.2f} s from the click to the scores")


def test_answers_stream_in_while_a_slow_model_is_still_answering(
    page: Page, try_app: RunningApp, try_standin: StandInServer, run: SyntheticRun
) -> None:
    checkpoints = [item["fine_tuned_model_checkpoint"] for item in reversed(run.checkpoints)]
    slow, quick = run.job["fine_tuned_model"], checkpoints[2]
    # The slow model streams two words, then nothing for 8 s, then its connection ends: its column shows
    # the two words while it waits, then its own error under them.
    try_standin.add_chat_faults(slow, [Fault("chat", "stall", after_chunks=2, hang_seconds=8)])
    page.goto(try_app.url + job_path(JOB))
    wait_for_app_run(page)
    _pick(page, [quick, slow])
    prompt = "What is 30 plus 12?"
    page.get_by_role("textbox", name="Prompt").fill(prompt)
    page.get_by_role("textbox", name="Prompt").press("Control+Enter")
    wait_for_app_run(page)
    page.get_by_role("button", name="Send to 2 models").click()
    conversation = [{"role": "user", "content": prompt}]
    full = standin_answer(slow, conversation)
    first_words = " ".join(full.split()[:2])
    slow_column = page.get_by_test_id("stColumn").filter(has_text="Final model")
    quick_column = page.get_by_test_id("stColumn").filter(has_text="Checkpoint at step 300")
    expect(quick_column.get_by_text(standin_answer(quick, conversation), exact=True)).to_be_visible()
    expect(quick_column.get_by_text(FIRST_TOKEN)).to_be_visible()
    expect(slow_column.get_by_text(first_words, exact=True)).to_be_visible()
    assert slow_column.get_by_text(FIRST_TOKEN).count() == 0  # still answering
    expect(slow_column.get_by_text(re.compile(r"^No answer"))).to_be_visible(timeout=30_000)
    expect(slow_column.get_by_text(first_words, exact=True)).to_be_visible()
    expect(quick_column.get_by_text(standin_answer(quick, conversation), exact=True)).to_be_visible()
