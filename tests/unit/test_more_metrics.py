"""More metrics: which series get a panel, their groups and titles, what they share with the main chart,
and the size of the figures of a large run."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import plotly.io
import pytest

from components.charts.more_metrics_view import (
    NOT_METRICS,
    SERIES_POINTS,
    metric_groups,
    more_metric_names,
    panel_title,
    prefix_of,
)
from components.charts.options import Highlights, StepRange, ViewOptions, XMode
from components.charts.small_multiples import BEST_LABEL, panel_figure
from components.charts.style import palette
from components.data.metric_model import classify
from components.domain import RunData
from components.page import build_page, prepare
from components.page.more_metrics import MoreMetricsModel, more_metrics_of
from components.sources import open_source, resolve_sources
from devtools.compare_runs import synthetic_run
from devtools.many_metrics import with_many_metrics

TRAINERS = Path(__file__).resolve().parents[1] / "fixtures" / "trainers"
FIGURES_BUDGET_BYTES = 3_000_000
"""50 metrics × 100,000 steps: every panel's figure JSON together (the main chart alone is ~1.5 MB)."""


@cache
def _grpo() -> RunData:
    """The authentic GRPO output folder, read by the runs-folder source as the page reads it."""
    source = open_source(resolve_sources({"DASHBOARD_RUNS_DIR": str(TRAINERS)}, {}).get("files"))
    [grpo] = [run for run in source.list_runs().runs if run.ref.run_id.startswith("grpo-")]
    return source.load_run(grpo.ref.run_id)


@cache
def _small(n_metrics: int = 12) -> RunData:
    return with_many_metrics(synthetic_run("ftjob-more", n_steps=300, n_epochs=3), n_metrics, eval_every=30)


DEFAULTS = ViewOptions()


def _model(run: RunData, options: ViewOptions = DEFAULTS, **marks: object) -> MoreMetricsModel:
    return more_metrics_of(prepare(run), options, marks.pop("zoom", None), Highlights(**marks))


def test_every_numeric_column_beyond_the_main_chart_gets_exactly_one_panel() -> None:
    run = _grpo()
    expected = [
        name
        for name in run.history.columns
        if name not in NOT_METRICS and run.history[name].dtype.kind == "f" and run.history[name].notna().any()
    ]
    panels = [panel.info.name for panel in _model(run).panels]
    assert sorted(panels) == sorted(expected) and len(panels) == len(set(panels)) == 48
    assert {"reward", "reward_std", "kl", "learning_rate", "grad_norm", "rewards/reward_keyword/mean"} <= set(
        panels
    )
    assert not NOT_METRICS & set(panels) and not {"source", "model", "checkpoint_id"} & set(panels)


def test_groups_follow_the_prefix_training_first_and_quality_measures_lead() -> None:
    groups = metric_groups(more_metric_names(_grpo().history))
    assert [group.prefix for group in groups] == [
        "",
        "rewards/",
        "clip_ratio/",
        "completions/",
        "eval_",
        "eval_rewards/",
        "eval_clip_ratio/",
        "eval_completions/",
    ]
    assert groups[0].heading == "Logged without a prefix" and groups[1].heading == "`rewards/`"
    assert groups[0].metrics[0].name == "reward"  # the one with a better way leads its group


@pytest.mark.parametrize(
    ("name", "prefix"),
    [
        ("reward", ""),
        ("grad_norm", ""),
        ("eval_f1", "eval_"),
        ("rewards/margins", "rewards/"),
        ("rewards/reward_keyword/mean", "rewards/"),
        ("eval_rewards/margins", "eval_rewards/"),
        ("train/loss", "train/"),
        ("test_accuracy", "test_"),
        ("eval_", ""),
        ("odd/", ""),
    ],
)
def test_prefix_of(name: str, prefix: str) -> None:
    assert prefix_of(name) == prefix


def test_a_panel_is_titled_with_the_label_and_the_direction() -> None:
    assert panel_title(classify("eval_f1")) == "Evaluation F1 · higher is better"
    assert panel_title(classify("eval_wer")) == "Evaluation WER · lower is better"
    assert panel_title(classify("learning_rate")) == "Learning rate · neither way is better"


def test_only_training_series_are_smoothed_evaluations_raw_bookkeeping_exact() -> None:
    panels = {panel.info.name: panel for panel in _model(_small(), ViewOptions(smoothing=0.9)).panels}
    assert panels["reward"].smoothed is not None and not panels["reward"].raw
    assert panels["eval_f1_0"].smoothed is None and panels["eval_f1_0"].raw
    assert len(panels["eval_f1_0"].x) == 10  # every 30th of 300 steps, as logged
    assert panels["learning_rate"].smoothed is None and not panels["learning_rate"].raw
    unsmoothed = {panel.info.name: panel for panel in _model(_small(), ViewOptions(smoothing=0)).panels}
    assert unsmoothed["reward"].smoothed is None


def test_the_panels_share_the_zoom_the_x_axis_and_the_checkpoints() -> None:
    run = _small()
    ids = run.checkpoints["checkpoint_id"].astype(str).tolist()
    steps = run.checkpoints["step"].astype(float).tolist()
    zoomed = _model(run, zoom=StepRange(100, 200), best_id=ids[-1], selected_id=ids[0])
    assert zoomed.view.x_range == (100.0, 200.0)
    assert (zoomed.view.best_x, zoomed.view.selected_x) == (steps[-1], steps[0])
    reward = next(panel for panel in zoomed.panels if panel.info.name == "reward")
    assert reward.x.min() >= 99 and reward.x.max() <= 201 and len(reward.x) >= 100
    whole = _model(run)
    assert whole.view.x_range == (float(run.history["step"].min()), float(run.history["step"].max()))
    in_epochs = _model(run, ViewOptions(x_mode=XMode.EPOCH), best_id=ids[-1])
    assert in_epochs.view.x_title == "Epoch" and in_epochs.view.best_x == pytest.approx(3.0)
    assert max(panel.x.max() for panel in in_epochs.panels) == pytest.approx(3.0)


def test_the_figure_draws_the_star_and_the_selection_in_the_pages_theme() -> None:
    run = _small()
    ids = run.checkpoints["checkpoint_id"].astype(str).tolist()
    for theme in ("light", "dark"):
        model = _model(run, ViewOptions(theme=theme, smoothing=0.8), best_id=ids[-1], selected_id=ids[0])
        reward = next(panel for panel in model.panels if panel.info.name == "reward")
        figure = panel_figure(reward, model.view)
        colours = palette(theme)
        assert [shape.line.color for shape in figure.layout.shapes] == [
            colours.best_outline,
            colours.selected,
        ]
        assert [note.text for note in figure.layout.annotations] == [BEST_LABEL]
        assert [trace.line.color for trace in figure.data] == [colours.train, colours.train]
        assert figure.layout.title.text.startswith("Training reward<br>")
        assert figure.layout.title.text.endswith(">higher is better</span>")
        assert figure.layout.xaxis.fixedrange and figure.layout.yaxis.fixedrange


def test_fifty_metrics_of_100000_steps_stay_within_the_size_budget() -> None:
    run = with_many_metrics(synthetic_run("ftjob-more-big", n_steps=100_000, n_epochs=4), 50)
    prepared = prepare(run)
    page = build_page(prepared, ViewOptions(smoothing=0.99))
    model = more_metrics_of(prepared, ViewOptions(smoothing=0.99), None, page.chart.highlights)
    assert len(model.panels) == 50
    checkpoints = len(run.checkpoints)
    assert all(len(panel.x) <= SERIES_POINTS + checkpoints + 1 for panel in model.panels)
    kept = set(run.checkpoints["step"].astype(float))
    assert all(kept <= set(panel.x.astype(float)) for panel in model.panels if not panel.raw)
    sizes = [len(plotly.io.to_json(panel_figure(panel, model.view))) for panel in model.panels]
    assert sum(sizes) < FIGURES_BUDGET_BYTES, sum(sizes)
    assert "drawn at about 2,000 points" in model.caption
    assert np.isfinite(np.concatenate([panel.y for panel in model.panels])).all()
