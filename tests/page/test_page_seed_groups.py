"""Seeds grouped on the compare page (AppTest of tests/apps/compare_app.py): the switch appears only when
runs differ only in their seed, it is kept in the URL, and while on the chart draws each configuration's
mean over a min–max band and the page ranks the configurations with their spread."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from components.ui.compare_page import CHART_KEY, SEEDS_KEY
from tests.markdown_view import visible_text
from tests.page.page_support import TIMEOUT, chart_spec, decode

APP = Path(__file__).resolve().parents[1] / "apps" / "compare_app.py"
# LR ×1 with three seeds, LR ×2 with two, LR ×3 alone: each seed shares its configuration's files.
SPECS = [
    "ftjob-a1/300/3/1/1",
    "ftjob-a2/300/3/2/1",
    "ftjob-a3/300/3/3/1",
    "ftjob-b1/300/3/4/2",
    "ftjob-b2/300/3/5/2",
]
LONE = "ftjob-c/300/3/6"


@pytest.fixture(autouse=True)
def _clean(no_api_env: None) -> None:
    """No setting from the machine, no archive."""


def _open(*specs: str, grouped: bool = False) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.secrets["UNUSED"] = "x"
    at.query_params["run"] = list(specs)
    if grouped:
        at.query_params[SEEDS_KEY] = "true"
    return at.run()


def test_runs_of_different_configurations_offer_no_grouping() -> None:
    at = _open("ftjob-x/300/3/1", "ftjob-y/300/3/2")
    assert not at.exception
    assert not [toggle for toggle in at.toggle if toggle.key == SEEDS_KEY]


def test_grouped_seeds_draw_a_mean_over_a_band_and_rank_the_configurations() -> None:
    at = _open(*SPECS, LONE)
    assert not at.exception
    names = [trace["name"] for trace in chart_spec(at, CHART_KEY)["data"]]
    assert "ftjob-a1" in names and not any("mean of" in name for name in names)
    at.toggle(key=SEEDS_KEY).set_value(True).run()
    assert not at.exception
    traces = {(t["name"], t.get("yaxis")): t for t in chart_spec(at, CHART_KEY)["data"]}
    names = {name for name, _ in traces}
    assert not names & {"ftjob-a1", "ftjob-a2", "ftjob-a3", "ftjob-b1", "ftjob-b2"}  # their lines give way
    assert "ftjob-c" in names  # a configuration of one seed keeps its line
    mean = "3 epochs · batch 4 · LR ×1.0 · mean of 3 seeds"
    # The band spans the seeds' own values: at the last step, between the lowest and the highest seed.
    low = np.array(decode(traces[(f"{mean} (lowest seed)", "y")]["y"]))
    high = np.array(decode(traces[(f"{mean} (highest seed)", "y")]["y"]))
    middle = np.array(decode(traces[(mean, "y")]["y"]))
    assert (low <= middle + 1e-12).all() and (middle <= high + 1e-12).all() and (high > low).any()
    assert traces[(f"{mean} (highest seed)", "y")]["fill"] == "tonexty"
    captions = [visible_text(caption.value) for caption in at.caption]
    assert (
        "Seeds grouped: 2 configurations with several seeds (5 runs), 3 in all; no two neighbours in the "
        "ranking overlap." in captions
    )
    ranking = [
        visible_text(md.value) for md in at.markdown if visible_text(md.value)[:2] in ("1.", "2.", "3.")
    ]
    assert ranking[0].startswith(
        "1. 3 epochs · batch 4 · LR ×1.0: mean 0.599 (0.594 to 0.603 over 3 seeds, sd 0.00"
    )
    assert ranking[2] == "3. 3 epochs · batch 4 · LR ×3.0: mean 0.627 (one seed: its spread is unknown)."


def test_a_link_with_seeds_grouped_opens_grouped() -> None:
    at = _open(*SPECS, grouped=True)
    assert not at.exception
    assert at.toggle(key=SEEDS_KEY).value is True
    names = [trace["name"] for trace in chart_spec(at, CHART_KEY)["data"]]
    assert "3 epochs · batch 4 · LR ×2.0 · mean of 2 seeds" in names
