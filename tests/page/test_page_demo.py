"""With no API key anywhere, the page shows the built-in demo job end to end."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from components.charts.curves import BEST_TRACE, CHECKPOINT_TRACE
from components.demo import DEMO_JOB_ID, FIXTURES
from components.ui.curves_panel import CHART_KEY
from tests.page.page_support import captions, clear_settings, code_texts, decode, new_app, table, traces

pytestmark = pytest.mark.usefixtures("no_api_env")

DEMO_CHECKPOINTS = json.loads((FIXTURES / "checkpoints.json").read_text())["data"]
DEMO_BEST = min(DEMO_CHECKPOINTS, key=lambda c: (c["metrics"]["full_valid_loss"], c["step_number"]))


@pytest.fixture(scope="module")
def demo() -> AppTest:
    """One demo run shared by the read-only checks of this module (nothing here mutates it)."""
    with pytest.MonkeyPatch.context() as patch:
        clear_settings(patch)
        return new_app().run()


def test_demo_page_shows_info_box_and_recommended_model(demo: AppTest) -> None:
    assert not demo.exception
    assert any(info.value.startswith("**Demo job**") for info in demo.info)
    assert any("No API key yet" in caption.value for caption in demo.sidebar.caption)
    password = demo.text_input(key="api_key_typed").proto
    assert password.type == password.PASSWORD
    assert f"`{DEMO_JOB_ID}`" in demo.markdown[0].value
    strip = demo.get_by_key("best_card")
    models = [text for text in code_texts(strip) if ":ckpt-step-" in text]
    assert models[0] == DEMO_BEST["fine_tuned_model_checkpoint"]
    assert strip.metric[0].label == "Full validation loss"
    assert strip.metric[0].value == f"{DEMO_BEST['metrics']['full_valid_loss']:.4f}"
    assert any(caption.value.startswith("Lowest full validation loss") for caption in strip.caption)
    assert strip.markdown[0].value == f"`{DEMO_BEST['fine_tuned_model_checkpoint']}`"  # inline, not st.code
    assert "use it right away" in strip.markdown[1].value  # the advice, under the name
    # No "Loaded…" box above the chart: what was read is one line of the chart's caption.
    assert not demo.get("status")
    assert any(
        "Read: 3 checkpoints (1 page) · 480 steps of metrics from the result file." in c
        for c in captions(demo)
    )


def test_demo_chart_has_loss_above_accuracy_and_clickable_checkpoint_marks(demo: AppTest) -> None:
    assert len(demo.get("plotly_chart")) == 1  # one figure: loss above accuracy
    element = demo.get_by_key(CHART_KEY)
    spec = json.loads(element.proto.spec)
    named = traces(spec)
    ids = {c["id"] for c in DEMO_CHECKPOINTS}
    for kind, axis, suffix in (("loss", "y", ""), ("accuracy", "y2", " · accuracy")):
        assert named[f"Training {kind} (raw)"]["yaxis"] == axis
        assert f"Training {kind} (smoothed)" in named
        assert f"Validation {kind} (full, epoch end)" in named
        marks = named[CHECKPOINT_TRACE + suffix]
        assert marks["mode"] == "markers"
        assert {row[0] for row in marks["customdata"]} == ids
        assert sorted(decode(marks["x"])) == sorted(c["step_number"] for c in DEMO_CHECKPOINTS)
        assert named[BEST_TRACE + suffix]["customdata"] == [[DEMO_BEST["id"]]]
    selection = element.proto.SelectionMode
    assert list(element.proto.selection_mode) == [selection.POINTS, selection.BOX]
    layout = spec["layout"]
    assert (layout["hovermode"], layout["hoversubplots"]) == ("x unified", "axis")
    assert layout["xaxis"]["title"]["text"] == "Step"
    assert len(decode(named["Training loss (raw)"]["y"])) == 480


def test_demo_table_lists_the_three_checkpoints_with_the_best_starred(demo: AppTest) -> None:
    frame = table(demo)
    assert len(frame) == 3
    assert set(frame["checkpoint_id"]) == {c["id"] for c in DEMO_CHECKPOINTS}
    starred = frame.loc[frame["best"] == "★", "checkpoint_id"].tolist()
    assert starred == [DEMO_BEST["id"]]
    assert frame["checkpoint_id"].iloc[0] == DEMO_BEST["id"]  # pinned on top
    assert list(frame.columns[:5]) == ["best", "step", "full_valid_loss", "verdict", "gap"]
    assert frame.columns[-1] == "model"


def test_typed_job_in_demo_mode_asks_for_a_key_and_keeps_the_demo() -> None:
    at = new_app().run()
    at.text_input(key="job").input("ftjob-mine123").run()
    assert not at.exception
    warnings = [w.value for w in at.warning]
    assert any(w.startswith("Add an API key to open `ftjob-mine123`") for w in warnings), warnings
    assert f"`{DEMO_JOB_ID}`" in at.markdown[0].value
    assert len(table(at)) == 3


def test_demo_job_id_typed_in_demo_mode_does_not_warn() -> None:
    at = new_app(job=DEMO_JOB_ID).run()
    assert not at.exception
    assert not [w.value for w in at.warning if "Add an API key" in w.value]
