"""With no API key anywhere, the page shows the built-in demo job end to end."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from components.demo import DEMO_JOB_ID, FIXTURES
from tests.page.page_support import API_ENV_VARS, CHART_KEYS, code_texts, decode, new_app, table, traces

pytestmark = pytest.mark.usefixtures("no_api_env")

DEMO_CHECKPOINTS = json.loads((FIXTURES / "checkpoints.json").read_text())["data"]
DEMO_BEST = min(DEMO_CHECKPOINTS, key=lambda c: (c["metrics"]["full_valid_loss"], c["step_number"]))


@pytest.fixture(scope="module")
def demo() -> AppTest:
    """One demo run shared by the read-only checks of this module (nothing here mutates it)."""
    with pytest.MonkeyPatch.context() as patch:
        for name in API_ENV_VARS:
            patch.delenv(name, raising=False)
        return new_app().run()


def test_demo_page_shows_info_box_and_recommended_model(demo: AppTest) -> None:
    assert not demo.exception
    assert any(info.value.startswith("**Demo job.**") for info in demo.info)
    assert any("No API key yet" in caption.value for caption in demo.sidebar.caption)
    password = demo.text_input(key="api_key_typed").proto
    assert password.type == password.PASSWORD
    assert f"`{DEMO_JOB_ID}`" in demo.markdown[0].value
    models = [text for text in code_texts(demo.get_by_key("best_card")) if ":ckpt-step-" in text]
    assert models[0] == DEMO_BEST["fine_tuned_model_checkpoint"]
    assert "Lowest full validation loss" in demo.get_by_key("best_card").markdown[1].value


def test_demo_charts_have_named_traces_and_clickable_checkpoint_markers(demo: AppTest) -> None:
    charts = demo.get("plotly_chart")
    assert len(charts) == 2
    ids = {c["id"] for c in DEMO_CHECKPOINTS}
    for key, kind in zip(CHART_KEYS, ("loss", "accuracy"), strict=True):
        element = demo.get_by_key(key)
        spec = json.loads(element.proto.spec)
        named = traces(spec)
        label = "loss" if kind == "loss" else "accuracy"
        assert f"Training {label} (raw)" in named
        assert f"Training {label} (smoothed)" in named
        assert f"Validation {label} (full, epoch end)" in named
        markers = named["Saved checkpoint (click to select)"]
        assert markers["mode"] == "markers"
        assert len(decode(markers["x"])) == 3
        assert {row[0] for row in markers["customdata"]} == ids
        assert sorted(decode(markers["x"])) == sorted(c["step_number"] for c in DEMO_CHECKPOINTS)
        assert named["Recommended checkpoint"]["customdata"] == [[DEMO_BEST["id"]]]
        assert list(element.proto.selection_mode) == [element.proto.SelectionMode.POINTS]
        assert spec["layout"]["xaxis"]["title"]["text"] == "Step"
    assert len(decode(traces(json.loads(charts[0].proto.spec))["Training loss (raw)"]["y"])) == 480


def test_demo_table_lists_the_three_checkpoints_with_the_best_starred(demo: AppTest) -> None:
    frame = table(demo)
    assert len(frame) == 3
    assert set(frame["checkpoint_id"]) == {c["id"] for c in DEMO_CHECKPOINTS}
    starred = frame.loc[frame["best"] == "★", "checkpoint_id"].tolist()
    assert starred == [DEMO_BEST["id"]]


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
