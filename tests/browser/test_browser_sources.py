"""Every source in a real browser: the page opens on the source's job list, a click on a row opens the run,
and its curves are drawn (loss above accuracy; Together AI, which reports no accuracy, says so there).
Files come in both ways: the runs folder, and an upload through the file chooser."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from devtools.harness import CHROMIUM, app_process, wait_for_app_run
from devtools.standin import (
    DEFAULT_API_KEY,
    StandInServer,
    azure_job_id,
    make_azure_run,
    make_run,
    make_together_run,
    together_job_id,
)
from devtools.trainer_runs import trainer_state, write_trainer_output
from tests.browser.apps import app_env, keyed_env
from tests.browser.charts import ACCURACY, LOSS, traces, wait_for_charts

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no chromium at {CHROMIUM}"),
]

START = 1_750_000_000
OPENAI_JOBS = [f"ftjob-src{n}" for n in range(3)]
AZURE_JOB = azure_job_id("browser")
TOGETHER_JOB = together_job_id("browser")
ROW_HEIGHT = 35  # Streamlit's dataframe rows and header, in CSS pixels
NAME_X = 80  # a point in the Run column, right of the selection boxes' column, in CSS pixels


@pytest.fixture(scope="module")
def sources_standin() -> Iterator[StandInServer]:
    with StandInServer() as server:
        for n, job in enumerate(OPENAI_JOBS):
            server.add_run(make_run(job, n_steps=120, n_epochs=3, seed=n, start=START + n))
        server.add_run(make_azure_run(AZURE_JOB, n_steps=120, n_epochs=3), provider="azure")
        server.add_run(make_together_run(TOGETHER_JOB))
        yield server


@pytest.fixture(scope="module")
def runs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("runs")
    write_trainer_output(folder / "qwen-sft")
    return folder


def _open_row(page: Page, url: str, row: int) -> None:
    """Open the list at ``url`` and click row ``row``'s selection box, as a user would."""
    page.goto(url)
    wait_for_app_run(page)
    grid = page.get_by_test_id("stDataFrame")
    expect(grid).to_be_visible()
    box = grid.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 15, box["y"] + ROW_HEIGHT * (row + 1) + ROW_HEIGHT / 2)
    wait_for_app_run(page)
    wait_for_charts(page)


def _axes(page: Page) -> set[str]:
    """The plots with curves: ``yaxis`` (loss, on top) and ``yaxis2`` (accuracy, below)."""
    return {{"y": LOSS, "y2": ACCURACY}.get(trace["yaxis"], "") for trace in traces(page).values()}


def test_openai_list_opens_a_run_with_both_charts(page: Page, sources_standin: StandInServer) -> None:
    with app_process(keyed_env(sources_standin)) as app:
        _open_row(page, app.url, 1)
        assert "run=openai%3Aftjob-src1" in page.url
        expect(page.get_by_text("ftjob-src1", exact=True).first).to_be_visible()
        assert {LOSS, ACCURACY} <= _axes(page)
        page.get_by_role("button", name="All runs of OpenAI").click()
        expect(page).not_to_have_url(re.compile(r"[?&]run="))
        wait_for_app_run(page)
        # The list's table (its key has the round of openings), not the run's table on its way out.
        expect(page.locator("[class*='st-key-job_table_']").get_by_test_id("stDataFrame")).to_be_visible()
        expect(page.locator(".js-plotly-plot")).to_have_count(0)


def test_a_click_on_a_runs_name_opens_it_and_ticking_still_compares(
    page: Page, sources_standin: StandInServer
) -> None:
    """The README's promise: a click on a row (here on the run's name, not its selection box) opens the run;
    with "Select to compare" on, rows are ticked instead, and Compare opens them together."""
    with app_process(keyed_env(sources_standin)) as app:
        page.goto(app.url)
        wait_for_app_run(page)
        grid = page.get_by_test_id("stDataFrame")
        expect(grid).to_be_visible()
        box = grid.bounding_box()
        assert box is not None
        name_x = box["x"] + NAME_X
        page.mouse.click(name_x, box["y"] + ROW_HEIGHT * 2.5)  # the second row's name
        wait_for_app_run(page)
        expect(page).to_have_url(re.compile(r"[?&]run=openai%3Aftjob-src1"))
        wait_for_charts(page)
        wait_for_app_run(page)  # the chart is drawn: now the run that draws the rest of the page is over too
        expect(page.get_by_text("ftjob-src1", exact=True).first).to_be_visible()

        page.get_by_role("button", name="All runs of OpenAI").click()
        wait_for_app_run(page)
        page.get_by_text("Select to compare").click()
        expect(page.get_by_role("button", name="Compare selected (0)")).to_be_visible()
        wait_for_app_run(page)
        grid = page.locator("[class*='st-key-job_table_']").get_by_test_id("stDataFrame")
        expect(grid).to_be_visible()
        box = grid.bounding_box()
        assert box is not None
        for ticked, row in enumerate((0, 2), start=1):  # each row's selection box, one rerun each
            page.mouse.click(box["x"] + 15, box["y"] + ROW_HEIGHT * (row + 1.5))
            expect(page.get_by_role("button", name=f"Compare selected ({ticked})")).to_be_visible()
            wait_for_app_run(page)
        expect(page).not_to_have_url(re.compile(r"[?&]run="))
        page.get_by_role("button", name="Compare selected (2)").click()
        wait_for_app_run(page)
        expect(page.get_by_text("Comparing 2 runs")).to_be_visible()
        assert "run=openai%3Aftjob-src2&run=openai%3Aftjob-src0" in page.url


def test_azure_list_opens_a_run_with_both_charts(page: Page, sources_standin: StandInServer) -> None:
    env = app_env(AZURE_OPENAI_ENDPOINT=sources_standin.azure_endpoint, AZURE_OPENAI_API_KEY=DEFAULT_API_KEY)
    with app_process(env) as app:
        _open_row(page, app.url, 0)
        assert f"run=azure%3A{AZURE_JOB}" in page.url
        assert {LOSS, ACCURACY} <= _axes(page)
        expect(page.get_by_text("Source: Azure OpenAI").first).to_be_visible()


def test_together_list_opens_a_run_and_says_there_is_no_accuracy(
    page: Page, sources_standin: StandInServer
) -> None:
    env = app_env(TOGETHER_API_KEY=DEFAULT_API_KEY, TOGETHER_BASE_URL=sources_standin.together_base_url)
    with app_process(env) as app:
        _open_row(page, app.url, 0)
        assert f"run=together%3A{TOGETHER_JOB}" in page.url
        assert _axes(page) == {LOSS}
        expect(page.get_by_text("Together AI reports no accuracy").first).to_be_visible()


def test_runs_folder_and_an_upload_through_the_file_chooser(
    page: Page, runs_dir: Path, tmp_path: Path
) -> None:
    with app_process(app_env(DASHBOARD_RUNS_DIR=str(runs_dir))) as app:
        _open_row(page, app.url, 0)
        assert "run=files%3Aqwen-sft-" in page.url
        assert {LOSS, ACCURACY} <= _axes(page)
        state = tmp_path / "trainer_state.json"
        state.write_text(json.dumps(trainer_state(n_steps=100, save_steps=25, eval_steps=25)))
        with page.expect_file_chooser() as chooser:
            page.get_by_test_id("stFileUploaderDropzone").get_by_test_id("stBaseButton-secondary").click()
        chooser.value.set_files(state)
        page.wait_for_url("**run=upload*")
        wait_for_app_run(page)
        wait_for_charts(page)
        assert {LOSS, ACCURACY} <= _axes(page)
        expect(page.get_by_text("best_model_checkpoint").first).to_be_visible()
        assert "log_history" not in page.url
