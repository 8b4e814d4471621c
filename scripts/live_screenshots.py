"""Screenshots of a running job being watched and of "Try checkpoints" with answers, with Debian's chromium.

Usage: ``python scripts/live_screenshots.py OUT_DIR [--width 1280] [--height 800] [--dark]``. A stand-in
serves a job that trains while the page watches it (refreshed every 2 s) and answers chat completions; the
pictures are ``OUT_DIR/live-run[-dark]-W.png`` (the top of the page after a refresh that brought new steps)
``OUT_DIR/try-checkpoints[-dark]-W.png`` (the preselected models' answers to one prompt) and
``OUT_DIR/validation-examples[-dark]-W.png`` (ten validation examples through them, scored).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from devtools.app_settings import clean_env  # noqa: E402
from devtools.harness import app_process, screenshot_page, wait_for_app_run  # noqa: E402
from devtools.standin import DEFAULT_API_KEY, StandInServer, make_growing_run  # noqa: E402

JOB = "ftjob-watched"
PROMPT = "What is 41 plus 17?"


def _start(step: int) -> int:
    """A start that puts ``step`` of the stand-in's timeline 20 s ago: the job reads as running now."""
    probe = make_growing_run(JOB, n_steps=300, n_epochs=3, start=0)
    logged = next(
        event["created_at"] for event in probe.timeline if (event.get("data") or {}).get("step") == step
    )
    return int(time.time()) - 20 - logged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=800)
    parser.add_argument("--dark", action="store_true")
    args = parser.parse_args()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    suffix = ("-dark" if args.dark else "") + f"-{args.width}.png"
    with ExitStack() as stack:
        server = stack.enter_context(StandInServer())
        server.add_run(make_growing_run(JOB, n_steps=300, n_epochs=3, done=210, start=_start(250)))
        env = clean_env(
            os.environ,
            OPENAI_API_KEY=DEFAULT_API_KEY,
            OPENAI_BASE_URL=server.base_url,
            DASHBOARD_REFRESH_SECONDS="2",
        )
        app = stack.enter_context(app_process(env))
        page = screenshot_page(stack, args.width, args.height, dark=args.dark)
        page.goto(f"{app.url}/?job={JOB}")
        wait_for_app_run(page)
        server.advance(JOB, 40)  # the next refresh brings 40 steps
        page.get_by_text("40 new steps").first.wait_for(timeout=30_000)
        wait_for_app_run(page)
        page.wait_for_timeout(800)  # plotly's and the grid's last paint
        page.screenshot(path=args.out_dir / f"live-run{suffix}")

        page.get_by_text("Try checkpoints").scroll_into_view_if_needed()
        page.get_by_role("textbox", name="Prompt").fill(PROMPT)
        page.get_by_role("textbox", name="Prompt").press("Control+Enter")
        wait_for_app_run(page)
        page.get_by_role("button", name=re.compile(r"^Send to \d models")).click()
        page.get_by_text("first token").first.wait_for(timeout=30_000)
        wait_for_app_run(page)
        page.get_by_text("Try checkpoints").scroll_into_view_if_needed()
        page.evaluate("window.scrollBy(0, -20)")
        page.wait_for_timeout(500)
        page.screenshot(path=args.out_dir / f"try-checkpoints{suffix}")

        page.get_by_role("tab", name="On validation examples").click()
        page.get_by_role("button", name=re.compile(r"^Run 10 examples")).click()
        page.get_by_test_id("stTable").wait_for(timeout=60_000)
        wait_for_app_run(page)
        page.get_by_role("button", name=re.compile(r"^Run 10 examples")).evaluate("b => b.scrollIntoView()")
        page.wait_for_timeout(800)
        page.screenshot(path=args.out_dir / f"validation-examples{suffix}")


if __name__ == "__main__":
    main()
