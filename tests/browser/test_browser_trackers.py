"""Runs from an MLflow server, Trackio and two named OpenAI-compatible providers in a real browser: an MLflow
run with 3 logged checkpoints picks the one MLflow's own ranking does, is compared with an OpenAI run,
a running MLflow run grows in place, a Trackio run opens with all its metrics, and two providers are
listed side by side."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from devtools.harness import CHROMIUM, RunningApp, app_process, wait_for_app_run
from devtools.mlflow_server import LoggedRun, finish_run, grow_run, log_run, mlflow_server
from devtools.standin import DEFAULT_API_KEY, StandInServer
from tests.browser.apps import S300, keyed_env
from tests.browser.charts import TRAINING_LOSS_TRACE, traces, wait_for_chart, wait_for_charts
from tests.sources.test_trackio_source import LOG_RUN

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no chromium at {CHROMIUM}"),
]
EVALS = {100: 1.40, 200: 1.22, 300: 1.31}


@pytest.fixture(scope="module")
def mlflow_url() -> Iterator[str]:
    with mlflow_server() as url:
        yield url


@pytest.fixture(scope="module")
def logged(mlflow_url: str) -> dict[str, LoggedRun]:
    return {
        "done": log_run(
            mlflow_url, "sft", "three-checkpoints", steps=300, eval_losses=EVALS, model_steps=(100, 200, 300)
        ),
        "running": log_run(mlflow_url, "live", "running", steps=100, eval_losses={100: 1.3}, finish=False),
    }


@pytest.fixture(scope="module")
def trackio_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("trackio")
    env = {"TRACKIO_DIR": str(folder), "PATH": "/usr/bin:/bin", "HOME": str(folder.parent)}
    subprocess.run(
        [sys.executable, "-c", LOG_RUN, "sft", "tr-run", "30", "-"], env=env, check=True, timeout=120
    )
    return folder


@pytest.fixture(scope="module")
def app(
    browser_standin: StandInServer, mlflow_url: str, logged: dict[str, LoggedRun], trackio_dir: Path
) -> Iterator[RunningApp]:
    base = browser_standin.base_url
    env = keyed_env(
        browser_standin,
        MLFLOW_TRACKING_URI=mlflow_url,
        TRACKIO_DIR=str(trackio_dir),
        DASHBOARD_COMPATIBLE_PROVIDERS=(
            f"nebius,{base},NEBIUS_API_KEY,Nebius Token Factory; portkey,{base},PORTKEY_API_KEY,Portkey"
        ),
        NEBIUS_API_KEY=DEFAULT_API_KEY,
        PORTKEY_API_KEY=DEFAULT_API_KEY,
        DASHBOARD_REFRESH_SECONDS="2",
    )
    with app_process(env) as running:
        yield running


def _open(page: Page, app: RunningApp, query: str) -> None:
    page.goto(f"{app.url}/?{query}")
    wait_for_app_run(page, timeout=60_000)
    wait_for_charts(page, timeout=60_000)


def test_an_mlflow_run_picks_the_checkpoint_mlflows_ranking_puts_first(
    page: Page, app: RunningApp, logged: dict[str, LoggedRun]
) -> None:
    _open(page, app, f"run=mlflow:{logged['done'].run_id}")
    expect(
        page.get_by_text(
            "MLflow's ranking (search_logged_models by metrics.eval/loss, lowest first): step 200"
        )
    ).to_be_visible()
    expect(page.get_by_text("we recommend the same checkpoint")).to_be_visible()


def test_an_mlflow_run_is_compared_with_an_openai_run(
    page: Page, app: RunningApp, logged: dict[str, LoggedRun]
) -> None:
    run_id = logged["done"].run_id
    _open(page, app, f"run=mlflow:{run_id}&run=openai:{S300}&compare_x=Step")
    assert {run_id, S300} <= {trace["name"] for trace in traces(page).values()}


def test_a_running_mlflow_run_grows_in_place(
    page: Page, app: RunningApp, mlflow_url: str, logged: dict[str, LoggedRun]
) -> None:
    running = logged["running"]
    _open(page, app, f"run=mlflow:{running.run_id}")
    # The chart is read only when drawn: a running run's page reruns every 2 s and rebuilds it in between.
    last_step = "gd._fullData.some(t => t.name === arg[0] && Math.max(...t.x) === arg[1])"
    wait_for_chart(page, last_step, [TRAINING_LOSS_TRACE, 100])
    grow_run(mlflow_url, running, 101, 50)
    # The margin is for a loaded 2-core machine.
    wait_for_chart(page, last_step, [TRAINING_LOSS_TRACE, 150], timeout=120_000)
    finish_run(mlflow_url, running)


def test_a_trackio_run_opens_with_all_its_metrics(page: Page, app: RunningApp, trackio_dir: Path) -> None:
    from components.sources.trackio import TrackioSource

    run_id = TrackioSource(trackio_dir).list_runs().runs[0].run_id
    _open(page, app, f"run=trackio:{run_id}")
    drawn = traces(page)
    assert max(drawn[TRAINING_LOSS_TRACE]["x"]) == 30
    # train/loss and eval/loss drawn, eval/rouge_l (a task metric on held-out data) decides, the other
    # series under More metrics
    expect(page.get_by_text("Evaluation rouge l").first).to_be_visible()
    expect(page.get_by_text("More metrics (3)")).to_be_visible()
    expect(page.get_by_text("Read: 3 checkpoints · 30 steps of metrics")).to_be_visible()


def test_two_named_compatible_providers_are_listed_at_once(page: Page, app: RunningApp) -> None:
    page.goto(f"{app.url}/?source=nebius")
    wait_for_app_run(page, timeout=60_000)
    sidebar = page.locator("[data-testid='stSidebar']")
    expect(sidebar.get_by_text("Nebius Token Factory").first).to_be_attached()
    expect(sidebar.get_by_text("Portkey").first).to_be_attached()
