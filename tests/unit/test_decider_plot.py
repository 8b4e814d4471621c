"""The chart draws the metric the run is chosen by (issue 15): when the decider is not one of OpenAI's six
columns (a classifier's F1, a GRPO run's reward), the plot under the loss is that metric, with its training
counterpart, and the recommended ★ sits on it at the recommended checkpoint's value; OpenAI runs keep loss
above token accuracy. The same holds for the comparison."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest

from components.charts.compare import compare_figure
from components.charts.curves import BEST_TRACE, curves_figure
from components.charts.options import CompareOptions, ViewOptions
from components.data.metrics import plot_title, task_metrics
from components.demo import DEMO_JOB_ID
from components.domain import RunData, RunRef
from components.page import build_page, prepare
from components.page.compare import build_compare, prepare_compare
from components.sources.demo import demo_source
from components.sources.run_files import Origin, run_from_bytes

MARGINS = "rewards/margins"
TRAINERS = Path(__file__).resolve().parents[1] / "fixtures" / "trainers"


def _fixture(name: str) -> RunData:
    data = (TRAINERS / name / "trainer_state.json").read_bytes()
    return run_from_bytes(data, Origin(RunRef("files", name), "Runs folder", name))


def _star_y(figure: go.Figure, axis: str) -> list[float]:
    return [
        float(y)
        for trace in figure.data
        if trace.name.startswith(BEST_TRACE) and trace.yaxis == axis
        for y in trace.y
    ]


@pytest.mark.parametrize(
    ("decider", "names", "expected"),
    [
        ("eval_reward", ["reward", "eval_reward", "kl"], ["reward", "eval_reward"]),
        (
            "rewards/margins",
            ["rewards/margins", "eval_rewards/margins"],
            ["rewards/margins", "eval_rewards/margins"],
        ),
        ("eval_f1", ["eval_f1", "eval_accuracy"], ["eval_f1"]),
        ("eval_chat_loss", ["eval_chat_loss", "eval_code_loss", "train_loss"], ["eval_chat_loss"]),
        ("full_valid_loss", ["full_valid_loss", "train_loss"], []),
        (None, ["eval_f1"], []),
    ],
)
def test_the_task_plot_holds_the_decider_and_its_other_split(
    decider: str | None, names: list[str], expected: list[str]
) -> None:
    assert [metric.name for metric in task_metrics(decider, names)] == expected


def test_the_task_plot_is_titled_by_the_measure_not_the_split() -> None:
    assert plot_title("eval_f1") == "F1"
    assert plot_title("eval_reward") == "Reward"
    assert plot_title("eval_chat_loss") == "Loss (chat set)"
    assert plot_title("eval_wer") == "WER"


@pytest.mark.parametrize(
    ("fixture", "decider", "drawn", "title"),
    [
        ("classifier_f1", "eval_f1", ["eval_f1"], "F1"),
        ("grpo", "eval_reward", ["reward", "eval_reward"], "Reward"),
        (
            "dpo",
            "eval_rewards/margins",
            ["rewards/margins", "eval_rewards/margins"],
            "Reward margin (chosen − rejected)",
        ),
        ("speech_like_wer", "eval_wer", ["eval_wer"], "WER"),
    ],
)
def test_a_trainer_run_draws_its_deciding_metric_with_the_star_on_it(
    fixture: str, decider: str, drawn: list[str], title: str
) -> None:
    run = _fixture(fixture)
    page = build_page(prepare(run), ViewOptions())
    assert page.chart is not None and page.strip is not None
    plots = page.chart.display.view.plots
    assert [plot.kind for plot in plots] == ["loss", "task"]
    assert [metric.name for metric in plots[1].metrics] == drawn
    assert page.chart.highlights.decider == decider
    figure = curves_figure(page.chart.display, page.chart.highlights)
    assert figure.layout.yaxis2.title.text == title
    best = run.checkpoints.loc[run.checkpoints["checkpoint_id"] == page.strip.checkpoint_id, decider]
    assert _star_y(figure, "y2") == pytest.approx([float(best.iloc[0])])
    # The plot stands where accuracy would: no "no accuracy" note, no source's reason for its absence.
    assert not any("accuracy" in note for note in page.chart.notes)
    assert all(kind != "accuracy" for kind, _ in page.unavailable)


def test_an_openai_run_keeps_loss_above_token_accuracy() -> None:
    run = demo_source().load_run(DEMO_JOB_ID)
    page = build_page(prepare(run), ViewOptions())
    assert page.chart is not None
    assert [plot.kind for plot in page.chart.display.view.plots] == ["loss", "accuracy"]
    figure = curves_figure(page.chart.display, page.chart.highlights)
    assert figure.layout.yaxis2.title.text == "Accuracy"


def test_comparing_runs_by_a_task_metric_draws_it_with_each_runs_star() -> None:
    first = _fixture("classifier_f1")
    # A copy of the classifier with its F1 raised: both log eval_f1, and the comparison ranks by it.
    raised = {"eval_f1": lambda frame: frame["eval_f1"] + 0.05}
    second = replace(
        first,
        summary=replace(first.summary, ref=RunRef("files", "classifier_copy")),
        history=first.history.assign(**raised),
        checkpoints=first.checkpoints.assign(**raised),
    )
    runs = [first, second]
    model = build_compare(prepare_compare(runs), CompareOptions(metric="eval_f1"))
    assert dict(model.view.metrics) == {"loss": "full_valid_loss", "task": "eval_f1"}
    figure = compare_figure(model.curves, model.view)
    assert figure.layout.yaxis.title.text == "Evaluation loss (full validation set)"  # the Trainer's words
    assert figure.layout.yaxis2.title.text == "F1"
    [star] = [trace for trace in figure.data if trace.mode == "markers" and trace.yaxis == "y2"]
    best = [float(run.checkpoints["eval_f1"].max()) for run in runs]
    assert sorted(np.asarray(star.y, dtype=float)) == pytest.approx(sorted(best))


def test_comparing_openai_runs_names_their_full_validation_as_openai_does() -> None:
    run = demo_source().load_run(DEMO_JOB_ID)
    other = replace(run, summary=replace(run.summary, ref=RunRef("demo", "copy")))
    model = build_compare(prepare_compare([run, other]), CompareOptions(metric="full_valid_loss"))
    assert (
        compare_figure(model.curves, model.view).layout.yaxis.title.text
        == "Validation loss (full, epoch end)"
    )
