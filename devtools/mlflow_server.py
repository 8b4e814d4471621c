"""A real ``mlflow server`` for tests and benchmarks, and runs logged into it with the real mlflow client.

mlflow is a test dependency only (requirements-dev.txt): the app reads the server over REST with httpx.
The server listens on a free loopback port with a backend store given by URI (SQLite in a temporary
folder by default, or a PostgreSQL database); it is ready when ``/health`` answers, and stopped (its
process group) when the context ends.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

READY_WITHIN = 120.0  # seconds: the server takes ~25 s to start on 2 busy cores


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_ready(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + READY_WITHIN
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"mlflow server exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"mlflow server not ready within {READY_WITHIN:g} s: {log.read_text()[-2000:]}")


@contextmanager
def mlflow_server(backend: str | None = None) -> Iterator[str]:
    """A started ``mlflow server`` (backend store ``backend``; default: SQLite in a temporary folder)."""
    with tempfile.TemporaryDirectory(prefix="mlflow-") as folder:
        store = backend or f"sqlite:///{folder}/mlflow.db"
        port = _free_port()
        log = Path(folder) / "server.log"
        command = [
            str(Path(sys.executable).with_name("mlflow")),
            "server",
            "--backend-store-uri",
            store,
            "--default-artifact-root",
            f"{folder}/artifacts",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
        ]
        with log.open("w") as out:
            process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_ready(url, process, log)
            yield url
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@dataclass(frozen=True)
class LoggedRun:
    """A run logged by :func:`log_run`: its id and its logged models' ids by step."""

    run_id: str
    experiment_id: str
    models: dict[int, str]


def _loss(step: int, steps: int) -> float:
    return 2.0 / (1 + step / max(1, steps) * 10)


def log_run(
    url: str,
    experiment: str,
    name: str,
    *,
    steps: int,
    eval_losses: dict[int, float],
    model_steps: Sequence[int] = (),
    finish: bool = True,
) -> LoggedRun:
    """A run logged with the real client: ``train/loss`` and ``train/learning_rate`` at every step
    (``log_batch``, 1,000 points a call), ``eval/loss`` at the steps given, and an MLflow 3 logged model
    at each of ``model_steps`` (its step recorded as the run's output, the evaluation at it linked)."""
    from mlflow import MlflowClient
    from mlflow.entities import LoggedModelOutput, Metric

    client = MlflowClient(tracking_uri=url)
    found = client.get_experiment_by_name(experiment)
    experiment_id = found.experiment_id if found else client.create_experiment(experiment)
    run = client.create_run(experiment_id, run_name=name)
    run_id = run.info.run_id
    client.log_param(run_id, "learning_rate", "2e-5")
    now = int(time.time() * 1000)
    points = [
        Metric(key, value, now + step, step)
        for step in range(1, steps + 1)
        for key, value in (("train/loss", _loss(step, steps)), ("train/learning_rate", 2e-5))
    ]
    for start in range(0, len(points), 1000):
        client.log_batch(run_id, metrics=points[start : start + 1000], synchronous=True)
    models: dict[int, str] = {}
    for step, value in sorted(eval_losses.items()):
        model_id = None
        if step in model_steps:
            model = client.create_logged_model(experiment_id, name=f"checkpoint-{step}", source_run_id=run_id)
            client.log_outputs(run_id, [LoggedModelOutput(model.model_id, step)])
            model_id = models[step] = model.model_id
        client.log_metric(run_id, "eval/loss", value, step=step, model_id=model_id, synchronous=True)
        if model_id:
            client.finalize_logged_model(model_id, "READY")
    if finish:
        client.set_terminated(run_id, "FINISHED")
    return LoggedRun(run_id, experiment_id, models)


def grow_run(url: str, run: LoggedRun, start: int, steps: int) -> None:
    """``steps`` more training points of a running run, from step ``start``."""
    from mlflow import MlflowClient
    from mlflow.entities import Metric

    client = MlflowClient(tracking_uri=url)
    now = int(time.time() * 1000)
    points = [
        Metric("train/loss", _loss(step, start + steps), now + step, step)
        for step in range(start, start + steps)
    ]
    client.log_batch(run.run_id, metrics=points, synchronous=True)


def finish_run(url: str, run: LoggedRun) -> None:
    from mlflow import MlflowClient

    MlflowClient(tracking_uri=url).set_terminated(run.run_id, "FINISHED")
