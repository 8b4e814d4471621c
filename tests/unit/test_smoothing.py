import numpy as np
import pandas as pd
import pytest

from components.data.smoothing import ema


def test_debiased_ema_matches_hand_computation():
    # w = 0.5: last = last*0.5 + 0.5*y, smoothed = last / (1 - 0.5**n)
    # n=1: last = 0.5            -> 0.5 / 0.5       = 1
    # n=2: last = 0.25 + 1       -> 1.25 / 0.75     = 5/3
    # n=3: last = 0.625 + 1.5    -> 2.125 / 0.875   = 17/7
    # n=4: last = 1.0625 + 2     -> 3.0625 / 0.9375 = 49/15
    smoothed = ema(pd.Series([1.0, 2.0, 3.0, 4.0]), 0.5)
    assert smoothed.tolist() == pytest.approx([1.0, 5 / 3, 17 / 7, 49 / 15])


def test_nan_gaps_stay_nan_and_do_not_count():
    values = pd.Series([1.0, np.nan, 2.0, 3.0, np.nan, 4.0], index=[10, 20, 30, 40, 50, 60])
    smoothed = ema(values, 0.5)
    assert smoothed.index.equals(values.index)
    assert smoothed[[20, 50]].isna().all()
    assert smoothed.dropna().tolist() == pytest.approx([1.0, 5 / 3, 17 / 7, 49 / 15])


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
    pd.testing.assert_series_equal(ema(series, weight), series)


def test_weight_is_clipped_below_one():
    # With w = 1 nothing would move; clipped to 0.999 the points still pull the average a little.
    smoothed = ema(pd.Series([0.0, 0.0, 0.0, 10.0]), 1.0)
    expected = ema(pd.Series([0.0, 0.0, 0.0, 10.0]), 0.999)
    pd.testing.assert_series_equal(smoothed, expected)
    assert 0 < smoothed.iloc[-1] < 10
