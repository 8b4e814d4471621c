"""How many paired examples would tell an observed gap apart.

The normal approximation for a two-sided paired test: to detect a true mean difference ``gap`` with
per-example differences of standard deviation ``sd`` at level ``1 − LEVEL`` with probability ``power``,
``n = ((z(1 − α/2) + z(power)) · sd / gap)²``. It assumes the observed gap and spread are the truth, so it
is a rough guide (the observed gap of an unclear comparison is itself uncertain); with no gap at all no
number of examples would do, and None says so.
"""

from __future__ import annotations

import math

from components.data.uncertainty.distributions import z_quantile
from components.data.uncertainty.paired import LEVEL

POWER = 0.8


def examples_needed(gap: float, sd: float, *, power: float = POWER, level: float = LEVEL) -> int | None:
    """The paired examples needed to find ``gap`` with probability ``power``; None when ``gap`` is 0."""
    if not math.isfinite(gap) or not math.isfinite(sd) or gap == 0:
        return None
    z = z_quantile(0.5 + level / 2) + z_quantile(power)
    return max(2, math.ceil((z * sd / abs(gap)) ** 2))
