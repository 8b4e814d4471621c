import numpy as np
import pandas as pd
import pytest

from components.data.overfitting import generalisation_gap, overfit_spans

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


def test_generalisation_gap_prefers_full_validation_and_grades_the_ratio():
    frame = pd.DataFrame(
        {
            "step": [100, 200, 300, 400, 500],
            "checkpoint_id": pd.array(["a", "b", "c", "d", "e"], dtype="string"),
            "train_loss": [1.0, 1.0, 0.5, 0.2, np.nan],
            "valid_loss": [1.1, 9.0, 0.7, 0.5, 0.4],
            "full_valid_loss": [np.nan, 1.2, 1.0, np.nan, np.nan],
        },
        index=[10, 11, 12, 13, 14],
    )
    result = generalisation_gap(frame)
    assert list(result.columns) == ["step", "checkpoint_id", "gap", "ratio", "verdict"]
    assert result.index.equals(frame.index)
    assert result["gap"].iloc[:4].tolist() == pytest.approx([0.1, 0.2, 0.5, 0.3])
    assert result["ratio"].iloc[:4].tolist() == pytest.approx([1.1, 1.2, 2.0, 2.5])
    assert result["verdict"].iloc[:4].tolist() == [
        "healthy",
        "mild overfitting",
        "severe overfitting",
        "severe overfitting",
    ]
    assert pd.isna(result["verdict"].iloc[4])
    assert pd.isna(result["ratio"].iloc[4])


def test_generalisation_gap_moderate_and_without_ids():
    result = generalisation_gap(
        pd.DataFrame({"step": [1], "train_loss": [0.4], "valid_loss": [0.7], "full_valid_loss": [np.nan]})
    )
    assert list(result.columns) == ["step", "gap", "ratio", "verdict"]
    assert result["verdict"].tolist() == ["moderate overfitting"]
