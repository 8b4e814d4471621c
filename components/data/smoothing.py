"""TensorBoard's smoothing, so curves here read the same as the ones people know from TensorBoard."""

from __future__ import annotations

import numpy as np
import pandas as pd

MAX_WEIGHT = 0.999


def ema(values: pd.Series, weight: float) -> pd.Series:
    """TensorBoard's debiased EMA (``classicSmoothing``); non-finite points stay as they are and don't count.

    Debiasing by ``1 - w**n`` keeps the start from being pulled towards zero, and equals pandas'
    ``ewm(alpha=1 - w, adjust=True)`` over the finite points. Series of one or two points and constant
    series are returned untouched: smoothing them only hides the data (TensorBoard #786, #1127).
    """
    weight = min(weight, MAX_WEIGHT)
    finite = np.isfinite(values.to_numpy(dtype="float64"))
    points = values[finite]
    if weight <= 0 or len(points) < 3 or points.nunique() == 1:
        return values
    smoothed = values.astype("float64")
    smoothed[finite] = points.astype("float64").ewm(alpha=1 - weight, adjust=True).mean()
    return smoothed
