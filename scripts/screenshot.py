"""Take a full-page screenshot of the dashboard with Debian's headless chromium.

Usage: ``python scripts/screenshot.py OUT.png [QUERY]`` (e.g. ``"?job=ftjob-demo&x=epoch"``). It starts
``streamlit run app.py`` on a free loopback port with the current environment (no key: the demo).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from devtools.harness import CHROMIUM, CHROMIUM_ARGS, running_app, wait_for_app_run  # noqa: E402


def main(out: str, query: str = "") -> None:
    with running_app(dict(os.environ)) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(
            viewport={"width": 1440, "height": int(os.environ.get("SHOT_HEIGHT", "2400"))}
        )
        page.goto(url + "/" + query)
        wait_for_app_run(page)
        if os.environ.get("SHOT_WAIT_CHART", "1") == "1":
            page.locator(".js-plotly-plot").first.wait_for()
        page.wait_for_timeout(800)
        page.screenshot(path=out)
        browser.close()


if __name__ == "__main__":
    main(*sys.argv[1:])
