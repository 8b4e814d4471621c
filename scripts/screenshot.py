"""Take a screenshot of the dashboard with Debian's headless chromium, as a user's browser shows it.

Usage: ``python scripts/screenshot.py OUT.png [QUERY] [--width 1280] [--height 800] [--dark] [--standin]
[--sources] [--seeds]``.
QUERY is the page's query string (e.g. ``"?job=ftjob-demo&x=Epoch"``); ``--dark`` asks for the dark
colour scheme (the page follows the system's); ``--full`` makes the window as tall as the page, so the
whole page is in the picture. With ``--standin`` the app reads a stand-in API that serves the showcase
jobs (``devtools/standin/showcase.py``: ftjob-long, ftjob-novalidation, ftjob-running, ftjob-unsaved);
``--sources`` adds Azure OpenAI and Together AI jobs on the same stand-in, configured as their own sources
(the job list and the sidebar's switch then have several sources); ``--seeds`` serves :data:`SEED_SPECS`,
runs of three configurations differing only in their seed, for the compare page. Without any of these,
the current environment decides (no key: the demo). With no query the page opens on the first source's
job list.
"""

from __future__ import annotations

import argparse
import os
import sys
from contextlib import ExitStack, suppress
from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from devtools.app_settings import ARCHIVE_OFF  # noqa: E402
from devtools.compare_runs import job_from_spec  # noqa: E402
from devtools.harness import app_process, screenshot_page, wait_for_app_run  # noqa: E402
from devtools.standin import (  # noqa: E402
    DEFAULT_API_KEY,
    StandInServer,
    azure_job_id,
    make_azure_run,
    make_together_run,
    showcase_runs,
    together_job_id,
)

# Three configurations (LR ×1 with three seeds, ×2 with two, ×3 with one) for the compare page's seeds:
# ``?run=openai:ftjob-a1&run=openai:ftjob-a2&…&compare_seeds=true``.
SEED_SPECS = (
    "ftjob-a1/300/3/1/1",
    "ftjob-a2/300/3/2/1",
    "ftjob-a3/300/3/3/1",
    "ftjob-b1/300/3/4/2",
    "ftjob-b2/300/3/5/2",
    "ftjob-c/300/3/6/3",
)
CHART = ".js-plotly-plot"
JOB_LIST = "[data-testid=stDataFrame]"
PAGE_HEIGHT = "() => document.querySelector('[data-testid=stMain]').scrollHeight"


def _environment(stack: ExitStack, standin: bool, sources: bool, seeds: bool = False) -> dict[str, str]:
    if not standin and not sources and not seeds:
        return dict(os.environ)
    server = stack.enter_context(StandInServer())
    for run in showcase_runs().values():
        server.add_run(run)
    for spec in SEED_SPECS if seeds else ():
        server.add_run(job_from_spec(spec))
    keyed = {"OPENAI_API_KEY": DEFAULT_API_KEY, "OPENAI_BASE_URL": server.base_url}
    if sources:
        server.add_run(make_azure_run(azure_job_id("showcase"), n_steps=300, n_epochs=3), provider="azure")
        server.add_run(make_together_run(together_job_id("showcase"), n_steps=300))
        keyed |= {
            "AZURE_OPENAI_ENDPOINT": server.azure_endpoint,
            "AZURE_OPENAI_API_KEY": DEFAULT_API_KEY,
            "TOGETHER_API_KEY": DEFAULT_API_KEY,
            "TOGETHER_BASE_URL": server.together_base_url,
        }
    return {**os.environ, **ARCHIVE_OFF, **keyed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out")
    parser.add_argument("query", nargs="?", default="")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=800)
    parser.add_argument("--dark", action="store_true")
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--standin", action="store_true")
    parser.add_argument("--sources", action="store_true")
    parser.add_argument("--seeds", action="store_true")
    args = parser.parse_args()
    with ExitStack() as stack:
        app = stack.enter_context(app_process(_environment(stack, args.standin, args.sources, args.seeds)))
        page = screenshot_page(stack, args.width, args.height, dark=args.dark)
        page.goto(app.url + "/" + args.query)
        wait_for_app_run(page)
        with suppress(PlaywrightTimeoutError):  # a page with an error or no metrics has neither
            page.locator(f"{CHART}, {JOB_LIST}").first.wait_for(timeout=15_000)
        if args.full:
            page.set_viewport_size({"width": args.width, "height": page.evaluate(PAGE_HEIGHT)})
            wait_for_app_run(page)
        page.wait_for_timeout(800)  # plotly's and the grid's last paint
        page.screenshot(path=args.out)


if __name__ == "__main__":
    main()
