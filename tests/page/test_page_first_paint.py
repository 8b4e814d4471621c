"""A session's first run page: the chart first, the rest once the browser reports it drawn
(``components.ui.first_paint``); the browser side is in tests/browser/test_browser_first_paint.py."""

from __future__ import annotations

from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from components.ui.checkpoint_table import TABLE_KEY
from components.ui.curves_panel import CHART_KEY
from components.ui.first_paint import DRAWN_KEY, SIGNAL_KEY
from components.ui.run_page import BACK_KEY
from devtools.standin import StandInServer, make_run
from tests.page.page_support import has_key, new_app

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
