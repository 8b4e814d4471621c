"""The MLflow source against a real ``mlflow server`` (SQLite backend store; PostgreSQL in one test), filled
with the real mlflow client: runs listed by experiment newest first and searched with the server's own
filter, a run's every metric and its MLflow 3 logged models as checkpoints, MLflow's ranking beside ours,
and a RUNNING run refreshed reading only its new points."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from components.api.client import RequestLog
from components.sources import resolve_sources
from components.sources.base import RunSource
from components.sources.live import refresh_run
from components.sources.mlflow import load_mlflow_run
from devtools.mlflow_server import finish_run, grow_run, log_run, mlflow_server
from tests.sources.conftest import OpenSource

EVALS = {10: 1.40, 20: 1.25, 30: 1.32}  # the best evaluation, and checkpoint, is at step 20


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with mlflow_server() as url:
        yield url


def _source(open_configured: OpenSource, url: str) -> RunSource:
    return open_configured({"MLFLOW_TRACKING_URI": url}, "mlflow")


def test_a_run_with_three_logged_checkpoints_opens_with_every_metric_and_mlflows_ranking(
    server: str, open_configured: OpenSource
) -> None:
    logged = log_run(
        server, "sft", "three-checkpoints", steps=30, eval_losses=EVALS, model_steps=(10, 20, 30)
    )
    source = _source(open_configured, server)
    log = RequestLog()
    run = load_mlflow_run(source._client, logged.run_id, source.info, log=log)
    assert run.summary.status.is_terminal and run.summary.name == "three-checkpoints"
    assert run.checkpoints["step"].tolist() == [10, 20, 30]
    assert run.checkpoints["checkpoint_id"].tolist() == [logged.models[step] for step in (10, 20, 30)]
    assert run.checkpoints["model"].tolist() == [f"models:/{logged.models[step]}" for step in (10, 20, 30)]
    assert run.checkpoints["full_valid_loss"].tolist() == [EVALS[10], EVALS[20], EVALS[30]]
    assert len(run.history) == 30 and run.history["train_loss"].notna().all()
    assert "train/learning_rate" in run.history.columns
    best = run.provider_best
    assert best is not None and best.checkpoint_id == logged.models[20] and best.step == 20
    assert best.metric == "eval/loss" and best.decider == "full_valid_loss" and best.direction == "lower"
    # runs/get, 3 histories (one page each), the models (one page), MLflow's ranking
    assert log.counts() == {"job": 1, "metrics": 3, "checkpoints": 2}


def test_runs_are_listed_newest_first_with_their_experiment_and_searched_by_the_servers_filter(
    server: str, open_configured: OpenSource
) -> None:
    older = log_run(server, "listing-a", "older", steps=3, eval_losses={3: 2.0})
    newer = log_run(server, "listing-b", "newer", steps=3, eval_losses={3: 0.5})
    source = _source(open_configured, server)
    listed = [run for run in source.list_runs().runs if run.run_id in (older.run_id, newer.run_id)]
    assert [run.name for run in listed] == ["listing-b · newer", "listing-a · older"]
    found = source.search_runs("metrics.`eval/loss` < 1")
    assert [run.run_id for run in found.runs] == [newer.run_id]


def test_a_running_run_grows_and_a_refresh_reads_only_its_new_points(
    server: str, open_configured: OpenSource
) -> None:
    logged = log_run(
        server, "live", "running", steps=50, eval_losses={50: 1.0}, model_steps=(50,), finish=False
    )
    source = _source(open_configured, server)
    run = source.load_run(logged.run_id)
    assert not run.summary.is_terminal and len(run.history) == 50
    quiet = refresh_run(source, run)
    assert quiet.requests == 1 and not quiet.changed  # runs/get alone
    grow_run(server, logged, 51, 25)
    grown = refresh_run(source, quiet.run)
    assert grown.changed and grown.new_steps == 25 and len(grown.run.history) == 75
    assert grown.reads == {"job": 1, "metrics": 1}  # only train/loss moved, read from its last step on
    assert grown.run.history["train_loss"].notna().all()
    assert grown.run.checkpoints["step"].tolist() == [50]
    finish_run(server, logged)
    ended = refresh_run(source, grown.run)
    assert ended.finished and ended.complete


def test_a_server_that_needs_a_token_gets_it_in_a_header_never_in_the_url(server: str) -> None:
    registry = resolve_sources(
        {
            "MLFLOW_TRACKING_URI": server,
            "MLFLOW_TRACKING_USERNAME": "me",
            "MLFLOW_TRACKING_PASSWORD": "s3cret",
        },
        {},
    )
    config = registry.get("mlflow")
    assert config is not None and "s3cret" not in config.api.base_url and "s3cret" not in repr(config)
    assert config.api.auth.headers()["Authorization"].startswith("Basic ")
    problems = resolve_sources({"MLFLOW_TRACKING_URI": "file:///tmp/mlruns"}, {}).problems
    assert "not read by the dashboard" in problems[0].message
    problems = resolve_sources({"MLFLOW_TRACKING_URI": "http://me:pw@127.0.0.1:1"}, {}).problems
    assert "pw" not in problems[0].message


def test_a_server_on_postgresql_reads_the_same(postgres, open_configured: OpenSource) -> None:
    postgres.create_database("mlflow_backend")
    with mlflow_server(postgres.url("mlflow_backend")) as url:
        logged = log_run(
            url, "pg", "on-postgres", steps=20, eval_losses={10: 1.1, 20: 1.3}, model_steps=(10, 20)
        )
        run = _source(open_configured, url).load_run(logged.run_id)
    assert run.checkpoints["step"].tolist() == [10, 20]
    assert run.provider_best is not None and run.provider_best.step == 10


def test_a_finished_mlflow_run_is_archived_and_served_from_the_archive_as_read(
    server: str, tmp_path, open_configured: OpenSource
) -> None:
    from components.archive.service import OpenOptions, ServedFrom, connect_archive, open_with_archive
    from components.store import forget_stores, resolve_store

    logged = log_run(
        server, "kept", "archived", steps=20, eval_losses={10: 1.2, 20: 1.1}, model_steps=(10, 20)
    )
    store = resolve_store({"DASHBOARD_STORE": str(tmp_path / "archive.sqlite3")}, {})
    registry = resolve_sources({"MLFLOW_TRACKING_URI": server}, {}, store=store)
    config = registry.get("mlflow")
    source = _source(open_configured, server)
    try:
        first = open_with_archive(
            connect_archive(registry), config, source, logged.run_id, options=OpenOptions()
        )
        assert first.served_from is ServedFrom.SOURCE and first.saved_at is not None
        forget_stores()
        again = open_with_archive(
            connect_archive(registry), config, source, logged.run_id, options=OpenOptions()
        )
    finally:
        forget_stores()
    assert again.served_from is ServedFrom.ARCHIVE
    assert again.run.checkpoints["checkpoint_id"].tolist() == first.run.checkpoints["checkpoint_id"].tolist()
    assert again.run.provider_best == first.run.provider_best
