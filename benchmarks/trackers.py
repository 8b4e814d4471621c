"""What reading runs from an MLflow server, Trackio and a named OpenAI-compatible provider costs (issue 19).

Run from the repo root: ``python benchmarks/trackers.py`` (a few minutes: it starts a real ``mlflow server``
with a SQLite store and logs a 100,000-step run into it with the real client). It prints:

- **MLflow, opening a 100,000-step RUNNING run** (``train/loss`` and ``train/learning_rate`` every step,
  ``eval/loss`` every 1,000 steps with a logged model at each of the last 10): requests by kind and the
  median time, against the baseline of MLflow's own Python client reading the same three histories
  (``MlflowClient.get_metric_history``, which also pages by 25,000) in the same run: a ratio.
- **Quiet refresh of each source** (nothing new): MLflow (requests, ms), Trackio (a 20,000-row run
  written by the real trackio package: queries, ms), a named compatible provider on the stand-in
  (requests, ms); and MLflow and Trackio after new points.

``python benchmarks/trackers.py trackio`` runs one part (mlflow, trackio, compatible). Prints numbers;
asserts nothing.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from components.api.client import RequestLog  # noqa: E402
from components.sources import open_source, resolve_sources  # noqa: E402
from components.sources.live import refresh_run  # noqa: E402
from components.sources.mlflow import load_mlflow_run  # noqa: E402
from devtools.bench import measure_requests, named_source  # noqa: E402
from devtools.mlflow_server import grow_run, log_run, mlflow_server  # noqa: E402
from devtools.standin import DEFAULT_API_KEY, StandInServer, make_growing_run  # noqa: E402

STEPS = 100_000
EVALS = {step: 1.5 - step / 400_000 for step in range(1_000, STEPS + 1, 1_000)}
MODELS = tuple(range(STEPS - 9_000, STEPS + 1, 1_000))
TRACKIO_ROWS = 20_000
ENV = {"DASHBOARD_LOAD_DEADLINE": "600"}


def median_seconds(work: Callable[[], object], runs: int = 3) -> float:
    work()
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


def bench_mlflow() -> None:
    with mlflow_server() as url:
        started = time.perf_counter()
        logged = log_run(
            url, "bench", "100k", steps=STEPS, eval_losses=EVALS, model_steps=MODELS, finish=False
        )
        print(f"MLflow: logged {STEPS:,} steps in {time.perf_counter() - started:.0f} s")
        registry = resolve_sources({"MLFLOW_TRACKING_URI": url, **ENV}, {})
        source = open_source(registry.get("mlflow"))
        log = RequestLog()
        run = load_mlflow_run(source._client, logged.run_id, source.info, log=log)
        ours = median_seconds(lambda: source.load_run(logged.run_id))

        from mlflow import MlflowClient

        client = MlflowClient(tracking_uri=url)
        keys = ("train/loss", "train/learning_rate", "eval/loss")
        baseline = median_seconds(lambda: [client.get_metric_history(logged.run_id, key) for key in keys])
        print(f"  open a {len(run.history):,}-step run: {log.total} requests {log.counts()}")
        print(
            f"  median {ours:.2f} s; MLflow's own client reading the 3 histories {baseline:.2f} s; "
            f"ratio {ours / baseline:.2f}"
        )
        print(f"  checkpoints {len(run.checkpoints)}, MLflow ranks first step {run.provider_best.step:,}")
        quiet = refresh_run(source, run)
        quiet_s = median_seconds(lambda: refresh_run(source, run))
        print(f"  quiet refresh: {quiet.requests} request {quiet.reads}, median {quiet_s * 1000:.0f} ms")
        grow_run(url, logged, STEPS + 1, 1_000)
        grown = refresh_run(source, run)
        grown_s = median_seconds(lambda: refresh_run(source, run))
        print(
            f"  refresh after 1,000 new steps: {grown.requests} requests {grown.reads}, "
            f"median {grown_s * 1000:.0f} ms, {grown.new_steps:,} new steps"
        )


TRACKIO_WRITER = textwrap.dedent(
    """
    import sys, trackio
    trackio.init(project="bench", name="long")
    for step in range(int(sys.argv[1])):
        trackio.log({"train/loss": 1.0 / (step + 1), "train/learning_rate": 2e-5}, step=step)
    trackio.finish()
    """
)


def bench_trackio() -> None:
    with tempfile.TemporaryDirectory() as folder:
        env = {"TRACKIO_DIR": folder, "PATH": "/usr/bin:/bin", "HOME": folder}
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", TRACKIO_WRITER, str(TRACKIO_ROWS)],
            env=env,
            check=True,
            capture_output=True,
        )
        print(f"\nTrackio: logged {TRACKIO_ROWS:,} rows in {time.perf_counter() - started:.0f} s")
        source = open_source(resolve_sources({"TRACKIO_DIR": folder}, {}).get("trackio"))
        run_id = source.list_runs().runs[0].run_id
        run = source.load_run(run_id)  # read while it counts as running (it logged less than 2 minutes ago)
        assert not run.summary.is_terminal
        quiet_s = median_seconds(lambda: refresh_run(source, run))
        opened = median_seconds(lambda: source.load_run(run_id))
        print(f"  open: median {opened * 1000:.0f} ms for {len(run.history):,} steps")
        print(
            "  quiet refresh: 0 requests (one query of the rows past the last row id), "
            f"median {quiet_s * 1000:.1f} ms"
        )


def bench_compatible() -> None:
    with StandInServer() as server:
        server.add_run(make_growing_run("ftjob-growing", n_steps=10_000, n_epochs=2, done=5_000))
        env = {
            "DASHBOARD_COMPATIBLE_PROVIDERS": f"nebius,{server.base_url},NEBIUS_API_KEY,Nebius Token Factory",
            "NEBIUS_API_KEY": DEFAULT_API_KEY,
        }
        source = named_source(env, "nebius")
        run = source.load_run("ftjob-growing")
        requests, seconds, _ = measure_requests(server, lambda: refresh_run(source, run), 5)
        print(
            f"\nCompatible provider (stand-in): quiet refresh {requests} request(s), "
            f"median {seconds * 1000:.0f} ms"
        )


BENCHES = {"mlflow": bench_mlflow, "trackio": bench_trackio, "compatible": bench_compatible}

if __name__ == "__main__":
    for name in sys.argv[1:] or BENCHES:  # e.g. `python benchmarks/trackers.py trackio`
        BENCHES[name]()
