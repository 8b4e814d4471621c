"""Two models scored on the same examples: is the difference real?

Assumptions, said once: the examples are a random sample of the cases the models will meet, scored
independently (one score per example per model, higher better unless said); an example either model
failed on is left out of the pair (a timeout is neither a win nor a loss). The statistic is the mean of
the per-example differences ``a − b``, so each example is its own control and the spread between easy
and hard examples cancels out.

Which interval, and why:

- **t interval** when the sample allows it: by Cochran's rule, ``n > 25 · skewness²`` of the differences
  (the mean of that many values is close enough to normal for the t interval's 95 % to hold; most
  token-F1 and exact-match differences meet it from 30 examples on). It is exact for normal differences
  and needs no random draws.
- **Paired bootstrap** otherwise (few, skewed differences: a handful of large wins among many ties):
  10,000 resamples of the differences with a fixed seed, percentile interval *expanded* for the sample's
  size (Hesterberg 2015: the percentile interval runs narrow for small n; its tail level is set so its
  width matches ``sqrt(n / (n − 1)) · t``), which follows the skew where the t interval cannot.
- **No interval** below ``MIN_EXAMPLES`` paired examples: nothing is claimed.

The p-value agrees with the interval (below ``1 − level`` exactly when the interval excludes zero), so
several comparisons can be adjusted together (:mod:`.multiple`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from components.data.uncertainty.bootstrap import RESAMPLES, SEED, bootstrap_means
from components.data.uncertainty.distributions import t_cdf, t_quantile, t_two_sided_p, z_cdf, z_quantile

LEVEL = 0.95
MIN_EXAMPLES = 10
COCHRAN = 25  # n > COCHRAN · skewness² lets the t interval stand


class Method(StrEnum):
    T = "t interval"
    BOOTSTRAP = "paired bootstrap"
    CONSTANT = "every example differs by the same amount"
    TOO_FEW = "too few examples"


@dataclass(frozen=True)
class PairedComparison:
    """``a − b`` over ``n`` paired examples: mean, interval at ``level``, p-value and who won where."""

    n: int
    mean: float
    low: float  # NaN when there are too few examples
    high: float
    sd: float  # of the per-example differences
    p_value: float
    method: Method
    wins_a: float  # share of examples where a scored higher
    wins_b: float
    ties: float  # share of examples where both scored the same
    level: float = LEVEL

    @property
    def clear(self) -> bool:
        """Whether the interval excludes zero (never with too few examples)."""
        return self.method is not Method.TOO_FEW and (self.low > 0 or self.high < 0)


def skewness(values: np.ndarray) -> float:
    """The sample skewness g1 (third central moment over the second's 1.5 power); 0 for constant values."""
    centred = values - values.mean()
    scale = float(np.mean(centred**2)) ** 1.5  # 0 for constant values, and for spreads that underflow
    return float(np.mean(centred**3)) / scale if scale > 0 else 0.0


def t_allowed(differences: np.ndarray) -> bool:
    """Cochran's rule: the t interval holds when ``n > 25 · skewness²``."""
    return len(differences) > COCHRAN * skewness(differences) ** 2


def _t_interval(d: np.ndarray, level: float) -> tuple[float, float, float]:
    n, mean = len(d), float(d.mean())
    se = float(d.std(ddof=1)) / math.sqrt(n)
    half = t_quantile(0.5 + level / 2, n - 1) * se
    return mean - half, mean + half, t_two_sided_p(mean / se, n - 1)


def expanded_tail(n: int, level: float) -> float:
    """The tail probability the expanded percentile interval uses: ``2 · (1 − Φ(√(n/(n−1)) · t))``."""
    return 2.0 * (1.0 - z_cdf(math.sqrt(n / (n - 1)) * t_quantile(0.5 + level / 2, n - 1)))


def _bootstrap_interval(d: np.ndarray, level: float, resamples: int, seed: int) -> tuple[float, float, float]:
    n = len(d)
    means = bootstrap_means(d, resamples, seed)
    tail = expanded_tail(n, level)
    low, high = np.quantile(means, [tail / 2, 1 - tail / 2])
    # The share of resampled means beyond zero, read back through the same expansion: p < 1 − level
    # exactly when the expanded interval excludes zero.
    beyond = max(min(np.mean(means <= 0), np.mean(means >= 0)), 0.5 / resamples)
    equivalent_t = z_quantile(1 - beyond) / math.sqrt(n / (n - 1))
    return float(low), float(high), min(1.0, 2.0 * (1.0 - t_cdf(equivalent_t, n - 1)))


def compare_paired(
    a: np.ndarray, b: np.ndarray, *, level: float = LEVEL, resamples: int = RESAMPLES, seed: int = SEED
) -> PairedComparison:
    """``a − b`` on the examples both scored (NaN in either leaves the example out), with the interval
    the sample allows (see the module's docstring)."""
    a, b = np.asarray(a, dtype="float64"), np.asarray(b, dtype="float64")
    both = np.isfinite(a) & np.isfinite(b)
    d = a[both] - b[both]
    n = len(d)
    mean = float(d.mean()) if n else math.nan
    sd = float(d.std(ddof=1)) if n > 1 else math.nan
    wins = (float(np.mean(d > 0)), float(np.mean(d < 0)), float(np.mean(d == 0))) if n else (0.0, 0.0, 0.0)
    if n < MIN_EXAMPLES:
        method, (low, high, p) = Method.TOO_FEW, (math.nan, math.nan, 1.0)
    elif sd == 0:
        method, (low, high, p) = Method.CONSTANT, (mean, mean, float(mean == 0))
    elif t_allowed(d):
        method, (low, high, p) = Method.T, _t_interval(d, level)
    else:
        method, (low, high, p) = Method.BOOTSTRAP, _bootstrap_interval(d, level, resamples, seed)
    return PairedComparison(n, mean, low, high, sd, p, method, *wins, level)
