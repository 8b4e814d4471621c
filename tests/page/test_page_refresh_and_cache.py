"""Runs are cached per key and job; Refresh re-reads the API; a shared view link opens the same view."""

from __future__ import annotations

from collections.abc import Callable

from streamlit.testing.v1 import AppTest

from devtools.standin import DEFAULT_API_KEY, StandInServer, make_run
from tests.page.page_support import FORBIDDEN_KEY, TABLE_KEY, captions, chart_spec, has_key, new_app, table


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
    # The loading box is gone once loaded; one caption says what was read.
    assert not at.get("status")
    assert any(
        "Read: 3 checkpoints (1 page) · 384 steps of metrics from the metrics events." in c
        for c in captions(at)
    )


def test_cached_run_is_never_served_to_another_key(forbidding: StandInServer) -> None:
    forbidding.add_run(make_run("ftjob-private"))
    at = new_app(job="ftjob-private").run()
    at.text_input(key="api_key_typed").input(DEFAULT_API_KEY).run()
    assert at.markdown[0].value.startswith("### `ftjob-private`")
    at.text_input(key="api_key_typed").input(FORBIDDEN_KEY).run()
    assert not at.exception
    assert [e.value.split("\n")[0] for e in at.main.error] == ["**This key may not read that job**"]
    assert not has_key(at, TABLE_KEY)
    assert forbidding.count("job", "ftjob-private") == 2


def test_shared_view_link_opens_the_same_view(
    open_page: Callable[..., AppTest], api_env: StandInServer
) -> None:
    api_env.add_run(make_run("ftjob-shared"))
    at = new_app(job="ftjob-shared")
    # The browser writes a bound radio's displayed label into the URL, so that is what links carry.
    at.query_params.update(
        {
            "x": "Epoch",
            "log": "true",
            "smooth": "0",
            "metric": "Training loss",
            "y": "All values",
            "steps": "120-360",
        }
    )
    at.run()
    assert not at.exception
    assert at.radio(key="x").value == "Epoch"  # AppTest reports the displayed option
    assert at.toggle(key="log").value is True
    assert at.slider(key="smooth").value == 0.0
    assert at.selectbox(key="metric").value == "train_loss"
    spec = chart_spec(at)
    assert spec["layout"]["xaxis"]["title"]["text"] == "Epoch"
    assert spec["layout"]["xaxis"]["range"] == [1.0, 3.0]  # steps 120-360 at 120 steps an epoch
    assert spec["layout"]["yaxis"]["type"] == "log"
    assert not [trace["name"] for trace in spec["data"] if "(smoothed)" in trace["name"]]
    assert at.get_by_key("best_card").metric[0].label == "Training loss"
