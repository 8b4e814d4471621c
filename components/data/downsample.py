"""Fewer points for the browser, keeping the shape the eye reads on a curve: MinMaxLTTB per series.

A chart about 1,000 pixels wide shows no more than a couple of thousand points of a series, so a longer
series is drawn from a subset chosen to look the same. LTTB (Steinarsson, "Downsampling Time Series for
Visual Representation", 2013) keeps, in each of ``n`` buckets, the point making the largest triangle with
the point kept before it and the next bucket's average: peaks, dips and slopes survive, flat stretches do
not cost points. MinMaxLTTB (Van Der Donckt & Van Der Donckt, 2023, as in ``tsdownsample`` and
plotly-resampler) first keeps only each small stretch's minimum and maximum, :data:`MINMAX_RATIO` points
per bucket, so the sequential LTTB pass looks at a few thousand candidates, not 100,000.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

MINMAX_RATIO = 4
"""Candidates per LTTB bucket after the min-max preselection (the paper's default: as good as LTTB)."""
MIN_BUDGET = 4
"""The smallest budget: the first and last points, the minimum and the maximum."""
ZOOM_MARGIN = 0.05
"""The main chart draws this share of a zoom's width beyond either side in detail too, so its lines cross
the frame's edges as logged (plotly clips them there) rather than toward a point far outside."""


def _minmax(values: np.ndarray, bins: int) -> np.ndarray:
    """Positions of each of ``bins`` equal runs of ``values``: its minimum and its maximum, in order."""
    size = -(-len(values) // bins)
    rows = -(-len(values) // size)
    low = np.full(rows * size, np.inf)
    high = np.full(rows * size, -np.inf)
    low[: len(values)] = values
    high[: len(values)] = values
    starts = np.arange(rows) * size
    chosen = np.concatenate(
        [starts + low.reshape(rows, size).argmin(axis=1), starts + high.reshape(rows, size).argmax(axis=1)]
    )
    return np.unique(chosen)


def _lttb(x: np.ndarray, y: np.ndarray, n_out: int) -> np.ndarray:
    """Positions of the ``n_out`` points LTTB keeps of (``x``, ``y``): the first, the last, and in each
    equal bucket between them the point making the largest triangle with the point kept before it and
    the next bucket's average."""
    if n_out >= len(x):
        return np.arange(len(x))
    if n_out <= 2:
        return np.asarray([0, len(x) - 1][:n_out])
    edges = (np.arange(n_out - 1) * (len(x) - 2) // (n_out - 2) + 1).tolist()
    # The next bucket's average, for each bucket; the last bucket looks at the last point.
    sums = np.add.reduceat(np.stack([x[1:-1], y[1:-1]]), np.asarray(edges[:-1]) - 1, axis=1)
    counts = np.diff(edges)
    means_x = [*(sums[0, 1:] / counts[1:]).tolist(), float(x[-1])]
    means_y = [*(sums[1, 1:] / counts[1:]).tolist(), float(y[-1])]
    xs, ys = x.tolist(), y.tolist()
    kept, previous = [0], 0
    for bucket in range(n_out - 2):
        ax, ay, cx, cy = xs[previous], ys[previous], means_x[bucket], means_y[bucket]
        best, largest = edges[bucket], -1.0
        for at in range(edges[bucket], edges[bucket + 1]):
            area = abs((ax - cx) * (ys[at] - ay) - (ax - xs[at]) * (cy - ay))
            if area > largest:
                best, largest = at, area
        kept.append(best)
        previous = best
    kept.append(len(x) - 1)
    return np.asarray(kept)


def min_max_lttb(x: np.ndarray, y: np.ndarray, n_out: int) -> np.ndarray:
    """Positions of about ``n_out`` points of the series (``x`` ascending, ``y`` finite) that draw like
    all of it: LTTB over each stretch's minimum and maximum, first and last points included."""
    if n_out >= len(x):
        return np.arange(len(x))
    candidates = np.arange(len(x))
    if len(x) > n_out * MINMAX_RATIO:
        inner = _minmax(y[1:-1], n_out * MINMAX_RATIO // 2) + 1
        candidates = np.concatenate([[0], inner, [len(x) - 1]])
    return candidates[_lttb(x[candidates], y[candidates], n_out)]


def series_points(steps: np.ndarray, values: np.ndarray, budget: int) -> np.ndarray:
    """Positions of the rows one series is drawn from: all its values when they fit in ``budget``, else
    its minimum, its maximum and MinMaxLTTB's choice of the rest; a missing value (NaN) is no point and
    a non-finite one (a diverged loss) is always kept, since LTTB cannot weigh it."""
    present = np.flatnonzero(~np.isnan(values))
    if len(present) <= budget:
        return present
    finite = present[np.isfinite(values[present])]
    extremes = finite[[values[finite].argmin(), values[finite].argmax()]] if len(finite) else []
    chosen = finite[min_max_lttb(steps[finite], values[finite], budget - 2)]
    infinite = present[~np.isfinite(values[present])]
    return np.unique(np.concatenate([chosen, extremes, infinite]).astype("int64"))


def downsample(
    frame: pd.DataFrame,
    *,
    budget: int,
    value_columns: Sequence[str],
    keep_steps: Iterable[float] = (),
    follow: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """A subset of ``frame``'s rows, in step order, light enough to draw; for display only.

    Each of ``value_columns`` keeps at most ``budget`` of its values (:func:`series_points`): a sparse
    series (full validation at epoch ends) that fits keeps all of them. The rows kept are the union of
    those, the rows at ``keep_steps`` (checkpoints, the best step) and the first and last rows, so the
    curves start and end where the run does. In a row kept for other series, a series' value is left out
    (NaN), so no series is drawn through more than its own points, the kept steps and the ends (the union
    of six series held 7,000 training-loss points). ``follow`` maps a column drawn through another's points
    (a smoothed line) to that column. A frame of at most ``budget`` rows comes back as it is.
    """
    if budget < MIN_BUDGET:
        raise ValueError(f"budget must be at least {MIN_BUDGET}")
    if len(frame) <= budget:
        return frame
    ordered = frame if frame["step"].is_monotonic_increasing else frame.sort_values("step", kind="stable")
    steps = ordered["step"].to_numpy(dtype="float64")
    wanted = np.asarray(list(keep_steps), dtype="float64")
    always = np.union1d(np.flatnonzero(np.isin(steps, wanted)), [0, len(steps) - 1]).astype("int64")
    own = {
        column: np.union1d(
            series_points(steps, ordered[column].to_numpy(dtype="float64", na_value=np.nan), budget), always
        ).astype("int64")
        for column in value_columns
    }
    rows = np.unique(np.concatenate([always, *own.values()]))
    shown = ordered.iloc[rows].copy()
    for column, leader in {**{column: column for column in value_columns}, **(follow or {})}.items():
        if column in shown and leader in own:
            shown.loc[~np.isin(rows, own[leader]), column] = np.nan
    return shown


def step_window(steps: np.ndarray, start: float, end: float, margin: float = 0.0) -> slice:
    """The positions of ascending ``steps`` a zoom from ``start`` to ``end`` draws in detail: those in it
    or within ``margin`` (a share of its width) beyond either side, and the next one beyond each, so the
    lines run to the frame's edges also where the run logged sparsely."""
    reach = (end - start) * margin
    low = max(int(np.searchsorted(steps, start - reach, "left")) - 1, 0)
    return slice(low, int(np.searchsorted(steps, end + reach, "right")) + 1)


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
