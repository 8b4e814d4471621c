"""One selection for chart, table and comparison panel; the chart's box zoom; both in the URL.

AppTest does not fire ``on_select`` callbacks when a selection is injected into session state (checked:
injecting chart or table state leaves ``picked_checkpoint`` unset), so the callbacks are run directly
inside a Streamlit script, and the page is tested with the state they write.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from components.charts.curves import SELECTED_TRACE
from components.charts.options import Drag, Highlights
from components.charts.view import ChartView, RunDisplay
from components.page.chart import ChartModel
from components.page.recommendation import COMPARE_HINT, SAME_HINT
from components.ui.checkpoint_table import TABLE_KEY
from components.ui.selection import PICKED_KEY, TABLE_ROUND_KEY, ZOOM_KEY
from devtools.standin import StandInServer, make_run
from tests.page.page_support import TIMEOUT, chart_spec, code_texts, has_key, traces

RUN = make_run("ftjob-pick")
OTHER = make_run("ftjob-elsewhere", seed=11)
# Newest first: steps 480, 360, 240. The lowest full validation loss is at 240, so 480 and 360 are not best.
BEST = min(RUN.checkpoints, key=lambda c: c["metrics"]["full_valid_loss"])
NOT_BEST = next(c for c in RUN.checkpoints if c["id"] != BEST["id"])
IDS = [c["id"] for c in RUN.checkpoints]
STEPS = {c["id"]: c["step_number"] for c in RUN.checkpoints}


@pytest.fixture
def runs(api_env: StandInServer) -> StandInServer:
    api_env.add_run(RUN)
    api_env.add_run(OTHER)
    return api_env


def _chart(drag: Drag = Drag.PICK) -> ChartModel:
    """The chart of RUN at steps 1–480, with its three checkpoints marked (x = step)."""
    history = pd.DataFrame({"step": range(1, 481)}).assign(x=lambda f: f["step"].astype(float))
    marks = pd.DataFrame({"checkpoint_id": IDS, "step": [STEPS[i] for i in IDS]}).assign(
        x=lambda f: f["step"]
    )
    display = RunDisplay(history, marks, ChartView(x="x", drag=drag), 480, 480)
    return ChartModel(display, Highlights(), None, "", ())


def _point(checkpoint_id: str | None, x: float, curve: int = 5) -> dict[str, Any]:
    point: dict[str, Any] = {"curve_number": curve, "point_number": 0, "point_index": 0, "x": x, "y": 0.6}
    if checkpoint_id is not None:
        point["customdata"] = [checkpoint_id]
    return point


def _event(*points: dict[str, Any], box: list | None = None) -> dict[str, Any]:
    return {"selection": {"points": list(points), "point_indices": [0], "box": box or [], "lasso": []}}


# ---- the callbacks, run inside a real Streamlit script -------------------------------------------------


# The scripts run as standalone files: annotations naming this module's imports would not resolve there.
def _chart_callback_script(event, chart) -> None:
    import streamlit as st

    from components.ui.selection import on_chart_select

    st.session_state["curves_chart"] = event
    on_chart_select("curves_chart", "ftjob-pick", chart)


def _table_callback_script(selection, row_ids) -> None:
    import streamlit as st

    from components.ui.selection import on_table_select

    st.session_state["rows"] = {"selection": selection}
    on_table_select("rows", row_ids)


def _run_callback(
    script: Callable[..., None], *args: Any, picked: str | None = None, zoom: str | None = None
) -> AppTest:
    at = AppTest.from_function(script, args=args, default_timeout=TIMEOUT)
    at.secrets["UNUSED"] = "x"
    if picked is not None:
        at.session_state[PICKED_KEY] = picked
        at.query_params["ckpt"] = picked
    if zoom is not None:
        at.session_state[ZOOM_KEY] = ("ftjob-pick", zoom)
        at.query_params["steps"] = zoom
    return at.run()


def test_a_click_on_a_checkpoint_mark_picks_it_and_renews_the_table() -> None:
    at = _run_callback(
        _chart_callback_script, _event(_point(NOT_BEST["id"], STEPS[NOT_BEST["id"]])), _chart()
    )
    assert not at.exception
    assert at.session_state[PICKED_KEY] == NOT_BEST["id"]
    assert at.query_params["ckpt"] == NOT_BEST["id"]
    assert at.session_state[TABLE_ROUND_KEY] == 1  # the table is drawn anew, ticking this row


def test_a_click_on_a_curve_next_to_a_checkpoint_picks_that_checkpoint() -> None:
    """One hover for all series: plotly reports whichever series is nearest, often a curve."""
    step = STEPS[NOT_BEST["id"]]
    at = _run_callback(_chart_callback_script, _event(_point(None, step + 3, curve=0)), _chart())
    assert at.session_state[PICKED_KEY] == NOT_BEST["id"]


@pytest.mark.parametrize(
    "event",
    [
        _event(_point(None, 300, curve=0)),  # a curve, halfway between two checkpoints
        _event(_point(OTHER.checkpoints[0]["id"], 300)),  # another job's checkpoint id
        {"selection": {"points": [], "point_indices": [], "box": [], "lasso": []}},  # a double-click
    ],
    ids=["empty-space", "foreign-id", "double-click"],
)
def test_a_click_away_from_the_checkpoints_clears_the_pick(event: dict) -> None:
    at = _run_callback(_chart_callback_script, event, _chart(), picked=BEST["id"])
    assert not at.exception
    assert at.session_state[PICKED_KEY] is None
    assert "ckpt" not in at.query_params


def test_a_box_zooms_into_its_steps_and_keeps_the_pick() -> None:
    box = [{"xref": "x", "yref": "y", "x": [300.4, 120.2], "y": [0, 1]}]
    at = _run_callback(
        _chart_callback_script, _event(_point(BEST["id"], 240), box=box), _chart(Drag.ZOOM), picked=BEST["id"]
    )
    assert not at.exception
    assert at.session_state[ZOOM_KEY] == ("ftjob-pick", "120-301")
    assert at.query_params["steps"] == "120-301"
    assert at.session_state[PICKED_KEY] == BEST["id"]  # the box's points pick nothing


def test_a_double_click_in_zoom_mode_zooms_out_and_keeps_the_pick() -> None:
    at = _run_callback(_chart_callback_script, _event(), _chart(Drag.ZOOM), picked=BEST["id"], zoom="120-300")
    assert not at.exception
    assert at.session_state[ZOOM_KEY] is None and "steps" not in at.query_params
    assert at.session_state[PICKED_KEY] == BEST["id"]


def test_table_row_selection_picks_that_rows_checkpoint_without_renewing_the_table() -> None:
    at = _run_callback(_table_callback_script, {"rows": [1], "columns": []}, IDS)
    assert not at.exception
    assert at.session_state[PICKED_KEY] == IDS[1]
    assert at.query_params["ckpt"] == IDS[1]
    assert TABLE_ROUND_KEY not in at.session_state


def test_clearing_the_table_selection_clears_the_pick() -> None:
    at = _run_callback(_table_callback_script, {"rows": [], "columns": []}, IDS, picked=IDS[0])
    assert not at.exception
    assert at.session_state[PICKED_KEY] is None
    assert "ckpt" not in at.query_params


# ---- the page, given what the callbacks write ----------------------------------------------------------


def _ticked_row(at: AppTest) -> list[int]:
    """The rows the table's dataframe is told to show ticked on its first render."""
    [frame] = at.get_by_key(TABLE_KEY).dataframe
    default = frame.proto.selection_default
    return [] if not default else json.loads(default)["selection"]["rows"]


def test_a_pick_fills_the_fixed_panel_marks_the_chart_and_ticks_the_table_row(
    open_page: Callable[..., AppTest], runs: StandInServer
) -> None:
    at = open_page("ftjob-pick")
    panel = at.get_by_key("comparison")
    assert [caption.value for caption in panel.caption] == [COMPARE_HINT]
    assert list(panel.dataframe[0].value.index) == ["★ Recommended", "Selected", "Selected − recommended"]
    at.session_state[PICKED_KEY] = NOT_BEST["id"]
    at.session_state[TABLE_ROUND_KEY] = 1  # as the chart's callback leaves it
    at.run()
    assert not at.exception
    panel = at.get_by_key("comparison")
    assert code_texts(panel) == [NOT_BEST["fine_tuned_model_checkpoint"]]
    frame = panel.dataframe[0].value
    assert list(frame.index) == ["★ Recommended", "Selected", "Selected − recommended"]
    assert frame.loc["Selected", "Step"] == f"{NOT_BEST['step_number']:,}"
    assert at.query_params["ckpt"] == NOT_BEST["id"]
    assert traces(chart_spec(at))[SELECTED_TRACE]["customdata"] == [[NOT_BEST["id"]]]
    rows = at.get_by_key(TABLE_KEY).dataframe[0].value
    assert [rows["checkpoint_id"].iloc[i] for i in _ticked_row(at)] == [NOT_BEST["id"]]


def test_picking_the_recommended_checkpoint_says_so(
    open_page: Callable[..., AppTest], runs: StandInServer
) -> None:
    at = open_page("ftjob-pick")
    at.session_state[PICKED_KEY] = BEST["id"]
    at.run()
    panel = at.get_by_key("comparison")
    assert [caption.value for caption in panel.caption] == [SAME_HINT]
    assert at.query_params["ckpt"] == BEST["id"]


def test_ckpt_link_selects_on_first_load(open_page: Callable[..., AppTest], runs: StandInServer) -> None:
    at = open_page("ftjob-pick", ckpt=NOT_BEST["id"])
    assert not at.exception
    assert at.session_state[PICKED_KEY] == NOT_BEST["id"]
    assert code_texts(at.get_by_key("comparison")) == [NOT_BEST["fine_tuned_model_checkpoint"]]
    rows = at.get_by_key(TABLE_KEY).dataframe[0].value
    assert [rows["checkpoint_id"].iloc[i] for i in _ticked_row(at)] == [NOT_BEST["id"]]


def test_ckpt_link_of_another_job_is_ignored_and_dropped(
    open_page: Callable[..., AppTest], runs: StandInServer
) -> None:
    at = open_page("ftjob-pick", ckpt=OTHER.checkpoints[0]["id"])
    assert not at.exception
    assert at.session_state[PICKED_KEY] is None
    assert code_texts(at.get_by_key("comparison")) == []
    assert "ckpt" not in at.query_params
    assert not at.error


def test_switching_jobs_drops_the_previous_jobs_pick_and_zoom(
    open_page: Callable[..., AppTest], runs: StandInServer
) -> None:
    at = open_page("ftjob-pick", ckpt=NOT_BEST["id"])
    at.session_state[ZOOM_KEY] = ("ftjob-pick", "100-200")
    at.run()
    assert chart_spec(at)["layout"]["xaxis"]["range"] == [100, 200]
    at.text_input(key="job").input("ftjob-elsewhere").run()
    assert not at.exception
    assert at.markdown[0].value.startswith("### `ftjob-elsewhere`")
    assert code_texts(at.get_by_key("comparison")) == []
    assert "ckpt" not in at.query_params and "steps" not in at.query_params
    assert "range" not in chart_spec(at)["layout"]["xaxis"]
    assert has_key(at, TABLE_KEY)


def test_the_metric_choice_survives_a_job_that_failed_to_load(
    open_page: Callable[..., AppTest], runs: StandInServer
) -> None:
    """A run where the selectbox is not drawn (an unknown job) used to reset it to its first option."""
    at = open_page("ftjob-pick")
    at.selectbox(key="metric").set_value("valid_loss").run()
    at.text_input(key="job").input("ftjob-nosuchjob").run()
    assert at.main.error and not at.get("selectbox")
    at.text_input(key="job").input("ftjob-pick").run()
    at.toggle(key="log").set_value(True).run()
    assert not at.exception
    assert at.selectbox(key="metric").value == "valid_loss"
    assert at.get_by_key("best_card").metric[0].label == "Batch validation loss"
