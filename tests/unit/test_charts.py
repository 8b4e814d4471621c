"""The figure builders: which traces exist, what they carry, and what the reader's options change."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from components.charts.curves import MAX_CHECKPOINT_MARKERS, SMOOTHED_SUFFIX, ChartView, metric_figure
from components.charts.view import build_display, run_axes
from components.data.checkpoints import checkpoints_frame
from components.data.epochs import MAX_EPOCH_ENDS
from components.data.history import build_history
from components.domain import HistorySource
from tests.spec_examples import SPEC_EXAMPLE

STEP_VIEW = ChartView(x="step")


def _names(figure: go.Figure) -> list[str]:
    return [trace.name for trace in figure.data]


def _trace(figure: go.Figure, name: str) -> go.Scatter:
    return next(trace for trace in figure.data if trace.name == name)


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


def test_spec_example_draws_only_the_series_it_has() -> None:
    checkpoints = checkpoints_frame(SPEC_EXAMPLE)
    history = build_history(checkpoints).assign(x=lambda frame: frame["step"])
    figure = metric_figure("loss", history, checkpoints.assign(x=checkpoints["step"]), view=STEP_VIEW)
    assert _names(figure) == ["Validation loss (full, epoch end)", "Saved checkpoint (click to select)"]
    full = _trace(figure, "Validation loss (full, epoch end)")
    assert list(full.x) == [1000, 2000]
    assert list(full.y) == [0.167, 0.134]
    # A click lands on the first trace drawn at a point, so the metric's own points select too.
    assert [row[0] for row in full.customdata] == checkpoints["checkpoint_id"].tolist()


def test_checkpoint_markers_carry_ids_and_model_names_for_hover_and_click() -> None:
    checkpoints = checkpoints_frame(SPEC_EXAMPLE).assign(x=lambda frame: frame["step"])
    figure = metric_figure("accuracy", checkpoints, checkpoints, view=STEP_VIEW)
    markers = _trace(figure, "Saved checkpoint (click to select)")
    assert [row[0] for row in markers.customdata] == [
        "ftckpt_enQCFmOTGj3syEpYVhBRLTSy",
        "ftckpt_zc4Q7MP6XxulcVzj4MZdwsAB",
    ]
    assert "ckpt-step-1000" in markers.hovertext[0]
    assert "Validation accuracy (full, epoch end): 0.7810" in markers.hovertext[0]
    assert list(markers.y) == [0.781, 0.874]


def test_best_and_selected_checkpoints_get_their_own_marks() -> None:
    checkpoints = checkpoints_frame(SPEC_EXAMPLE).assign(x=lambda frame: frame["step"])
    figure = metric_figure(
        "loss",
        checkpoints,
        checkpoints,
        view=STEP_VIEW,
        best_id="ftckpt_zc4Q7MP6XxulcVzj4MZdwsAB",
        selected_id="ftckpt_enQCFmOTGj3syEpYVhBRLTSy",
    )
    assert list(_trace(figure, "Recommended checkpoint").x) == [2000]
    assert list(_trace(figure, "Selected checkpoint").x) == [1000]
    assert _trace(figure, "Recommended checkpoint").marker.symbol == "star"


def test_a_one_point_series_is_drawn_as_a_marker() -> None:
    checkpoints = checkpoints_frame(SPEC_EXAMPLE[:1]).assign(x=lambda frame: frame["step"])
    figure = metric_figure("loss", checkpoints, checkpoints, view=STEP_VIEW)
    assert "markers" in _trace(figure, "Validation loss (full, epoch end)").mode


def test_a_kind_without_values_gives_an_empty_figure() -> None:
    frame = checkpoints_frame([{"id": "c", "step_number": 5, "metrics": {"train_loss": 0.5}}])
    frame = frame.assign(x=frame["step"])
    assert metric_figure("accuracy", frame, frame, view=STEP_VIEW).data == ()


def test_smoothing_adds_a_smoothed_line_over_a_faint_raw_one() -> None:
    history, checkpoints = _run(300, checkpoint_steps=(100, 200, 300))
    axes = run_axes(history, checkpoints, n_epochs=3, total_steps=300)
    display = build_display(
        history, checkpoints, axes=axes, x_mode="step", smoothing=0.6, log_y=False, ignore_outliers=False
    )
    assert "train_loss" + SMOOTHED_SUFFIX in display.history
    figure = metric_figure("loss", display.history, display.checkpoints, view=display.view)
    raw, smooth = _trace(figure, "Training loss (raw)"), _trace(figure, "Training loss (smoothed)")
    assert raw.opacity < smooth.opacity and raw.showlegend is False
    assert len(raw.x) == 300  # every step is drawn
    assert not np.allclose(np.asarray(raw.y), np.asarray(smooth.y))
    # Hovering the smoothed line shows both values.
    assert "(raw %{text})" in smooth.hovertemplate
    assert [float(text) for text in smooth.text[:3]] == pytest.approx(list(raw.y[:3]), abs=1e-4)

    unsmoothed = build_display(
        history, checkpoints, axes=axes, x_mode="step", smoothing=0.0, log_y=False, ignore_outliers=False
    )
    names = _names(metric_figure("loss", unsmoothed.history, unsmoothed.checkpoints, view=unsmoothed.view))
    assert not any("smoothed" in name for name in names)


def test_epoch_axis_lines_and_log_scale() -> None:
    history, checkpoints = _run(300, checkpoint_steps=(100, 200, 300))
    axes = run_axes(history, checkpoints, n_epochs=3, total_steps=300)
    display = build_display(
        history, checkpoints, axes=axes, x_mode="epoch", smoothing=0.0, log_y=True, ignore_outliers=False
    )
    figure = metric_figure("loss", display.history, display.checkpoints, view=display.view)
    assert figure.layout.xaxis.title.text == "Epoch"
    assert figure.layout.yaxis.type == "log"
    lines = [shape.x0 for shape in figure.layout.shapes if shape.type == "line"]
    assert lines == pytest.approx([1.0, 2.0, 3.0])
    assert list(_trace(figure, "Saved checkpoint (click to select)").x) == pytest.approx([1.0, 2.0, 3.0])


def test_too_many_epoch_ends_draw_no_lines() -> None:
    frame = checkpoints_frame([{"id": "c", "step_number": 1, "metrics": {"train_loss": 1.0}}])
    frame = frame.assign(x=frame["step"])
    view = ChartView(x="x", epoch_ends=list(range(MAX_EPOCH_ENDS + 1)))
    assert metric_figure("loss", frame, frame, view=view).layout.shapes == ()


def test_ignore_outliers_sets_a_range_that_excludes_a_spike() -> None:
    history, checkpoints = _run(300, checkpoint_steps=(100, 200, 300))
    history.loc[history["step"] == 150, "train_loss"] = 1e4
    axes = run_axes(history, checkpoints, n_epochs=3, total_steps=300)
    display = build_display(
        history, checkpoints, axes=axes, x_mode="step", smoothing=0.0, log_y=False, ignore_outliers=True
    )
    low, high = display.view.y_range["loss"]
    assert high < 10
    figure = metric_figure("loss", display.history, display.checkpoints, view=display.view)
    assert list(figure.layout.yaxis.range) == [low, high]


def test_large_runs_are_thinned_for_display_and_drawn_with_webgl_markers_on_top() -> None:
    history, checkpoints = _run(60_000, checkpoint_steps=(20_000, 40_000, 60_000))
    axes = run_axes(history, checkpoints, n_epochs=3, total_steps=60_000)
    display = build_display(
        history,
        checkpoints,
        axes=axes,
        x_mode="step",
        smoothing=0.6,
        log_y=False,
        ignore_outliers=False,
        keep_steps=[12_345],
    )
    assert display.rows_total == 60_000 and display.rows_shown < 20_000
    assert {20_000, 40_000, 60_000, 12_345} <= set(display.history["step"])
    figure = metric_figure("loss", display.history, display.checkpoints, view=display.view)
    assert isinstance(_trace(figure, "Training loss (raw)"), go.Scattergl)
    # WebGL is painted above SVG, so the checkpoints must be WebGL too, and come last.
    assert isinstance(figure.data[-1], go.Scattergl) and figure.data[-1].name.startswith("Saved checkpoint")
    assert len(figure.to_json()) < 2_000_000


def test_overfitting_band_is_drawn_where_validation_turns_up() -> None:
    steps = np.arange(1, 601)
    train = 2 * np.exp(-steps / 150) + 0.2
    valid = np.where(
        steps % 5 == 0, 2 * np.exp(-steps / 150) + 0.4 + np.clip(steps - 360, 0, None) / 300, np.nan
    )
    results = pd.DataFrame({"step": steps, "train_loss": train, "valid_loss": valid})
    for name in (
        "full_valid_loss",
        "train_mean_token_accuracy",
        "valid_mean_token_accuracy",
        "full_valid_mean_token_accuracy",
    ):
        results[name] = np.nan
    checkpoints = checkpoints_frame(
        [{"id": "a", "step_number": 600, "created_at": 1, "metrics": {"train_loss": 0.3}}]
    )
    history = build_history(checkpoints, results, HistorySource.RESULT_FILE)
    axes = run_axes(history, checkpoints, n_epochs=None, total_steps=None)
    display = build_display(
        history, checkpoints, axes=axes, x_mode="step", smoothing=0.0, log_y=False, ignore_outliers=False
    )
    figure = metric_figure("loss", display.history, display.checkpoints, view=display.view)
    bands = [shape for shape in figure.layout.shapes if shape.type == "rect"]
    assert len(bands) == 1
    assert 330 <= bands[0].x0 <= 450 and bands[0].x1 >= 590
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


def test_markers_are_an_evenly_spread_subset_plus_the_kept_ones() -> None:
    checkpoints = _many_checkpoints(5_000)
    history = build_history(checkpoints)
    axes = run_axes(history, checkpoints, n_epochs=None, total_steps=None)
    display = build_display(
        history,
        checkpoints,
        axes=axes,
        x_mode="step",
        smoothing=0.0,
        log_y=False,
        ignore_outliers=False,
        keep_steps=[12_340],
        keep_ids=["ftckpt_33330"],
    )
    # 1,000 positions round(k · 4999 / 999) cover steps 10 and 50,000. Step 12,340 (position 1,233) lies
    # between grid positions 1,231 and 1,236, step 33,330 (position 3,332) between 3,328 and 3,333: both
    # are added, 1,002 markers.
    steps = display.checkpoints["step"].tolist()
    assert len(steps) == MAX_CHECKPOINT_MARKERS + 2
    assert {10, 50_000, 12_340, 33_330} <= set(steps)
    assert steps == sorted(steps)
    # The history keeps the marked steps, not all 5,000: 1,000 buckets × (first row + the extremes of its
    # two dense columns) at most, plus the markers and the last row.
    assert display.rows_shown <= 1_000 * 5 + len(steps) + 1


def test_a_figure_draws_at_most_the_marker_cap_with_hover_text_only_for_those() -> None:
    checkpoints = _many_checkpoints(5_000).assign(x=lambda frame: frame["step"])
    figure = metric_figure(
        "loss", checkpoints, checkpoints, view=STEP_VIEW, best_id="ftckpt_12340", selected_id="ftckpt_33330"
    )
    markers = _trace(figure, "Saved checkpoint (click to select)")
    assert len(markers.x) == len(markers.hovertext) == MAX_CHECKPOINT_MARKERS + 2
    assert list(_trace(figure, "Recommended checkpoint").x) == [12_340]
    assert list(_trace(figure, "Selected checkpoint").x) == [33_330]
    # 100,000 markers were 120 MB of JSON; the whole figure now stays small.
    assert len(figure.to_json()) < 2_000_000


def test_one_result_row_far_out_draws_no_epoch_lines_and_builds_none() -> None:
    # Checkpoints at steps 1–3 make one step per epoch; a result row at step 10^6 would make 10^6 ends.
    checkpoints = checkpoints_frame(
        [{"id": f"c{step}", "step_number": step, "metrics": {"train_loss": 1.0}} for step in (1, 2, 3)]
    )
    results = pd.DataFrame({"step": [1, 2, 3, 1_000_000], "train_loss": [1.0, 0.9, 0.8, 0.7]})
    history = build_history(checkpoints, results, HistorySource.RESULT_FILE)
    axes = run_axes(history, checkpoints, n_epochs=None, total_steps=None)
    assert axes.steps_per_epoch == 1
    display = build_display(
        history, checkpoints, axes=axes, x_mode="step", smoothing=0.0, log_y=False, ignore_outliers=False
    )
    assert list(display.view.epoch_ends) == []


def test_millions_of_epochs_from_the_job_build_no_epoch_ends() -> None:
    history, checkpoints = _run(300, checkpoint_steps=(100, 200, 300))
    axes = run_axes(history, checkpoints, n_epochs=3_000_000, total_steps=300)
    assert axes.steps_per_epoch == 100  # 10,000 epochs per step is not believed: checkpoint spacing is
    display = build_display(
        history, checkpoints, axes=axes, x_mode="epoch", smoothing=0.0, log_y=False, ignore_outliers=False
    )
    assert list(display.view.epoch_ends) == pytest.approx([1.0, 2.0, 3.0])
