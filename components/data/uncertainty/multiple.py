"""Several models against one (the recommended): the comparisons adjusted together by Holm's method.

With k comparisons at 5 % each, the chance that at least one "clear" difference is luck grows towards
k · 5 %. Holm's step-down adjustment (Holm 1979) keeps that family-wise error at 5 % under any dependence
between the comparisons, and never rejects less than Bonferroni: sort the k p-values ascending, multiply
the i-th smallest (from 0) by ``k − i``, carry the running maximum forward so the order is kept, cap at 1.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from components.data.uncertainty.paired import LEVEL, PairedComparison, compare_paired


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm-adjusted p-values, in the order given: each ≥ its raw value, in the same order as the raw."""
    raw = np.asarray(p_values, dtype="float64")
    order = np.argsort(raw, kind="stable")
    scaled = raw[order] * (len(raw) - np.arange(len(raw)))
    adjusted = np.empty_like(raw)
    adjusted[order] = np.minimum(np.maximum.accumulate(scaled), 1.0)
    return adjusted.tolist()


@dataclass(frozen=True)
class AgainstReference:
    """One model against the reference: the paired comparison and its Holm-adjusted p-value."""

    label: str
    comparison: PairedComparison
    adjusted_p: float
    family: int  # how many comparisons were adjusted together

    @property
    def clear(self) -> bool:
        """Clear only when clear after the adjustment (and by its own interval, which then agrees)."""
        return self.comparison.clear and self.adjusted_p < 1 - self.comparison.level


def against_reference(
    scores: Mapping[str, np.ndarray], reference: str, *, level: float = LEVEL
) -> list[AgainstReference]:
    """Every model of ``scores`` (per-example scores, aligned by example) against ``reference``: each
    comparison is ``model − reference``, adjusted together by Holm."""
    others = [label for label in scores if label != reference]
    comparisons = [compare_paired(scores[label], scores[reference], level=level) for label in others]
    adjusted = holm([c.p_value for c in comparisons])
    return [
        AgainstReference(label, comparison, p, len(others))
        for label, comparison, p in zip(others, comparisons, adjusted, strict=True)
    ]
