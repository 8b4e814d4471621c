"""The sidebar's chart controls change what the charts and the recommendation show."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from devtools.standin import StandInServer, make_run
from tests.page.page_support import CHART_KEYS, chart_spec, decode, trace_names, traces

RUN = make_run("ftjob-view")  # 480 steps, 4 epochs: checkpoints at steps 240, 360, 480
MARKERS = "Saved checkpoint (click to select)"


@pytest.fixture
def view_page(open_page: Callable[..., AppTest], api_env: StandInServer) -> AppTest:
    api_env.add_run(RUN)
    at = open_page("ftjob-view")
    assert not at.exception
    return at


def test_epoch_axis_puts_checkpoints_at_epoch_ends(view_page: AppTest) -> None:
    assert chart_spec(view_page, "loss_chart")["layout"]["xaxis"]["title"]["text"] == "Step"
    view_page.radio(key="x").set_value("Epoch").run()
    assert not view_page.exception
    for key in CHART_KEYS:
        spec = chart_spec(view_page, key)
        assert spec["layout"]["xaxis"]["title"]["text"] == "Epoch"
        assert sorted(decode(traces(spec)[MARKERS]["x"])) == pytest.approx([2.0, 3.0, 4.0])


def test_elapsed_axis_is_in_minutes(view_page: AppTest) -> None:
    view_page.radio(key="x").set_value("Elapsed time").run()
    spec = chart_spec(view_page, "loss_chart")
    assert spec["layout"]["xaxis"]["title"]["text"] == "Elapsed time (minutes)"
    # The stand-in takes 2 s a step, and the axis counts from step 0: step 240 is 8 minutes in, 480 is 16.
    assert sorted(decode(traces(spec)[MARKERS]["x"])) == pytest.approx([8.0, 12.0, 16.0], abs=0.05)


def test_zero_smoothing_removes_the_smoothed_lines(view_page: AppTest) -> None:
    names = trace_names(view_page)
    assert "Training loss (smoothed)" in names
    assert "Training loss (raw)" in names
    view_page.slider(key="smooth").set_value(0.0).run()
    assert not view_page.exception
    names = trace_names(view_page)
    assert not [name for name in names if "(smoothed)" in name]
    assert not [name for name in names if "(raw)" in name]
    assert "Training loss" in names
    assert "Training accuracy" in names


def test_log_toggle_makes_the_y_axis_logarithmic(view_page: AppTest) -> None:
    assert {chart_spec(view_page, key)["layout"]["yaxis"]["type"] for key in CHART_KEYS} == {"linear"}
    view_page.toggle(key="log").set_value(True).run()
    assert not view_page.exception
    assert {chart_spec(view_page, key)["layout"]["yaxis"]["type"] for key in CHART_KEYS} == {"log"}


def test_ignore_outliers_sets_a_y_range(view_page: AppTest) -> None:
    assert "range" not in chart_spec(view_page, "loss_chart")["layout"]["yaxis"]
    view_page.toggle(key="outliers").set_value(True).run()
    assert not view_page.exception
    low, high = chart_spec(view_page, "loss_chart")["layout"]["yaxis"]["range"]
    assert 0 <= low < high


def test_training_loss_as_decider_changes_the_recommendation(view_page: AppTest) -> None:
    card = view_page.get_by_key("best_card")
    assert "full validation loss" in card.markdown[1].value
    assert view_page.selectbox(key="metric").value == "full_valid_loss"
    view_page.selectbox(key="metric").set_value("train_loss").run()
    assert not view_page.exception
    card = view_page.get_by_key("best_card")
    assert "training loss" in card.markdown[1].value
    assert card.metric[0].label == "Decided by: Training loss"
    lowest_train = min(RUN.checkpoints, key=lambda c: c["metrics"]["train_loss"])
    assert lowest_train["fine_tuned_model_checkpoint"] in card.code[0].value
    assert traces(chart_spec(view_page, "loss_chart"))["Recommended checkpoint"]["customdata"] == [
        [lowest_train["id"]]
    ]
