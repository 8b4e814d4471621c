"""The reading controls one run's page and the comparison share: the deciding metric, smoothing, the y
range and a log y axis. One function each draws the widget the same way on both pages (range, step, labels
of the choices, URL binding); the page passes what is its own (a :class:`Control`: its key, help and width,
and a default), so each page still owns its widget keys and URL parameters."""

from __future__ import annotations

from collections.abc import Callable, Container, Sequence
from dataclasses import dataclass

import streamlit as st

from components.charts.options import MAX_SMOOTHING, YRange

SMOOTHING_STEP = 0.001
Y_LABELS = {YRange.CHOICE: "Around the choice", YRange.ROBUST: "Middle 90 %", YRange.ALL: "All values"}


@dataclass(frozen=True)
class Control:
    """One page's copy of a shared control: its widget key (also its URL parameter), help text, width
    (None: the widget's own default)."""

    key: str
    help: str | None = None
    width: int | None = None

    def sized(self) -> dict[str, int]:
        return {} if self.width is None else {"width": self.width}


def forget_unless(key: str, allowed: Container[object]) -> None:
    """Drop a kept choice this page does not offer (another run's metric), so the widget starts afresh."""
    if key in st.session_state and st.session_state[key] not in allowed:
        del st.session_state[key]


def metric_select(
    label: str, control: Control, metrics: Sequence[str], default: str | None, names: Callable[[str], str]
) -> str | None:
    """The deciding metric among ``metrics`` (``names`` gives each one's label), ``default`` first."""
    forget_unless(control.key, metrics)
    return st.selectbox(
        label,
        metrics,
        index=metrics.index(default) if default in metrics else 0,
        key=control.key,
        bind="query-params",
        format_func=names,
        help=control.help,
        **control.sized(),
    )


def smoothing_slider(control: Control, default: float) -> float:
    """The smoothing weight, 0 to :data:`MAX_SMOOTHING` in steps of :data:`SMOOTHING_STEP`."""
    smoothing = st.slider(
        "Smoothing",
        0.0,
        MAX_SMOOTHING,
        default,
        step=SMOOTHING_STEP,
        format="%.3f",
        key=control.key,
        bind="query-params",
        help=control.help,
        **control.sized(),
    )
    return float(smoothing)


def y_range_choice(control: Control, widget: Callable[..., object], index: int | None = 0) -> YRange:
    """How the y axes are framed, as ``widget`` (``st.radio`` or ``st.selectbox``) with ``index`` chosen."""
    framing = widget(
        "Y range",
        list(YRange),
        index=index,
        key=control.key,
        bind="query-params",
        format_func=Y_LABELS.__getitem__,
        help=control.help,
        **control.sized(),
    )
    return YRange(framing or YRange.CHOICE)


def log_toggle(control: Control, value: bool = False) -> bool:
    """A log y axis on both plots."""
    return bool(st.toggle("Log y axis", value=value, key=control.key, bind="query-params"))
