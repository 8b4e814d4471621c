"""Y-axis ranges that stay readable when one spike would flatten the rest of the curve."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

_PADDING = 0.05


def robust_range(
    values: Iterable[pd.Series], low: float = 5, high: float = 95, log: bool = False
) -> tuple[float, float] | None:
    """The y-range for "ignore outliers": percentiles of all finite values pooled, padded by 5 %.

    As TensorBoard does, the 5th–95th percentiles keep a spike like batch validation's 10.1 against 0.57
    from setting the scale. With ``log`` only positive values count and the bounds are log10, which is
    what plotly expects for a log axis. None when there is nothing to scale to.
    """
    pooled = np.concatenate([np.empty(0), *(np.asarray(series, dtype="float64") for series in values)])
    pooled = pooled[np.isfinite(pooled)]
    if log:
        pooled = np.log10(pooled[pooled > 0])
    if not len(pooled):
        return None
    bottom, top = np.percentile(pooled, [low, high])
    pad = _PADDING * (top - bottom) if top > bottom else (_PADDING * abs(bottom) or _PADDING)
    return float(bottom - pad), float(top + pad)
