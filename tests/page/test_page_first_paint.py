"""A session's first run page: the chart first, the rest once the browser reports it drawn
(``components.ui.first_paint``); the browser side is in tests/browser/test_browser_first_paint.py."""

from __future__ import annotations

import json
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from components.ui.checkpoint_table import TABLE_KEY
from components.ui.connection import TYPED_KEY
from components.ui.curves_panel import CHART_KEY
from components.ui.first_paint import DRAWN_KEY, FOLLOW_NOTE, SIGNAL_KEY
from components.ui.navigation import JOB_KEY
from components.ui.run_page import BACK_KEY
from components.ui.view_options import SMOOTHING_KEY, X_KEY
from devtools.standin import DEFAULT_API_KEY, StandInServer, make_run
from tests.page.page_support import has_key, new_app, walk

pytestmark = pytest.mark.usefixtures("no_api_env")


def test_a_sessions_first_run_page_stops_below_the_chart_until_the_chart_is_drawn() -> None:
    at = new_app(chart_drawn=False).run()  # the demo run, in a session that has drawn no chart
    assert not at.exception
    assert has_key(at, CHART_KEY) and has_key(at, SIGNAL_KEY)
    assert not has_key(at, TABLE_KEY)
    assert [chart.proto.id for chart in at.get("plotly_chart")] == [at.get_by_key(CHART_KEY).proto.id]
    assert any("follow the chart" in caption.value for caption in at.main.caption)

    at.session_state[DRAWN_KEY] = True  # what the watcher's report sets, before the rerun it asks for
    at.run()
    assert not at.exception
    assert has_key(at, CHART_KEY) and has_key(at, TABLE_KEY)
    assert not has_key(at, SIGNAL_KEY)
    assert not any("follow the chart" in caption.value for caption in at.main.caption)


def _positions(at: AppTest) -> dict[str, tuple[int, ...]]:
    """Each keyed element's place in the main area: the indices from the page's root down to it."""
    found: dict[str, tuple[int, ...]] = {}

    def visit(node: Any, path: tuple[int, ...]) -> None:
        if getattr(node, "key", None):
            found[node.key] = path
        for index, child in sorted((getattr(node, "children", None) or {}).items()):
            visit(child, (*path, index))

    visit(at.main, ())
    return found


def test_the_rerun_that_draws_the_rest_keeps_every_element_in_its_place(api_env: StandInServer) -> None:
    """The page above the chart is drawn again in place, not one position off (which showed two "All runs"
    buttons for a moment and rebuilt every element): the loading line keeps its place when the session
    already holds the run."""
    api_env.add_run(make_run("ftjob-first-place", n_steps=60, n_epochs=2))
    at = new_app(job="ftjob-first-place", chart_drawn=False).run()
    before = _positions(at)
    at.session_state[DRAWN_KEY] = True
    at.run()
    after = _positions(at)
    assert BACK_KEY in before and CHART_KEY in before
    kept = [key for key in before if key in after and key != SIGNAL_KEY]
    assert {key: after[key] for key in kept} == {key: before[key] for key in kept}
    assert after[CHART_KEY] == before[CHART_KEY]


def test_a_session_that_has_drawn_a_chart_gets_the_whole_page_in_one_run() -> None:
    at = new_app(chart_drawn=True).run()
    assert has_key(at, TABLE_KEY) and not has_key(at, SIGNAL_KEY)


def test_a_run_that_cannot_be_read_leaves_no_chart_behind(api_env: StandInServer) -> None:
    at = new_app(job="ftjob-nosuchjob", chart_drawn=False).run()
    assert not at.exception
    assert at.get("plotly_chart") == []
    assert any(caption.value.startswith("Could not load") for caption in at.main.caption)


def test_a_comparison_opened_first_in_a_session_draws_both_runs(api_env: StandInServer) -> None:
    """Only a page of one run loads plotly early: the compare page reads several runs in one script run."""
    for job in ("ftjob-first-a", "ftjob-first-b"):
        api_env.add_run(make_run(job, n_steps=60, n_epochs=2))
    at = new_app(chart_drawn=False)
    at.query_params["run"] = ["openai:ftjob-first-a", "openai:ftjob-first-b"]
    at.run()
    assert not at.exception
    assert at.get("plotly_chart"), "the comparison drew no chart"


def _sidebar_widgets(at: AppTest) -> list[str]:
    """The types of the input widgets in the sidebar."""
    kinds = ("text_input", "selectbox", "slider", "radio", "toggle", "button", "file_uploader")
    return [el.type for el in walk(at.sidebar) if getattr(el, "type", None) in kinds]


def _x_title(at: AppTest) -> str:
    spec = json.loads(at.get_by_key(CHART_KEY).proto.spec)
    return spec["layout"]["xaxis"]["title"]["text"]


def test_the_sidebars_controls_follow_the_first_chart_with_the_values_the_url_gives(
    api_env: StandInServer,
) -> None:
    """On a session's first run page the sidebar holds one line until the chart is drawn; the chart is
    drawn with the controls' values all the same (here the URL's epoch axis and smoothing), and the run
    after it draws the controls with those values."""
    api_env.add_run(make_run("ftjob-first-side", n_steps=60, n_epochs=2))
    at = new_app(job="ftjob-first-side", chart_drawn=False)
    at.query_params["x"] = "Epoch"
    at.query_params["smooth"] = "0.3"
    at.run()
    assert not at.exception
    assert _sidebar_widgets(at) == []
    assert [caption.value for caption in at.sidebar.caption] == [FOLLOW_NOTE]
    assert _x_title(at) == "Epoch"

    at.session_state[DRAWN_KEY] = True  # the watcher's report
    at.run()
    assert not at.exception
    assert FOLLOW_NOTE not in [caption.value for caption in at.sidebar.caption]
    assert at.sidebar.text_input(key=JOB_KEY).value == "ftjob-first-side"
    assert at.sidebar.radio(key=X_KEY).value == "Epoch"
    assert at.sidebar.slider(key=SMOOTHING_KEY).value == pytest.approx(0.3)
    assert _x_title(at) == "Epoch"


def test_a_first_page_that_cannot_be_read_draws_the_sidebar_at_once(api_env: StandInServer) -> None:
    """No chart, so no watcher to bring the controls back: the same run asks for a whole page again."""
    at = new_app(job="ftjob-nosuchjob", chart_drawn=False).run()
    assert not at.exception
    assert at.sidebar.text_input(key=JOB_KEY).value == "ftjob-nosuchjob"
    assert FOLLOW_NOTE not in [caption.value for caption in at.sidebar.caption]
    assert at.session_state[DRAWN_KEY] is True


def test_the_job_list_keeps_its_sidebar_in_a_session_with_no_chart(api_env: StandInServer) -> None:
    at = new_app(chart_drawn=False).run()
    assert not at.exception
    assert "text_input" in _sidebar_widgets(at)
    assert DRAWN_KEY not in at.session_state


@pytest.mark.usefixtures("no_api_env")
def test_a_key_typed_before_the_first_chart_survives_the_run_that_defers_its_field(
    monkeypatch: pytest.MonkeyPatch, standin: StandInServer
) -> None:
    """The run that hides the sidebar still draws its widgets in the script, so a typed key is kept."""
    monkeypatch.setenv("OPENAI_BASE_URL", standin.base_url)
    standin.add_run(make_run("ftjob-first-key", n_steps=60, n_epochs=2))
    at = new_app(chart_drawn=False).run()  # the demo: its first chart is waited for
    at.session_state[DRAWN_KEY] = True
    at.run()
    at.text_input(key=TYPED_KEY).input(DEFAULT_API_KEY).run()
    at.session_state[DRAWN_KEY] = False  # as if this were the session's first chart
    at.text_input(key=JOB_KEY).input("ftjob-first-key").run()
    assert not at.exception and not at.error
    assert _sidebar_widgets(at) == [] and has_key(at, CHART_KEY)
    at.session_state[DRAWN_KEY] = True
    at.run()
    assert not at.exception and not at.error
    assert at.text_input(key=TYPED_KEY).value == DEFAULT_API_KEY
    assert has_key(at, TABLE_KEY)
