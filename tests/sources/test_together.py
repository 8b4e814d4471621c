"""Together AI: raw job, checkpoint and metric objects to RunData (data layer), then the source over real
HTTP against the stand-in (paths, bearer key, request counts, defensive paging, faults)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from components.api import AuthenticationError, NotFoundError
from components.data.metrics import METRIC_NAMES
from components.data.together import (
    NO_ACCURACY,
    parse_together_job,
    together_checkpoints_frame,
    together_metrics_frame,
)
from components.domain import HistorySource, Note, RunRef, RunStatus
from devtools.standin import DEFAULT_API_KEY, Fault, StandInServer, make_together_run, together_job_id
from tests.sources.conftest import OpenSource

JOB = {
    "id": "ft-8b2f1c3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f",
    "status": "completed",
    "created_at": "2024-05-22T19:30:11.123Z",
    "updated_at": "2024-05-22T20:01:00.000Z",
    "model": "meta-llama/Meta-Llama-3.1-8B-Instruct-Reference",
    "model_output_name": "acme/Meta-Llama-3.1-8B-Instruct-Reference-pricer-8b2f1c3e",
    "suffix": "pricer",
    "n_epochs": 2,
    "batch_size": 8,
    "learning_rate": 1e-05,
    "total_steps": 4,
    "token_count": 12_345,
    "training_method": {"method": "sft"},
    "training_file": "file-train",
    "validation_file": "file-valid",
    "early_stopping_best_step": 2,
    "early_stopping_best_metric": 0.7,
}
T0 = 1_716_406_211  # 2024-05-22T19:30:11Z
NS = 1_000_000_000
METRICS = [
    {
        "timestamp": (T0 + 10) * NS,
        "train/global_step": 1,
        "train/epoch": 0.5,
        "train/loss": 1.2,
        "train/learning_rate": 1e-5,
    },
    {
        "timestamp": (T0 + 20) * NS,
        "train/global_step": 2,
        "train/epoch": 1.0,
        "train/loss": 0.9,
        "train/learning_rate": 7e-6,
    },
    {"timestamp": (T0 + 21) * NS, "train/global_step": 2, "train/epoch": 1.0, "eval/loss": 0.7},
    {"timestamp": (T0 + 30) * NS, "train/global_step": 3, "train/epoch": 1.5, "train/loss": 0.6},
    {"timestamp": (T0 + 40) * NS, "train/global_step": 4, "train/epoch": 2.0, "train/loss": 0.4},
    {"timestamp": (T0 + 41) * NS, "train/global_step": 4, "train/epoch": 2.0, "eval/loss": 0.8},
    {"timestamp": (T0 + 42) * NS, "train/epoch": 2.0, "eval/loss": 0.1},  # no step: left out
]
CHECKPOINTS = [  # newest first, as listed; no ids
    {
        "step": 4,
        "created_at": "2024-05-22T19:31:00Z",
        "path": "s3://x/final",
        "checkpoint_type": "Final Merged",
    },
    {
        "step": 4,
        "created_at": "2024-05-22T19:31:00Z",
        "path": "s3://x/final",
        "checkpoint_type": "Final Adapter",
    },
    {"step": 2, "created_at": "2024-05-22T19:30:40Z", "path": "s3://x/2", "checkpoint_type": "Intermediate"},
]


def test_a_together_job_becomes_a_summary() -> None:
    summary = parse_together_job(JOB)
    assert summary.ref == RunRef("together", JOB["id"])
    assert summary.status is RunStatus.SUCCEEDED and summary.status_text == "completed"
    assert summary.fine_tuned_model == summary.name == JOB["model_output_name"]
    assert (summary.base_model, summary.suffix, summary.method) == (JOB["model"], "pricer", "sft")
    assert summary.created_at == pd.Timestamp("2024-05-22 19:30:11.123", tz="UTC")
    assert summary.finished_at == summary.updated_at == pd.Timestamp("2024-05-22 20:01:00", tz="UTC")
    assert (summary.hyperparameters.n_epochs, summary.hyperparameters.batch_size) == (2, 8)
    assert (
        summary.hyperparameters.learning_rate == 1e-5
        and summary.hyperparameters.learning_rate_multiplier is None
    )
    assert (summary.total_steps, summary.trained_tokens) == (4, 12_345)


def test_a_failed_together_job_shows_its_error_event() -> None:
    failed = {
        **JOB,
        "status": "error",
        "events": [{"message": "queued"}, {"level": "Error", "message": "Out of memory"}],
    }
    summary = parse_together_job(failed)
    assert summary.status is RunStatus.FAILED and summary.error_message == "Out of memory"
    assert parse_together_job({**JOB, "status": "running"}).finished_at is None


def test_train_and_eval_records_are_joined_by_step() -> None:
    notes: list[Note] = []
    frame = together_metrics_frame(METRICS, notes=notes)
    assert frame["step"].tolist() == [1, 2, 3, 4]
    assert frame["train_loss"].tolist() == [1.2, 0.9, 0.6, 0.4]
    assert frame["full_valid_loss"].tolist()[1::2] == [0.7, 0.8]  # eval/loss is the whole validation file
    assert np.isnan(frame["full_valid_loss"].tolist()[0])
    for name in ("train_mean_token_accuracy", "valid_mean_token_accuracy", "full_valid_mean_token_accuracy"):
        assert frame[name].isna().all()  # Together reports no accuracy
    assert frame["created_at"].tolist()[0] == pd.Timestamp(T0 + 10, unit="s", tz="UTC")  # nanoseconds read
    assert frame.loc[1, "created_at"] == pd.Timestamp(
        T0 + 21, unit="s", tz="UTC"
    )  # the last record of a step
    assert frame["train/learning_rate"].tolist()[:2] == [1e-5, 7e-6]  # extras keep Together's names
    assert list(frame.columns)[: 1 + len(METRIC_NAMES)] == ["step", *METRIC_NAMES]
    assert [note.text for note in notes] == [
        "Left out 1 entry of the metrics without a usable step (a whole number from 0 to 1,000,000,000)."
    ]


def test_checkpoints_are_named_as_togethers_sdk_names_them() -> None:
    frame = together_checkpoints_frame(CHECKPOINTS, job_id=JOB["id"], output_model=JOB["model_output_name"])
    assert frame["step"].tolist() == [2, 4]
    assert frame["checkpoint_id"].tolist() == [f"{JOB['id']}:2", JOB["id"]]
    assert frame["model"].tolist() == [f"{JOB['id']}:2", JOB["model_output_name"]]
    assert frame["created_at"].tolist()[0] == pd.Timestamp("2024-05-22 19:30:40", tz="UTC")


def test_early_stopping_is_the_declared_decider_by_validation_loss() -> None:
    """Together stops a job when its validation loss stops improving: its best step is declared by that
    loss, lower is better, so the page chooses by the metric Together itself judged by."""
    from components.sources.together import early_stopping_pick

    checkpoints = together_checkpoints_frame(
        CHECKPOINTS, job_id=JOB["id"], output_model=JOB["model_output_name"]
    )
    best = early_stopping_pick(JOB, checkpoints)
    assert best is not None and (best.step, best.value) == (2, 0.7)
    assert best.checkpoint_id == f"{JOB['id']}:2"
    assert (best.decider, best.direction) == ("full_valid_loss", "lower")
    assert best.reason is not None and "early stopping" in best.reason
    assert early_stopping_pick({**JOB, "early_stopping_best_step": None}, checkpoints) is None


# --- over HTTP --------------------------------------------------------------------------------------------


def env(standin: StandInServer) -> dict[str, str]:
    return {"TOGETHER_API_KEY": DEFAULT_API_KEY, "TOGETHER_BASE_URL": standin.together_base_url}


def test_listing_is_one_request_newest_first(standin: StandInServer, open_configured: OpenSource) -> None:
    ids = [together_job_id(str(n)) for n in range(5)]
    for n, job_id in enumerate(ids):
        standin.add_run(make_together_run(job_id, start=1_732_000_000 + 3600 * n))
    page = open_configured(env(standin), "together").list_runs()
    assert [run.run_id for run in page.runs] == ids[::-1]
    assert page.next_cursor is None and standin.count("jobs") == 1
    assert [request.path for request in standin.requests] == ["/together/v1/fine-tunes"]


def test_opening_a_run_reads_the_job_its_checkpoints_and_its_metrics(
    standin: StandInServer, open_configured: OpenSource
) -> None:
    job_id = together_job_id("open")
    standin.add_run(make_together_run(job_id, dpo=True))
    source = open_configured(env(standin), "together")
    run = source.load_run(job_id)

    assert [request.path for request in standin.requests] == [
        f"/together/v1/fine-tunes/{job_id}",
        f"/together/v1/fine-tunes/{job_id}/checkpoints",
        f"/together/v1/fine-tunes/{job_id}/metrics",
    ]
    assert {request.headers["authorization"] for request in standin.requests} == {f"Bearer {DEFAULT_API_KEY}"}
    assert run.history_source is HistorySource.METRICS_ENDPOINT and len(run.history) == 120
    assert run.checkpoints["step"].tolist() == [40, 80, 120]
    # Each checkpoint's numbers are those logged at its step, evaluations included.
    at_40 = run.history.set_index("step").loc[40]
    assert run.checkpoints.loc[0, "train_loss"] == at_40["train_loss"]
    assert run.checkpoints.loc[0, "full_valid_loss"] == at_40["full_valid_loss"] and not math.isnan(
        at_40["full_valid_loss"]
    )
    assert run.unavailable == {"accuracy": NO_ACCURACY}
    assert run.history[["train_mean_token_accuracy", "full_valid_mean_token_accuracy"]].isna().all().all()
    assert {"train/rewards/chosen", "train/kl", "train/grad_norm"} <= set(
        run.history.columns
    )  # DPO extras kept
    assert run.provenance.label == "Together AI" and run.summary.method == "dpo" and run.notes == ()


def test_a_failing_metrics_endpoint_keeps_the_job_and_checkpoints_with_a_note(
    standin: StandInServer, open_configured: OpenSource
) -> None:
    job_id = together_job_id("nometrics")
    standin.add_run(make_together_run(job_id), [Fault("metrics", "status", status=404, times=None)])
    run = open_configured(env(standin), "together").load_run(job_id)
    assert run.is_partial and len(run.checkpoints) == 3
    assert run.history_source is HistorySource.CHECKPOINTS
    [note] = (note.text for note in run.notes)
    assert note.startswith("The job's metrics could not be read (") and "HTTP 404" in note


def test_a_retried_fault_costs_one_more_request(standin: StandInServer, open_configured: OpenSource) -> None:
    job_id = together_job_id("flaky")
    standin.add_run(
        make_together_run(job_id), [Fault("job", "status", status=503, headers={"retry-after-ms": "1"})]
    )
    run = open_configured(env(standin), "together").load_run(job_id)
    assert len(run.history) == 120 and standin.count("job") == 2


def test_unknown_jobs_and_wrong_keys_are_typed_errors(
    standin: StandInServer, open_configured: OpenSource
) -> None:
    source = open_configured(env(standin), "together")
    with pytest.raises(NotFoundError):
        source.load_run(together_job_id("missing"))
    wrong = open_configured({**env(standin), "TOGETHER_API_KEY": "tgp_v1_wrongkey123456"}, "together")
    with pytest.raises(AuthenticationError) as info:
        wrong.list_runs()
    assert "tgp_v1_wrongkey123456" not in str(info.value)


def test_paging_is_followed_should_together_ever_page(open_configured: OpenSource) -> None:
    with StandInServer(together_page_size=2) as paged:
        ids = [together_job_id(f"p{n}") for n in range(3)]
        for n, job_id in enumerate(ids):
            paged.add_run(make_together_run(job_id, n_steps=9, n_epochs=3, start=1_732_000_000 + n))
        source = open_configured(env(paged), "together")
        first = source.list_runs()
        second = source.list_runs(first.next_cursor)
        run = source.load_run(ids[0])
        assert [r.run_id for r in first.runs] == ids[1::-1] and [r.run_id for r in second.runs] == ids[2:]
        assert second.next_cursor is None
        assert run.history["step"].tolist() == list(range(1, 10))
        assert paged.count("metrics") == 5  # 9 steps, 2 per page
