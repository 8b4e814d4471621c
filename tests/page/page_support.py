"""Helpers shared by the page tests: open app.py in AppTest, read charts and walk the element tree."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from components.ui.checkpoint_table import TABLE_KEY
from components.ui.curves_panel import CHART_KEY
from components.ui.first_paint import DRAWN_KEY
from devtools.app_settings import APP_SETTINGS, ARCHIVE_OFF

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
TIMEOUT = 30
FORBIDDEN_KEY = "sk-forbidden-0123456789"  # known to the forbidding stand-in, but may read no job (403)


def clear_settings(patch: pytest.MonkeyPatch) -> None:
    """Remove every setting the app reads, so the machine running the tests cannot leak in; the archive
    is off (a test that wants one sets ``DASHBOARD_STORE`` to a temporary path)."""
    for name in APP_SETTINGS:
        patch.delenv(name, raising=False)
    for name, value in ARCHIVE_OFF.items():
        patch.setenv(name, value)


def new_app(*, job: str | None = None, ckpt: str | None = None, chart_drawn: bool = True) -> AppTest:
    """An AppTest of app.py with its own (dummy) secrets, so no secrets.toml on this machine is read.

    ``chart_drawn``: the session of a browser that has drawn a chart already, so a run page is drawn whole
    in one run; without it, a first run page stops below the chart until the browser reports the chart
    drawn (``components.ui.first_paint``), which AppTest, running no JavaScript, never does."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.secrets["UNUSED"] = "x"
    if chart_drawn:
        at.session_state[DRAWN_KEY] = True
    if job is not None:
        at.query_params["job"] = job
    if ckpt is not None:
        at.query_params["ckpt"] = ckpt
    return at


def walk(node: Any) -> Iterator[Any]:
    """Every block and element under ``node`` (an AppTest, a Block or an element), in page order."""
    current = node._tree if isinstance(node, AppTest) else node
    yield current
    children = getattr(current, "children", None)
    if isinstance(children, dict):
        for index in sorted(children):
            yield from walk(children[index])


def of_type(node: Any, element_type: str) -> list[Any]:
    """The elements of one type (``"code"``, ``"markdown"``…) under ``node``."""
    return [el for el in walk(node) if getattr(el, "type", None) == element_type]


def code_texts(node: Any) -> list[str]:
    return [el.value for el in of_type(node, "code")]


def error_texts(at: AppTest) -> list[str]:
    return [el.value for el in at.error]


def page_text(at: AppTest) -> str:
    """Everything the page sends to a browser for its elements: each element's full protobuf as text."""
    return "\n".join(str(el.proto) for el in walk(at) if getattr(el, "proto", None) is not None)


def has_key(at: AppTest, key: str) -> bool:
    """Whether an element or block with this user key is on the page."""
    return any(getattr(el, "key", None) == key for el in walk(at))


def table(at: AppTest):
    """The checkpoint table as the DataFrame the page sent."""
    [frame] = at.get_by_key(TABLE_KEY).dataframe
    return frame.value


def chart_spec(at: AppTest, key: str = CHART_KEY) -> dict[str, Any]:
    """The plotly figure JSON of the chart."""
    return json.loads(at.get_by_key(key).proto.spec)


def decode(values: Any) -> list[Any]:
    """A plotly array as a list; plotly 6+ sends numeric arrays as ``{"dtype", "bdata"}``."""
    if isinstance(values, dict) and "bdata" in values:
        array = np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"]))
        if "shape" in values:
            shape = [int(size) for size in str(values["shape"]).split(",")]
            array = array.reshape(shape)
        return array.tolist()
    return list(values)


def traces(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The figure's traces by name (names are unique within one chart)."""
    named = {trace.get("name"): trace for trace in spec["data"]}
    assert len(named) == len(spec["data"]), [trace.get("name") for trace in spec["data"]]
    return named


def trace_names(at: AppTest) -> list[str]:
    return [trace.get("name") for trace in chart_spec(at)["data"]]


def captions(at: AppTest) -> list[str]:
    return [caption.value for caption in at.main.caption]
