"""A live MLflow refresh whose metric read fails keeps what it knew, says so, and the next refresh reads
the metrics whole, so no point logged meanwhile is lost. A scripted client stands in for the server here:
the failure is the point (the real server is in test_mlflow_source.py)."""

from __future__ import annotations

from typing import Any

from components.api.client import RequestLog
from components.api.errors import ServerError
from components.domain import NoteKind
from components.sources.base import SourceInfo, SourceKind
from components.sources.live import refresh_run
from components.sources.mlflow import load_mlflow_run
from components.sources.mlflow_live import MLflowRefresh

INFO = SourceInfo("mlflow", "MLflow", "http://mlflow.test", SourceKind.API, inference=False)


class ScriptedServer:
    """An MLflow run of ``steps`` training points; ``failing`` makes the next metric reads fail."""

    def __init__(self, steps: int) -> None:
        self.steps = steps
        self.failing = False

    def start_load(self, *, log: RequestLog | None = None) -> ScriptedServer:
        return self

    def out_of_time(self) -> bool:
        return False

    def get_run(self, run_id: str) -> dict[str, Any]:
        return {
            "info": {
                "run_id": run_id,
                "experiment_id": "1",
                "status": "RUNNING",
                "start_time": 1_796_668_548_087,
            },
            "data": {"metrics": [{"key": "train/loss", "value": 1.0, "step": self.steps}]},
        }

    def _points(self, start: int, end: int) -> list[dict[str, Any]]:
        if self.failing:
            raise ServerError("The server answered 503.", status=503)
        return [
            {"key": "train/loss", "value": 1 / step, "timestamp": 0, "step": step}
            for step in range(start, end + 1)
        ]

    def metric_history(self, run_id: str, key: str) -> list[dict[str, Any]]:
        return self._points(1, self.steps)

    def metric_steps(self, run_id: str, key: str, start: int, end: int) -> list[dict[str, Any]]:
        return self._points(start, end)

    def logged_models(self, experiment_id: str, run_id: str) -> list[dict[str, Any]]:
        return []


class ScriptedSource:
    def __init__(self, server: ScriptedServer) -> None:
        self.server = server

    def refresh(self, previous):
        return MLflowRefresh(self.server, previous, INFO).run()


def test_a_failed_metric_read_is_owed_and_the_next_refresh_loses_no_point() -> None:
    server = ScriptedServer(steps=10)
    run = load_mlflow_run(server, "abc123", INFO)
    source = ScriptedSource(server)
    server.steps, server.failing = 20, True
    failed = refresh_run(source, run)
    assert failed.error and len(failed.run.history) == 10
    assert any(note.kind is NoteKind.REFRESH_FAILED for note in failed.run.notes)
    server.steps, server.failing = 30, False
    recovered = refresh_run(source, failed.run)
    assert recovered.error is None and recovered.run.history["step"].tolist() == list(range(1, 31))
    assert not any(note.kind is NoteKind.REFRESH_FAILED for note in recovered.run.notes)
