"""Bootstrap resamples of the mean, with a fixed seed, in bounded memory.

Assumes the values are exchangeable units (examples scored independently, or the paired difference of
two models on one example): the bootstrap resamples whole units, so pairing is kept by resampling the
differences. The seed is fixed so the same data always give the same interval on every page load.
"""

from __future__ import annotations

import numpy as np

SEED = 0
RESAMPLES = 10_000
_CHUNK_CELLS = 2_000_000  # indices drawn at once: ~8 MB of int32, whatever the sample's size


def bootstrap_means(values: np.ndarray, resamples: int = RESAMPLES, seed: int = SEED) -> np.ndarray:
    """The means of ``resamples`` resamples (with replacement, of the same size) of ``values``."""
    values = np.asarray(values, dtype="float64")
    n = len(values)
    rng = np.random.default_rng(seed)
    rows = max(1, _CHUNK_CELLS // max(n, 1))
    means = [
        values[rng.integers(0, n, size=(min(rows, resamples - start), n), dtype=np.int32)].mean(axis=1)
        for start in range(0, resamples, rows)
    ]
    return np.concatenate(means)


def resample_weights(n: int, resamples: int, seed: int = SEED) -> np.ndarray:
    """How often each of ``n`` units is drawn in each resample, ``(resamples, n)``: multiplying a score
    matrix by it gives every resample's sums of several models at once (the pairing kept)."""
    rng = np.random.default_rng(seed)
    return rng.multinomial(n, np.full(n, 1.0 / n), size=resamples).astype("float64")
