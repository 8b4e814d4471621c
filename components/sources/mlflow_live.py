"""A RUNNING MLflow run read again at the cost of what is new.

``runs/get`` is the one request every refresh makes: it carries the status and each metric's latest step,
and the run's logged-model outputs. The rest is read only when that says it changed:

- a metric whose latest step moved: its points from the last step read on (``get-history-bulk-interval``
  with ``start_step``/``end_step``, one request when fewer than 2,500 steps are new; the whole history of a
  metric first seen, or further behind, paged as at load; every metric whole after a read that failed);
- the logged models (and MLflow's ranking), when the run's model outputs changed or the run ended.

Requests per refresh: nothing new, **1**; new points of K metrics, 1 + K; a new checkpoint, 2 more.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from components.api.mlflow import INTERVAL_POINTS, MLflowClient
from components.api.pagination import Item
from components.data.mlflow import (
    latest_steps,
    merged_history,
    mlflow_history_frame,
    model_steps,
    parse_mlflow_run,
)
from components.domain import RunData
from components.errors import DashboardError
from components.sources.base import SourceInfo, parsed
from components.sources.mlflow import MLflowLive, MLflowRead, load_mlflow_run, mlflow_run, read_models
from components.sources.refresh import Kept, LiveRefresh, Merged, Rebuilt, quiet_after


class MLflowRefresh(LiveRefresh[MLflowLive, dict]):
    """One refresh of one live MLflow run (see the module docstring)."""

    reload_what = "the run again"
    probe_what = "the run again"

    def __init__(self, client: MLflowClient, previous: RunData, info: SourceInfo) -> None:
        super().__init__(previous, info)
        self.client = client.start_load(log=self.log)
        self.run_id = previous.summary.run_id

    def live_state(self) -> MLflowLive | None:
        state = self.previous.resume
        return state if isinstance(state, MLflowLive) else None

    def reload(self, resume: RunData | None) -> RunData:
        return load_mlflow_run(self.client, self.run_id, self.info, log=self.log)

    def probe(self, state: MLflowLive) -> dict:
        return self.client.get_run(self.run_id)

    def merge(self, state: MLflowLive, probe: dict) -> Merged:
        summary = parsed("run from MLflow", parse_mlflow_run, probe, self.info.name)
        steps, outputs = latest_steps(probe), model_steps(probe)
        moved = [key for key, step in steps.items() if step > state.steps.get(key, -1)]
        if "metrics" in state.owed:
            moved = sorted(steps)
        history = self._history(state, moved, steps)
        ended_now = summary.is_terminal and not self.previous.summary.is_terminal
        models, ranked = state.read.models, state.read.ranked
        if outputs != state.models or ended_now or "models" in state.owed:
            models, ranked = read_models(self.client, probe, self.notes, self.owed)
        owed = frozenset(self.owed)
        news = bool(moved) or outputs != state.models or summary != self.previous.summary
        quiet = quiet_after(state.quiet, news)
        read = MLflowRead(probe, history, models, ranked)
        if not news and owed == state.owed:
            kept = replace(state, steps=steps, read=replace(state.read, run=probe), quiet=quiet)
            return Kept(kept, bool(owed))
        return Rebuilt(lambda notes: mlflow_run(read, notes, self.info, owed, quiet))

    def _history(self, state: MLflowLive, moved: list[str], steps: dict[str, int]) -> pd.DataFrame | None:
        """The per-step frame with the new points of the metrics that moved; what was known when a read
        fails (owed)."""
        if not moved:
            return state.read.history
        fresh: dict[str, list[Item]] = {}
        # After a failed read the steps known are the run's, not what was read: read those metrics whole.
        owed = "metrics" in state.owed
        try:
            for key in moved:
                fresh[key] = self._new_points(key, None if owed else state.steps.get(key), steps[key])
        except DashboardError as exc:
            self.owe("metrics", "the new metric points", str(exc))
            return state.read.history
        frame = parsed("metrics from MLflow", mlflow_history_frame, fresh, notes=self.notes)
        return merged_history(state.read.history, frame)

    def _new_points(self, key: str, known: int | None, latest: int) -> list[Item]:
        """One metric's points from its last step read on; its whole history when first seen or far behind."""
        if known is None or latest - known >= INTERVAL_POINTS:
            return self.client.metric_history(self.run_id, key)
        return self.client.metric_steps(self.run_id, key, known, latest)
