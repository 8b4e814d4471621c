"""The winner's curse: the best of K checkpoints, chosen on one validation set, looks better there than it
will on new data, because it was chosen partly for its luck on those examples.

**From scored examples** (the bootstrap estimate of the optimism of a selected maximum, after Tibshirani &
Tibshirani 2009): treat the examples as the population, draw resamples of them, choose the best model on
each resample, and measure how much better it looks on that resample than on the whole sample; the mean of
that is the expected optimism. Assumes the examples are a random sample, scored independently; the same
resamples score every model, so their pairing is kept.

**From a noisy curve** (batch validation, no examples): take the checkpoints' values as the truth, add
noise of the curve's estimated σ at each, choose the best, and measure how much better it looks than its
truth. Assumes the noise of :mod:`.noise` and independence between checkpoints.

Both give an amount ≥ 0 in the metric's units: "expect about this much worse on new data".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from components.data.uncertainty.bootstrap import SEED, resample_weights

RESAMPLES = 2_000


def example_optimism(
    scores: np.ndarray, *, higher: bool = True, resamples: int = RESAMPLES, seed: int = SEED
) -> float:
    """Expected optimism of the best of K models by per-example ``scores`` (examples × models, no NaN)."""
    scores = np.asarray(scores, dtype="float64")
    n = scores.shape[0]
    sign = 1.0 if higher else -1.0
    signed = sign * scores
    full = signed.mean(axis=0)
    resampled = resample_weights(n, resamples, seed) @ signed / n  # resamples × models
    chosen = np.argmax(resampled, axis=1)
    return float(np.mean(resampled[np.arange(resamples), chosen] - full[chosen]))


def noise_optimism(
    values: Sequence[float], sigma: Sequence[float], *, higher: bool, draws: int = RESAMPLES, seed: int = SEED
) -> float:
    """Expected optimism of the best of K checkpoints measured with noise ``sigma`` (one per checkpoint)."""
    truth = np.asarray(values, dtype="float64") * (1.0 if higher else -1.0)
    noise = np.random.default_rng(seed).normal(0.0, 1.0, size=(draws, len(truth))) * np.asarray(sigma)
    measured = truth + noise
    chosen = np.argmax(measured, axis=1)
    rows = np.arange(draws)
    return float(np.mean(measured[rows, chosen] - truth[chosen]))
