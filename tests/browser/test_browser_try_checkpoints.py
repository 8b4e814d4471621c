"""Trying checkpoints in a real browser: three checkpoints answer one prompt side by side, one of them
failing on its own; nothing is asked before Send (the stand-in's request log says so)."""

from __future__ import annotations

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


def test_three_checkpoints_answer_side_by_side_one_failing(
    page: Page, try_app: RunningApp, try_standin: StandInServer, run: SyntheticRun
) -> None:
    models = [item["fine_tuned_model_checkpoint"] for item in reversed(run.checkpoints)]  # steps 100-300
    failing = models[1]
    try_standin.add_chat_faults(failing, [Fault("chat", "status", status=503, times=None)])
    page.goto(try_app.url + job_path(JOB))
    wait_for_app_run(page)
    expect(page.get_by_text("Try checkpoints")).to_be_visible()

    page.get_by_text("Try checkpoints").scroll_into_view_if_needed()
    page.get_by_role("button", name="Clear all").click()  # the preselection; then pick three
    wait_for_app_run(page)
    picker = page.get_by_role("combobox", name="Models to compare")
    for model in models:
        picker.click()
        picker.fill(model.rsplit(":", 1)[-1])  # "ckpt-step-100"
        page.get_by_role("option", name=re.compile(re.escape(model))).click()
        wait_for_app_run(page)
    page.keyboard.press("Escape")
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
