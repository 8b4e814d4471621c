"""What the job list and a long Together AI job cost: requests and seconds, against the stand-in on loopback.

Run from the repo root: ``python benchmarks/sources.py``. It measures, each as the median of a few runs
after a warm-up:

- listing 1,000 OpenAI jobs and 1,000 Azure OpenAI jobs page by page, as Load more does (one request per
  100 jobs), and building the list's table from them (``job_rows``);
- the search and status filter over the 1,000 listed runs (what each keystroke costs the page);
- opening a 100,000-step Together AI job with the default limits (its metrics in step windows that fit
  the 8 MB response limit; one answer would be about 18 MB).

Requests are counted by the stand-in; seconds are wall time on this machine. Prints numbers; asserts nothing.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from components.domain import RunStatus, filter_status, search_runs  # noqa: E402
from components.page.job_rows import job_rows  # noqa: E402
from devtools.bench import measure_requests, named_source  # noqa: E402
from devtools.standin import (  # noqa: E402
    DEFAULT_API_KEY,
    StandInServer,
    azure_job_id,
    make_checkpoints_only,
    make_together_run,
    together_job_id,
)

JOBS = 1_000
TOGETHER_STEPS = 99_999
START = 1_750_000_000


def list_all(listing) -> list:
    runs, cursor = [], None
    while True:
        page = listing.list_runs(cursor)
        runs.extend(page.runs)
        cursor = page.next_cursor
        if cursor is None:
            return runs


def main() -> None:
    with StandInServer() as server:
        for n in range(JOBS):
            created = START + n
            server.add_run(make_checkpoints_only(f"ftjob-{n:05d}", 1, start=created), job_id=f"ftjob-{n:05d}")
            server.add_run(
                make_checkpoints_only(azure_job_id(f"b{n}"), 1, start=created),
                job_id=azure_job_id(f"b{n}"),
                provider="azure",
            )
        together = together_job_id("bench")
        server.add_run(make_together_run(together, n_steps=TOGETHER_STEPS, n_epochs=3))
        envs = {
            "openai": {"OPENAI_API_KEY": DEFAULT_API_KEY, "OPENAI_BASE_URL": server.base_url},
            "azure": {
                "AZURE_OPENAI_ENDPOINT": server.azure_endpoint,
                "AZURE_OPENAI_API_KEY": DEFAULT_API_KEY,
            },
            "together": {
                "TOGETHER_API_KEY": DEFAULT_API_KEY,
                "TOGETHER_BASE_URL": server.together_base_url,
            },
        }
        print(f"{'what':<58} {'requests':>8} {'seconds':>8}")
        runs = []
        for name in ("openai", "azure"):
            listing = named_source(envs[name], name)
            requests, seconds, runs = measure_requests(server, lambda listing=listing: list_all(listing))
            label = f"list {len(runs):,} {name} jobs (Load more x{requests - 1})"
            print(f"{label:<58} {requests:>8} {seconds:>8.3f}")
        _, seconds, frame = measure_requests(server, lambda: job_rows(runs, date.today()))
        print(f"{f'job list table of {len(frame):,} rows':<58} {0:>8} {seconds:>8.4f}")
        _, seconds, shown = measure_requests(
            server, lambda: filter_status(search_runs(runs, "b12"), {RunStatus.SUCCEEDED})
        )
        print(f"{f'search + filter over {len(runs):,} runs ({len(shown)} shown)':<58} {0:>8} {seconds:>8.4f}")
        long_job = named_source(envs["together"], "together")
        requests, seconds, run = measure_requests(server, lambda: long_job.load_run(together), runs=2)
        metrics = sum(1 for request in server.requests if request.path.endswith("/metrics"))
        label = f"open a {TOGETHER_STEPS:,}-step Together job ({metrics} metrics windows)"
        print(f"{label:<58} {requests:>8} {seconds:>8.3f}")
        print(f"  {len(run.history):,} steps read, partial: {run.is_partial}")


if __name__ == "__main__":
    main()
