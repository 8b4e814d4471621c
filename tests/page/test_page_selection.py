"""Picking a checkpoint: the chart and table callbacks, the "Selected checkpoint" card and ``?ckpt=``.

AppTest does not fire ``on_select`` callbacks when a selection is injected into session state (checked:
injecting ``loss_chart`` or ``checkpoint_table`` state leaves ``picked_checkpoint`` unset), so the callbacks
are run directly inside a Streamlit script, and the page is tested with the state they write.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from devtools.standin import StandInServer, make_run
from tests.page.page_support import TIMEOUT, chart_spec, code_texts, has_key, traces

RUN = make_run("ftjob-pick")
OTHER = make_run("ftjob-elsewhere", seed=11)
# Newest first: steps 480, 360, 240. The lowest full validation loss is at 240, so 480 and 360 are not best.
BEST = min(RUN.checkpoints, key=lambda c: c["metrics"]["full_valid_loss"])
NOT_BEST = next(c for c in RUN.checkpoints if c["id"] != BEST["id"])
IDS = [c["id"] for c in RUN.checkpoints]


@pytest.fixture
def runs(api_env: StandInServer) -> StandInServer:
    api_env.add_run(RUN)
    api_env.add_run(OTHER)
    return api_env


def _point(checkpoint_id: str | None, curve: int = 5) -> dict[str, Any]:
    point: dict[str, Any] = {"curve_number": curve, "point_number": 0, "point_index": 0, "x": 360, "y": 0.6}
    if checkpoint_id is not None:
        point["customdata"] = [checkpoint_id]
    return point


def _selected_models(at: AppTest) -> list[str]:
    return [
        t for t in code_texts(at.get_by_key("selected_card")) if ":ckpt-step-" in t and "client." not in t
    ]


# ---- the callbacks, run inside a real Streamlit script -------------------------------------------------


def _chart_callback_script(event: dict, valid_ids: list[str]) -> None:
    import streamlit as st

    from components.ui.selection import on_chart_select

    st.session_state["loss_chart"] = event
    on_chart_select("loss_chart", valid_ids)


def _table_callback_script(selection: dict, row_ids: list[str]) -> None:
    import streamlit as st

    from components.ui.selection import on_table_select

    st.session_state["checkpoint_table"] = {"selection": selection}
    on_table_select("checkpoint_table", row_ids)


def _run_callback(script: Callable[..., None], *args: Any, picked: str | None = None) -> AppTest:
    at = AppTest.from_function(script, args=args, default_timeout=TIMEOUT)
    at.secrets["UNUSED"] = "x"
    if picked is not None:
        at.session_state["picked_checkpoint"] = picked
        at.query_params["ckpt"] = picked
    return at.run()


def _event(*points: dict[str, Any]) -> dict[str, Any]:
    return {"selection": {"points": list(points), "point_indices": [0], "box": [], "lasso": []}}


def test_chart_click_on_a_checkpoint_marker_picks_it() -> None:
    at = _run_callback(_chart_callback_script, _event(_point(NOT_BEST["id"])), IDS)
    assert not at.exception
    assert at.session_state["picked_checkpoint"] == NOT_BEST["id"]
    assert at.query_params["ckpt"] == NOT_BEST["id"]


def test_chart_click_takes_the_first_point_that_carries_a_checkpoint_id() -> None:
    event = _event(_point(None, curve=0), _point(NOT_BEST["id"]), _point(BEST["id"]))
    at = _run_callback(_chart_callback_script, event, IDS)
    assert at.session_state["picked_checkpoint"] == NOT_BEST["id"]


@pytest.mark.parametrize(
    "event",
    [
        _event(_point(OTHER.checkpoints[0]["id"])),  # another job's checkpoint
        _event(_point(None, curve=0)),  # a point of a curve: no checkpoint there
        {"selection": {"points": [], "point_indices": [], "box": [], "lasso": []}},  # deselect
    ],
    ids=["foreign-id", "curve-point", "empty"],
)
def test_chart_event_without_a_valid_checkpoint_keeps_the_pick(event: dict) -> None:
    at = _run_callback(_chart_callback_script, event, IDS, picked=BEST["id"])
    assert not at.exception
    assert at.session_state["picked_checkpoint"] == BEST["id"]
    assert at.query_params["ckpt"] == BEST["id"]


def test_table_row_selection_picks_that_rows_checkpoint() -> None:
    at = _run_callback(_table_callback_script, {"rows": [1], "columns": []}, IDS)
    assert not at.exception
    assert at.session_state["picked_checkpoint"] == IDS[1]
    assert at.query_params["ckpt"] == IDS[1]


def test_clearing_the_table_selection_clears_the_pick() -> None:
    at = _run_callback(_table_callback_script, {"rows": [], "columns": []}, IDS, picked=IDS[0])
    assert not at.exception
    assert at.session_state["picked_checkpoint"] is None
    assert "ckpt" not in at.query_params


# ---- the page, given what the callbacks write ----------------------------------------------------------


def test_picked_checkpoint_gets_its_own_card_marker_and_link(
    open_page: Callable[..., AppTest], runs: StandInServer
) -> None:
    at = open_page("ftjob-pick")
    assert not has_key(at, "selected_card")
    at.session_state["picked_checkpoint"] = NOT_BEST["id"]
    at.run()
    assert not at.exception
    assert _selected_models(at) == [NOT_BEST["fine_tuned_model_checkpoint"]]
    assert at.get_by_key("selected_card").markdown[0].value == "#### Selected checkpoint"
    # Only the recommendation was decided by its metric; a picked checkpoint just shows its value.
    assert at.get_by_key("selected_card").metric[0].label == "Validation loss (full, epoch end)"
    assert at.get_by_key("best_card").metric[0].label.startswith("Decided by: ")
    assert at.query_params["ckpt"] == NOT_BEST["id"]
    for key in ("loss_chart", "accuracy_chart"):
        assert traces(chart_spec(at, key))["Selected checkpoint"]["customdata"] == [[NOT_BEST["id"]]]


def test_picking_the_recommended_checkpoint_adds_no_second_card(
    open_page: Callable[..., AppTest], runs: StandInServer
) -> None:
    at = open_page("ftjob-pick")
    at.session_state["picked_checkpoint"] = BEST["id"]
    at.run()
    assert not has_key(at, "selected_card")
    assert at.query_params["ckpt"] == BEST["id"]


def test_ckpt_link_selects_on_first_load(open_page: Callable[..., AppTest], runs: StandInServer) -> None:
    at = open_page("ftjob-pick", ckpt=NOT_BEST["id"])
    assert not at.exception
    assert at.session_state["picked_checkpoint"] == NOT_BEST["id"]
    assert _selected_models(at) == [NOT_BEST["fine_tuned_model_checkpoint"]]


def test_ckpt_link_of_another_job_is_ignored_and_dropped(
    open_page: Callable[..., AppTest], runs: StandInServer
) -> None:
    at = open_page("ftjob-pick", ckpt=OTHER.checkpoints[0]["id"])
    assert not at.exception
    assert at.session_state["picked_checkpoint"] is None
    assert not has_key(at, "selected_card")
    assert "ckpt" not in at.query_params
    assert not at.error


def test_switching_jobs_drops_the_previous_jobs_pick(
    open_page: Callable[..., AppTest], runs: StandInServer
) -> None:
    at = open_page("ftjob-pick", ckpt=NOT_BEST["id"])
    assert has_key(at, "selected_card")
    at.text_input(key="job").input("ftjob-elsewhere").run()
    assert not at.exception
    assert at.markdown[0].value.startswith("### `ftjob-elsewhere`")
    assert not has_key(at, "selected_card")
    assert "ckpt" not in at.query_params
