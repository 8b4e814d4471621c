"""What the benchmarks share: timing a call, counting a stand-in's requests, and a page's draw marks.

Benchmarks print numbers and assert nothing (timings never go in unit tests); these helpers keep their
measuring the same from one benchmark to the next.
"""

from __future__ import annotations

import contextlib
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

from playwright.sync_api import BrowserContext

from components.charts.options import ViewOptions
from components.domain import RunData
from components.page import PageModel, build_page, prepare
from components.sources import RunSource, http_client_for, open_source, resolve_sources
from components.store import StoreConfig, resolve_store
from devtools.harness import wait_for_app_run
from devtools.postgres import find_bindir, postgres_server
from devtools.standin import StandInServer

T = TypeVar("T")
ALL_MARKS = ("drawn", "loaded", "done")

# Marks, in ms since navigation, taken once per animation frame: "loaded" when the page's heading (drawn
# once the runs are read) is on the page, "done" when the script run has finished, "chart" when the chart
# element is on the page, "drawn" when the first chart holding points has traces on screen (SVG trace groups
# or the WebGL canvas; the empty chart that makes a first run page load plotly early holds none); then
# "points", how many points that chart's traces hold (a check that two pages drew alike).
MARKS_SCRIPT = """
window.__marks = {};
(function poll() {
  const marks = window.__marks, now = performance.now();
  if (!marks.loaded && document.querySelector('[data-testid="stMain"] h3')) marks.loaded = now;
  if (!marks.running && document.querySelector('[data-test-script-state="running"]')) marks.running = now;
  if (marks.running && !marks.done && document.querySelector('[data-test-script-state="notRunning"]'))
    marks.done = now;
  if (!marks.chart && document.querySelector('[data-testid="stPlotlyChart"]')) marks.chart = now;
  const gd = document.querySelector('.js-plotly-plot');
  const points = gd && gd._fullData ? gd._fullData.reduce((n, trace) => n + (trace._length || 0), 0) : 0;
  if (!marks.drawn && points && gd.querySelector('.scatterlayer .trace, canvas.gl-canvas-context')) {
    marks.drawn = now;
    marks.points = points;
  }
  if (!marks.drawn || !marks.done) requestAnimationFrame(poll);
})();
"""


def timed(function: Callable[[], T], repeats: int = 3) -> tuple[T, float]:
    """The result of the last of ``repeats`` calls and the median seconds."""
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = function()
        seconds.append(time.perf_counter() - started)
    return result, statistics.median(seconds)


def measure_requests(server: StandInServer, work: Callable[[], T], runs: int = 3) -> tuple[int, float, T]:
    """(requests per run, median seconds, the last result) after one warm-up run; says so when the runs
    differed in requests."""
    result = work()
    seconds, requests = [], set()
    for _ in range(runs):
        server.reset_log()
        started = time.perf_counter()
        result = work()
        seconds.append(time.perf_counter() - started)
        requests.add(len(server.requests))
    if len(requests) != 1:
        print(f"  note: runs differed in requests: {sorted(requests)}")
    return max(requests), statistics.median(seconds), result


def named_source(env: Mapping[str, str], name: str) -> RunSource:
    """The source ``name`` configured by ``env``, with its own HTTP client."""
    config = resolve_sources(env, {}).get(name)
    assert config is not None
    return open_source(config, http_client_for(config))


def first_view(data: RunData) -> PageModel:
    """The page model a first visit to ``data``'s page shows: the run's default smoothing, every other
    option at its default (the figure is ``curves_figure(model.chart.display, model.chart.highlights)``)."""
    prepared = prepare(data)
    return build_page(prepared, ViewOptions(smoothing=prepared.default_smoothing))


def visit(
    context: BrowserContext, url: str, timeout_ms: float, until: tuple[str, ...] = ALL_MARKS
) -> dict[str, Any]:
    """Milliseconds from navigation to each mark of ``MARKS_SCRIPT`` and the websocket bytes received
    (``bytes``), in a new tab (a new Streamlit session), once the marks ``until`` are taken (a page
    without the run page's heading never takes "loaded")."""
    page = context.new_page()
    received = [0]

    def on_socket(socket: Any) -> None:
        socket.on("framereceived", lambda payload: received.__setitem__(0, received[0] + len(payload)))

    page.on("websocket", on_socket)
    page.goto(url)
    page.wait_for_function(
        "(until) => until.every((m) => window.__marks[m])", arg=list(until), timeout=timeout_ms
    )
    wait_for_app_run(page)
    marks = page.evaluate("() => window.__marks")
    page.close()
    return {**marks, "bytes": received[0]}


@contextlib.contextmanager
def bench_stores() -> Iterator[list[tuple[str, StoreConfig]]]:
    """A fresh SQLite file, and a PostgreSQL database when the binaries are installed: the archive
    benchmarks measure both."""
    with tempfile.TemporaryDirectory() as folder, contextlib.ExitStack() as stack:
        found = [("SQLite", resolve_store({"DASHBOARD_STORE": f"{folder}/archive.sqlite3"}, {}))]
        if find_bindir() is not None:
            server = stack.enter_context(postgres_server())
            server.create_database("bench")
            found.append(("PostgreSQL", resolve_store({"DASHBOARD_STORE": server.url("bench")}, {})))
        else:
            print("(PostgreSQL binaries not found: SQLite only)")
        yield [(name, config) for name, config in found if config is not None]
