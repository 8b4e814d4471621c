"""The demo without a key, and the API key never reaching the page, the URL, the websocket or the log."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, WebSocket, expect

from components.demo import FIXTURES
from devtools.harness import CHROMIUM, RunningApp, wait_for_app_run
from devtools.standin import DEFAULT_API_KEY
from tests.browser.apps import MISSING, S300, job_path
from tests.browser.charts import wait_for_charts
from tests.browser.expected import recommended_model

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no chromium at {CHROMIUM}"),
]

# An OpenAI-style secret key; the sidebar's "sk-…" placeholder (an ellipsis) does not match.
KEY_TEXT = re.compile(r"sk-[A-Za-z0-9_-]{4,}")


def test_demo_without_a_key_shows_the_demo_recommendation(page: Page, demo_app: RunningApp) -> None:
    checkpoints = json.loads((FIXTURES / "checkpoints.json").read_text())["data"]
    page.goto(demo_app.url + "/")
    wait_for_app_run(page)
    expect(page.get_by_test_id("stAlert").get_by_text("Demo job")).to_be_visible()
    card = page.locator(".st-key-best_card")
    expect(card.locator(".st-key-best_model code")).to_have_text(recommended_model(checkpoints))
    wait_for_charts(page)
    assert not KEY_TEXT.search(page.content())


def test_keyed_app_never_exposes_its_key(page: Page, keyed_app: RunningApp) -> None:
    frames: list[bytes] = []

    def record(socket: WebSocket) -> None:
        socket.on(
            "framereceived", lambda data: frames.append(data if isinstance(data, bytes) else data.encode())
        )

    page.on("websocket", record)
    for path, shown in ((job_path(S300), "Recommended checkpoint"), (job_path(MISSING), "No such job")):
        page.goto(keyed_app.url + path)
        wait_for_app_run(page)
        expect(page.get_by_text(shown).first).to_be_visible()
        assert DEFAULT_API_KEY not in page.content()
        assert DEFAULT_API_KEY not in page.url
    expect(page.get_by_test_id("stSidebar")).to_contain_text("environment variable OPENAI_API_KEY")
    assert frames, "no websocket frames were recorded"
    assert not any(DEFAULT_API_KEY.encode() in frame for frame in frames)
    log = keyed_app.log_text()
    assert "You can now view your Streamlit app" in log  # the log is really being read
    assert DEFAULT_API_KEY not in log
