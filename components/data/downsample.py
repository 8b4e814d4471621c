"""Fewer points for the browser, without losing what the eye looks for on a curve."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd


def downsample(
    frame: pd.DataFrame, *, max_points: int, value_columns: Sequence[str], keep_steps: Iterable[int] = ()
) -> pd.DataFrame:
    """A subset of ``frame``'s rows, in step order, light enough to draw; for display only.

    The rows, sorted by step, fall into ``max_points // 2`` equal buckets; each bucket keeps its first
    row and the rows holding every value column's minimum and maximum, so spikes and dips survive.
    ``max_points`` sets the number of buckets, not a hard cap: at most about
    ``max_points // 2 * (1 + 2 * len(value_columns))`` rows come back, plus the rows kept whole below.
    Rows at ``keep_steps`` (checkpoints) are kept, as are all rows of sparse columns (fewer than
    ``max_points // 4`` values, e.g. epoch-end full validation), since thinning those loses the points
    people read. The last row is kept so the curve ends where the run ends.
    """
    if len(frame) <= max_points:
        return frame
    ordered = frame.sort_values("step", kind="stable")
    positions = pd.RangeIndex(len(ordered))
    buckets = positions * max(max_points // 2, 1) // len(ordered)
    kept = [
        pd.Series(positions).groupby(buckets).first().to_numpy(),
        np.isin(ordered["step"].to_numpy(), list(keep_steps)).nonzero()[0],
        [len(ordered) - 1],
    ]
    for column in value_columns:
        values = pd.Series(ordered[column].to_numpy(dtype="float64"), index=positions)
        present = values.notna().to_numpy()
        if present.sum() < max_points // 4:
            kept.append(present.nonzero()[0])
        else:
            grouped = values[present].groupby(buckets[present])
            kept += [grouped.idxmin().to_numpy(), grouped.idxmax().to_numpy()]
    return ordered.iloc[np.unique(np.concatenate(kept).astype("int64"))]


def evenly_spaced(frame: pd.DataFrame, limit: int, keep: Sequence[bool] | np.ndarray = ()) -> pd.DataFrame:
    """At most ``limit`` rows of ``frame`` evenly spread in its order (first and last included), plus the
    rows ``keep`` marks; for checkpoint markers, where thousands would bury the curves and the page's JSON.
    """
    if len(frame) <= limit:
        return frame
    chosen = np.zeros(len(frame), dtype=bool)
    chosen[np.linspace(0, len(frame) - 1, max(limit, 2)).round().astype("int64")] = True
    if len(keep):
        chosen |= np.asarray(keep, dtype=bool)
    return frame[chosen]
