"""How much later than a bare Streamlit page the run page draws its first chart, for runs of 300, 20,000
and 100,000 steps, and 100,000 steps logging 6 more metrics (so "More metrics" opens beneath the chart)
(target: within 1.3 times that floor, for every run).

Run from the repo root: ``python benchmarks/first_chart.py``. Prints numbers only.

1. In process, with the page's own functions (``first_view`` + ``curves_figure``): the main chart's figure
   a first visit to each run draws, its JSON bytes and its points; the JSON goes to a temp folder.
2. In headless chromium (one browser, one context, so both pages' scripts are cached after a warm-up
   visit each): the stand-in serves each run, and the dashboard opens it at ``?job=…`` (a fresh copy
   under a new ID each tab, so the app fetches and parses it); beside it the floor,
   ``devtools/floor_app.py``, a bare Streamlit page that only draws the very same figure from its JSON.
   Tabs alternate between the two; each records the ms from navigation until the chart has drawn its
   traces (``MARKS_SCRIPT``'s "drawn"), and the points drawn (a check that both drew the same figure).
   The medians, their ratio and MET/NOT MET against the target are printed per size.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import plotly.io  # noqa: E402
from playwright.sync_api import BrowserContext, sync_playwright  # noqa: E402

from components.api import FineTuningClient, make_http_client  # noqa: E402
from components.charts.curves import curves_figure  # noqa: E402
from components.sources.openai import load_run  # noqa: E402
from devtools.app_settings import clean_env  # noqa: E402
from devtools.bench import MARKS_SCRIPT, first_view, visit  # noqa: E402
from devtools.configs import openai_config  # noqa: E402
from devtools.harness import CHROMIUM, CHROMIUM_ARGS, app_process  # noqa: E402
from devtools.many_metrics import served_with_many_metrics  # noqa: E402
from devtools.standin import DEFAULT_API_KEY, StandInServer, SyntheticRun, make_run  # noqa: E402

CASES = ((300, 0), (20_000, 0), (100_000, 0), (100_000, 6))
"""(steps, metrics logged beyond the six OpenAI columns): up to six, "More metrics" starts open."""
N_EPOCHS = 4  # divides every size
TABS = 5
TARGET_RATIO = 1.3
TIMEOUT_MS = 180_000
FLOOR_APP = ROOT / "devtools" / "floor_app.py"
FLOOR_MARKS = ("drawn", "done")  # the floor has no heading: no "loaded" mark


def job_id(case: tuple[int, int], copy: int) -> str:
    return f"ftjob-first-{case[0]}-{case[1]}-{copy}"


def label(case: tuple[int, int]) -> str:
    steps, more = case
    return f"{steps:,}" + (f" +{more}" if more else "")


def case_runs(case: tuple[int, int]) -> list[SyntheticRun]:
    """The case's run, once per tab under its own ID (so each tab's page fetches it)."""
    run = make_run(job_id(case, 0), n_steps=case[0], n_epochs=N_EPOCHS)
    if case[1]:
        run = served_with_many_metrics(run, case[1])
    return [replace(run, job={**run.job, "id": job_id(case, copy)}) for copy in range(TABS)]


def write_figures(server: StandInServer, folder: Path) -> dict[tuple[int, int], dict[str, int]]:
    """Each case's first-visit main figure as the page builds it, written to ``folder/<n>.json`` (n: the
    case's position): its bytes and points."""
    config = openai_config(DEFAULT_API_KEY, server.base_url, read_timeout=120, max_retries=0)
    sizes = {}
    with make_http_client(server.base_url, read_timeout=120, max_retries=0) as http:
        client = FineTuningClient(http, config)
        for n, case in enumerate(CASES):
            model = first_view(load_run(client, job_id(case, 0)))
            figure = curves_figure(model.chart.display, model.chart.highlights)
            text = plotly.io.to_json(figure)
            (folder / f"{n}.json").write_text(text, encoding="utf-8")
            points = sum(len(trace.x) for trace in figure.data if trace.x is not None)
            sizes[case] = {"bytes": len(text.encode()), "points": points}
    return sizes


def side_by_side(context: BrowserContext, ours: str, floor: str) -> dict[tuple[int, int], dict[str, list]]:
    """Per case, every tab's marks on the run page and on the floor, the two alternating."""
    visit(context, f"{ours}/?job=ftjob-warmup", TIMEOUT_MS)  # imports pandas and plotly; caches the JS
    visit(context, f"{floor}/?figure=0", TIMEOUT_MS, FLOOR_MARKS)
    samples: dict[tuple[int, int], dict[str, list[Any]]] = {}
    for n, case in enumerate(CASES):
        mine, bare = [], []
        for copy in range(TABS):
            mine.append(visit(context, f"{ours}/?job={job_id(case, copy)}", TIMEOUT_MS))
            bare.append(visit(context, f"{floor}/?figure={n}", TIMEOUT_MS, FLOOR_MARKS))
        samples[case] = {"ours": mine, "floor": bare}
    return samples


def in_browser(server: StandInServer, folder: Path) -> dict[tuple[int, int], dict[str, list[Any]]]:
    """Both apps running side by side in one headless chromium."""
    keyed: Mapping[str, str] = {"OPENAI_API_KEY": DEFAULT_API_KEY, "OPENAI_BASE_URL": server.base_url}
    with (
        app_process(clean_env(os.environ, **keyed)) as ours,
        app_process(clean_env(os.environ, FLOOR_FIGURES=str(folder)), script=FLOOR_APP) as floor,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        context.add_init_script(MARKS_SCRIPT)
        samples = side_by_side(context, ours.url, floor.url)
        browser.close()
    return samples


def report(
    sizes: dict[tuple[int, int], dict[str, int]], samples: dict[tuple[int, int], dict[str, list]]
) -> None:
    print(
        f"Headless chromium, warm browser cache, median of {TABS} tabs: ms from navigation to the chart's "
        "traces drawn"
    )
    print(
        f"{'steps':>8} {'JSON bytes':>11} {'points':>7} {'drawn (ours/floor)':>19} "
        f"{'ours ms':>8} {'floor ms':>9} {'ratio':>6}  target {TARGET_RATIO:g}x"
    )
    for case in CASES:
        ours = statistics.median(m["drawn"] for m in samples[case]["ours"])
        floor = statistics.median(m["drawn"] for m in samples[case]["floor"])
        drawn = f"{samples[case]['ours'][0]['points']:,}/{samples[case]['floor'][0]['points']:,}"
        ratio = ours / floor
        print(
            f"{label(case):>8} {sizes[case]['bytes']:>11,} {sizes[case]['points']:>7,} {drawn:>19} "
            f"{ours:>8.0f} {floor:>9.0f} {ratio:>6.2f}  {'MET' if ratio <= TARGET_RATIO else 'NOT MET'}"
        )


def main() -> None:
    runs = [make_run("ftjob-warmup", n_steps=40, n_epochs=2)]
    for case in CASES:
        runs += case_runs(case)
    with StandInServer() as server, tempfile.TemporaryDirectory() as folder:
        for run in runs:
            server.add_run(run)
        sizes = write_figures(server, Path(folder))
        samples = in_browser(server, Path(folder))
    report(sizes, samples)


if __name__ == "__main__":
    main()
