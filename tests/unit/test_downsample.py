import numpy as np
import pandas as pd
import pytest

from components.data.downsample import downsample

COLUMNS = [
    "train_loss",
    "valid_loss",
    "full_valid_loss",
    "train_mean_token_accuracy",
    "valid_mean_token_accuracy",
    "full_valid_mean_token_accuracy",
]
ROWS = 100_000
EPOCH_ENDS = [33_333, 66_666, 100_000]


def _history(rows: int = ROWS) -> pd.DataFrame:
    """A noisy run: train every step, batch validation every 5 steps, full validation at 3 epoch ends."""
    rng = np.random.default_rng(7)
    step = np.arange(1, rows + 1)
    frame = pd.DataFrame({"step": step})
    for column in COLUMNS:
        frame[column] = rng.normal(1.0, 0.1, rows)
    valid = step % 5 == 0
    frame.loc[~valid, ["valid_loss", "valid_mean_token_accuracy"]] = np.nan
    full = np.isin(step, EPOCH_ENDS)
    frame.loc[~full, ["full_valid_loss", "full_valid_mean_token_accuracy"]] = np.nan
    return frame


@pytest.fixture(scope="module")
def thinned() -> tuple[pd.DataFrame, pd.DataFrame]:
    frame = _history()
    return frame, downsample(frame, max_points=1000, value_columns=COLUMNS, keep_steps=[17, 50_001])


def test_small_frames_are_returned_unchanged():
    frame = _history(500)
    assert downsample(frame, max_points=500, value_columns=COLUMNS) is frame


def test_output_is_bounded_and_a_subset_in_step_order(thinned):
    frame, out = thinned
    # 500 buckets × (first row + min and max of the 4 dense columns) + kept steps + epoch ends + last row.
    assert len(out) <= 500 * (1 + 2 * 4) + 2 + 3 + 1
    assert out["step"].is_monotonic_increasing
    pd.testing.assert_frame_equal(out, frame.loc[out.index])


def test_extremes_keep_steps_epoch_ends_and_last_row_survive(thinned):
    frame, out = thinned
    for column in COLUMNS:
        assert frame[column].min() in set(out[column])
        assert frame[column].max() in set(out[column])
    assert {17, 50_001, *EPOCH_ENDS, ROWS} <= set(out["step"])
    assert out["full_valid_loss"].notna().sum() == len(EPOCH_ENDS)


def test_each_bucket_keeps_its_extremes(thinned):
    frame, out = thinned
    buckets = np.arange(ROWS) * 500 // ROWS
    kept = set(out.index)
    for column in ("train_loss", "valid_loss"):
        grouped = frame[column].groupby(buckets)
        assert set(grouped.idxmin()) <= kept
        assert set(grouped.idxmax()) <= kept


def test_sparse_batch_validation_survives_whole():
    frame = _history(20_000)
    frame.loc[frame["step"] % 100 != 0, ["valid_loss", "valid_mean_token_accuracy"]] = np.nan
    out = downsample(frame.sample(frac=1, random_state=0), max_points=1000, value_columns=COLUMNS)
    assert out["valid_loss"].notna().sum() == 200
    assert out["step"].is_monotonic_increasing
