"""What "More metrics" costs a run that logs 50 metrics over 100,000 steps, beside its main chart alone.

Run from the repo root: ``python benchmarks/more_metrics.py``. Prints numbers only (median of 3, in
process, with the page's own functions): the time to build the page model and the main figure as JSON,
then the same with every More metrics panel built too; the figures' bytes; and the peak of Python's
allocations (tracemalloc) for each, all as ratios against the main chart alone measured in the same run.
The section is built only when opened, so the main chart's time is what a closed section costs.
"""

from __future__ import annotations

import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import plotly.io  # noqa: E402

from components.charts.curves import curves_figure  # noqa: E402
from components.charts.options import ViewOptions  # noqa: E402
from components.charts.small_multiples import panel_figure  # noqa: E402
from components.domain import RunData  # noqa: E402
from components.page import build_page, prepare  # noqa: E402
from components.page.more_metrics import more_metrics_of  # noqa: E402
from devtools.compare_runs import synthetic_run  # noqa: E402
from devtools.many_metrics import with_many_metrics  # noqa: E402

STEPS = 100_000
METRICS = 50
REPEATS = 3


def main_chart(run: RunData) -> list[int]:
    """The page model and the main figure's JSON, as a closed section leaves the page: its bytes."""
    prepared = prepare(run)
    page = build_page(prepared, ViewOptions(smoothing=prepared.default_smoothing))
    return [len(plotly.io.to_json(curves_figure(page.chart.display, page.chart.highlights)))]


def with_more_metrics(run: RunData) -> list[int]:
    """The same, then every More metrics panel built and serialised: the bytes of each figure."""
    prepared = prepare(run)
    options = ViewOptions(smoothing=prepared.default_smoothing)
    page = build_page(prepared, options)
    sizes = [len(plotly.io.to_json(curves_figure(page.chart.display, page.chart.highlights)))]
    model = more_metrics_of(prepared, options, page.chart.zoom, page.chart.highlights)
    return sizes + [len(plotly.io.to_json(panel_figure(panel, model.view))) for panel in model.panels]


def measure(build: Callable[[RunData], list[int]], run: RunData) -> tuple[float, list[int], int]:
    """Median seconds, the figures' bytes, and the peak of allocations (bytes) of one more call."""
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        sizes = build(run)
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    build(run)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return statistics.median(times), sizes, peak


def _line(what: str, seconds: float, sizes: list[int], peak: int) -> str:
    return f"{what:<20} {seconds:6.2f} s  {sum(sizes) / 1e6:5.2f} MB of figure  peak {peak / 1e6:6.1f} MB"


def main() -> None:
    run = with_many_metrics(synthetic_run("ftjob-more-bench", n_steps=STEPS, n_epochs=4), METRICS)
    print(
        f"run: {STEPS:,} steps, {METRICS} metrics beyond the main chart, {len(run.checkpoints)} checkpoints"
    )
    alone_s, alone_sizes, alone_peak = measure(main_chart, run)
    more_s, more_sizes, more_peak = measure(with_more_metrics, run)
    panels = more_sizes[1:]
    print(_line("main chart alone:", alone_s, alone_sizes, alone_peak))
    print(_line("with More metrics:", more_s, more_sizes, more_peak))
    print(f"More metrics: +{more_s - alone_s:.2f} s, {sum(panels) / 1e6:.2f} MB in {len(panels)} panels")
    print(f"  largest panel {max(panels) / 1e3:.0f} kB, median {statistics.median(panels) / 1e3:.0f} kB")
    print(
        f"ratios vs the main chart alone: time {more_s / alone_s:.2f}x, bytes "
        f"{sum(more_sizes) / sum(alone_sizes):.2f}x, peak memory {more_peak / alone_peak:.2f}x"
    )


if __name__ == "__main__":
    main()
