"""The reading controls (sidebar and chart toolbar) change what the chart and the recommendation show."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from components.charts.curves import BEST_TRACE, CHECKPOINT_TRACE
from components.charts.options import Drag, YRange
from components.ui.selection import ZOOM_KEY
from components.ui.view_options import DRAG_KEY, FULL_RANGE_KEY, Y_KEY
from devtools.standin import StandInServer, make_run
from tests.page.page_support import chart_spec, decode, trace_names, traces

RUN = make_run("ftjob-view")  # 480 steps, 4 epochs: checkpoints at steps 240, 360, 480


@pytest.fixture
def view_page(open_page: Callable[..., AppTest], api_env: StandInServer) -> AppTest:
    api_env.add_run(RUN)
    at = open_page("ftjob-view")
    assert not at.exception
    return at


def _layout(at: AppTest) -> dict:
    return chart_spec(at)["layout"]


def test_epoch_axis_puts_checkpoints_at_epoch_ends(view_page: AppTest) -> None:
    assert _layout(view_page)["xaxis"]["title"]["text"] == "Step"
    view_page.radio(key="x").set_value("Epoch").run()
    assert not view_page.exception
    spec = chart_spec(view_page)
    assert spec["layout"]["xaxis"]["title"]["text"] == "Epoch"
    for name in (CHECKPOINT_TRACE, CHECKPOINT_TRACE + " · accuracy"):
        assert sorted(decode(traces(spec)[name]["x"])) == pytest.approx([2.0, 3.0, 4.0])


def test_elapsed_axis_is_in_minutes(view_page: AppTest) -> None:
    view_page.radio(key="x").set_value("Elapsed time").run()
    spec = chart_spec(view_page)
    assert spec["layout"]["xaxis"]["title"]["text"] == "Elapsed time (minutes)"
    # The stand-in takes 2 s a step, and the axis counts from step 0: step 240 is 8 minutes in, 480 is 16.
    assert sorted(decode(traces(spec)[CHECKPOINT_TRACE]["x"])) == pytest.approx([8.0, 12.0, 16.0], abs=0.05)


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


def test_smoothing_goes_up_to_0_999(view_page: AppTest) -> None:
    slider = view_page.slider(key="smooth")
    assert (slider.min, slider.max, slider.step) == (0.0, 0.999, 0.001)
    slider.set_value(0.999).run()
    assert not view_page.exception and "Training loss (smoothed)" in trace_names(view_page)


def test_log_toggle_makes_both_y_axes_logarithmic(view_page: AppTest) -> None:
    assert {_layout(view_page)[axis]["type"] for axis in ("yaxis", "yaxis2")} == {"linear"}
    view_page.toggle(key="log").set_value(True).run()
    assert not view_page.exception
    assert {_layout(view_page)[axis]["type"] for axis in ("yaxis", "yaxis2")} == {"log"}


def test_the_y_range_is_framed_on_the_choice_and_full_range_is_one_click(view_page: AppTest) -> None:
    framed = _layout(view_page)["yaxis"]["range"]
    view_page.radio(key=Y_KEY).set_value(YRange.ALL).run()
    everything = _layout(view_page)["yaxis"]["range"]
    # The run starts near 2.0; the choice is made between 0.3 and 1.
    assert framed[1] < 1.3 < everything[1]
    view_page.radio(key=Y_KEY).set_value(YRange.ROBUST).run()
    low, high = _layout(view_page)["yaxis"]["range"]
    assert everything[0] <= low < high < everything[1]
    view_page.button(key=FULL_RANGE_KEY).click().run()
    assert not view_page.exception
    assert view_page.radio(key=Y_KEY).value == YRange.ALL
    assert _layout(view_page)["yaxis"]["range"] == everything


def test_a_zoom_applies_to_both_plots_survives_option_changes_and_full_range_clears_it(
    view_page: AppTest,
) -> None:
    """A box drawn on the chart becomes ``zoom`` (what the chart's callback writes: AppTest fires no
    callbacks, see test_page_selection) and ``?steps=``; it is kept across reruns until Full range."""
    view_page.segmented_control(key=DRAG_KEY).set_value(Drag.ZOOM).run()
    assert _layout(view_page)["dragmode"] == "select"
    view_page.session_state[ZOOM_KEY] = ("ftjob-view", "200-400")
    view_page.run()
    assert _layout(view_page)["xaxis"]["range"] == [200, 400]  # one x axis: both plots
    assert view_page.query_params["steps"] == "200-400"
    view_page.slider(key="smooth").set_value(0.9).run()
    view_page.radio(key="x").set_value("Epoch").run()
    assert _layout(view_page)["xaxis"]["range"] == pytest.approx([200 / 120, 400 / 120])
    view_page.button(key=FULL_RANGE_KEY).click().run()
    assert "range" not in _layout(view_page)["xaxis"]
    assert "steps" not in view_page.query_params


def test_training_loss_as_decider_changes_the_recommendation_and_the_url(view_page: AppTest) -> None:
    strip = view_page.get_by_key("best_card")
    assert strip.metric[0].label == "Full validation loss"
    assert view_page.selectbox(key="metric").value == "full_valid_loss"
    assert view_page.selectbox(key="metric").proto.query_param_key == "metric"
    view_page.selectbox(key="metric").set_value("train_loss").run()
    assert not view_page.exception
    strip = view_page.get_by_key("best_card")
    assert strip.metric[0].label == "Training loss"
    advice = strip.markdown[1].value  # under the model name
    assert "use it right away" not in advice and "cannot show overfitting" in advice
    lowest_train = min(RUN.checkpoints, key=lambda c: c["metrics"]["train_loss"])
    assert lowest_train["fine_tuned_model_checkpoint"] in strip.code[0].value
    assert traces(chart_spec(view_page))[BEST_TRACE]["customdata"] == [[lowest_train["id"]]]
