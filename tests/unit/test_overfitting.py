import numpy as np
import pandas as pd
import pytest

from components.data.overfitting import (
    CheckpointVerdict,
    checkpoint_verdicts,
    in_overfit_span,
    overfit_spans,
    unjudged,
)

STEPS = np.arange(1, 1001)


def _history(
    valid_base: np.ndarray, seed: int = 0, noise: float = 0.02, steps: np.ndarray = STEPS, every: int = 5
) -> pd.DataFrame:
    """Training loss falling throughout; batch validation every few steps; both noisy."""
    rng = np.random.default_rng(seed)
    progress = steps / steps[-1]
    train = 1.6 - 0.6 * progress - 0.5 * (1 - np.exp(-10 * progress)) + rng.normal(0, noise, len(steps))
    valid = np.where(steps % every == 0, valid_base + rng.normal(0, noise, len(steps)), np.nan)
    return pd.DataFrame({"step": steps, "train_loss": train, "valid_loss": valid, "full_valid_loss": np.nan})


def _turning_at_60_percent(steps: np.ndarray = STEPS) -> np.ndarray:
    progress = steps / steps[-1]
    return 0.6 + 0.5 * np.clip(1 - progress / 0.6, 0, None) + 0.3 * np.clip((progress - 0.6) / 0.4, 0, None)


def _clean(steps: np.ndarray = STEPS) -> np.ndarray:
    return 0.6 + 0.5 * np.exp(-0.6 * steps / steps[-1] / 0.36)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("noise", [0.02, 0.1])
def test_span_starts_where_validation_turns_up(seed, noise):
    spans = overfit_spans(_history(_turning_at_60_percent(), seed, noise))
    assert len(spans) == 1
    start, end = spans[0]
    assert 600 <= start <= 660  # the smoothed curve turns a little after the raw one
    assert end >= 950


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("noise", [0.02, 0.1])
def test_no_span_on_a_clean_run(seed, noise):
    assert overfit_spans(_history(_clean(), seed, noise)) == []


def test_long_noisy_run():
    # 10,000 noisy batch validation points: light smoothing alone would leave wiggles big enough to flag.
    steps = np.arange(1, 100_001)
    turned = overfit_spans(_history(_turning_at_60_percent(steps), noise=0.1, steps=steps, every=10))
    assert len(turned) == 1
    assert 60_000 <= turned[0][0] <= 66_000
    assert overfit_spans(_history(_clean(steps), noise=0.1, steps=steps, every=10)) == []


def test_a_bump_that_recovers_ends_at_its_peak():
    bump = 0.8 - 0.3 * STEPS / 1000 + 0.15 * np.exp(-(((STEPS - 400) / 60) ** 2))
    [(start, end)] = overfit_spans(_history(bump))
    assert 250 <= start < 400 <= end <= 450


def test_a_single_batch_spike_is_not_a_trend():
    history = _history(_turning_at_60_percent())
    history.loc[history["step"] == 300, "valid_loss"] = 10.1
    assert [start for start, _ in overfit_spans(history)] == [pytest.approx(620, abs=20)]
    clean = _history(0.6 + 0.5 * np.exp(-STEPS / 600))
    clean.loc[clean["step"] == 300, "valid_loss"] = 10.1
    assert overfit_spans(clean) == []


def test_no_span_when_training_loss_rises_too():
    history = _history(_turning_at_60_percent())
    history["train_loss"] = history["train_loss"].where(STEPS < 600, 0.4 + STEPS / 1000)
    assert overfit_spans(history) == []


def test_falls_back_to_full_validation_at_epoch_ends():
    history = _history(_turning_at_60_percent()).assign(valid_loss=np.nan)
    epoch_ends = [200, 400, 600, 800, 1000]
    history.loc[history["step"].isin(epoch_ends), "full_valid_loss"] = [1.0, 0.8, 0.7, 0.8, 0.9]
    assert overfit_spans(history) == [(600, 1000)]


def test_too_few_validation_points():
    history = _history(_turning_at_60_percent()).assign(valid_loss=np.nan)
    history.loc[history["step"].isin([500, 1000]), "full_valid_loss"] = [0.7, 0.9]
    assert overfit_spans(history) == []


def _epoch_end_run() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Full validation only, at five epoch ends: best at step 600, then rising; training falls throughout."""
    history = _history(_turning_at_60_percent()).assign(valid_loss=np.nan)
    epoch_ends = [200, 400, 600, 800, 1000]
    history.loc[history["step"].isin(epoch_ends), "full_valid_loss"] = [1.0, 0.8, 0.7, 0.8, 0.9]
    checkpoints = pd.DataFrame(
        {
            "step": epoch_ends,
            "checkpoint_id": pd.array([f"c{step}" for step in epoch_ends], dtype="string"),
            "train_loss": [0.9, 0.6, 0.5, 0.4, 0.3],
            "valid_loss": [np.nan, 0.75, 0.7, 0.9, np.nan],
            "full_valid_loss": [1.0, 0.8, 0.7, 0.8, 0.9],
        },
        index=[10, 11, 12, 13, 14],
    )
    return history, checkpoints


def test_checkpoint_verdicts_follow_the_band():
    history, checkpoints = _epoch_end_run()
    spans = overfit_spans(history)
    assert spans == [(600, 1000)]
    result = checkpoint_verdicts(checkpoints, spans, history)
    assert list(result.columns) == ["step", "checkpoint_id", "gap", "ratio", "verdict"]
    assert result.index.equals(checkpoints.index)
    # The span starts at the best point (600), which is where early stopping would keep the model.
    assert result["verdict"].tolist() == [
        "before overfitting starts",
        "before overfitting starts",
        "before overfitting starts",
        "overfitting",
        "overfitting",
    ]
    # Full validation minus training: 1.0-0.9, 0.8-0.6, 0.7-0.5, 0.8-0.4, 0.9-0.3 (batch 0.9 is not used).
    assert result["gap"].tolist() == pytest.approx([0.1, 0.2, 0.2, 0.4, 0.6])
    assert result["ratio"].tolist() == pytest.approx([1.0 / 0.9, 0.8 / 0.6, 1.4, 2.0, 3.0])


def test_a_high_ratio_before_the_band_is_not_called_overfitting():
    # The case: validation/training 0.7/0.5 = 1.4 was "mild overfitting" on the ratio scale while
    # the band began after it. There is one definition now: the band's.
    history, checkpoints = _epoch_end_run()
    best = checkpoints[checkpoints["step"] == 600]
    [verdict] = checkpoint_verdicts(best, overfit_spans(history), history)["verdict"]
    assert verdict == CheckpointVerdict.BEFORE


def test_batch_validation_fills_the_gap_and_missing_losses_give_na():
    history, checkpoints = _epoch_end_run()
    checkpoints.loc[10, "full_valid_loss"] = np.nan  # step 200: no validation of either kind
    checkpoints.loc[11, "full_valid_loss"] = np.nan  # step 400: batch 0.75 - 0.6
    checkpoints.loc[14, "train_loss"] = np.nan
    result = checkpoint_verdicts(checkpoints, [(600, 1000)], history)
    assert pd.isna(result["gap"].iloc[0]) and pd.isna(result["ratio"].iloc[0])
    assert result["gap"].iloc[1] == pytest.approx(0.15)
    assert pd.isna(result["gap"].iloc[4])
    assert result["verdict"].iloc[4] == "overfitting"  # the band still judges the step


def test_after_a_recovered_bump_and_with_no_span():
    history = _history(0.8 - 0.3 * STEPS / 1000 + 0.15 * np.exp(-(((STEPS - 400) / 60) ** 2)))
    [(start, end)] = overfit_spans(history)
    checkpoints = pd.DataFrame(
        {"step": [start, end, 900], "train_loss": 0.5, "valid_loss": 0.6, "full_valid_loss": np.nan}
    )
    verdicts = checkpoint_verdicts(checkpoints, [(start, end)], history)["verdict"].tolist()
    assert verdicts == ["before overfitting starts", "overfitting", "after an overfitting span"]
    assert checkpoint_verdicts(checkpoints, [], history)["verdict"].tolist() == ["no sign of overfitting"] * 3
    assert list(checkpoint_verdicts(checkpoints, [], history).columns) == ["step", "gap", "ratio", "verdict"]


def test_runs_the_band_cannot_judge_say_so():
    history, checkpoints = _epoch_end_run()
    without = history.assign(full_valid_loss=np.nan)
    assert unjudged(without) == CheckpointVerdict.NO_VALIDATION
    assert set(checkpoint_verdicts(checkpoints, [], without)["verdict"]) == {"not judged: no validation data"}
    two = history.assign(full_valid_loss=np.where(history["step"].isin([500, 1000]), 0.7, np.nan))
    assert unjudged(two) == CheckpointVerdict.TOO_FEW_POINTS
    assert set(checkpoint_verdicts(checkpoints, [], two)["verdict"]) == {
        "not judged: too few validation points"
    }
    assert unjudged(history) is None


def test_in_overfit_span_excludes_the_start_and_includes_the_end():
    spans = [(100, 200), (300, 400)]
    inside = in_overfit_span([100, 101, 200, 250, 300, 400, 401], spans)
    assert inside.tolist() == [False, True, True, False, False, True, False]
    assert in_overfit_span([150], []).tolist() == [False]
