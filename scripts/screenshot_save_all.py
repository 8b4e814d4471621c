"""Screenshots of "Save all runs of this source" in Debian's headless chromium, as a browser shows it.

Usage: ``python scripts/screenshot_save_all.py OUT_PREFIX [--width 1280] [--height 800] [--dark]``.
It serves 24 finished jobs and a running one on the stand-in (one job slow to answer, one failing), with an
archive in a temporary folder, and writes four pictures: ``OUT_PREFIX-list.png`` (the job list with the
button), ``-progress.png`` (mid-way, while the slow job is read), ``-summary.png`` (the end, with the failure)
and ``-files.png`` (an archived run's kept files, with the provider stopped).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from playwright.sync_api import expect

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from devtools.app_settings import clean_env  # noqa: E402
from devtools.harness import app_process, screenshot_page, wait_for_app_run  # noqa: E402
from devtools.many_jobs import add_jobs  # noqa: E402
from devtools.standin import DEFAULT_API_KEY, Fault, StandInServer  # noqa: E402

JOBS = 24
SLOW, FAILING = 14, 19
FAILURE = "The server had an error while processing your request. Sorry about that!"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("prefix")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=800)
    parser.add_argument("--dark", action="store_true")
    args = parser.parse_args()
    with ExitStack() as stack:
        folder = stack.enter_context(tempfile.TemporaryDirectory())
        server = stack.enter_context(StandInServer())
        faults = {
            SLOW: [Fault("job", "hang", hang_seconds=8)],
            FAILING: [Fault("job", "status", status=500, times=None, message=FAILURE)],
        }
        add_jobs(server, JOBS, n_steps=240, faults=faults)
        env = clean_env(
            os.environ,
            OPENAI_API_KEY=DEFAULT_API_KEY,
            OPENAI_BASE_URL=server.base_url,
            OPENAI_MAX_RETRIES="0",
            DASHBOARD_STORE=f"{folder}/archive.sqlite3",
        )
        app = stack.enter_context(app_process(env))
        page = screenshot_page(stack, args.width, args.height, dark=args.dark)
        page.goto(app.url + "/")
        wait_for_app_run(page)
        button = page.get_by_role("button", name="Save all runs of this source")
        button.scroll_into_view_if_needed()
        page.wait_for_timeout(800)
        page.screenshot(path=f"{args.prefix}-list.png")
        button.click()
        page.mouse.move(0, 0)  # no tooltip over the picture
        bar = page.get_by_test_id("stProgress")
        expect(bar).to_contain_text(f"{JOBS - SLOW - 1} of {JOBS} runs", timeout=30_000)
        bar.scroll_into_view_if_needed()
        page.wait_for_timeout(300)
        page.screenshot(path=f"{args.prefix}-progress.png")
        summary = page.get_by_test_id("stAlertContentWarning")
        expect(summary).to_contain_text("1 failed", timeout=60_000)
        page.get_by_test_id("stDataFrame").last.scroll_into_view_if_needed()
        page.wait_for_timeout(800)
        page.screenshot(path=f"{args.prefix}-summary.png")
        server.stop()  # the provider no longer answers: the run comes from the archive
        page.goto(app.url + "/?job=ftjob-0000")
        wait_for_app_run(page)
        heading = page.get_by_role("heading", name="Files kept in the archive")
        heading.scroll_into_view_if_needed()
        page.mouse.move(args.width - 50, args.height // 2)  # over the page, not the sidebar
        page.mouse.wheel(0, 300)
        page.wait_for_timeout(800)
        page.screenshot(path=f"{args.prefix}-files.png")


if __name__ == "__main__":
    main()
