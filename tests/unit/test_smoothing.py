import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from components.data.smoothing import reference_gap, smooth, typical_gap


def test_evenly_spaced_points_smooth_exactly_as_tensorboard():
    # TensorBoard, w = 0.5: last = last*0.5 + 0.5*y, smoothed = last / (1 - 0.5**n)
    # n=1: last = 0.5            -> 0.5 / 0.5       = 1
    # n=2: last = 0.25 + 1       -> 1.25 / 0.75     = 5/3
    # n=3: last = 0.625 + 1.5    -> 2.125 / 0.875   = 17/7
    # n=4: last = 1.0625 + 2     -> 3.0625 / 0.9375 = 49/15
    expected = [1.0, 5 / 3, 17 / 7, 49 / 15]
    assert smooth(pd.Series([1.0, 2.0, 3.0, 4.0]), [1, 2, 3, 4], 0.5).tolist() == pytest.approx(expected)
    # Points 10 steps apart with a reference gap of 10 are the same series.
    assert smooth(pd.Series([1.0, 2.0, 3.0, 4.0]), [10, 20, 30, 40], 0.5, 10).tolist() == pytest.approx(
        expected
    )


def test_a_longer_gap_decays_the_average_more():
    # w = 0.5 per step, steps 0, 2, 3: the step-0 point decays by 0.5**2 before step 2, then by 0.5 more.
    # step 0: 1
    # step 2: (0.25·1 + 2) / (0.25 + 1)                 = 2.25 / 1.25  = 1.8
    # step 3: (0.5·2.25 + 3) / (0.5·1.25 + 1)           = 4.125 / 1.625 = 33/13
    smoothed = smooth(pd.Series([1.0, 2.0, 3.0]), [0, 2, 3], 0.5)
    assert smoothed.tolist() == pytest.approx([1.0, 1.8, 33 / 13])


def test_missing_points_stay_missing_and_their_steps_still_decay():
    values = pd.Series([1.0, np.nan, 2.0, 3.0, np.nan, 4.0], index=[10, 20, 30, 40, 50, 60])
    smoothed = smooth(values, values.index, 0.5, 10)
    assert smoothed.index.equals(values.index)
    assert smoothed[[20, 50]].isna().all()
    # Steps 10, 30, 40, 60 with w = 0.5 per 10 steps: decays 0.25, 0.5, 0.25.
    # 30: (0.25 + 2) / 1.25 = 1.8; 40: (1.125 + 3) / 1.625 = 33/13; 60: (0.25·4.125 + 4) / (0.25·1.625 + 1)
    assert smoothed.dropna().tolist() == pytest.approx([1.0, 1.8, 33 / 13, 5.03125 / 1.40625])


def test_points_out_of_step_order_are_smoothed_in_step_order():
    values = pd.Series([3.0, 1.0, 2.0], index=["c", "a", "b"])
    smoothed = smooth(values, [3, 1, 2], 0.5)
    assert smoothed.to_dict() == pytest.approx({"c": 17 / 7, "a": 1.0, "b": 5 / 3})


@pytest.mark.parametrize(
    ("values", "weight"),
    [
        ([2.5, 2.5, np.nan, 2.5, 2.5], 0.9),  # constant
        ([1.0, np.nan, 7.0], 0.9),  # two finite points
        ([3.0], 0.9),
        ([1.0, 5.0, 2.0, 8.0], 0.0),
        ([1.0, 5.0, 2.0, 8.0], -0.3),
    ],
)
def test_left_unsmoothed(values, weight):
    series = pd.Series(values)
    pd.testing.assert_series_equal(smooth(series, series.index, weight), series)


def test_weight_is_capped_at_0_999():
    # With w = 1 nothing would move; capped at 0.999 the last point still pulls the average a little.
    steps = [1, 2, 3, 4]
    smoothed = smooth(pd.Series([0.0, 0.0, 0.0, 10.0]), steps, 1.0)
    pd.testing.assert_series_equal(smoothed, smooth(pd.Series([0.0, 0.0, 0.0, 10.0]), steps, 0.999))
    # 10 / (1 + 0.999 + 0.999² + 0.999³)
    assert smoothed.iloc[-1] == pytest.approx(10 / sum(0.999**k for k in range(4)))


def _curve(steps: np.ndarray) -> np.ndarray:
    """A training-like curve: a steep early drop, then a slow fall."""
    return 0.4 + 1.6 * np.exp(-5 * steps / 1000)


@pytest.mark.parametrize("weight", [0.6, 0.9, 0.99, 0.999])
def test_series_logged_at_different_rates_smooth_alike(weight):
    every_step = np.arange(1, 1001)
    every_tenth = every_step[every_step % 10 == 0]
    dense = smooth(pd.Series(_curve(every_step)), every_step, weight)
    sparse = smooth(pd.Series(_curve(every_tenth)), every_tenth, weight)
    at_shared = dense[every_step % 10 == 0].to_numpy()
    # The sparse series sees a tenth of the points, so its average's lag differs by a few steps at most:
    # within 3 % of the value at every shared step, where weighting by point count lagged 10 times more.
    assert sparse.to_numpy() == pytest.approx(at_shared, rel=0.03)
    per_point = smooth(pd.Series(_curve(every_tenth)), every_tenth, weight, 10)
    if weight >= 0.9:
        assert per_point.to_numpy() != pytest.approx(at_shared, rel=0.03)


def test_a_rising_validation_trend_stays_rising_at_0_99():
    """The issue's failure case: batch validation every 10th step turns up at step 600 of 1,000.

    Weighted by point count, 0.99 averaged over about 100 points (1,000 steps), so the smoothed line
    kept falling until step 750 while the raw points rose from step 600; weighted by steps it averages
    over about 100 steps and turns within them (at step 650).
    """
    steps = np.arange(10, 1001, 10)
    raw = pd.Series(np.where(steps <= 600, 1.0 - steps / 1500, 0.6 + (steps - 600) / 1000))
    smoothed = smooth(raw, steps, 0.99).to_numpy()
    turned = steps[np.argmin(smoothed)]
    assert 600 <= turned <= 700
    assert np.all(np.diff(smoothed[steps >= 700]) > 0)
    assert smoothed[-1] > smoothed[steps == 700][0]
    per_point = smooth(raw, steps, 0.99, 10).to_numpy()
    assert steps[np.argmin(per_point)] >= 750  # what the dashboard drew before


def test_reference_gap_is_the_training_series_typical_gap():
    history = pd.DataFrame({"step": [1, 2, 3, 4, 10, 20], "train_loss": [1.0, 0.9, np.nan, 0.8, 0.7, np.inf]})
    # Training steps 1, 2, 4, 10: gaps 1, 2, 6, median 2.
    assert reference_gap(history) == 2
    assert reference_gap(history.assign(train_loss=np.nan)) == 1  # all steps: gaps 1, 1, 1, 6, 10
    assert typical_gap([30, 10, 10, 20, 50]) == 10  # distinct steps 10, 20, 30, 50: gaps 10, 10, 20
    assert typical_gap([7]) == 1
    assert reference_gap(pd.DataFrame({"step": [1000, 2000, 3000], "train_loss": [1.0, 0.8, 0.7]})) == 1000
    assert reference_gap(pd.DataFrame({"step": [5], "train_loss": [1.0]})) == 1


finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
weights = st.floats(min_value=0.01, max_value=1.0)


@st.composite
def series(draw, elements=finite):
    """Values at strictly increasing whole steps with irregular gaps, as logged series have."""
    values = draw(st.lists(elements, min_size=3, max_size=40))
    gaps = draw(st.lists(st.integers(1, 50), min_size=len(values), max_size=len(values)))
    return pd.Series(values, dtype="float64"), np.cumsum(gaps)


@settings(max_examples=200, deadline=None)
@given(series(), weights, st.floats(min_value=0.5, max_value=20))
def test_each_smoothed_point_is_a_weighted_average_of_the_points_so_far(data, weight, gap):
    values, steps = data
    smoothed = smooth(values, steps, weight, gap).to_numpy()
    running_min = np.minimum.accumulate(values.to_numpy())
    running_max = np.maximum.accumulate(values.to_numpy())
    tolerance = 1e-9 * (1 + np.abs(values).max())
    assert np.all(smoothed >= running_min - tolerance)
    assert np.all(smoothed <= running_max + tolerance)
    assert smoothed[0] == values.iloc[0]


@settings(max_examples=200, deadline=None)
@given(series(st.floats(min_value=0, max_value=100)), weights)
def test_a_rising_series_is_never_smoothed_into_a_falling_one(data, weight):
    values, steps = data
    rising = pd.Series(np.sort(values.to_numpy()))
    smoothed = smooth(rising, steps, weight).to_numpy()
    assert np.all(np.diff(smoothed) >= -1e-9)


@settings(max_examples=100, deadline=None)
@given(series(), weights, st.integers(1, 100))
def test_only_distance_in_reference_gaps_matters(data, weight, scale):
    values, steps = data
    pd.testing.assert_series_equal(
        smooth(values, steps * scale, weight, scale), smooth(values, steps, weight, 1), rtol=1e-9
    )
