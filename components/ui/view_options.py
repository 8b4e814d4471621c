"""The reader's choices: the sidebar's reading controls and the chart's toolbar, as one ViewOptions.

Every control keeps its value through runs where it is not drawn (a failing job shows no controls): the
URL-bound ones because Streamlit keeps bound widgets' values, the others by ``persist_state``. Without
that, "Best checkpoint by" fell back to its first option, training loss, after a failed job.
"""

from __future__ import annotations

from collections.abc import Container
from typing import TypeVar

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from components.charts.options import MAX_SMOOTHING, Drag, ViewOptions, XMode, YRange
from components.charts.style import DEFAULT_THEME
from components.data.metric_model import Direction
from components.page import Prepared
from components.page.chart import PICK_HINT, ZOOM_HINT
from components.ui.controls import Control, log_toggle, metric_select, smoothing_slider, y_range_choice
from components.ui.first_paint import follow_first_chart
from components.ui.selection import full_range

METRIC_KEY = "metric"
BETTER_KEY = "better"  # which way is better, for a metric whose direction is unknown
METRIC_RUN_KEY = "metric_run"  # the run whose metric the reader chose: another run starts at its own
X_KEY = "x"
SMOOTHING_KEY = "smooth"
LOG_KEY = "log"
Y_KEY = "y"
DRAG_KEY = "drag"
FULL_RANGE_KEY = "full_range"
Y_SET_KEY = "y_range_set"

T = TypeVar("T")


class _SmoothingRange:
    """The slider's values, for ``_kept``: any number from 0 to the maximum."""

    def __contains__(self, value: object) -> bool:
        return isinstance(value, int | float) and 0 <= value <= MAX_SMOOTHING


_SMOOTHING_VALUES = _SmoothingRange()

# The radio's options are these labels, so a shared URL reads ?x=Epoch.
AXIS_LABELS = {"Step": XMode.STEP, "Epoch": XMode.EPOCH, "Elapsed time": XMode.ELAPSED}
DRAG_LABELS = {Drag.PICK: ":material/ads_click: Pick", Drag.ZOOM: ":material/zoom_in: Zoom"}

METRIC = Control(
    METRIC_KEY,
    help="Losses: lowest wins; accuracies: highest wins. Full validation is the most reliable; "
    "a training metric cannot show overfitting.",
)
SMOOTHING = Control(
    SMOOTHING_KEY,
    help="A debiased moving average weighted by distance in steps (the weight is the decay over one "
    "training step), so series logged at different rates smooth alike. It starts at a weight that "
    "averages over about 1 % of the run. Raw lines stay faint underneath; batch validation's raw "
    "points stay at full strength when they decide; full validation is never smoothed.",
)
Y_RANGE = Control(
    Y_KEY,
    help="Around the choice: framed on the part of the run where checkpoints are chosen, so the "
    "early drop does not squeeze it flat. Middle 90 %: the 5th to 95th percentile, so one spike "
    "does not flatten the rest. All values: everything. A zoom frames the steps in it.",
)
LOG = Control(LOG_KEY)


def _kept(key: str, allowed: Container[object], fallback: T) -> T:
    """A widget's value from its last run if still allowed here, else ``fallback``: given as its default.

    A widget that comes back after a run without it (a job that failed to load) is drawn with its
    default: Streamlit keeps the value on the server, and the browser sends back what it shows on the
    next run. With the kept value as the default, both agree; otherwise "Best checkpoint by" fell back
    to its first option, training loss.
    """
    value = st.session_state.get(key, fallback)
    return value if value in allowed else fallback


def _x_axis(prepared: Prepared) -> XMode:
    """The x axis; one this run cannot draw is kept (for the next run) and steps are drawn, said so."""
    labels = list(AXIS_LABELS)
    x_label = st.radio(
        "X axis",
        labels,
        index=labels.index(_kept(X_KEY, labels, labels[0])),
        key=X_KEY,
        bind="query-params",
        horizontal=True,
        help="Epoch needs n_epochs or two epoch-end checkpoints; elapsed time needs timestamps.",
    )
    x_mode = AXIS_LABELS[x_label]
    if x_mode not in prepared.x_modes:
        st.caption(f"This run has no data for an {x_label.lower()} axis; using steps.")
    return x_mode


_BETTER = {Direction.LOWER.value: "Lower is better", Direction.HIGHER.value: "Higher is better"}


def _better(prepared: Prepared, metric: str | None) -> Direction | None:
    """Which way is better, asked only for a metric whose direction is unknown (kept in the URL)."""
    if metric not in prepared.unknown_direction:
        return None
    choices = list(_BETTER)
    kept = st.session_state.get(BETTER_KEY)
    better = st.radio(
        f"Is a lower or a higher {prepared.labels[metric]} better?",
        choices,
        index=choices.index(kept) if kept in choices else None,
        key=BETTER_KEY,
        bind="query-params",
        format_func=_BETTER.__getitem__,
        horizontal=True,
        help="Nothing in this metric's name says which way is better: say it, and the checkpoint is chosen.",
    )
    return Direction(better) if better in _BETTER else None


def _new_run(prepared: Prepared, run_id: str) -> None:
    """Another run opened: its metric starts at its own default decider (what its trainer declared), not
    the last run's pick; a link's metric is kept on the first run of a session."""
    if st.session_state.get(METRIC_RUN_KEY, run_id) != run_id:
        st.session_state[METRIC_KEY] = prepared.default_metric
        st.session_state.pop(BETTER_KEY, None)
    st.session_state[METRIC_RUN_KEY] = run_id


def _sidebar(
    prepared: Prepared, run_id: str
) -> tuple[str | None, Direction | None, str, float, YRange, bool]:
    """The reading controls, drawn where called (a block in the sidebar): the deciding metric, the x axis,
    smoothing, the y range and a log y axis."""
    _new_run(prepared, run_id)
    st.subheader("Reading the curves")
    metric = None
    if prepared.metrics:
        metrics = list(prepared.metrics)
        default = _kept(METRIC_KEY, metrics, prepared.default_metric)
        metric = metric_select("Best checkpoint by", METRIC, metrics, default, prepared.labels.__getitem__)
    better = _better(prepared, metric)
    x_mode = _x_axis(prepared)
    smoothing = smoothing_slider(
        SMOOTHING, _kept(SMOOTHING_KEY, _SMOOTHING_VALUES, prepared.default_smoothing)
    )
    # Just set by "Full range": that value is shown, and a default beside it would be a conflict.
    just_set = st.session_state.pop(Y_SET_KEY, False)
    framings = list(YRange)
    y_range = y_range_choice(
        Y_RANGE, st.radio, None if just_set else framings.index(_kept(Y_KEY, framings, YRange.CHOICE))
    )
    log_y = log_toggle(LOG, _kept(LOG_KEY, (True, False), False))
    return metric, better, x_mode, smoothing, y_range, log_y


def _toolbar(run_id: str, zoomed: bool, y_range: YRange) -> Drag:
    """Above the chart: what the mouse does, one click to see everything, and how to use the chart."""
    with st.container(horizontal=True, vertical_alignment="center", gap="small", key="chart_toolbar"):
        drag = st.segmented_control(
            "Mouse",
            list(Drag),
            default=_kept(DRAG_KEY, list(Drag), Drag.PICK),
            required=True,
            key=DRAG_KEY,
            persist_state="session",
            format_func=DRAG_LABELS.__getitem__,
            label_visibility="collapsed",
        )
        st.button(
            "Full range",
            key=FULL_RANGE_KEY,
            icon=":material/fit_screen:",
            disabled=not zoomed and y_range is YRange.ALL,
            on_click=full_range,
            args=(run_id, Y_KEY, YRange.ALL, Y_SET_KEY),
            help="Every step and every value.",
        )
        st.caption(ZOOM_HINT if drag == Drag.ZOOM else PICK_HINT, width="stretch")
    return Drag(drag or Drag.PICK)


def view_options(
    prepared: Prepared, run_id: str, *, zoomed: bool, toolbar: DeltaGenerator | None
) -> tuple[ViewOptions, Direction | None]:
    """Render the controls (the mouse mode into ``toolbar``, a container above the chart; None when there
    is no chart, and its last value stands) and read them, with which way is better for a picked metric
    of unknown direction (None: not asked, or not answered yet)."""
    block = st.sidebar.empty()
    with block.container():
        metric, better, x_mode, smoothing, y_range, log_y = _sidebar(prepared, run_id)
    if toolbar is None:
        drag = st.session_state.get(DRAG_KEY, Drag.PICK)
    else:
        follow_first_chart(block)  # a chart is drawn: a session's first comes before these controls
        with toolbar:
            drag = _toolbar(run_id, zoomed, y_range)
    return ViewOptions(
        metric=metric,
        x_mode=x_mode,
        smoothing=smoothing,
        log_y=log_y,
        y_range=y_range,
        drag=drag,
        theme=st.context.theme.type or DEFAULT_THEME,
    ), better
