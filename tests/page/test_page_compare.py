"""The compare page in AppTest: runs of different lengths and sources on one chart, the best run named,
one row per run, its own options, the ten-run limit, the router's hooks and the comparison download."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from components.charts.compare import STAR_LEGEND
from components.data.compare import MAX_RUNS
from components.export.download import planned_format, planned_name
from components.ui.compare_page import ALIGN_KEY, CHART_KEY, LOG_KEY, METRIC_KEY, TABLE_KEY
from components.ui.exports import export_bytes
from devtools.compare_runs import run_from_spec
from tests.domain.export_support import read_export
from tests.markdown_view import visible_text
from tests.page.page_support import TIMEOUT, chart_spec, decode

APP = Path(__file__).resolve().parents[1] / "apps" / "compare_app.py"
SHORT, LONG = "ftjob-short/300/3/1", "ftjob-long/1200/4/2"


def _open(*specs: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.secrets["UNUSED"] = "x"
    at.query_params["run"] = list(specs)
    return at.run()


def _table(at: AppTest):
    [frame] = at.get_by_key(TABLE_KEY).dataframe
    return frame.value


def _lines(at: AppTest) -> dict[tuple[str, str], dict]:
    return {
        (t["name"], t["yaxis"]): t
        for t in chart_spec(at, CHART_KEY)["data"]
        if t["name"].startswith("ftjob-")
    }


@pytest.fixture(autouse=True)
def _clean(no_api_env: None) -> None:
    """No setting from the machine, no archive."""


def test_two_runs_of_different_lengths_are_drawn_named_and_tabled() -> None:
    at = _open(SHORT, LONG)
    assert not at.exception
    lines = _lines(at)
    assert set(lines) == {
        ("ftjob-short", "y"),
        ("ftjob-short", "y2"),
        ("ftjob-long", "y"),
        ("ftjob-long", "y2"),
    }
    for run in ("ftjob-short", "ftjob-long"):  # 300 and 1,200 steps: aligned by fraction of training
        assert max(decode(lines[run, "y"]["x"])) == pytest.approx(1.0)
    table = _table(at)
    assert list(table["Run"]) == ["openai:ftjob-short", "openai:ftjob-long"]
    assert list(table["Steps"]) == [300, 1200] and list(table["Epochs"]) == ["3", "4"]
    assert list(table["LR multiplier"]) == ["0.5", "1"]
    [best] = [i for i, mark in enumerate(table["best"]) if mark == "★"]
    markdown = [visible_text(el.value) for el in at.markdown]
    assert f"★ Best run: {table['Run'][best]}" in markdown
    assert any(
        text.startswith(f"{table['Run'][best]} has the lowest full validation loss of 2 runs")
        for text in markdown
    )
    assert any("aligned by fraction of training" in visible_text(info.value) for info in at.info)


def test_aligning_by_step_draws_absolute_steps_and_says_how_to_align() -> None:
    at = _open(SHORT, LONG)
    assert chart_spec(at, CHART_KEY)["layout"]["xaxis"]["title"]["text"] == "Fraction of training"
    at.get_by_key(ALIGN_KEY).set_value("step").run()
    lines = _lines(at)
    assert max(decode(lines["ftjob-short", "y"]["x"])) == 300
    assert max(decode(lines["ftjob-long", "y"]["x"])) == 1200
    assert chart_spec(at, CHART_KEY)["layout"]["xaxis"]["title"]["text"] == "Step"
    assert any("align by epoch or fraction" in info.value for info in at.info)


def test_the_metric_and_log_options_change_every_run() -> None:
    at = _open(SHORT, LONG)
    at.get_by_key(METRIC_KEY).set_value("valid_loss").run()
    at.get_by_key(LOG_KEY).set_value(True).run()
    spec = chart_spec(at, CHART_KEY)
    assert spec["layout"]["yaxis"]["type"] == "log"
    assert spec["layout"]["yaxis"]["title"]["text"] == "Validation loss (batch)"
    assert "Validation loss (batch), best" in _table(at).columns
    stars = [t for t in spec["data"] if t["name"] == STAR_LEGEND and t.get("yaxis") == "y"]
    assert len(decode(stars[0]["x"])) == 2


def test_the_demo_and_a_synthetic_run_compare_across_sources() -> None:
    at = _open("demo", SHORT)
    assert not at.exception
    assert list(_table(at)["Run"]) == ["demo:ftjob-demo", "openai:ftjob-short"]


def test_more_than_ten_runs_shows_the_first_ten_and_names_the_rest() -> None:
    specs = [f"ftjob-r{i}/40/2/{i}" for i in range(MAX_RUNS + 2)]
    at = _open(*specs)
    assert not at.exception
    assert len(_table(at)) == MAX_RUNS
    [warning] = at.warning
    shown = visible_text(warning.value)
    assert "at most 10 runs" in shown and "left out: openai:ftjob-r10, openai:ftjob-r11." in shown


def test_one_run_asks_for_another_and_none_says_so() -> None:
    at = _open(SHORT)
    assert any("Add another run" in visible_text(info.value) for info in at.info)
    assert len(_table(at)) == 1
    empty = _open()
    assert not empty.exception and any("No run to compare" in visible_text(info.value) for info in empty.info)


def test_the_remove_hook_drops_a_run() -> None:
    at = _open(SHORT, LONG)
    [remove_long] = [button for button in at.button if button.label == "Remove ftjob-long"]
    remove_long.click().run()
    assert list(_table(at)["Run"]) == ["openai:ftjob-short"]


def test_the_comparison_downloads_as_one_file_that_reads_back() -> None:
    at = _open(SHORT, LONG)
    [button] = [el for el in at.get("download_button") if "Comparison file" in el.proto.label]
    runs = [run_from_spec(SHORT), run_from_spec(LONG)]
    kind = planned_format(runs)
    assert planned_name(runs) == f"compare_openai-ftjob-short_openai-ftjob-long.{kind.value}"
    assert button.proto.label == f"Comparison file ({kind.value.upper()})"
    assert button.proto.deferred_file_id and not button.proto.url  # built when clicked
    back = read_export(export_bytes(runs))  # what a click builds
    assert [run.summary.ref for run in back] == [
        run_from_spec(SHORT).summary.ref,
        run_from_spec(LONG).summary.ref,
    ]
    for run, spec in zip(back, (SHORT, LONG), strict=True):
        pd.testing.assert_frame_equal(run.history, run_from_spec(spec).history, check_exact=True)
        pd.testing.assert_frame_equal(run.checkpoints, run_from_spec(spec).checkpoints, check_exact=True)


def _noted_app() -> None:
    """Two runs, one with a note as the archive writes one (AppTest runs this function's source alone)."""
    from dataclasses import dataclass, replace

    from components.domain import Note, NoteKind, RunData, RunRef
    from components.ui.compare_page import compare_page
    from devtools.compare_runs import synthetic_run

    @dataclass(frozen=True)
    class Loaded:
        ref: RunRef
        run: RunData

    kept = synthetic_run("ftjob-kept", n_steps=40, n_epochs=2)
    kept = replace(
        kept,
        notes=(Note(NoteKind.ARCHIVE, "From the archive, saved 2026-11-25 12:38 UTC: <b>no request</b>."),),
    )
    plain = synthetic_run("ftjob-plain", n_steps=40, n_epochs=2, seed=2)
    compare_page([Loaded(run.summary.ref, run) for run in (kept, plain)])


def test_each_runs_notes_are_a_click_away() -> None:
    at = AppTest.from_function(_noted_app, default_timeout=TIMEOUT)
    at.secrets["UNUSED"] = "x"
    at.run()
    assert not at.exception
    [expander] = [el for el in at.expander if el.label.startswith("Notes on these runs")]
    assert expander.label == "Notes on these runs (1)"
    [text] = [visible_text(el.value) for el in expander.markdown]
    assert text == "openai:ftjob-kept From the archive, saved 2026-11-25 12:38 UTC: <b>no request</b>."
    assert not [el for el in _open(SHORT, LONG).expander if el.label.startswith("Notes on these runs")]


def test_two_trainer_runs_are_ranked_by_the_metric_both_trainers_declared() -> None:
    # Both declare eval_f1 (higher is better): the comparison ranks by it, not by a loss.
    at = _open("trainer:classifier_f1", "upload:classifier_f1")
    assert not at.exception
    assert at.get_by_key(METRIC_KEY).value == "eval_f1"
    markdown = [visible_text(el.value) for el in at.markdown]
    assert any("has the highest evaluation F1 of 2 runs" in text for text in markdown)
