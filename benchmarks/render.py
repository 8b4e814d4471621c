"""How long the dashboard takes from per-step data to drawn charts, for 1k, 20k and 100k-step jobs.

Run from the repo root: ``python benchmarks/render.py``. Two parts, both printing numbers only:

1. In process (median of 3), with the page's own functions: the DataFrames (``results_frame`` on the CSV
   text + ``build_history``), the page model (``prepare`` + ``build_page``, default view: steps, the
   run's default smoothing), the figure (``curves_figure``), its JSON (``plotly.io.to_json``) and size.
2. In headless chromium: the stand-in serves each job, the app runs keyed to it, and each new tab
   records (``performance.now()`` since navigation, checked every animation frame) when the job's
   header shows (the data is fetched and parsed on the server), when the script run is done, and
   when the chart has drawn its traces. Draw time after data = drawn − loaded: figure building,
   transfer and plotly rendering. "first" opens 3 copies of the job under new IDs (the app fetches
   each); "cached" reopens one (st.cache_data serves it). The browser cache is warm (one context).
"""

from __future__ import annotations

import os
import statistics
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import plotly.io  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from components.api import FineTuningClient, make_http_client  # noqa: E402
from components.charts.curves import curves_figure  # noqa: E402
from components.data.checkpoints import checkpoints_frame  # noqa: E402
from components.data.history import build_history  # noqa: E402
from components.data.results_file import decode_result_file, results_frame  # noqa: E402
from components.domain import HistorySource  # noqa: E402
from components.sources.openai import load_run  # noqa: E402
from devtools.app_settings import ARCHIVE_OFF  # noqa: E402
from devtools.bench import MARKS_SCRIPT, first_view, timed, visit  # noqa: E402
from devtools.configs import openai_config  # noqa: E402
from devtools.harness import CHROMIUM, CHROMIUM_ARGS, app_process  # noqa: E402
from devtools.standin import DEFAULT_API_KEY, StandInServer, SyntheticRun, make_run  # noqa: E402

SIZES = (1_000, 20_000, 100_000)
N_EPOCHS = 4  # divides every size
VISITS = 3
DRAW_TARGET_SECONDS = 3.0
FIGURE_TARGET_BYTES = 4_000_000  # one figure holds what two of under 2 MB each did


def job_id(steps: int) -> str:
    return f"ftjob-render-{steps}"


def in_process(run: SyntheticRun, client: FineTuningClient) -> dict[str, Any]:
    """Timings and sizes of the server-side steps for one run, with the app's default view.

    The run is read once through the stand-in (as the page reads it) for the page model; the frames are
    timed apart, from the result file's text, so that the HTTP read does not count.
    """
    text = decode_result_file(next(iter(run.files.values())))
    checkpoints = checkpoints_frame(run.checkpoints)
    _, frames_s = timed(lambda: build_history(checkpoints, results_frame(text), HistorySource.RESULT_FILE))
    data = load_run(client, run.job["id"])
    model, page_s = timed(lambda: first_view(data))
    figure, figure_s = timed(lambda: curves_figure(model.chart.display, model.chart.highlights))
    text, json_s = timed(lambda: plotly.io.to_json(figure))
    return {
        "frames_s": frames_s,
        "page_s": page_s,
        "figure_s": figure_s,
        "json_s": json_s,
        "bytes": len(text.encode()),
        "rows_shown": model.chart.display.rows_shown,
    }


def median_marks(samples: list[dict[str, float]]) -> dict[str, float]:
    after = [m["drawn"] - m["loaded"] for m in samples]
    return {
        "loaded": statistics.median(m["loaded"] for m in samples),
        "done": statistics.median(m["done"] for m in samples),
        "drawn": statistics.median(m["drawn"] for m in samples),
        "after": statistics.median(after),
        "after_max": max(after),
    }


def main() -> None:
    runs = {steps: make_run(job_id(steps), n_steps=steps, n_epochs=N_EPOCHS) for steps in SIZES}
    print("In process (median of 3): DataFrames, page model, the figure, JSON")
    print(
        f"{'steps':>8} {'frames s':>9} {'page s':>8} {'figure s':>9} {'to_json s':>10} "
        f"{'points':>7} {'JSON bytes':>11}"
    )
    sizes = {}
    with StandInServer() as server:
        for run in runs.values():
            server.add_run(run)
        config = openai_config(DEFAULT_API_KEY, server.base_url, read_timeout=120, max_retries=0)
        with make_http_client(server.base_url, read_timeout=120, max_retries=0) as http:
            client = FineTuningClient(http, config)
            for steps, run in runs.items():
                r = in_process(run, client)
                sizes[steps] = r["bytes"]
                print(
                    f"{steps:>8,} {r['frames_s']:>9.3f} {r['page_s']:>8.3f} {r['figure_s']:>9.3f} "
                    f"{r['json_s']:>10.3f} {r['rows_shown']:>7,} {r['bytes']:>11,}"
                )

    print()
    print(
        f"Headless chromium, warm browser cache, median of {VISITS} tabs (ms since navigation). "
        "first: the app fetches the job; cached: st.cache_data serves it"
    )
    print(
        f"{'steps':>8} {'visit':>6} {'loaded':>8} {'done':>8} {'drawn':>8} "
        f"{'draw after data':>16} {'(max)':>7}"
    )
    draws = {}
    with StandInServer() as server:
        server.add_run(make_run("ftjob-warmup", n_steps=40, n_epochs=2))
        for run in runs.values():
            for copy in range(VISITS):
                server.add_run(replace(run, job={**run.job, "id": f"{run.job['id']}-{copy}"}))
        keyed = {"OPENAI_API_KEY": DEFAULT_API_KEY, "OPENAI_BASE_URL": server.base_url}
        env = {**os.environ, **ARCHIVE_OFF, **keyed}
        with app_process(env) as app, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1440, "height": 1000})
            context.add_init_script(MARKS_SCRIPT)
            # The app's first run imports pandas and plotly; the browser caches Streamlit's and plotly's JS.
            visit(context, f"{app.url}/?job=ftjob-warmup", 180_000)
            for steps in SIZES:
                first = [
                    visit(context, f"{app.url}/?job={job_id(steps)}-{copy}", 180_000)
                    for copy in range(VISITS)
                ]
                cached = [visit(context, f"{app.url}/?job={job_id(steps)}-0", 180_000) for _ in range(VISITS)]
                for name, samples in (("first", first), ("cached", cached)):
                    m = median_marks(samples)
                    draws.setdefault(steps, m["after"] / 1000)
                    print(
                        f"{steps:>8,} {name:>6} {m['loaded']:>8.0f} {m['done']:>8.0f} {m['drawn']:>8.0f} "
                        f"{m['after']:>16.0f} {m['after_max']:>7.0f}"
                    )
            browser.close()

    print()
    biggest = SIZES[-1]
    draw_s = draws[biggest]
    print(
        f"Target: {biggest:,}-step job drawn within {DRAW_TARGET_SECONDS:g} s of its data arriving: "
        f"{'MET' if draw_s <= DRAW_TARGET_SECONDS else 'NOT MET'} ({draw_s:.2f} s, median first visit)"
    )
    largest = max(sizes.values())
    print(
        f"Target: the figure < {FIGURE_TARGET_BYTES / 1e6:g} MB of JSON: "
        f"{'MET' if largest < FIGURE_TARGET_BYTES else 'NOT MET'} "
        f"(largest {largest / 1e6:.3f} MB, at {max(sizes, key=sizes.get):,} steps)"
    )


if __name__ == "__main__":
    main()
