"""How fast the dashboard reads 2,500 checkpoints (25 pages) compared with a bare loop and the official SDK.

Run from the repo root: ``python benchmarks/fetch.py``. It serves the stand-in API on loopback, warms each
method up once, then reports the median of 5 runs. Every client is built once, outside the timing, as the
app's pooled client is (one per base URL, kept by ``st.cache_resource``). Prints numbers; asserts nothing.
"""

from __future__ import annotations

import math
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from components.api import FineTuningClient, make_http_client  # noqa: E402
from components.sources.openai import load_run  # noqa: E402
from devtools.configs import openai_config  # noqa: E402
from devtools.standin import DEFAULT_API_KEY, StandInServer, make_checkpoints_only  # noqa: E402

JOB_ID = "ftjob-bench"
N_CHECKPOINTS = 2_500
RUNS = 5
PAGE = 100


def measure(server: StandInServer, fetch: Callable[[], int]) -> tuple[int, float, int]:
    """(requests per run, median seconds, items per run) after one warm-up run."""
    fetch()
    seconds, requests, items = [], set(), set()
    for _ in range(RUNS):
        before = len(server.requests)
        started = time.perf_counter()
        items.add(fetch())
        seconds.append(time.perf_counter() - started)
        requests.add(len(server.requests) - before)
    if len(requests) != 1 or len(items) != 1:
        print(f"  note: runs differed: requests {sorted(requests)}, items {sorted(items)}")
    return max(requests), statistics.median(seconds), max(items)


def floor_fetch(http: httpx.Client) -> Callable[[], int]:
    """The least a client can do: one GET per page, limit=100, after=<last id>, no parsing beyond JSON."""

    def fetch() -> int:
        items: list[dict] = []
        params: dict[str, str | int] = {"limit": PAGE}
        while True:
            page = http.get(f"fine_tuning/jobs/{JOB_ID}/checkpoints", params=params).json()
            items += page["data"]
            if not page["has_more"] or not page["data"]:
                return len(items)
            params = {"limit": PAGE, "after": page["data"][-1]["id"]}

    return fetch


def sdk_fetch(base_url: str) -> Callable[[], int] | str:
    """The official SDK's auto-paginating iterator, or why it cannot be measured."""
    try:
        from openai import OpenAI
    except ImportError as exc:
        return f"openai not importable ({exc})"
    client = OpenAI(api_key=DEFAULT_API_KEY, base_url=base_url)

    def fetch() -> int:
        return sum(1 for _ in client.fine_tuning.jobs.checkpoints.list(JOB_ID, limit=PAGE))

    return fetch


def main() -> None:
    with StandInServer() as server:
        server.add_run(make_checkpoints_only(JOB_ID, N_CHECKPOINTS))
        config = openai_config(DEFAULT_API_KEY, server.base_url)
        app_http = make_http_client(config.base_url, read_timeout=config.limits.read_timeout, max_retries=2)
        app_client = FineTuningClient(app_http, config)
        floor_http = httpx.Client(
            base_url=server.base_url + "/", headers={"Authorization": f"Bearer {DEFAULT_API_KEY}"}
        )
        methods: list[tuple[str, Callable[[], int] | str]] = [
            ("floor: httpx loop", floor_fetch(floor_http)),
            ("app: list_checkpoints", lambda: len(app_client.list_checkpoints(JOB_ID))),
            ("app: load_run (job+ckpts+events)", lambda: len(load_run(app_client, JOB_ID).checkpoints)),
            ("openai SDK: checkpoints.list", sdk_fetch(server.base_url)),
        ]
        results: dict[str, tuple[int, float, int] | str] = {}
        for name, fetch in methods:
            results[name] = fetch if isinstance(fetch, str) else measure(server, fetch)
        app_http.close()
        floor_http.close()

    floor = results["floor: httpx loop"]
    assert not isinstance(floor, str)
    print(f"Fetching {N_CHECKPOINTS:,} checkpoints of {JOB_ID} from the stand-in on loopback")
    print(
        f"(median of {RUNS} runs after a warm-up; Python {sys.version.split()[0]}, httpx {httpx.__version__})"
    )
    print()
    print(f"{'method':36} {'requests':>8} {'items':>6} {'median s':>9} {'× floor':>8}")
    for name, result in results.items():
        if isinstance(result, str):
            print(f"{name:36} skipped: {result}")
            continue
        requests, seconds, items = result
        print(f"{name:36} {requests:>8} {items:>6} {seconds:>9.4f} {seconds / floor[1]:>8.2f}")
    print()
    requests, seconds, items = results["app: list_checkpoints"]  # type: ignore[misc]
    wanted = math.ceil(N_CHECKPOINTS / PAGE)
    met = requests == wanted and items == N_CHECKPOINTS and seconds <= 1.5 * floor[1]
    print(
        f"Target: requests == ceil(N/100) = {wanted} and time <= 1.5 x floor ({1.5 * floor[1]:.4f} s): "
        f"{'MET' if met else 'NOT MET'} (app: {requests} requests, {items:,} items, {seconds:.4f} s, "
        f"{seconds / floor[1]:.2f} x floor)"
    )


if __name__ == "__main__":
    main()
