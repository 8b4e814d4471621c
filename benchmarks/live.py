"""What keeping a running job up to date costs: today's full re-read against the live refresh.

Run from the repo root: ``python benchmarks/live.py``. It serves a running 110,000-step job (11 epochs,
a checkpoint every 10,000 steps, the newest three kept) from the stand-in on loopback, at step 100,000, and
measures, each as the median of several runs after a warm-up:

- a full re-read (``load_run``, what every auto-refresh did before issue 10);
- a quiet refresh (``refresh_run`` with nothing new);
- a refresh after 1,000 new steps, and after 1,000 new steps that end an epoch (a checkpoint is saved);
- the same three for a Together AI job (the job object, then the metrics from the last step known).

Requests are counted by the stand-in; seconds are wall time on this machine. Prints numbers; asserts nothing.
"""

from __future__ import annotations

import pickle
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from components.domain import RunData  # noqa: E402
from components.sources import RunSource  # noqa: E402
from components.sources.live import refresh_run  # noqa: E402
from devtools.bench import measure_requests, named_source  # noqa: E402
from devtools.standin import (  # noqa: E402
    DEFAULT_API_KEY,
    StandInServer,
    make_growing_run,
    make_growing_together_run,
    together_job_id,
)

N_STEPS = 110_000
EPOCHS = 11
DONE = 100_000
NEW = 1_000
RUNS = {"full re-read": 3, "refresh": 7}


def source_for(server: StandInServer, name: str) -> RunSource:
    env = {
        "OPENAI_API_KEY": DEFAULT_API_KEY,
        "OPENAI_BASE_URL": server.base_url,
        "TOGETHER_API_KEY": DEFAULT_API_KEY,
        "TOGETHER_BASE_URL": server.together_base_url,
        "DASHBOARD_LOAD_DEADLINE": "600",
        "DASHBOARD_MAX_RESPONSE_MB": "64",
    }
    return named_source(env, name)


def row(label: str, requests: int, seconds: float, steps: int) -> None:
    print(f"  {label:<44} {requests:>8,} {seconds * 1000:>12,.1f} {steps:>10,}")


def bench(server: StandInServer, source: RunSource, job_id: str, title: str) -> None:
    print(f"\n{title}")
    print(f"  {'':<44} {'requests':>8} {'ms (median)':>12} {'steps':>10}")
    previous: RunData = source.load_run(job_id)  # each refresh starts from it: a refresh never changes it

    def full() -> RunData:
        return source.load_run(job_id)

    def refresh() -> RunData:
        return refresh_run(source, previous).run

    requests, seconds, _ = measure_requests(server, full, RUNS["full re-read"])
    row(f"full re-read at step {DONE:,} (before)", requests, seconds, len(previous.history))
    requests, seconds, _ = measure_requests(server, refresh, RUNS["refresh"])
    row("quiet refresh", requests, seconds, len(refresh().history))
    server.advance(job_id, NEW)
    requests, seconds, _ = measure_requests(server, refresh, RUNS["refresh"])
    row(f"refresh after {NEW:,} new steps", requests, seconds, len(refresh().history))
    requests, seconds, _ = measure_requests(server, full, RUNS["full re-read"])
    row(f"full re-read after {NEW:,} new steps (before)", requests, seconds, len(full().history))
    size = len(pickle.dumps(previous))
    server.advance(job_id, 10_000 - 2 * NEW)
    previous = source.load_run(job_id)
    server.advance(job_id, NEW)  # these steps end an epoch: a checkpoint is saved
    requests, seconds, _ = measure_requests(server, refresh, RUNS["refresh"])
    row(f"refresh after {NEW:,} new steps ending an epoch", requests, seconds, len(refresh().history))
    print(f"  the run at step {DONE:,} with its refresh state, pickled: {size / 1e6:,.1f} MB")


def main() -> None:
    with StandInServer() as server:
        print(f"Building a {N_STEPS:,}-step job at step {DONE:,}…", flush=True)
        server.add_run(make_growing_run("ftjob-live", n_steps=N_STEPS, n_epochs=EPOCHS, done=DONE))
        together = together_job_id("live")
        server.add_run(make_growing_together_run(together, n_steps=N_STEPS, n_epochs=EPOCHS, done=DONE))
        bench(server, source_for(server, "openai"), "ftjob-live", "OpenAI (Azure OpenAI reads the same way)")
        bench(server, source_for(server, "together"), together, "Together AI")


if __name__ == "__main__":
    main()
