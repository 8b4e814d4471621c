"""MinMaxLTTB thinning for display: its guarantees over any frame (hypothesis), and its shape on real
curves (a spike, a dip, a sparse series, the curves a long run draws)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components.data.downsample import MIN_BUDGET, _lttb, downsample, min_max_lttb, series_points

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
PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


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
    return frame, downsample(frame, budget=1000, value_columns=COLUMNS, keep_steps=[17, 50_001])


def test_small_frames_are_returned_unchanged():
    frame = _history(500)
    assert downsample(frame, budget=500, value_columns=COLUMNS) is frame


def test_each_series_keeps_at_most_its_budget_and_the_rows_are_a_subset_in_step_order(thinned):
    frame, out = thinned
    for column in COLUMNS:
        assert len(series_points(frame["step"].to_numpy(), frame[column].to_numpy(), 1000)) <= 1000
    # 4 dense series of at most 1,000 points each, the kept steps, the epoch ends and the first and last rows.
    assert len(out) <= 4 * 1000 + 2 + 3 + 2
    assert out["step"].is_monotonic_increasing
    # A subset whose values are the frame's, each series drawn only through its own points (its budget), the
    # kept steps and the first and last rows, not through every row another series kept.
    pd.testing.assert_frame_equal(out, frame.loc[out.index].where(out.notna()))
    for column in COLUMNS:
        assert out[column].notna().sum() <= 1000 + 2 + 2


def test_extremes_keep_steps_epoch_ends_and_first_and_last_rows_survive(thinned):
    frame, out = thinned
    for column in COLUMNS:
        assert frame[column].min() in set(out[column])
        assert frame[column].max() in set(out[column])
    assert {1, 17, 50_001, *EPOCH_ENDS, ROWS} <= set(out["step"])
    assert out["full_valid_loss"].notna().sum() == len(EPOCH_ENDS)


def test_sparse_batch_validation_survives_whole():
    frame = _history(20_000)
    frame.loc[frame["step"] % 100 != 0, ["valid_loss", "valid_mean_token_accuracy"]] = np.nan
    out = downsample(frame.sample(frac=1, random_state=0), budget=1000, value_columns=COLUMNS)
    assert out["valid_loss"].notna().sum() == 200
    assert out["step"].is_monotonic_increasing


def test_a_spike_and_a_dip_away_from_the_global_extremes_survive():
    """Shape, not only the two extremes: a local spike and dip on a falling curve are kept."""
    steps = np.arange(50_000, dtype="float64")
    values = 5 * np.exp(-steps / 10_000) + np.random.default_rng(1).normal(0, 0.01, len(steps))
    values[20_000] += 1.0  # a spike, below the curve's start
    values[35_000] -= 0.5  # a dip, above the curve's end
    chosen = series_points(steps, values, 500)
    assert {20_000, 35_000} <= set(chosen.tolist())


def test_the_thinned_curve_stays_close_to_the_whole_one():
    """Drawn through the points kept, a smooth curve of 100,000 points is within a hair of itself."""
    steps = np.arange(ROWS, dtype="float64")
    values = np.sin(steps / 5_000) * np.exp(-steps / 50_000)
    chosen = series_points(steps, values, 2_000)
    redrawn = np.interp(steps, steps[chosen], values[chosen])
    assert np.abs(redrawn - values).max() < 0.01


def test_lttb_takes_the_point_making_the_largest_triangle():
    x = np.arange(8, dtype="float64")
    y = np.array([0.0, 0.1, 3.0, 0.2, -0.1, -2.0, 0.3, 0.0])
    # Buckets {1, 2}, {3, 4}, {5, 6} between the first and last points: the spike (2); of 3 and 4, the one
    # making the larger triangle with 2 and the next bucket's average (5.5, -0.85), 3 (5.95 against
    # 3.15, twice the areas); the dip (5).
    assert _lttb(x, y, 5).tolist() == [0, 2, 3, 5, 7]


def test_a_budget_below_the_minimum_is_refused():
    with pytest.raises(ValueError, match="at least"):
        downsample(_history(10), budget=MIN_BUDGET - 1, value_columns=COLUMNS)


values = st.one_of(
    st.floats(-1e6, 1e6),
    st.just(float("nan")),
    st.sampled_from([float("inf"), -float("inf")]),
)


@st.composite
def frames(draw: Any) -> tuple[pd.DataFrame, int, list[int]]:
    """A frame of up to 600 rows at distinct steps (shuffled), two series with gaps, a budget, kept steps."""
    rows = draw(st.integers(0, 600))
    steps = draw(st.lists(st.integers(0, 10**7), min_size=rows, max_size=rows, unique=True))
    frame = pd.DataFrame(
        {
            "step": steps,
            "a": draw(st.lists(values, min_size=rows, max_size=rows)),
            "b": draw(
                st.lists(st.one_of(st.floats(-10, 10), st.just(float("nan"))), min_size=rows, max_size=rows)
            ),
        }
    )
    budget = draw(st.integers(MIN_BUDGET, 200))
    keep = draw(st.lists(st.sampled_from(steps), max_size=10)) if steps else []
    return frame, budget, keep


@PROPERTY
@given(frames())
def test_thinning_keeps_its_promises(case: tuple[pd.DataFrame, int, list[int]]) -> None:
    frame, budget, keep = case
    out = downsample(frame, budget=budget, value_columns=["a", "b"], keep_steps=keep)
    if len(frame) <= budget:
        assert out is frame  # small inputs unchanged
        return
    assert out["step"].is_monotonic_increasing
    pd.testing.assert_frame_equal(out, frame.loc[out.index].where(out.notna()))  # a subset, nothing altered
    assert set(keep) <= set(out["step"])
    assert {frame["step"].min(), frame["step"].max()} <= set(out["step"])
    ordered = frame.sort_values("step")
    for column in ("a", "b"):
        present = ordered[column].dropna()
        finite = present[np.isfinite(present)]
        chosen = series_points(
            ordered["step"].to_numpy("float64"), ordered[column].to_numpy("float64"), budget
        )
        if len(present) <= budget:
            assert out[column].notna().sum() == len(present)  # a series that fits keeps every point
        else:
            assert len(chosen) <= budget + (len(present) - len(finite))  # + the non-finite, always kept
            # drawn through its own points, the kept steps and the ends only
            assert out[column].notna().sum() <= len(chosen) + len(set(keep)) + 2
        if len(finite):
            assert {finite.min(), finite.max()} <= set(out[column])  # extremes kept
        assert (~np.isfinite(present)).sum() == (~np.isfinite(out[column].dropna())).sum()
    assert len(out) <= 2 * budget + len(set(keep)) + 2 + (~np.isfinite(frame["a"].dropna())).sum()


@PROPERTY
@given(st.integers(3, 3_000), st.integers(2, 300), st.integers(0, 2**32 - 1))
def test_min_max_lttb_picks_n_points_in_order_from_first_to_last(length: int, n_out: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = np.cumsum(rng.uniform(0.5, 2.0, length))
    y = rng.normal(size=length).cumsum()
    chosen = min_max_lttb(x, y, n_out)
    assert len(chosen) == min(n_out, length)
    assert np.all(np.diff(chosen) > 0)
    assert chosen[0] == 0 and chosen[-1] == length - 1
