"""Comparing 10 runs of 10,000 steps: time from data to figure, the figure's size, and the page in a browser.

Run from the repo root: ``python benchmarks/compare.py``. Prints numbers only (targets: drawn in under 3 s
after the data, under 3 MB sent to the browser).

1. In process (median of 3): the compare page model (``prepare_compare`` + ``build_compare``, the default
   view), the figure (``compare_figure``), its JSON (``plotly.io.to_json``) and its size.
2. In headless chromium, the compare page of ``tests/apps/compare_app.py`` (the runs read through the OpenAI
   source, cached after the first visit): each new tab records when the runs were on the server (the
   page's heading shows), when the chart has drawn its traces, and the bytes of every websocket frame the
   page received. The first visit builds the runs; the next ones are served from the cache.
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

from components.charts.compare import compare_figure  # noqa: E402
from components.charts.options import CompareOptions  # noqa: E402
from components.domain import RunRef  # noqa: E402
from components.page.compare import build_compare, prepare_compare  # noqa: E402
from devtools.app_settings import clean_env  # noqa: E402
from devtools.bench import MARKS_SCRIPT, timed, visit  # noqa: E402
from devtools.compare_runs import synthetic_run  # noqa: E402
from devtools.harness import CHROMIUM, CHROMIUM_ARGS, app_process  # noqa: E402

RUNS = 10
STEPS = 10_000
EPOCHS = 4
VISITS = 3
DRAW_TARGET_SECONDS = 3.0
SENT_TARGET_BYTES = 3_000_000
APP = ROOT / "tests" / "apps" / "compare_app.py"
BATCH_VALIDATION = "&compare_metric=Validation+loss+%28batch%29"


def in_process() -> dict[str, Any]:
    base = synthetic_run("ftjob-bench", n_steps=STEPS, n_epochs=EPOCHS, seed=1)
    runs = [
        replace(base, summary=replace(base.summary, ref=RunRef("openai", f"ftjob-b{i}"))) for i in range(RUNS)
    ]
    results = {}
    for metric in ("full_valid_loss", "valid_loss"):

        def model(metric: str = metric) -> Any:
            prepared = prepare_compare(runs)
            return build_compare(
                prepared, CompareOptions(metric=metric, smoothing=prepared.default_smoothing)
            )

        page, page_s = timed(model)
        figure, figure_s = timed(lambda page=page: compare_figure(page.curves, page.view))
        text, json_s = timed(lambda figure=figure: plotly.io.to_json(figure))
        results[metric] = {
            "page_s": page_s,
            "figure_s": figure_s,
            "json_s": json_s,
            "bytes": len(text.encode()),
            "rows": sum(len(curve.frame) for curve in page.curves),
        }
    return results


def in_browser(metric_query: str) -> list[dict[str, float]]:
    query = "&".join(f"run=ftjob-b{i}/{STEPS}/{EPOCHS}/{i + 1}" for i in range(RUNS)) + metric_query
    with app_process(clean_env(os.environ, PYTHONPATH=str(ROOT)), script=APP) as app, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        context.add_init_script(MARKS_SCRIPT)
        samples = [visit(context, f"{app.url}/?{query}", 300_000) for _ in range(VISITS + 1)]
        browser.close()
    return samples


def main() -> None:
    print(f"Comparing {RUNS} runs of {STEPS:,} steps")
    for metric, numbers in in_process().items():
        total = numbers["page_s"] + numbers["figure_s"] + numbers["json_s"]
        print(
            f"  in process, ranked by {metric}: page model {numbers['page_s']:.3f} s, figure "
            f"{numbers['figure_s']:.3f} s, JSON {numbers['json_s']:.3f} s (total {total:.3f} s); "
            f"{numbers['rows']:,} rows drawn; figure {numbers['bytes'] / 1e6:.2f} MB"
        )
    samples = in_browser(BATCH_VALIDATION)  # the densest curves: every run's batch validation
    first, cached = samples[0], samples[1:]
    after = [(m["drawn"] - m["loaded"]) / 1000 for m in cached]
    print(
        "  browser, ranked by valid_loss:\n"
        f"  browser, first visit (builds the runs): runs ready {first['loaded'] / 1000:.2f} s, drawn "
        f"{first['drawn'] / 1000:.2f} s after navigation; {first['bytes'] / 1e6:.2f} MB over the websocket"
    )
    print(
        f"  browser, cached runs (median of {len(cached)}): drawn {statistics.median(after):.2f} s after the "
        f"runs were ready (max {max(after):.2f} s, target {DRAW_TARGET_SECONDS:.0f} s); "
        f"{statistics.median(m['bytes'] for m in cached) / 1e6:.2f} MB over the websocket "
        f"(target {SENT_TARGET_BYTES / 1e6:.0f} MB)"
    )
    chart = statistics.median((m["chart"] - m["loaded"]) / 1000 for m in cached)
    drawing = statistics.median((m["drawn"] - m["chart"]) / 1000 for m in cached)
    done = statistics.median((m["done"] - m["loaded"]) / 1000 for m in cached)
    print(
        f"    of which: chart element on the page {chart:.2f} s after the runs were ready, plotly drawing "
        f"{drawing:.2f} s; the script run ended {done:.2f} s after the runs were ready"
    )


if __name__ == "__main__":
    main()
