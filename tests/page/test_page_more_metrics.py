"""The "More metrics" section of a run's page, on the authentic GRPO output folder as a runs folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from components.page.route import RUN_PARAM
from components.sources import open_source, resolve_sources
from components.ui.curves_panel import CHART_KEY
from components.ui.more_metrics import SECTION_KEY, panel_key
from devtools.many_metrics import served_with_many_metrics
from devtools.standin import StandInServer, make_run
from tests.page.page_support import chart_spec, has_key, new_app

TRAINERS = Path(__file__).resolve().parents[1] / "fixtures" / "trainers"


def _grpo_ref() -> str:
    config = resolve_sources({**os.environ, "DASHBOARD_RUNS_DIR": str(TRAINERS)}, {}).get("files")
    [grpo] = [run for run in open_source(config).list_runs().runs if run.ref.run_id.startswith("grpo-")]
    return str(grpo.ref)


def test_the_grpo_run_draws_every_metric_once_more_metrics_is_opened(
    monkeypatch: pytest.MonkeyPatch, no_api_env: None
) -> None:
    monkeypatch.setenv("DASHBOARD_RUNS_DIR", str(TRAINERS))
    at = new_app()
    at.query_params[RUN_PARAM] = _grpo_ref()
    at.run()
    assert not at.exception
    assert has_key(at, CHART_KEY)
    assert not has_key(at, panel_key("reward"))  # 48 metrics: closed, and nothing built
    [section] = [block for block in at.expander if block.label.startswith("More metrics")]
    assert section.label == "More metrics (48)"
    at.session_state[SECTION_KEY] = True
    at.run()
    assert not at.exception
    for name in ("reward", "reward_std", "rewards/reward_keyword/mean", "kl", "eval_reward", "learning_rate"):
        assert has_key(at, panel_key(name)), name
    spec = chart_spec(at, panel_key("rewards/reward_keyword/mean"))
    title = spec["layout"]["title"]["text"]
    assert title.startswith("Training reward: reward_keyword (mean)<br>") and "higher is better" in title
    assert not has_key(at, panel_key("train_loss")) and not has_key(at, panel_key("step"))


def test_a_run_with_a_few_more_metrics_opens_with_the_section_closed_and_nothing_built(
    api_env: StandInServer,
) -> None:
    """Panels are built only once opened, also for a few metrics: the main chart is drawn first."""
    api_env.add_run(served_with_many_metrics(make_run("ftjob-few-more", n_steps=300, n_epochs=3), 3))
    at = new_app(job="ftjob-few-more").run()
    assert not at.exception
    assert has_key(at, CHART_KEY)
    [section] = [block for block in at.expander if block.label.startswith("More metrics")]
    assert section.label == "More metrics (3)"
    assert not any(has_key(at, panel_key(name)) for name in ("reward", "reward_std", "kl"))
    at.session_state[SECTION_KEY] = True
    at.run()
    assert not at.exception
    assert all(has_key(at, panel_key(name)) for name in ("reward", "reward_std", "kl"))
