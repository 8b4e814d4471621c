"""How sure the run page's choice is: ties within batch validation's noise, the band, and what full
validation cannot tell (components/page/sureness.py through build_page)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from components.charts.curves import curves_figure
from components.charts.noise_band import BAND_NAME, with_noise_band
from components.charts.options import ViewOptions
from components.data.metric_model import classify
from components.data.recommend import recommend
from components.page import build_page, prepare
from components.page.sureness import FULL_CANNOT_TELL, sureness_of
from components.page.table import TIED_MARK, Stars, table_of
from components.sources import open_source, resolve_sources


def _frames(noise: float, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A batch-validation curve with a flat bottom from step 300 to 500, noise of known σ, and checkpoints
    every 100 steps whose values lie on the noisy curve."""
    steps = np.arange(1, 801)
    truth = 0.5 + 0.4 * np.clip((300 - steps) / 300, 0, None) + 0.3 * np.clip((steps - 500) / 300, 0, None)
    valid = truth + np.random.default_rng(seed).normal(0, noise, len(steps))
    history = pd.DataFrame({"step": steps, "train_loss": truth - 0.1, "valid_loss": valid})
    at = np.arange(100, 801, 100)
    checkpoints = pd.DataFrame(
        {
            "step": at,
            "checkpoint_id": [f"ckpt-{s}" for s in at],
            "model": [f"ft:m:{s}" for s in at],
            "valid_loss": valid[at - 1],
        }
    )
    return history, checkpoints


def test_checkpoints_on_a_flat_bottom_are_tied_and_the_earliest_is_named_beside_the_lowest():
    history, checkpoints = _frames(0.02)
    metric = classify("valid_loss")
    advice = recommend(checkpoints, history, metric)
    sure = sureness_of(checkpoints, history, advice, metric)
    assert sure.noise is not None and sure.noise.typical == pytest.approx(0.02, rel=0.15)
    assert sure.tied_ids == ("ckpt-300", "ckpt-400", "ckpt-500")  # the flat bottom, nothing on the slopes
    assert advice.step == 500  # numerically lowest by luck of the draw (seed 0)
    assert "3 checkpoints are tied with the best: steps 300, 400 and 500." in sure.line
    assert "The earliest, step 300 (0.517), is as good by this curve and cheaper to reach" in sure.line
    assert "step 500 has the lowest value (0.507)" in sure.line
    assert "Expect about" in sure.line and "higher on new data" in sure.line


def test_a_lead_larger_than_the_noise_ties_with_nothing():
    history, checkpoints = _frames(0.0005)
    checkpoints.loc[checkpoints["step"] == 400, "valid_loss"] -= 0.05  # far beyond the noise
    metric = classify("valid_loss")
    sure = sureness_of(checkpoints, history, recommend(checkpoints, history, metric), metric)
    assert sure.tied_ids == ("ckpt-400",)
    assert sure.line.startswith("No other checkpoint is within the noise of batch validation loss")
    assert sure.short == "No other checkpoint is within batch validation's noise of it."


def test_the_demo_says_full_validation_cannot_tell_and_batch_validation_draws_its_band():
    config = resolve_sources({}, {}).configs[0]
    run = open_source(config).load_run("ftjob-demo")
    prepared = prepare(run)
    full = build_page(prepared, ViewOptions())
    assert full.strip.details.endswith(FULL_CANNOT_TELL.format(label="Full validation loss"))
    assert full.strip.reason.endswith("(0.896 at step 480).")  # nothing added to the strip's line
    assert full.chart.noise is None
    batch = build_page(prepared, ViewOptions(metric="valid_loss"))
    assert batch.strip.reason.endswith(
        "Tied within batch validation's noise: steps 240, 360 and 480; step 240, the earliest, is as good "
        "and cheaper."
    )
    assert "Within the noise of batch validation loss (±0.0658 a measurement)" in batch.strip.details
    figure = with_noise_band(
        curves_figure(batch.chart.display, batch.chart.highlights),
        batch.chart.display,
        batch.chart.noise,
        batch.chart.noise_metric,
    )
    band = [trace for trace in figure.data if trace.legendgroup == "noise"]
    assert [trace.name for trace in band][1] == BAND_NAME and figure.data[1] is band[1]
    upper, lower = np.asarray(band[1].y), np.asarray(band[0].y)
    assert (upper > lower).all()


def test_a_training_metric_or_a_single_checkpoint_has_nothing_to_weigh():
    history, checkpoints = _frames(0.02)
    checkpoints["train_loss"] = np.linspace(1.0, 0.4, len(checkpoints))
    train = classify("train_loss")
    assert sureness_of(checkpoints, history, recommend(checkpoints, history, train), train) is None
    one = checkpoints.iloc[:1]
    valid = classify("valid_loss")
    assert sureness_of(one, history, recommend(one, history, valid), valid) is None


def test_the_table_marks_the_rows_tied_with_the_recommended_one():
    """The ★ column: ★ on the recommended row, ≈ on the others within the noise, nothing on the slopes."""
    history, checkpoints = _frames(0.02)
    metric = classify("valid_loss")
    advice = recommend(checkpoints, history, metric)
    sure = sureness_of(checkpoints, history, advice, metric)
    rows = checkpoints.assign(
        created_at=pd.Timestamp("2026-01-01", tz="UTC"), step_only=False, metrics_step=checkpoints["step"]
    )
    verdicts = pd.DataFrame({"verdict": [""] * len(rows), "gap": [0.1] * len(rows)})
    table = table_of(
        rows,
        verdicts,
        decider="valid_loss",
        stars=Stars(advice.checkpoint_id, sure.tied_ids),
        selected_id=None,
        labels={"valid_loss": "Validation loss"},
    )
    marks = dict(zip(table.frame["step"], table.frame["best"], strict=True))
    assert marks == {100: "", 200: "", 300: TIED_MARK, 400: TIED_MARK, 500: "★", 600: "", 700: "", 800: ""}
