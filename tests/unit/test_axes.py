import numpy as np
import pandas as pd
import pytest

from components.data.axes import robust_range


def test_ignores_a_spike():
    bottom, top = robust_range([pd.Series(np.linspace(1, 2, 100)), pd.Series([1e6, np.nan, np.inf])])
    assert bottom < 1.1
    assert 1.9 < top < 3


def test_log_bounds_are_log10_of_positive_values():
    bottom, top = robust_range([pd.Series([-1.0, 0.0, 1.0, 10.0, 100.0])], low=0, high=100, log=True)
    # log10 span 0..2 padded by 5 % of 2 on each side.
    assert (bottom, top) == pytest.approx((-0.1, 2.1))


def test_single_value_is_padded():
    assert robust_range([pd.Series([0.5, 0.5])]) == pytest.approx((0.475, 0.525))
    assert robust_range([pd.Series([0.0])]) == pytest.approx((-0.05, 0.05))


def test_nothing_finite():
    assert robust_range([]) is None
    assert robust_range([pd.Series([np.nan])]) is None
    assert robust_range([pd.Series([-1.0, 0.0])], log=True) is None
