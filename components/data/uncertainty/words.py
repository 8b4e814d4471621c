"""The statistics in words: verdicts that say what the data support and no more.

Amounts of a score in [0, 1] (token F1, exact match) are said in points (× 100), as "4.1 points of token
F1"; other metrics in their own units. The minus sign is the typographic one.
"""

from __future__ import annotations

from collections.abc import Sequence

from components.data.uncertainty.multiple import AgainstReference
from components.data.uncertainty.paired import MIN_EXAMPLES, Method, PairedComparison
from components.data.uncertainty.power import POWER, examples_needed
from components.data.uncertainty.seeds import RankedConfig
from components.wording import count

MINUS = "−"


def amount(value: float, points: bool = True) -> str:
    """``4.1`` (points of a 0–1 score) or ``0.0123`` (a metric in its units), with a real minus sign."""
    text = f"{value * 100:.1f}" if points else f"{value:.3g}"
    return text.replace("-", MINUS)


def _interval(c: PairedComparison, points: bool, flip: bool = False) -> str:
    low, high = (-c.high, -c.low) if flip else (c.low, c.high)
    return f"{amount(low, points)} to {amount(high, points)}"


def paired_verdict(c: PairedComparison, first: str, second: str, metric: str, *, points: bool = True) -> str:
    """One sentence: who beats whom by how much with the interval, or that the interval includes zero."""
    unit = f" points of {metric}" if points else f" of {metric}"
    level = f"{c.level * 100:.0f} % interval"
    if c.method is Method.TOO_FEW:
        return (
            f"Too few examples to tell {first} from {second}: {count(c.n, 'example')} scored by both, "
            f"at least {MIN_EXAMPLES} needed."
        )
    if c.method is Method.CONSTANT:
        if c.mean == 0:
            return f"{first} and {second} score the same on every one of the {c.n:,} examples."
        winner, loser = (first, second) if c.mean > 0 else (second, first)
        by = f"{amount(abs(c.mean), points)}{unit}"
        return f"{winner} beats {loser} by {by} on every one of the {c.n:,} examples."
    if not c.clear:
        interval = _interval(c, points)
        return f"No clear difference between {first} and {second}: the {level} {interval} includes zero."
    if c.mean > 0:
        return f"{first} beats {second} by {amount(c.mean, points)}{unit}, {level} {_interval(c, points)}."
    return f"{second} beats {first} by {amount(-c.mean, points)}{unit}, {level} {_interval(c, points, True)}."


def method_words(c: PairedComparison) -> str:
    """Which interval and why, in one sentence."""
    if c.method is Method.T:
        return (
            f"t interval over {count(c.n, 'paired example')}: their differences are even enough for it "
            "(Cochran's rule, n > 25 × skewness²)."
        )
    if c.method is Method.BOOTSTRAP:
        return (
            f"Paired bootstrap over {count(c.n, 'example')} (10,000 resamples, fixed seed, percentile "
            "interval expanded for the sample's size): the differences are too skewed for the t interval."
        )
    return ""


def wins_words(c: PairedComparison, first: str, second: str) -> str:
    """``step 240 scores higher on 38 % of the examples, the final model on 21 %, the same on 41 %.``"""
    return (
        f"{first} scores higher on {c.wins_a:.0%} of the examples, {second} on {c.wins_b:.0%}, "
        f"the same on {c.ties:.0%}."
    ).replace("%", " %")


def power_words(c: PairedComparison, *, points: bool = True) -> str | None:
    """How many examples would tell the observed gap apart, when the verdict is "no clear difference"."""
    if c.clear or c.method not in (Method.T, Method.BOOTSTRAP):
        return None
    needed = examples_needed(c.mean, c.sd)
    if needed is None:
        return "The two scored exactly alike on average: no number of examples would tell them apart."
    gap = amount(abs(c.mean), points) + (" points" if points else "")
    return (
        f"To tell a gap of {gap} apart {POWER:.0%} of the time would take about {needed:,} examples "
        f"(these are {c.n:,}), if the gap and the spread seen here are the truth."
    ).replace("%", " %")


def holm_words(comparisons: Sequence[AgainstReference], reference: str) -> str:
    """What Holm's adjustment did, said once above several comparisons."""
    k = len(comparisons)
    clear = sum(1 for item in comparisons if item.clear)
    return (
        f"{count(k, 'model')} against {reference}, adjusted together by Holm's method: with {k} comparisons "
        f"some would look clear by luck, so a difference is called clear only when it holds for all {k} "
        f"taken together ({clear} of {k} do)."
    )


def optimism_words(
    optimism: float, k: int, *, points: bool = True, lower_is_better: bool = False, on: str = "these examples"
) -> str:
    """``Expect about 0.8 points less on new data``, with one line on why (a loss: "higher")."""
    worse = "higher" if lower_is_better else ("less" if points else "lower")
    unit = " points" if points else ""
    if amount(optimism, points).lstrip(MINUS) in ("0.0", "0"):
        return f"Chosen as the best of {k} on {on} by a lead luck does not explain: expect about the same."
    return (
        f"Expect about {amount(optimism, points)}{unit} {worse} on new data: chosen as the best of {k} on "
        f"{on}, it looks better here partly by luck."
    )


def ranking_words(ranked: Sequence[RankedConfig], *, points: bool = False) -> list[str]:
    """One line per configuration: its place, mean and min–max over seeds, and an overlap with the next."""
    lines = []
    for place, item in enumerate(ranked, start=1):
        s = item.spread
        low, high, sd = (amount(value, points) for value in (s.low, s.high, s.sd))
        spread = (
            f"{low} to {high} over {s.seeds} seeds, sd {sd}"
            if s.seeds > 1
            else "one seed: its spread is unknown"
        )
        overlap = "; overlaps the next, so the seed alone could swap them" if item.overlaps_next else ""
        lines.append(f"{place}. {item.label}: mean {amount(s.mean, points)} ({spread}){overlap}.")
    return lines
