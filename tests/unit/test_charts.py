"""The figure builders: which traces exist, what they carry, and what the reader's options change."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from components.charts import style
from components.charts.config import plotly_config
from components.charts.curves import (
    BEST_TRACE,
    CHECKPOINT_TRACE,
    SELECTED_TRACE,
    UNSAVED_TRACE,
    curves_figure,
)
from components.charts.options import Drag, Highlights, StepRange, ViewOptions, XMode, YRange
from components.charts.view import (
    MAX_CHECKPOINT_MARKERS,
    MAX_DISPLAY_POINTS,
    SMOOTHED_SUFFIX,
    ChartRun,
    ChartView,
    RunDisplay,
    build_display,
    plots_of,
    run_axes,
)
from components.data.checkpoints import checkpoints_frame
from components.data.history import build_history
from components.data.recommend import UnsavedBest
from components.domain import HistorySource, RunRef
from components.page import build_page, prepare
from components.sources.openai import OPENAI_CONVENTIONS
from components.sources.run_files import Origin, run_from_bytes
from tests.spec_examples import SPEC_EXAMPLE

STEPS = ViewOptions(smoothing=0.0, y_range=YRange.ALL)


def _names(figure: go.Figure) -> list[str]:
    return [trace.name for trace in figure.data]


def _trace(figure: go.Figure, name: str) -> go.Scatter:
    return next(trace for trace in figure.data if trace.name == name)


def _raw_display(frame: pd.DataFrame, checkpoints: pd.DataFrame, decider: str | None = None) -> RunDisplay:
    """A display of frames as they are (x = step), for tests of the figure alone: the plots the view would
    choose for ``decider``."""
    history = frame.assign(x=frame["step"])
    return RunDisplay(
        history,
        checkpoints.assign(x=checkpoints["step"]),
        ChartView(plots=plots_of(frame, decider), x="x", conventions=OPENAI_CONVENTIONS),
        len(frame),
        len(frame),
    )


def _run(n_steps: int, *, checkpoint_steps: tuple[int, ...]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A per-step history with a falling train loss and sparse batch validation, plus checkpoints."""
    steps = np.arange(1, n_steps + 1)
    rng = np.random.default_rng(3)
    train = 2 * np.exp(-steps / (n_steps / 3)) + 0.3 + rng.normal(0, 0.05, n_steps)
    valid = np.where(steps % 10 == 0, train + 0.2 + rng.normal(0, 0.1, n_steps), np.nan)
    results = pd.DataFrame(
        {"step": steps, "train_loss": train, "valid_loss": valid, "train_mean_token_accuracy": 1 - train / 3}
    )
    for name in ("full_valid_loss", "valid_mean_token_accuracy", "full_valid_mean_token_accuracy"):
        results[name] = np.nan
    records = [
        {
            "id": f"ftckpt_{step}",
            "step_number": step,
            "created_at": 1_700_000_000 + step,
            "fine_tuned_model_checkpoint": f"ft:m:org::abc:ckpt-step-{step}",
            "metrics": {
                "train_loss": float(train[step - 1]),
                "full_valid_loss": float(train[step - 1] + 0.1),
            },
        }
        for step in checkpoint_steps
    ]
    checkpoints = checkpoints_frame(records)
    return build_history(checkpoints, results, HistorySource.RESULT_FILE), checkpoints


def _display(
    history: pd.DataFrame, checkpoints: pd.DataFrame, options: ViewOptions = STEPS, **kwargs: object
) -> RunDisplay:
    axes = run_axes(history, checkpoints, n_epochs=kwargs.pop("n_epochs", None), total_steps=None)
    run = ChartRun(
        history, checkpoints, axes, spans=kwargs.pop("spans", ()), total_steps=kwargs.pop("total_steps", None)
    )
    return build_display(run, options=options, **kwargs)


def test_spec_example_draws_only_the_series_it_has() -> None:
    checkpoints = checkpoints_frame(SPEC_EXAMPLE)
    figure = curves_figure(_raw_display(build_history(checkpoints), checkpoints))
    # Only loss (the spec's example has accuracies too): both plots, each with full validation.
    full = _trace(figure, "Validation loss (full, epoch end)")
    assert list(full.x) == [1000, 2000]
    assert list(full.y) == [0.167, 0.134]
    assert full.yaxis == "y" and _trace(figure, "Validation accuracy (full, epoch end)").yaxis == "y2"
    assert [t.name for t in figure.data if t.showlegend is not False] == [
        CHECKPOINT_TRACE,
        "Validation (full, epoch end)",
    ]


def test_checkpoint_marks_carry_ids_and_the_hover_lists_the_checkpoint_first() -> None:
    checkpoints = checkpoints_frame(SPEC_EXAMPLE)
    figure = curves_figure(
        _raw_display(checkpoints, checkpoints), Highlights(best_id="ftckpt_zc4Q7MP6XxulcVzj4MZdwsAB")
    )
    marks = _trace(figure, CHECKPOINT_TRACE)
    assert [row[0] for row in marks.customdata] == [
        "ftckpt_enQCFmOTGj3syEpYVhBRLTSy",
        "ftckpt_zc4Q7MP6XxulcVzj4MZdwsAB",
    ]
    # Unified hover orders rows by legend rank: the checkpoint row comes before every series.
    assert marks.legendrank == 1 and all(t.legendrank is None for t in figure.data if t is not marks)
    first, second = marks.hovertext
    assert first.startswith(
        "<b>ft:gpt-4o-mini-2024-07-18:my-org:custom-suffix:7q8mpxmy:ckpt-step-1000</b><br>step 1,000"
    )
    assert first.endswith("<br>loss: full 0.1670<br>accuracy: full 78.10%")
    assert "★ recommended" in second and "★" not in first
    # The accuracy plot's marks take clicks but add no second row to the hover.
    lower = _trace(figure, CHECKPOINT_TRACE + " · accuracy")
    assert lower.hoverinfo == "none" and lower.yaxis == "y2"
    assert list(lower.y) == [0.781, 0.874]
    layout = figure.layout
    assert (layout.hovermode, layout.hoversubplots) == ("x unified", "axis")
    assert layout.xaxis.unifiedhovertitle.text == "Step %{x:,.0f}"


def test_model_names_in_the_hover_are_plotly_text() -> None:
    records = [{**SPEC_EXAMPLE[0], "fine_tuned_model_checkpoint": "<a href='x'>ft</a>&"}]
    checkpoints = checkpoints_frame(records)
    marks = _trace(curves_figure(_raw_display(checkpoints, checkpoints)), CHECKPOINT_TRACE)
    assert marks.hovertext[0].startswith("<b>&lt;a href='x'&gt;ft&lt;/a&gt;&amp;</b>")


def test_best_and_selected_checkpoints_get_their_own_marks_on_both_plots() -> None:
    checkpoints = checkpoints_frame(SPEC_EXAMPLE)
    highlights = Highlights(
        best_id="ftckpt_zc4Q7MP6XxulcVzj4MZdwsAB", selected_id="ftckpt_enQCFmOTGj3syEpYVhBRLTSy"
    )
    figure = curves_figure(_raw_display(checkpoints, checkpoints), highlights)
    assert list(_trace(figure, BEST_TRACE).x) == [2000]
    assert list(_trace(figure, BEST_TRACE + " · accuracy").x) == [2000]
    assert list(_trace(figure, SELECTED_TRACE).x) == [1000]
    assert _trace(figure, BEST_TRACE).marker.symbol == "star"
    # Drawn after the checkpoint marks, so they sit on top of them.
    names = _names(figure)
    assert names.index(BEST_TRACE) > names.index(CHECKPOINT_TRACE + " · accuracy")


def test_a_one_point_series_is_drawn_as_a_marker() -> None:
    checkpoints = checkpoints_frame(SPEC_EXAMPLE[:1])
    figure = curves_figure(_raw_display(checkpoints, checkpoints))
    assert "markers" in _trace(figure, "Validation loss (full, epoch end)").mode


def test_a_run_without_any_metric_gives_an_empty_figure_and_one_without_accuracy_one_plot() -> None:
    nothing = checkpoints_frame([{"id": "c", "step_number": 5, "metrics": {}}])
    assert curves_figure(_raw_display(nothing, nothing)).data == ()
    loss_only = checkpoints_frame([{"id": "c", "step_number": 5, "metrics": {"train_loss": 0.5}}])
    figure = curves_figure(_raw_display(loss_only, loss_only))
    assert {trace.yaxis for trace in figure.data if trace.yaxis} == {"y"}
    assert figure.layout.height == style.HEIGHT_LOSS_ONLY
    assert list(figure.layout.yaxis.domain) == [0.0, 1.0]


def test_loss_sits_above_accuracy_on_one_x_axis() -> None:
    history, checkpoints = _run(300, checkpoint_steps=(100, 200, 300))
    figure = curves_figure(_display(history, checkpoints))
    layout = figure.layout
    assert layout.height == style.HEIGHT_BOTH
    assert list(layout.yaxis.domain) == list(style.LOSS_DOMAIN)
    assert list(layout.yaxis2.domain) == list(style.ACCURACY_DOMAIN)
    assert layout.xaxis.anchor == "y2"  # the one x axis is drawn under the lower plot
    assert {trace.xaxis for trace in figure.data if trace.yaxis} == {"x"}
    assert layout.xaxis.fixedrange and layout.yaxis.fixedrange  # no zoom that a rerun would lose


def test_smoothing_adds_a_smoothed_line_over_a_faint_raw_one() -> None:
    history, checkpoints = _run(300, checkpoint_steps=(100, 200, 300))
    display = _display(history, checkpoints, ViewOptions(smoothing=0.6))
    assert "train_loss" + SMOOTHED_SUFFIX in display.history
    figure = curves_figure(display)
    raw, smooth = _trace(figure, "Training loss (raw)"), _trace(figure, "Training loss (smoothed)")
    assert raw.opacity == style.RAW_UNDER_SMOOTHED and smooth.opacity is None and raw.showlegend is False
    assert len(raw.x) == 300  # every step is drawn
    assert not np.allclose(np.asarray(raw.y), np.asarray(smooth.y))
    # Hovering shows both values in one row; the raw line adds no row of its own.
    assert "(raw %{text})" in smooth.hovertemplate and raw.hoverinfo == "skip"
    # Lines that take the hover have invisible markers, so a click on them selects a point (Streamlit
    # reports no click that selects nothing).
    assert "markers" in smooth.mode and smooth.marker.opacity == smooth.selected.marker.opacity == 0
    assert [float(text) for text in smooth.text[:3]] == pytest.approx(list(raw.y[:3]), abs=1e-4)
    # Batch validation that does not decide is drawn like training: faint raw line, one hover row.
    assert _trace(figure, "Validation loss (batch) (raw)").opacity == style.RAW_UNDER_SMOOTHED
    # Deciding, its raw points stay at full strength, with their own hover row, under a darker trend.
    highlights = Highlights(decider="valid_loss")
    deciding = curves_figure(_display(history, checkpoints, ViewOptions(smoothing=0.6)), highlights)
    valid_raw = _trace(deciding, "Validation loss (batch) (raw)")
    valid_trend = _trace(deciding, "Validation loss (batch) (smoothed)")
    assert valid_raw.opacity == 1 and valid_raw.hoverinfo is None
    assert "markers" in valid_raw.mode and "step %{x:,.0f}" in valid_raw.hovertemplate
    assert valid_trend.line.color == style.PALETTES["light"].valid_trend
    assert _trace(deciding, "Training loss (raw)").opacity == style.RAW_UNDER_SMOOTHED

    names = _names(curves_figure(_display(history, checkpoints, ViewOptions(smoothing=0.0))))
    assert not any("smoothed" in name for name in names)


def test_training_and_batch_validation_from_one_curve_smooth_alike() -> None:
    """Training at every step, batch validation at every 10th, both the same curve: at 0.99 their smoothed
    lines agree at the shared steps, because the weight decays per training step on both."""
    steps = np.arange(1, 2001)
    curve = 0.4 + 1.6 * np.exp(-5 * steps / 2000)
    results = pd.DataFrame(
        {"step": steps, "train_loss": curve, "valid_loss": np.where(steps % 10 == 0, curve, np.nan)}
    )
    checkpoints = checkpoints_frame([{"id": "c", "step_number": 2000, "metrics": {"train_loss": 0.41}}])
    history = build_history(checkpoints, results, HistorySource.RESULT_FILE)
    display = _display(history, checkpoints, ViewOptions(smoothing=0.99))
    shared = display.history.dropna(subset=["valid_loss"])
    train, valid = shared["train_loss" + SMOOTHED_SUFFIX], shared["valid_loss" + SMOOTHED_SUFFIX]
    assert valid.to_numpy() == pytest.approx(train.to_numpy(), rel=0.03)
    # Both lag the raw curve by about 100 steps, not batch validation by 1,000.
    assert (valid - shared["valid_loss"]).max() < 0.2


def test_epoch_axis_lines_and_log_scale() -> None:
    history, checkpoints = _run(300, checkpoint_steps=(100, 200, 300))
    display = _display(
        history, checkpoints, ViewOptions(x_mode=XMode.EPOCH, smoothing=0.0, log_y=True), n_epochs=3
    )
    figure = curves_figure(display)
    assert figure.layout.xaxis.title.text == "Epoch"
    assert figure.layout.xaxis.unifiedhovertitle.text == "Epoch %{x:.2f}"
    assert figure.layout.yaxis.type == figure.layout.yaxis2.type == "log"
    lines = [shape for shape in figure.layout.shapes if shape.type == "line"]
    # Each plot has its own dotted lines, at the epoch ends.
    assert sorted({shape.yref for shape in lines}) == ["y domain", "y2 domain"]
    assert sorted({shape.x0 for shape in lines}) == pytest.approx([1.0, 2.0, 3.0])
    assert list(_trace(figure, CHECKPOINT_TRACE).x) == pytest.approx([1.0, 2.0, 3.0])


@pytest.mark.parametrize(
    ("framing", "top"),
    [(YRange.ROBUST, 10), (YRange.ALL, 1e4 + 1)],
    ids=["middle-90", "all"],
)
def test_y_range_frames_a_spike_out_or_in(framing: YRange, top: float) -> None:
    history, checkpoints = _run(300, checkpoint_steps=(100, 200, 300))
    history.loc[history["step"] == 150, "train_loss"] = 1e4
    display = _display(history, checkpoints, ViewOptions(smoothing=0.0, y_range=framing))
    low, high = display.view.y_range["loss"]
    assert (high < top) if framing is YRange.ROBUST else (high > 1e4)
    figure = curves_figure(display)
    assert list(figure.layout.yaxis.range) == [low, high]


def test_the_y_range_framed_on_the_choice_is_the_default_and_keeps_every_checkpoint() -> None:
    history, checkpoints = _run(3_000, checkpoint_steps=(2_000, 2_500, 3_000))
    display = _display(history, checkpoints, ViewOptions(smoothing=0.6))
    low, high = display.view.y_range["loss"]
    # Training starts at 2.3; from the first checkpoint on the curves stay near 1 and below.
    assert high < 0.5 * history["train_loss"].max()
    marks = checkpoints[["train_loss", "full_valid_loss"]].to_numpy()
    assert (low <= marks).all() and (marks <= high).all()


def test_a_zoom_sets_the_x_range_and_frames_y_on_the_steps_in_it() -> None:
    history, checkpoints = _run(3_000, checkpoint_steps=(1_000, 2_000, 3_000))
    zoom = StepRange(1_500, 2_500)
    display = _display(history, checkpoints, ViewOptions(smoothing=0.0, y_range=YRange.ALL), zoom=zoom)
    assert display.view.x_range == (1_500, 2_500)
    inside = history[history["step"].between(1_500, 2_500)]
    low, high = display.view.y_range["loss"]
    assert low < inside["train_loss"].min() and high > inside[["train_loss", "valid_loss"]].max().max()
    assert high < history["train_loss"].max()  # the early drop outside the zoom does not set the range
    # Shown in epochs the same zoom lands on the same steps.
    epochs = _display(history, checkpoints, ViewOptions(x_mode=XMode.EPOCH), zoom=zoom, n_epochs=3)
    assert epochs.view.x_range == pytest.approx((1.5, 2.5))
    assert epochs.steps_at(epochs.view.x_range) == pytest.approx([1_500, 2_500])


def test_a_zoom_into_200_steps_of_a_100k_run_draws_every_logged_step_in_it() -> None:
    history, checkpoints = _run(100_000, checkpoint_steps=(25_000, 50_000, 75_000, 100_000))
    whole = _display(history, checkpoints, ViewOptions(smoothing=0.9))
    # Three dense series (training loss and accuracy, batch validation every 10th step), each thinned to
    # MAX_DISPLAY_POINTS rows of its own; the rows of one are drawn by every series logged there.
    assert whole.rows_total == 100_000
    assert len(whole.history) <= 3 * MAX_DISPLAY_POINTS + len(checkpoints) + 2
    assert whole.history["step"].between(50_001, 50_200).sum() < 50
    zoomed = _display(history, checkpoints, ViewOptions(smoothing=0.9), zoom=StepRange(50_001, 50_200))
    inside = zoomed.history[zoomed.history["step"].between(50_001, 50_200)]
    assert inside["step"].tolist() == list(range(50_001, 50_201))  # all 200 rows
    assert inside["valid_loss"].notna().sum() == 20 and inside["train_loss__smoothed"].notna().all()
    # The detail reaches a little beyond the edges, not over the run, and nothing is left out of it.
    assert zoomed.history["step"].between(49_980, 50_221).all()
    assert zoomed.rows_shown == zoomed.rows_total == len(zoomed.history)


def test_a_running_jobs_axis_runs_to_its_total_steps() -> None:
    history, checkpoints = _run(300, checkpoint_steps=(100, 200, 300))
    display = _display(history, checkpoints, total_steps=500)
    assert display.view.x_range == (0, 500)
    assert list(curves_figure(display).layout.xaxis.range) == [0, 500]
    assert display.x_at([500]) == pytest.approx([500])


def test_large_runs_are_thinned_for_display_and_drawn_with_webgl_marks_on_top() -> None:
    history, checkpoints = _run(60_000, checkpoint_steps=(20_000, 40_000, 60_000))
    highlights = Highlights(best_id="ftckpt_40000")
    display = _display(history, checkpoints, ViewOptions(smoothing=0.6), highlights=highlights)
    assert display.rows_total == 60_000 and display.rows_shown < 20_000
    assert {20_000, 40_000, 60_000} <= set(display.history["step"])
    figure = curves_figure(display, highlights)
    assert isinstance(_trace(figure, "Training loss (raw)"), go.Scattergl)
    # WebGL is painted above SVG, so the marks must be WebGL too, and come after the lines.
    for name in (CHECKPOINT_TRACE, BEST_TRACE):
        assert isinstance(_trace(figure, name), go.Scattergl)
    assert _names(figure).index(CHECKPOINT_TRACE) > _names(figure).index("Training loss (smoothed)")
    assert len(figure.to_json()) < 2_000_000
    # Each line is drawn through its own points, the checkpoints' steps and the ends, whatever the others
    # keep: the budget is per series, not per row of the union.
    for trace in figure.data:
        assert len(trace.x) <= MAX_DISPLAY_POINTS + len(checkpoints) + 2, trace.name


def test_the_overfitting_band_is_shaded_on_both_plots_where_given() -> None:
    history, checkpoints = _run(600, checkpoint_steps=(600,))
    figure = curves_figure(_display(history, checkpoints, spans=[(360, 590)]))
    bands = [shape for shape in figure.layout.shapes if shape.type == "rect"]
    assert [(band.x0, band.x1, band.yref) for band in bands] == [
        (360, 590, "y domain"),
        (360, 590, "y2 domain"),
    ]
    assert json.loads(figure.to_json())["layout"]["annotations"][0]["text"] == "overfitting"


def _many_checkpoints(count: int) -> pd.DataFrame:
    """``count`` checkpoints at steps 10, 20, … with a falling full validation loss."""
    return checkpoints_frame(
        {
            "id": f"ftckpt_{step}",
            "step_number": step,
            "fine_tuned_model_checkpoint": f"ft:m:org::abc:ckpt-step-{step}",
            "metrics": {"train_loss": 1 / step, "full_valid_loss": 2 / step},
        }
        for step in range(10, 10 * count + 1, 10)
    )


def _widest_mark(trace: go.Scatter) -> float:
    """A mark's drawn width: a vertical tick is its stroke, any other mark its size plus outline."""
    marker = trace.marker
    outline = marker.line.width or 0
    return outline if str(marker.symbol).startswith("line-ns") else (marker.size or 6) + outline


@pytest.mark.parametrize("count", [39, 40, 2_500])
def test_many_checkpoints_shrink_to_ticks_and_only_the_star_and_pick_stay_large(count: int) -> None:
    checkpoints = _many_checkpoints(count)
    history = build_history(checkpoints)
    best, picked = f"ftckpt_{10 * (count // 2)}", "ftckpt_20"
    highlights = Highlights(best_id=best, selected_id=picked)
    figure = curves_figure(_display(history, checkpoints, highlights=highlights), highlights)
    many = [trace for trace in figure.data if trace.x is not None and len(trace.x) >= style.MANY_MARKS]
    large = [_widest_mark(trace) for trace in many if trace.mode and "markers" in trace.mode]
    if count >= style.MANY_MARKS:
        assert large and max(large) <= style.MAX_MARK_WIDTH_WHEN_MANY
        assert _trace(figure, CHECKPOINT_TRACE).marker.symbol == "line-ns-open"
    else:
        assert _trace(figure, CHECKPOINT_TRACE).marker.symbol == "diamond"
    assert _widest_mark(_trace(figure, BEST_TRACE)) > 2 * style.MAX_MARK_WIDTH_WHEN_MANY
    assert _widest_mark(_trace(figure, SELECTED_TRACE)) > 2 * style.MAX_MARK_WIDTH_WHEN_MANY


def test_markers_are_an_evenly_spread_subset_plus_the_kept_ones() -> None:
    checkpoints = _many_checkpoints(5_000)
    history = build_history(checkpoints)
    highlights = Highlights(best_id="ftckpt_12340", selected_id="ftckpt_33330")
    display = _display(history, checkpoints, highlights=highlights)
    # 1,000 positions round(k · 4999 / 999) cover steps 10 and 50,000. Step 12,340 (position 1,233) lies
    # between grid positions 1,231 and 1,236, step 33,330 (position 3,332) between 3,328 and 3,333: both
    # are added, 1,002 markers.
    steps = display.checkpoints["step"].tolist()
    assert len(steps) == MAX_CHECKPOINT_MARKERS + 2
    assert {10, 50_000, 12_340, 33_330} <= set(steps)
    assert steps == sorted(steps)
    # The history keeps the marked steps, not all 5,000: at most MAX_DISPLAY_POINTS rows for each of its
    # two dense columns, plus the markers and the first and last rows.
    assert display.rows_shown <= 2 * MAX_DISPLAY_POINTS + len(steps) + 2
    figure = curves_figure(display, highlights)
    marks = _trace(figure, CHECKPOINT_TRACE)
    assert len(marks.x) == len(marks.hovertext) == MAX_CHECKPOINT_MARKERS + 2
    assert list(_trace(figure, BEST_TRACE).x) == [12_340]
    assert list(_trace(figure, SELECTED_TRACE).x) == [33_330]
    # 100,000 markers were 120 MB of JSON; the whole figure now stays small.
    assert len(figure.to_json()) < 2_000_000


def test_the_best_point_without_a_checkpoint_is_a_hollow_star_on_its_curve() -> None:
    history, checkpoints = _run(300, checkpoint_steps=(100, 200, 300))
    unsaved = UnsavedBest(step=150, metric="valid_loss", value=0.61, raw_value=0.64, smoothed=True)
    highlights = Highlights(unsaved_best=unsaved)
    figure = curves_figure(_display(history, checkpoints, highlights=highlights), highlights)
    star = _trace(figure, UNSAVED_TRACE)
    assert (list(star.x), list(star.y), star.yaxis) == ([150], [0.64], "y")
    assert star.marker.symbol == "star-open"
    assert "no checkpoint was saved there" in star.hovertemplate and "smoothed 0.6100" in star.hovertemplate


def test_the_palette_follows_the_theme_and_the_background_is_the_page_s() -> None:
    history, checkpoints = _run(300, checkpoint_steps=(100, 200, 300))
    for theme in ("light", "dark"):
        figure = curves_figure(_display(history, checkpoints, ViewOptions(theme=theme)))
        colours = style.PALETTES[theme]
        assert _trace(figure, "Training loss (raw)").line.color == colours.train
        assert _trace(figure, CHECKPOINT_TRACE).marker.color == colours.marker_fill
        assert figure.layout.paper_bgcolor == figure.layout.plot_bgcolor == "rgba(0,0,0,0)"
    assert style.palette(None) is style.PALETTES["light"]


def test_the_mouse_mode_sets_what_a_drag_does() -> None:
    history, checkpoints = _run(300, checkpoint_steps=(100, 200, 300))
    pick = curves_figure(_display(history, checkpoints, ViewOptions(drag=Drag.PICK))).layout
    zoom = curves_figure(_display(history, checkpoints, ViewOptions(drag=Drag.ZOOM))).layout
    assert (pick.dragmode, zoom.dragmode, zoom.selectdirection) == ("pan", "select", "h")
    assert pick.clickmode == "event+select"


def test_the_png_is_named_and_plotly_zooms_only_where_the_page_does_not() -> None:
    run_chart = plotly_config("ftjob-abc_valid_loss", zoom_on_page=True)
    comparison = plotly_config("compare_a_b", zoom_on_page=False)
    assert run_chart["toImageButtonOptions"] == {
        "format": "png",
        "scale": 2,
        "filename": "ftjob-abc_valid_loss",
    }
    assert comparison["toImageButtonOptions"]["filename"] == "compare_a_b"
    assert run_chart["displaylogo"] is comparison["displaylogo"] is False
    assert {"zoom2d", "pan2d", "autoScale2d", "select2d", "lasso2d"} <= set(
        run_chart["modeBarButtonsToRemove"]
    )
    assert comparison["modeBarButtonsToRemove"] == ["select2d", "lasso2d"]


def test_one_result_row_far_out_draws_no_epoch_lines_and_builds_none() -> None:
    # Checkpoints at steps 1–3 make one step per epoch; a result row at step 10^6 would make 10^6 ends.
    checkpoints = checkpoints_frame(
        [{"id": f"c{step}", "step_number": step, "metrics": {"train_loss": 1.0}} for step in (1, 2, 3)]
    )
    results = pd.DataFrame({"step": [1, 2, 3, 1_000_000], "train_loss": [1.0, 0.9, 0.8, 0.7]})
    history = build_history(checkpoints, results, HistorySource.RESULT_FILE)
    axes = run_axes(history, checkpoints, n_epochs=None, total_steps=None)
    assert axes.steps_per_epoch == 1
    assert list(build_display(ChartRun(history, checkpoints, axes), options=STEPS).view.epoch_ends) == []


def test_millions_of_epochs_from_the_job_build_no_epoch_ends() -> None:
    history, checkpoints = _run(300, checkpoint_steps=(100, 200, 300))
    axes = run_axes(history, checkpoints, n_epochs=3_000_000, total_steps=300)
    assert axes.steps_per_epoch == 100  # 10,000 epochs per step is not believed: checkpoint spacing is
    display = build_display(ChartRun(history, checkpoints, axes), options=ViewOptions(x_mode=XMode.EPOCH))
    assert list(display.view.epoch_ends) == pytest.approx([1.0, 2.0, 3.0])


def test_forty_epochs_draw_eight_lines_every_fifth_epoch() -> None:
    history, checkpoints = _run(400, checkpoint_steps=tuple(range(10, 401, 10)))
    axes = run_axes(history, checkpoints, n_epochs=40, total_steps=400)
    display = build_display(ChartRun(history, checkpoints, axes), options=STEPS)
    assert list(display.view.epoch_ends) == pytest.approx([50.0 * k for k in range(1, 9)])


def _marked() -> go.Figure:
    """Few checkpoints with the ★, the pick and the hollow star of a best point without a checkpoint."""
    history, checkpoints = _run(300, checkpoint_steps=(100, 200, 300))
    unsaved = UnsavedBest(step=150, metric="valid_loss", value=0.61, raw_value=0.64, smoothed=True)
    marked = Highlights(best_id="ftckpt_200", selected_id="ftckpt_100", unsaved_best=unsaved)
    return curves_figure(
        _display(history, checkpoints, ViewOptions(smoothing=0.6), highlights=marked), marked
    )


def _epochs() -> go.Figure:
    """Epochs on a log scale, the overfitting band, drag to zoom."""
    history, checkpoints = _run(300, checkpoint_steps=(100, 200, 300))
    options = ViewOptions(x_mode=XMode.EPOCH, smoothing=0.6, log_y=True, drag=Drag.ZOOM)
    return curves_figure(_display(history, checkpoints, options, n_epochs=3, spans=[(150, 290)]))


def _webgl() -> go.Figure:
    history, checkpoints = _run(60_000, checkpoint_steps=(20_000, 40_000, 60_000))
    return curves_figure(_display(history, checkpoints, ViewOptions(smoothing=0.6)))


def _many() -> go.Figure:
    """Checkpoints as a rug of ticks."""
    many = _many_checkpoints(2_500)
    highlights = Highlights(best_id="ftckpt_12340")
    return curves_figure(_display(build_history(many), many, highlights=highlights), highlights)


def _loss_only() -> go.Figure:
    loss_only = checkpoints_frame(SPEC_EXAMPLE)[["step", "checkpoint_id", "model", "train_loss"]]
    return curves_figure(_raw_display(loss_only, loss_only))


def _f1() -> go.Figure:
    """A trainer's classifier chosen by F1: its task plot under the loss."""
    folder = Path(__file__).resolve().parents[1] / "fixtures" / "trainers" / "classifier_f1"
    origin = Origin(RunRef("files", "classifier_f1"), "Runs folder", "classifier_f1")
    prepared = prepare(run_from_bytes((folder / "trainer_state.json").read_bytes(), origin))
    page = build_page(prepared, ViewOptions(smoothing=prepared.default_smoothing))
    assert page.chart is not None
    return curves_figure(page.chart.display, page.chart.highlights)


@pytest.mark.parametrize("figure", [_marked, _epochs, _webgl, _many, _loss_only, _f1])
def test_figures_built_without_plotlys_validation_pass_it_unchanged(figure: Callable[[], go.Figure]) -> None:
    """The figure is built as dicts and not validated (that took ~0.13 s a figure); plotly's validation
    accepts every figure the page draws and changes nothing of what reaches the browser."""
    built = figure()
    validated = go.Figure(built.to_dict())  # raises on any property or value plotly does not accept
    assert json.loads(built.to_json()) == json.loads(validated.to_json())
