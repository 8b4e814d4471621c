"""Budgets for the server's keys: per owner, a token bucket of requests and a day's estimated tokens.

A team server holds the team's provider keys; without a budget anyone who reaches the page can spend them.
Each owner (a signed-in user's e-mail, else a browser session: an opaque string here) has

- a bucket of ``burst`` requests, refilled at ``requests_per_minute``: a batch is sent only when the bucket
  holds all of it, so a burst is bounded and the long-run rate too;
- ``tokens_per_day`` estimated tokens per UTC day (prompt estimate plus max tokens of every answer).

Everything is charged before anything is sent, all or nothing; a refusal says when the same ask would fit.
The state changes are pure functions of (account, rules, cost, now); :class:`Ledger` keeps the accounts of
one process under a lock, shared by every session.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Literal

MAX_ACCOUNTS = 10_000
"""Accounts kept before idle ones (full bucket, nothing spent today) are dropped: they equal a new one."""


@dataclass(frozen=True)
class BudgetRules:
    """How much of the server's keys one owner may use."""

    requests_per_minute: float = 60.0  # the bucket's refill
    burst: int = 1_000  # the bucket's size: the most requests sent at once
    tokens_per_day: int = 1_000_000  # estimated tokens per UTC day


@dataclass(frozen=True)
class Cost:
    """What one ask sends: requests, and tokens estimated at their most."""

    requests: int
    tokens: int


@dataclass(frozen=True)
class Account:
    """One owner's use: requests left in the bucket at ``at`` (epoch seconds), tokens spent on ``day``."""

    requests: float
    at: float
    day: date
    tokens: int = 0


@dataclass(frozen=True)
class Standing:
    """What an owner may still send: whole requests now, tokens until ``day_ends`` (the next UTC midnight)."""

    requests: int
    tokens: int
    day_ends: datetime


RefusalKind = Literal["requests", "tokens", "too_large"]


@dataclass(frozen=True)
class Refusal:
    """Why an ask was not sent, and from when the same ask fits (None: never, it is larger than a budget)."""

    kind: RefusalKind
    cost: Cost
    standing: Standing
    fits_at: datetime | None


def _day(now: float) -> date:
    return datetime.fromtimestamp(now, UTC).date()


def day_end(now: float) -> datetime:
    """The next UTC midnight after ``now``: when the day's tokens are given back."""
    return datetime.combine(_day(now) + timedelta(days=1), datetime.min.time(), UTC)


def fresh(rules: BudgetRules, now: float) -> Account:
    """An owner who has sent nothing: a full bucket, no token spent today."""
    return Account(float(rules.burst), now, _day(now))


def refilled(account: Account, rules: BudgetRules, now: float) -> Account:
    """``account`` at ``now``: the bucket refilled for the time passed (never past ``burst``), and the
    tokens of a day that has ended forgotten."""
    elapsed = max(0.0, now - account.at)
    requests = min(float(rules.burst), account.requests + elapsed * rules.requests_per_minute / 60.0)
    day = _day(now)
    return Account(requests, max(now, account.at), day, account.tokens if day == account.day else 0)


def standing(account: Account, rules: BudgetRules, now: float) -> Standing:
    """What the owner of ``account`` may still send at ``now``."""
    current = refilled(account, rules, now)
    tokens = max(0, rules.tokens_per_day - current.tokens)
    return Standing(math.floor(current.requests + 1e-9), tokens, day_end(now))


def _fits_at(current: Account, rules: BudgetRules, cost: Cost, now: float) -> datetime:
    """When ``cost`` fits: after the day ends if the tokens lack, after the bucket refills if requests do."""
    wait = 0.0
    missing = cost.requests - current.requests
    if missing > 1e-9:
        wait = math.ceil(missing / rules.requests_per_minute * 60.0)
    at = datetime.fromtimestamp(now + wait, UTC)
    if at.timestamp() < now + wait:  # rounded down to whole microseconds: short of the refill it names
        at += timedelta(microseconds=1)
    if current.tokens + cost.tokens > rules.tokens_per_day:
        at = max(at, day_end(now))
    return at


def charge(account: Account, rules: BudgetRules, cost: Cost, now: float) -> tuple[Account, Refusal | None]:
    """``account`` after sending ``cost`` at ``now``, or unchanged with the refusal saying why and when."""
    current = refilled(account, rules, now)
    if cost.requests > rules.burst or cost.tokens > rules.tokens_per_day:
        return current, Refusal("too_large", cost, standing(current, rules, now), None)
    lacks_tokens = current.tokens + cost.tokens > rules.tokens_per_day
    if lacks_tokens or cost.requests > current.requests + 1e-9:
        kind: RefusalKind = "tokens" if lacks_tokens else "requests"
        return current, Refusal(
            kind, cost, standing(current, rules, now), _fits_at(current, rules, cost, now)
        )
    spent = replace(current, requests=current.requests - cost.requests, tokens=current.tokens + cost.tokens)
    return spent, None


class Ledger:
    """Every owner's account in this process, shared by all sessions; thread-safe (one lock)."""

    def __init__(self, rules: BudgetRules, clock: Callable[[], float] = time.time) -> None:
        self.rules = rules
        self._clock = clock
        self._lock = threading.Lock()
        self._accounts: dict[str, Account] = {}

    def standing(self, owner: str) -> Standing:
        """What ``owner`` may still send now."""
        now = self._clock()
        with self._lock:
            account = self._accounts.get(owner) or fresh(self.rules, now)
            return standing(account, self.rules, now)

    def charge(self, owner: str, cost: Cost) -> Refusal | None:
        """Take ``cost`` from ``owner``'s budget, all or nothing; the refusal when it does not fit."""
        now = self._clock()
        with self._lock:
            account = self._accounts.get(owner) or fresh(self.rules, now)
            after, refusal = charge(account, self.rules, cost, now)
            if refusal is None:
                self._accounts[owner] = after
                if len(self._accounts) > MAX_ACCOUNTS:
                    self._forget_idle(now)
            return refusal

    def _forget_idle(self, now: float) -> None:
        """Drop accounts that equal a new one (full bucket, no token today): memory stays bounded."""
        for owner, account in list(self._accounts.items()):
            current = refilled(account, self.rules, now)
            if current.requests >= self.rules.burst and current.tokens == 0:
                del self._accounts[owner]
