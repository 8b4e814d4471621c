"""The one selection the chart, the table and the comparison panel share, and the chart's zoom.

The pick lives in the session (and ``?ckpt=``), the zoom too (and ``?steps=``), so both survive every
rerun, also the ones where the chart is rebuilt because an option changed: Streamlit re-creates a chart
whose figure changed and ignores plotly's ``uirevision``, so a zoom kept only in the browser would be
lost. A pick made on the chart or by a link also renews the table (a new key, so its
``selection_default`` applies), because a dataframe's selection cannot be set once it has been shown.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from components.charts.options import Drag, StepRange
from components.page.chart import ChartModel

PICKED_KEY = "picked_checkpoint"
QUERY_KEY = "ckpt"
ZOOM_KEY = "zoom"
ZOOM_QUERY_KEY = "steps"
TABLE_ROUND_KEY = "table_round"


def _pick(checkpoint_id: str | None, *, from_table: bool = False) -> None:
    if not from_table and st.session_state.get(PICKED_KEY) != checkpoint_id:
        st.session_state[TABLE_ROUND_KEY] = st.session_state.get(TABLE_ROUND_KEY, 0) + 1
    st.session_state[PICKED_KEY] = checkpoint_id
    if checkpoint_id:
        st.query_params[QUERY_KEY] = checkpoint_id
    else:
        st.query_params.pop(QUERY_KEY, None)


def picked(valid_ids: Sequence[str]) -> str | None:
    """The picked checkpoint if it belongs to this job; a ``?ckpt=`` link picks on first load."""
    current = st.session_state.get(PICKED_KEY)
    if current is None and PICKED_KEY not in st.session_state:
        current = st.query_params.get(QUERY_KEY)
    if current not in valid_ids:
        current = None
    _pick(current)
    return current


def table_round() -> int:
    """How many times the pick changed from outside the table: part of the table's key."""
    return st.session_state.get(TABLE_ROUND_KEY, 0)


def _set_zoom(run_id: str, zoom: StepRange | None) -> None:
    st.session_state[ZOOM_KEY] = (run_id, str(zoom)) if zoom else None
    if zoom:
        st.query_params[ZOOM_QUERY_KEY] = str(zoom)
    else:
        st.query_params.pop(ZOOM_QUERY_KEY, None)


def zoom_of(run_id: str) -> StepRange | None:
    """This job's zoom (in steps); a ``?steps=120-480`` link zooms on first load. Another job's is dropped."""
    if ZOOM_KEY in st.session_state:
        saved = st.session_state[ZOOM_KEY]
        zoom = StepRange.parse(saved[1]) if saved and saved[0] == run_id else None
    else:
        zoom = StepRange.parse(st.query_params.get(ZOOM_QUERY_KEY))
    _set_zoom(run_id, zoom)
    return zoom


def full_range(run_id: str, y_key: str, y_all: object, set_key: str) -> None:
    """The "Full range" button: no zoom, and every value in the y range (``set_key`` tells its widget)."""
    _set_zoom(run_id, None)
    st.session_state[y_key] = y_all
    st.session_state[set_key] = True


def on_chart_select(chart_key: str, run_id: str, chart: ChartModel) -> None:
    """Callback of the chart: a box zooms, a click picks the checkpoint there or clears the pick.

    Streamlit sends an empty selection on a double-click: in zoom mode that zooms out, as plotly's own
    double-click does; in pick mode it clears the pick.
    """
    event = st.session_state.get(chart_key) or {}
    selection = event.get("selection") or {}
    boxes = selection.get("box") or []
    points = selection.get("points") or []
    if boxes:
        xs = boxes[0].get("x") or []
        if len(xs) == 2:
            _set_zoom(run_id, chart.zoom_from(float(xs[0]), float(xs[1])))
        return
    if not points:
        if chart.display.view.drag is Drag.ZOOM:
            _set_zoom(run_id, None)
        else:
            _pick(None)
        return
    ids = set(chart.display.checkpoints["checkpoint_id"].astype(str))
    marked = [p["customdata"][0] for p in points if p.get("customdata") and p["customdata"][0] in ids]
    x = points[0].get("x")
    _pick(marked[0] if marked else chart.pick_at(float(x)) if isinstance(x, int | float) else None)


def on_table_select(table_key: str, row_ids: Sequence[str]) -> None:
    """Callback of the checkpoint table: a selected row picks its checkpoint, none clears the pick."""
    rows = st.session_state[table_key]["selection"]["rows"]
    _pick(row_ids[rows[0]] if rows else None, from_table=True)
