"""Comparing runs: the x axes they share, the metric they are ranked by, the best run and its reason, the
table, and the figure (one colour per run on both plots, a ★ each, thinned to a budget).

Runs are read through the real OpenAI source from the stand-in's synthetic jobs (devtools.compare_runs).
"""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components.charts.compare import RUN_COLOURS, STAR_LEGEND, compare_figure, run_colour
from components.charts.compare_view import MAX_DRAWN_ROWS, DrawnRun, build_compare_display
from components.charts.options import CompareOptions, YRange
from components.data.compare import (
    MAX_RUNS,
    Alignment,
    aligned_x,
    alignments,
    common_metrics,
    default_compare_metric,
    run_result,
    verdict,
)
from components.domain import RunData, RunRef, RunStatus
from components.page.compare import BEST_MARK, build_compare, prepare_compare
from devtools.compare_runs import synthetic_run
from tests.page.page_support import decode


@pytest.fixture(scope="module")
def short() -> RunData:
    return synthetic_run("ftjob-short", n_steps=300, n_epochs=3, seed=1)


@pytest.fixture(scope="module")
def long() -> RunData:
    return synthetic_run("ftjob-long", n_steps=1200, n_epochs=4, seed=2, learning_rate_multiplier=0.5)


def _with_values(run: RunData, values: list[float], metric: str = "full_valid_loss") -> RunData:
    checkpoints = run.checkpoints.copy()
    checkpoints[metric] = values[: len(checkpoints)] + [np.nan] * (len(checkpoints) - len(values))
    return replace(run, checkpoints=checkpoints)


def _renamed(run: RunData, run_id: str) -> RunData:
    return replace(run, summary=replace(run.summary, ref=RunRef(run.summary.ref.source, run_id)))


# ---- the data layer ----------------------------------------------------------------------------------------


def test_runs_of_different_lengths_line_up_by_epoch_and_fraction(short: RunData, long: RunData) -> None:
    assert alignments([short, long]) == [Alignment.STEP, Alignment.EPOCH, Alignment.FRACTION]
    assert aligned_x(short, [100, 300], Alignment.EPOCH).tolist() == [1.0, 3.0]
    assert aligned_x(long, [300, 1200], Alignment.EPOCH).tolist() == [1.0, 4.0]
    assert aligned_x(short, [150, 300], Alignment.FRACTION).tolist() == [0.5, 1.0]
    assert aligned_x(long, [600, 1200], Alignment.FRACTION).tolist() == [0.5, 1.0]
    assert aligned_x(long, [600], Alignment.STEP).tolist() == [600.0]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.integers(0, 1200), min_size=1, max_size=30))
def test_fraction_and_epoch_keep_the_order_of_steps(long: RunData, steps: list[int]) -> None:
    for alignment in Alignment:
        x = aligned_x(long, sorted(steps), alignment)
        assert (np.diff(x) >= 0).all()
    fraction = aligned_x(long, steps, Alignment.FRACTION)
    assert ((fraction >= 0) & (fraction <= 1)).all()


def test_the_deciding_metric_follows_the_single_run_rule_over_shared_metrics(
    short: RunData, long: RunData
) -> None:
    assert default_compare_metric([short, long]) == "full_valid_loss"
    no_full = _with_values(long, [], "full_valid_loss")
    assert "full_valid_loss" not in common_metrics([short, no_full])
    assert default_compare_metric([short, no_full]) == "valid_loss"


def test_the_best_run_is_named_with_its_reason(short: RunData, long: RunData) -> None:
    a, b = _with_values(short, [0.80, 0.50, 0.70]), _with_values(long, [0.60, 0.55, 0.90])
    results = [run_result(run, "full_valid_loss") for run in (a, b)]
    assert [r.recommendation.step for r in results] == [200, 900]
    assert [r.final_value for r in results] == [0.70, 0.90]
    decided = verdict([a, b], results, "full_valid_loss")
    assert decided.best == a.summary.ref
    assert decided.reason == (
        "openai:ftjob-short has the lowest full validation loss of 2 runs: 0.500 at its step 200 checkpoint, "
        "9.1 % lower than openai:ftjob-long (0.550)."
    )


def test_accuracy_ranks_highest_first_in_points(short: RunData, long: RunData) -> None:
    a = _with_values(short, [0.80, 0.81, 0.82], "full_valid_mean_token_accuracy")
    b = _with_values(long, [0.85, 0.84, 0.83], "full_valid_mean_token_accuracy")
    results = [run_result(run, "full_valid_mean_token_accuracy") for run in (a, b)]
    decided = verdict([a, b], results, "full_valid_mean_token_accuracy")
    assert decided.best == b.summary.ref
    assert "highest full validation accuracy" in decided.reason and "3.0 points higher than" in decided.reason


def test_runs_without_the_metric_are_named_not_ranked(short: RunData, long: RunData) -> None:
    third = _renamed(_with_values(long, [], "full_valid_loss"), "ftjob-third")
    runs = [short, long, third]
    decided = verdict(runs, [run_result(run, "full_valid_loss") for run in runs], "full_valid_loss")
    assert decided.best is not None and decided.unranked == (third.summary.ref,)
    assert any("openai:ftjob-third has no full validation loss" in caveat for caveat in decided.caveats)


def test_runs_that_share_no_ranked_metric_cannot_be_compared(short: RunData, long: RunData) -> None:
    only_train = _with_values(_with_values(_with_values(long, [], "full_valid_loss"), [], "valid_loss"), [])
    runs = [short, only_train]
    decided = verdict(runs, [run_result(run, "full_valid_loss") for run in runs], "full_valid_loss")
    assert decided.best is None
    assert decided.reason == (
        "Only openai:ftjob-short has full validation loss at its checkpoints, so the runs cannot be compared "
        "on it."
    )


def test_a_training_metric_and_a_running_best_run_carry_their_caveats(short: RunData, long: RunData) -> None:
    running = replace(short, summary=replace(short.summary, status=RunStatus.RUNNING))
    runs = [running, long]
    decided = verdict(runs, [run_result(run, "train_loss") for run in runs], "train_loss")
    assert any("cannot show overfitting" in caveat for caveat in decided.caveats)
    if decided.best == running.summary.ref:
        assert any("still running" in caveat for caveat in decided.caveats)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    values=st.lists(
        st.lists(st.floats(0.01, 5, allow_nan=False) | st.just(float("nan")), min_size=3, max_size=3),
        min_size=2,
        max_size=5,
    )
)
def test_the_best_run_holds_the_lowest_recommended_value(short: RunData, values: list[list[float]]) -> None:
    runs = [_renamed(_with_values(short, row), f"ftjob-{i}") for i, row in enumerate(values)]
    results = [run_result(run, "full_valid_loss") for run in runs]
    decided = verdict(runs, results, "full_valid_loss")
    ranked = [(np.nanmin(row), i) for i, row in enumerate(values) if not np.isnan(row).all()]
    if len(ranked) < 2:
        assert decided.best is None
    else:
        assert decided.best == runs[min(ranked)[1]].summary.ref  # ties: the first as listed


# ---- the page model and the figure -------------------------------------------------------------------------


def test_the_table_has_one_row_per_run_with_the_best_marked(short: RunData, long: RunData) -> None:
    model = build_compare(prepare_compare([short, long]), CompareOptions())
    table = model.table
    assert list(table["Run"]) == ["openai:ftjob-short", "openai:ftjob-long"]
    best = model.best_row
    assert table["best"].tolist().count(BEST_MARK) == 1 and table["best"].iloc[best] == BEST_MARK
    for row, run in zip(table.itertuples(index=False), (short, long), strict=True):
        advice = run_result(run, "full_valid_loss").recommendation
        assert row[table.columns.get_loc("Best step")] == advice.step
        assert row[table.columns.get_loc("Validation loss (full), best")] == advice.value
    assert table["Epochs"].tolist() == ["3", "4"]
    assert table["LR multiplier"].tolist() == ["1.8", "0.5"]
    assert table["Steps"].tolist() == [300, 1200]
    assert table["Final step"].tolist() == [300, 1200]
    assert "Learning rate" not in table  # no run reports one
    assert table["Duration"].tolist() == ["12 min", "42 min"]


def test_each_run_keeps_its_colour_on_both_plots_and_gets_a_star(short: RunData, long: RunData) -> None:
    model = build_compare(prepare_compare([short, long]), CompareOptions(alignment=Alignment.EPOCH))
    figure = json.loads(compare_figure(model.curves, model.view).to_json())
    lines = [t for t in figure["data"] if t["name"] in ("ftjob-short", "ftjob-long")]
    colours = {(t["name"], t["yaxis"]): t["line"]["color"] for t in lines}
    assert colours == {
        ("ftjob-short", "y"): RUN_COLOURS["light"][0],
        ("ftjob-short", "y2"): RUN_COLOURS["light"][0],
        ("ftjob-long", "y"): RUN_COLOURS["light"][1],
        ("ftjob-long", "y2"): RUN_COLOURS["light"][1],
    }
    assert [t["showlegend"] for t in lines if t["yaxis"] == "y"] == [True, True]
    stars = [
        t for t in figure["data"] if t["name"] == STAR_LEGEND and t.get("marker", {}).get("symbol") == "star"
    ]
    on_loss = next(t for t in stars if t.get("yaxis") == "y")
    assert on_loss["marker"]["color"] == list(RUN_COLOURS["light"][:2])
    expected = [model.curves[i].stars["loss"][0] for i in range(2)]
    assert decode(on_loss["x"]) == expected
    steps = [run_result(run, "full_valid_loss").recommendation.step for run in (short, long)]
    assert expected == [steps[0] / 100, steps[1] / 300]  # epochs of 100 and of 300 steps
    assert figure["layout"]["xaxis"]["title"]["text"] == "Epoch"
    assert "step %{customdata" in lines[0]["hovertemplate"]


def test_dark_theme_uses_the_dark_palette_and_runs_after_five_are_dashed(short: RunData) -> None:
    runs = [_renamed(short, f"ftjob-{i}") for i in range(7)]
    model = build_compare(prepare_compare(runs), CompareOptions(theme="dark"))
    figure = compare_figure(model.curves, model.view)
    losses = [t for t in figure.data if t.yaxis == "y" and t.name.startswith("ftjob-")]
    assert [t.line.color for t in losses] == [run_colour(i, "dark") for i in range(7)]
    assert [t.line.dash for t in losses] == ["solid"] * 5 + ["dash"] * 2
    assert len(set(RUN_COLOURS["dark"])) == len(set(RUN_COLOURS["light"])) == MAX_RUNS


def test_smoothing_log_and_range_apply_to_every_run(short: RunData, long: RunData) -> None:
    prepared = prepare_compare([short, long])
    raw = build_compare(prepared, CompareOptions(metric="valid_loss", smoothing=0.0, y_range=YRange.ALL))
    smooth = build_compare(
        prepared, CompareOptions(metric="valid_loss", smoothing=0.9, y_range=YRange.ROBUST)
    )
    for before, after in zip(raw.curves, smooth.curves, strict=True):

        def roughness(frame: pd.DataFrame) -> float:
            return float(np.abs(np.diff(frame["valid_loss"].dropna())).sum())

        assert roughness(after.frame) < 0.8 * roughness(before.frame)
    assert smooth.view.y_range["loss"][1] - smooth.view.y_range["loss"][0] < (
        raw.view.y_range["loss"][1] - raw.view.y_range["loss"][0]
    )
    logged = build_compare(prepared, CompareOptions(metric="valid_loss", log_y=True))
    figure = compare_figure(logged.curves, logged.view)
    assert figure.layout.yaxis.type == "log" and figure.layout.yaxis.range[1] < 1  # log10 bounds


def test_training_lines_join_on_request(short: RunData, long: RunData) -> None:
    model = build_compare(
        prepare_compare([short, long]), CompareOptions(metric="valid_loss", show_training=True)
    )
    names = [t.name for t in compare_figure(model.curves, model.view).data]
    assert names.count("ftjob-short (training)") == 2


def test_ten_long_runs_are_thinned_to_the_budget_and_keep_each_star() -> None:
    base = synthetic_run("ftjob-big", n_steps=10_000, n_epochs=4, seed=3)
    runs = [_renamed(base, f"ftjob-big{i}") for i in range(MAX_RUNS)]
    model = build_compare(prepare_compare(runs), CompareOptions(metric="valid_loss"))
    drawn = sum(len(curve.frame) for curve in model.curves)
    assert drawn <= MAX_DRAWN_ROWS
    assert "of 100,000 steps drawn" in model.caption
    for curve in model.curves:
        assert curve.star_step in set(curve.frame["step"])
    size = len(compare_figure(model.curves, model.view).to_json())
    assert size < 3_000_000


def test_the_display_draws_the_metric_and_axis_the_page_decided(short: RunData, long: RunData) -> None:
    results = [run_result(run, "valid_loss") for run in (short, long)]
    runs = [
        DrawnRun(run, run.summary.ref.run_id, result)
        for run, result in zip((short, long), results, strict=True)
    ]
    # The options' own metric and alignment are the reader's wish; the page's decision is what is drawn.
    options = CompareOptions(metric="full_valid_loss", alignment=Alignment.STEP, smoothing=0.0)
    drawn = build_compare_display(runs, "valid_loss", Alignment.FRACTION, options)
    assert drawn.view.metrics == {"loss": "valid_loss", "accuracy": "valid_mean_token_accuracy"}
    assert (drawn.view.x_title, drawn.view.x_percent, drawn.view.step_in_hover) == (
        "Fraction of training",
        True,
        True,
    )
    assert drawn.rows_total == len(short.history) + len(long.history) >= drawn.rows_shown
    for curves, result in zip(drawn.curves, results, strict=True):
        assert result.recommendation.step in set(curves.frame["step"]) and curves.frame["x"].max() <= 1.0
    nothing = build_compare_display(runs, None, Alignment.STEP, options)
    assert nothing.view.metrics == {} and nothing.view.y_range == {}
    assert [list(curves.frame.columns) for curves in nothing.curves] == [["step", "x"], ["step", "x"]]


def test_runs_of_different_lengths_open_by_fraction_and_step_says_how_to_align(
    short: RunData, long: RunData
) -> None:
    prepared = prepare_compare([short, long])
    assert prepared.default_alignment is Alignment.FRACTION  # 1,200 steps is more than 1.5 x 300
    opened = build_compare(prepared, CompareOptions())
    assert opened.alignment is Alignment.FRACTION
    assert opened.notes == (
        "The runs train for different numbers of steps (300 to 1,200), so they are aligned by fraction of "
        "training; choose Step for absolute steps.",
    )
    assert build_compare(prepared, CompareOptions(alignment=Alignment.STEP)).notes == (
        "The runs train for different numbers of steps (300 to 1,200): align by epoch or fraction to compare "
        "the same point of training.",
    )
    assert build_compare(prepared, CompareOptions(alignment=Alignment.EPOCH)).notes == ()


def test_runs_of_about_one_length_open_by_step(short: RunData) -> None:
    longer = synthetic_run("ftjob-short-b", n_steps=420, n_epochs=3, seed=4)  # 1.4 x 300
    prepared = prepare_compare([short, longer])
    assert prepared.default_alignment is Alignment.STEP
    assert build_compare(prepared, CompareOptions()).alignment is Alignment.STEP


def test_two_runs_with_one_id_are_told_apart_by_source(short: RunData) -> None:
    other = replace(short, summary=replace(short.summary, ref=RunRef("azure", "ftjob-short")))
    assert prepare_compare([short, other]).labels == ("openai:ftjob-short", "azure:ftjob-short")


def test_no_metric_anywhere_gives_no_verdict_and_an_empty_figure(short: RunData) -> None:
    empty = replace(
        short,
        checkpoints=short.checkpoints.iloc[0:0],
        history=short.history.iloc[0:0],
    )
    model = build_compare(prepare_compare([empty, _renamed(empty, "ftjob-x")]), CompareOptions())
    assert model.metric is None and model.verdict.best is None
    assert len(compare_figure(model.curves, model.view).data) == 0
    assert isinstance(model.table, pd.DataFrame) and len(model.table) == 2
