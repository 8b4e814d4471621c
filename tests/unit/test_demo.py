"""The built-in demo goes through the real client and parsers, so it must stay a faithful API job."""

from __future__ import annotations

import json

import pytest

from components.api import FineTuningClient, NotFoundError, make_http_client
from components.data.recommend import recommend
from components.demo import DEMO_CONFIG, DEMO_JOB_ID, FIXTURES, demo_transport
from components.sources.openai import load_run


@pytest.fixture
def demo_client() -> FineTuningClient:
    http = make_http_client(DEMO_CONFIG.base_url, read_timeout=1, max_retries=0, transport=demo_transport())
    return FineTuningClient(http, DEMO_CONFIG)


def test_the_demo_fixtures_have_the_api_shapes() -> None:
    page = json.loads((FIXTURES / "checkpoints.json").read_text())
    assert page["object"] == "list" and page["has_more"] is False
    steps = [item["step_number"] for item in page["data"]]
    assert steps == sorted(steps, reverse=True)  # newest first, as the API sends them
    assert {"id", "created_at", "fine_tuned_model_checkpoint", "metrics", "step_number"} <= set(
        page["data"][0]
    )


def test_the_demo_job_loads_a_full_run_through_the_real_parsers(demo_client: FineTuningClient) -> None:
    run = load_run(demo_client, DEMO_JOB_ID)
    assert run.summary.status == "succeeded" and run.summary.hyperparameters.n_epochs == 4
    assert run.history_source == "result file"
    assert len(run.history) == 480 and run.history["step"].is_monotonic_increasing
    assert run.checkpoints["step"].tolist() == [240, 360, 480]
    advice = recommend(run.checkpoints, run.history)
    # The demo is built to show overfitting: the best checkpoint is not the final one.
    assert advice is not None and advice.step < 480 and advice.metric == "full_valid_loss"


def test_anything_but_the_demo_job_is_not_found(demo_client: FineTuningClient) -> None:
    with pytest.raises(NotFoundError):
        demo_client.get_job("ftjob-other")
