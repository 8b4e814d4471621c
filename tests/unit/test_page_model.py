"""The page model: what the page shows for a run and the reader's choices, decided without Streamlit.

Runs come from the stand-in over real HTTP through the OpenAI source of the registry, as the page reads
them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from components.charts.options import Drag, StepRange, ViewOptions, XMode
from components.data.recommend import Basis
from components.domain import ProviderBest, RunData
from components.page import PageModel, build_page, prepare
from components.page.header import duration
from components.page.model import NO_ACCURACY, UNJUDGED
from components.page.progress import run_progress_view
from components.page.recommendation import COMPARE_HINT, SAME_HINT, Tone
from components.page.table import TIED_MARK
from components.sources import http_client_for, open_source, resolve_sources
from devtools.standin import StandInServer, SyntheticRun, make_run

NOW = pd.Timestamp.now(tz="UTC")


@pytest.fixture
def read(standin: StandInServer, api_key: str) -> Iterator:
    """Serve a synthetic run on the stand-in and read it back as the page does."""
    env = {
        "OPENAI_API_KEY": api_key,
        "OPENAI_BASE_URL": standin.base_url,
        "OPENAI_TIMEOUT": "10",
        "OPENAI_MAX_RETRIES": "0",
    }
    config = resolve_sources(env, {}).get("openai")
    http = http_client_for(config)
    source = open_source(config, http)

    def _read(run: SyntheticRun) -> RunData:
        standin.add_run(run)
        return source.load_run(run.job["id"])

    yield _read
    http.close()


DEFAULTS = ViewOptions()


def _page(run: RunData, options: ViewOptions = DEFAULTS, **choices: object) -> PageModel:
    return build_page(prepare(run), options, **choices)


def _by_step(run: RunData, step: int) -> str:
    return str(run.checkpoints.loc[run.checkpoints["step"] == step, "checkpoint_id"].iloc[0])


def test_a_validated_finished_run_says_use_it_and_compares_nothing_yet(read) -> None:
    run = read(make_run("ftjob-model-ok"))
    page = _page(run)
    strip = page.strip
    assert (strip.title, strip.step, strip.decided_by, strip.value) == (
        "Recommended checkpoint",
        240,
        "Full validation loss",
        f"{run.checkpoints.set_index('step').loc[240, 'full_valid_loss']:.4f}",
    )
    assert strip.tone is Tone.GO and strip.basis is Basis.FULL_VALIDATION
    assert strip.advice.endswith("use it right away.")
    assert strip.snippet is not None and repr(strip.model) in strip.snippet
    comparison = page.comparison
    assert list(comparison.frame.index) == ["★ Recommended", "Selected", "Selected − recommended"]
    assert set(comparison.frame.iloc[1:].to_numpy().ravel()) == {"—"}  # reserved: the panel keeps its shape
    assert comparison.hint == COMPARE_HINT and comparison.selected_model is None
    assert run_progress_view(run, NOW) is None and page.waiting is None and page.no_curves is None


def test_training_loss_as_decider_never_says_use_it(read) -> None:
    run = read(make_run("ftjob-model-train"))
    page = _page(run, ViewOptions(metric="train_loss"))
    assert page.strip.basis is Basis.TRAINING_ONLY and page.strip.tone is Tone.CAUTION
    assert "use it right away" not in page.strip.advice
    assert "cannot show overfitting" in page.strip.advice
    assert page.strip.step == 480  # the lowest training loss is the last, overfit checkpoint


def test_a_run_without_validation_says_overfitting_cannot_be_judged(read) -> None:
    run = read(make_run("ftjob-model-noval", with_validation=False))
    page = _page(run)
    assert page.strip.basis is Basis.NO_VALIDATION and page.strip.tone is Tone.CAUTION
    assert "add a validation file" in page.strip.advice
    assert UNJUDGED[next(iter(UNJUDGED))] in page.chart.notes
    assert page.chart.display.view.overfit_spans == []
    assert set(page.table.frame["verdict"]) == {"not judged: no validation data"}
    assert any(
        fact.label == "Validation file" and fact.value.startswith("none") for fact in page.header.details
    )


def test_a_running_job_shows_progress_and_best_so_far_on_an_axis_to_its_total(read) -> None:
    run = read(make_run("ftjob-model-live", status="running", progress=0.6, result_file=None))
    page = _page(run)
    assert page.strip.title == "Best checkpoint so far" and page.strip.tone is Tone.CAUTION
    assert page.strip.advice.startswith("Best so far, the job is still running")
    progress = run_progress_view(run, NOW)
    assert progress.fraction == pytest.approx(288 / 480)
    assert progress.label.startswith("288 / 480 steps · 60% · epoch 2.4 of 4")
    assert "latest checkpoint at step 240" in progress.caption
    assert page.chart.display.view.x_range == (0, 480)


def test_picking_another_checkpoint_fills_the_comparison_with_signed_differences(read) -> None:
    run = read(make_run("ftjob-model-pick"))
    picked = _by_step(run, 480)
    page = _page(run, selected_id=picked)
    frame = page.comparison.frame
    assert list(frame.index) == ["★ Recommended", "Selected", "Selected − recommended"]
    assert list(frame.columns[:2]) == ["Step", "Validation loss (full, epoch end)"]
    assert frame.loc["Selected", "Step"] == "480" and frame.loc["Selected − recommended", "Step"] == "+240"
    at = run.checkpoints.set_index("step")
    delta = at.loc[480, "full_valid_loss"] - at.loc[240, "full_valid_loss"]
    assert frame.loc["Selected − recommended", "Validation loss (full, epoch end)"] == f"+{delta:.4f} (worse)"
    assert frame.loc["Selected", "Overfitting"] == "overfitting"
    assert page.comparison.selected_model == at.loc[480, "model"]
    assert page.comparison.hint is None
    # The chart and the table show the same pick.
    assert page.chart.highlights.selected_id == picked
    assert page.table.row_ids[page.table.selected_row] == picked


def test_picking_the_recommended_checkpoint_or_another_jobs_compares_nothing(read) -> None:
    run = read(make_run("ftjob-model-same"))
    best = _page(run).strip.checkpoint_id
    assert _page(run, selected_id=best).comparison.hint == SAME_HINT
    foreign = _page(run, selected_id="ftckpt_of_another_job")
    assert foreign.comparison.hint == COMPARE_HINT and foreign.table.selected_row is None
    assert foreign.chart.highlights.selected_id is None


def test_the_table_leads_with_step_decider_and_verdict_pins_the_star_and_ends_with_the_model(read) -> None:
    run = read(make_run("ftjob-model-table", n_steps=400, n_epochs=8, kept_checkpoints=8))
    page = _page(run, ViewOptions(metric="valid_loss"))
    frame = page.table.frame
    assert list(frame.columns[:5]) == ["best", "step", "valid_loss", "verdict", "gap"]
    assert frame.columns[-1] == "model"
    # ★ on the recommended row alone; the rows tied with it within batch validation's noise carry ≈.
    assert frame["best"].iloc[0] == "★" and set(frame["best"].iloc[1:]) <= {"", TIED_MARK}
    assert frame["step"].iloc[1:].is_monotonic_increasing
    assert page.table.row_ids[0] == page.strip.checkpoint_id
    # The verdict is the band's: inside a shaded span, "overfitting".
    spans = page.chart.display.view.overfit_spans
    inside = [step for step in frame["step"] if any(a < step <= b for a, b in spans)]
    assert inside and set(frame.loc[frame["step"].isin(inside), "verdict"]) == {"overfitting"}


def test_a_job_without_checkpoints_waits_and_one_without_steps_has_no_chart(read) -> None:
    early = read(make_run("ftjob-model-early", status="running", progress=0.1, result_file=None))
    page = _page(early)
    assert page.waiting == (
        "**This job has no checkpoints yet.** OpenAI saves one only at each epoch end, and keeps only those "
        "of the last 3 epochs."
    )
    assert page.strip is None and page.table is None
    assert page.chart is not None
    queued = read(make_run("ftjob-model-queued", status="running", progress=0.0, result_file=None))
    assert _page(queued).chart is None and _page(queued).no_curves


def test_a_run_without_accuracy_says_so(read) -> None:
    run = read(make_run("ftjob-model-noacc"))
    history = run.history.assign(**{name: np.nan for name in run.history if name.endswith("accuracy")})
    page = _page(RunData(**{**run.__dict__, "history": history}))
    assert NO_ACCURACY in page.chart.notes


def test_a_source_without_accuracy_says_why_where_its_panel_would_be_and_only_with_a_chart(read) -> None:
    run = read(make_run("ftjob-model-unavailable"))
    history = run.history.assign(**{name: np.nan for name in run.history if name.endswith("accuracy")})
    reason = "This provider reports no accuracy."
    page = _page(replace(run, history=history, unavailable={"accuracy": reason}))
    assert page.unavailable == (("accuracy", reason),) and NO_ACCURACY not in page.chart.notes
    queued = read(make_run("ftjob-model-unqueued", status="running", progress=0.0, result_file=None))
    assert _page(replace(queued, unavailable={"accuracy": reason})).unavailable == ()


def test_the_providers_own_pick_is_said_beside_ours(read) -> None:
    run = read(make_run("ftjob-model-provider"))
    assert _page(run).provider_best is None
    best = _page(run).strip
    ours = ProviderBest("The trainer's best_model_checkpoint", step=best.step, metric="eval_loss", value=0.4)
    assert _page(replace(run, provider_best=ours)).provider_best == (
        f"The trainer's best_model_checkpoint: step {best.step:,} (eval_loss 0.4); we recommend the same "
        "checkpoint."
    )


def test_a_click_picks_the_checkpoint_within_a_marks_width_and_clears_elsewhere(read) -> None:
    run = read(make_run("ftjob-model-click"))
    chart = _page(run).chart
    # The tolerance is 1.2 % of the visible span: 5.8 of 480 steps, about 10 px at 1280 px.
    assert chart.pick_at(356) == _by_step(run, 360)
    assert chart.pick_at(300) is None  # halfway between two checkpoints
    zoomed = _page(run, ViewOptions(drag=Drag.ZOOM), zoom=StepRange(300, 400)).chart
    # Zoomed in, 4 steps are 4 % of the view, far on screen: no pick; one step still is near.
    assert zoomed.pick_at(356) is None and zoomed.pick_at(359) == _by_step(run, 360)


def test_a_drawn_box_becomes_a_step_range_whatever_the_x_axis(read) -> None:
    run = read(make_run("ftjob-model-box"))
    in_epochs = _page(run, ViewOptions(x_mode=XMode.EPOCH)).chart
    assert in_epochs.zoom_from(3.0, 1.5) == StepRange(180, 360)
    assert StepRange.parse(str(StepRange(180.2, 359.7))) == StepRange(180, 360)
    assert StepRange.parse("12-x") is None and StepRange.parse("5-5") is None


@pytest.mark.parametrize(
    ("seconds", "shown"), [(1_080, "18 min"), (7_199, "120 min"), (9_000, "2.5 h"), (63_590_000, "736 days")]
)
def test_durations_read_in_minutes_hours_or_days(seconds: float, shown: str) -> None:
    assert duration(seconds) == shown


def test_the_header_is_one_line_of_facts_and_what_was_read(read) -> None:
    run = read(make_run("ftjob-model-head"))
    page = _page(run)
    labels = [fact.label for fact in page.header.summary]
    assert labels[:2] == ["Base model", "Method"] and "Took" in labels
    assert (page.header.status, page.header.colour) == ("succeeded", "green")
    assert page.loaded == "3 checkpoints (1 page) · 480 steps of metrics from the result file"


def test_the_chart_caption_says_what_thinning_left_out(read) -> None:
    run = read(make_run("ftjob-model-big", n_steps=20_000, n_epochs=40, kept_checkpoints=40))
    page = _page(run)
    assert page.chart.caption.startswith(f"{page.chart.display.rows_shown:,} of 20,000 steps drawn")
    assert page.chart.caption.endswith("the table and downloads have every row.")
    assert len(page.table.frame) == 40
    assert isinstance(page.table.frame, pd.DataFrame)
