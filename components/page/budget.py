"""A user's budget on the server's keys in words: what is left before a Send, and why a Send was refused and
when it fits. Pure; ``components.ui.budgets`` draws it."""

from __future__ import annotations

from datetime import UTC, datetime

from components.inference.budget import Cost, Refusal, Standing
from components.inference.spending import BURST, TOKENS_PER_DAY
from components.wording import count


def _when(at: datetime, now: datetime) -> str:
    """``at 18:05:20 UTC (in 40 s)``, ``at 00:00 UTC (in 5 h 12 min)``."""
    seconds = max(0, round((at - now).total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    wait = f"{hours} h {minutes} min" if hours else f"{minutes} min {secs} s" if minutes else f"{secs} s"
    clock = at.astimezone(UTC).strftime("%H:%M:%S" if seconds < 3600 else "%H:%M")
    return f"at {clock} UTC (in {wait})"


def left_line(left: Standing, cost: Cost | None, now: datetime) -> str:
    """What is left of the user's budget, and what the next click costs: said before Send."""
    line = (
        f"Your budget on the server's key: {count(left.requests, 'request')} now and about "
        f"{left.tokens:,} tokens until the day ends {_when(left.day_ends, now)}."
    )
    if cost is not None and cost.requests:
        line += f" This asks {count(cost.requests, 'request')}, about {cost.tokens:,} tokens at most."
    return line


def refusal_words(refusal: Refusal, now: datetime) -> str:
    """Why nothing was sent, and when the same ask fits (or that it never does, and what to do)."""
    cost, left = refusal.cost, refusal.standing
    asked = f"Not sent: this asks {count(cost.requests, 'request')} and about {cost.tokens:,} tokens"
    if refusal.kind == "too_large" or refusal.fits_at is None:
        return (
            f"{asked}, more than this server allows one user at once ({BURST}) or in a day "
            f"({TOKENS_PER_DAY}). Ask fewer models or prompts, or fewer max tokens."
        )
    if refusal.kind == "tokens":
        have = f"about {left.tokens:,} tokens are left today"
        return f"{asked}; {have}. The day's tokens come back {_when(refusal.fits_at, now)}."
    have = f"{count(left.requests, 'request')} left now"
    return f"{asked}; you have {have}. Enough requests again {_when(refusal.fits_at, now)}."
