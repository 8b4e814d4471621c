"""One MLflow run read into a run: its info and params, every metric's history, its logged models as
checkpoints, and MLflow's own ranking of them beside ours. The source is ``components.sources.mlflow_source``.

Requests to open a run: 1 (``runs/get``: status, params, each metric's latest step, the logged models'
steps) + for each metric ceil(points / 25,000) pages of ``metrics/get-history`` + ceil(models / 50) pages
of ``logged-models/search`` + 1 for MLflow's ranking (``logged-models/search`` ordered by the metric our
decider chooses by). A 100,000-step run logging 3 metrics every step and 10 evaluations: 1 + 12 + 1 + 1 = 15.
A metric or the models that cannot be read become a note (the run is partial, Refresh reads them again),
not an error page.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from components.api.client import RequestLog
from components.api.mlflow import MLflowClient
from components.api.pagination import Item
from components.data.checkpoints import checkpoints_frame, with_step_metrics
from components.data.history import build_history, densest
from components.data.metrics import BY_NAME
from components.data.mlflow import (
    MLFLOW_METRICS,
    checkpoint_records,
    latest_steps,
    mlflow_history_frame,
    model_steps,
    parse_mlflow_run,
    ranking_metric,
)
from components.domain import (
    Conventions,
    HistorySource,
    Note,
    NoteKind,
    Provenance,
    ProviderBest,
    RunData,
)
from components.errors import DashboardError
from components.sources.base import Progress, SourceInfo, parsed

MLFLOW_LABEL = "MLflow"
MLFLOW_CONVENTIONS = Conventions(
    full_validation="Evaluation",
    full_validation_detail="full validation set",
    checkpoints_saved="only the steps where the run logged a model (log_model with a step) are checkpoints",
)
NO_MODELS = (
    "This run logged no MLflow 3 models (log_model(…, step=N)), so it has no checkpoints to recommend; its "
    "curves are shown."
)


@dataclass(frozen=True)
class MLflowRead:
    """What one load or refresh read of a run: the run object, its per-step frame (None: unreadable),
    its logged models, and MLflow's first-ranked model by the metric named (None: no ranking)."""

    run: dict[str, Any]
    history: pd.DataFrame | None
    models: list[Item]
    ranked: tuple[str, bool, Item] | None = None  # metric as logged, ascending, the first model


@dataclass(frozen=True)
class MLflowLive:
    """What a live refresh builds on: each metric's last step read, the models' ids and steps, the
    per-step frame, the reads owed, and how many refreshes in a row found nothing."""

    steps: dict[str, int]
    models: dict[str, int]
    read: MLflowRead = field(repr=False, compare=False)
    quiet: int = 0
    owed: frozenset[str] = frozenset()


def _ranking(read: MLflowRead, checkpoints: pd.DataFrame) -> ProviderBest | None:
    """MLflow's ranking of the run's logged models, shown beside our recommendation."""
    if read.ranked is None:
        return None
    key, ascending, model = read.ranked
    model_id = model.get("info", {}).get("model_id")
    at = checkpoints.loc[checkpoints["checkpoint_id"] == model_id, "step"]
    values = [
        item.get("value") for item in model.get("data", {}).get("metrics", []) if item.get("key") == key
    ]
    order = "lowest first" if ascending else "highest first"
    decider = MLFLOW_METRICS.get(key, key)
    return ProviderBest(
        label=f"MLflow's ranking (search_logged_models by metrics.{key}, {order})",
        checkpoint_id=model_id if len(at) else None,
        step=int(at.iloc[0]) if len(at) else None,
        metric=key,
        value=values[-1] if values and isinstance(values[-1], int | float) else None,
        decider=decider if decider in BY_NAME or decider in checkpoints else None,
        direction="lower" if ascending else "higher",
        reason=f"MLflow orders the run's logged models by the latest value of {key}, {order}.",
    )


def mlflow_run(
    read: MLflowRead, notes: list[Note], info: SourceInfo, owed: frozenset[str], quiet: int = 0
) -> RunData:
    """The run from its parts (``owed``: reads that failed, so the run is partial and refreshed)."""
    summary = parsed("run from MLflow", parse_mlflow_run, read.run, info.name)
    records = parsed("logged models from MLflow", checkpoint_records, read.models, model_steps(read.run))
    checkpoints = parsed("logged models from MLflow", checkpoints_frame, records, notes=notes)
    if read.history is not None:
        checkpoints = with_step_metrics(checkpoints, read.history)
    if checkpoints.empty and "models" not in owed:
        notes.append(Note(NoteKind.INFO, NO_MODELS))
    per_step, source = densest(checkpoints, (read.history, HistorySource.METRICS_ENDPOINT))
    history = parsed("metrics from MLflow", build_history, checkpoints, per_step, source)
    live = not summary.is_terminal or bool(owed)
    last = int(history["step"].max()) if not history.empty else None
    run = RunData(
        summary=summary,
        checkpoints=checkpoints,
        history=history,
        history_source=source,
        provenance=Provenance.now(info.name, info.label, info.endpoint),
        total_steps=summary.total_steps or (last if summary.is_terminal else None),
        notes=tuple(dict.fromkeys(notes)),
        provider_best=_ranking(read, checkpoints),
        conventions=info.conventions,
        is_partial=bool(owed),
    )
    if not live:
        return run
    return replace(run, resume=MLflowLive(latest_steps(read.run), model_steps(read.run), read, quiet, owed))


def read_histories(
    client: MLflowClient, run_id: str, keys: list[str], notes: list[Note], owed: set[str]
) -> dict[str, list[Item]]:
    """Every point of each metric named; one that cannot be read is noted and owed."""
    histories: dict[str, list[Item]] = {}
    for key in keys:
        if client.out_of_time():
            owed.add("metrics")
            notes.append(
                Note(NoteKind.PARTIAL, "The time limit for one load ran out before every metric was read.")
            )
            break
        try:
            histories[key] = client.metric_history(run_id, key)
        except DashboardError as exc:
            owed.add("metrics")
            notes.append(Note(NoteKind.PARTIAL, f"The history of one metric could not be read ({exc})."))
    return histories


def read_models(
    client: MLflowClient, run: dict[str, Any], notes: list[Note], owed: set[str]
) -> tuple[list[Item], tuple[str, bool, Item] | None]:
    """The run's logged models and MLflow's first-ranked one (None: no metric to rank by, or none)."""
    info = run["info"]
    experiment, run_id = str(info.get("experiment_id", "")), str(info["run_id"])
    try:
        models = client.logged_models(experiment, run_id)
        chosen = ranking_metric(models) if models else None
        if chosen is None:
            return models, None
        key, decider = chosen
        ascending = decider.metric.direction.value == "lower"
        first = client.ranked_first(experiment, run_id, key, ascending)
        return models, None if first is None else (key, ascending, first)
    except DashboardError as exc:
        owed.add("models")
        notes.append(Note(NoteKind.PARTIAL, f"The run's logged models could not be read ({exc})."))
        return [], None


def load_mlflow_run(
    client: MLflowClient,
    run_id: str,
    info: SourceInfo,
    on_progress: Progress | None = None,
    log: RequestLog | None = None,
) -> RunData:
    """The run whole (see the module docstring for the requests), read with ``client``."""
    report = on_progress or (lambda _message: None)
    client = client.start_load(log=log)
    notes: list[Note] = []
    owed: set[str] = set()
    report("Reading the run…")
    run = client.get_run(run_id)
    keys = sorted(latest_steps(run))
    report(f"Reading {len(keys)} metric histories…")
    histories = read_histories(client, run_id, keys, notes, owed)
    history = parsed("metrics from MLflow", mlflow_history_frame, histories, notes=notes)
    report("Reading the logged models…")
    models, ranked = read_models(client, run, notes, owed)
    read = MLflowRead(run, history if histories or not keys else None, models, ranked)
    return mlflow_run(read, notes, info, frozenset(owed))
