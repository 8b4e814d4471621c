"""Runs are cached per key and job; Refresh re-reads the API; a shared view link opens the same view."""

from __future__ import annotations

import json
from collections.abc import Callable

from streamlit.testing.v1 import AppTest

from devtools.standin import DEFAULT_API_KEY, StandInServer, make_run
from tests.page.page_support import FORBIDDEN_KEY, TABLE_KEY, new_app, table


def test_reruns_use_the_cache_and_refresh_reads_the_api_again(
    open_page: Callable[..., AppTest], api_env: StandInServer
) -> None:
    api_env.add_run(make_run("ftjob-growing", status="running", progress=0.6, result_file=None))
    at = open_page("ftjob-growing")
    assert len(table(at)) == 2
    at.toggle(key="log").set_value(True).run()  # any rerun
    assert api_env.count("job", "ftjob-growing") == 1
    api_env.add_run(make_run("ftjob-growing", status="running", progress=0.8, result_file=None))
    at.run()
    assert len(table(at)) == 2  # still the cached run
    at.button(key="refresh").click().run()
    assert not at.exception
    assert api_env.count("job", "ftjob-growing") == 2
    assert len(table(at)) == 3
    [status] = at.get("status")
    assert status.proto.label == "Loaded 3 checkpoints (1 page) and 384 steps of metrics"


def test_cached_run_is_never_served_to_another_key(forbidding: StandInServer) -> None:
    forbidding.add_run(make_run("ftjob-private"))
    at = new_app(job="ftjob-private").run()
    at.text_input(key="api_key_typed").input(DEFAULT_API_KEY).run()
    assert at.markdown[0].value.startswith("### `ftjob-private`")
    at.text_input(key="api_key_typed").input(FORBIDDEN_KEY).run()
    assert not at.exception
    assert [e.value.split("\n")[0] for e in at.main.error] == ["**This key may not read that job**"]
    assert not any(getattr(el, "key", None) == TABLE_KEY for el in at.main.dataframe)
    assert forbidding.count("job", "ftjob-private") == 2


def test_shared_view_link_opens_the_same_view(
    open_page: Callable[..., AppTest], api_env: StandInServer
) -> None:
    api_env.add_run(make_run("ftjob-shared"))
    at = new_app(job="ftjob-shared")
    # The browser writes a bound radio's displayed label into the URL, so that is what links carry.
    at.query_params.update({"x": "Epoch", "log": "true", "smooth": "0"})
    at.run()
    assert not at.exception
    assert at.radio(key="x").value == "Epoch"  # AppTest reports the displayed option
    assert at.toggle(key="log").value is True
    assert at.slider(key="smooth").value == 0.0
    spec = json.loads(at.get_by_key("loss_chart").proto.spec)
    assert spec["layout"]["xaxis"]["title"]["text"] == "Epoch"
    assert spec["layout"]["yaxis"]["type"] == "log"
    assert not [trace["name"] for trace in spec["data"] if "(smoothed)" in trace["name"]]
