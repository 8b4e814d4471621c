"""The budget on the server's keys (issue 17, item 2): a token bucket of requests and a day's estimated
tokens per owner, worked by hand, then a property over any sequence of asks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from components.inference.budget import BudgetRules, Cost, Ledger, Standing, charge, fresh, standing

RULES = BudgetRules(requests_per_minute=6, burst=10, tokens_per_day=1_000)  # one request back every 10 s
NOON = datetime(2026, 12, 7, 12, 0, tzinfo=UTC).timestamp()
MIDNIGHT = datetime(2026, 12, 8, tzinfo=UTC)


def test_a_worked_day_of_asks() -> None:
    account = fresh(RULES, NOON)
    assert standing(account, RULES, NOON) == Standing(10, 1_000, MIDNIGHT)

    account, refusal = charge(account, RULES, Cost(4, 300), NOON)
    assert refusal is None and standing(account, RULES, NOON) == Standing(6, 700, MIDNIGHT)

    # 5 s later the bucket holds 6.5 requests: 7 do not fit, and 0.5 more takes 5 s at 0.1 a second.
    later = NOON + 5
    after, refusal = charge(account, RULES, Cost(7, 100), later)
    assert refusal is not None and refusal.kind == "requests"
    assert refusal.fits_at == datetime.fromtimestamp(NOON + 10, UTC)
    assert refusal.standing == Standing(6, 700, MIDNIGHT)
    assert standing(after, RULES, later) == Standing(6, 700, MIDNIGHT)  # a refusal takes nothing

    account, refusal = charge(after, RULES, Cost(7, 100), NOON + 10)  # exactly when it was said to fit
    assert refusal is None and standing(account, RULES, NOON + 10) == Standing(0, 600, MIDNIGHT)

    # 10 s on: 1 request back, but 400 spent + 700 is more than the day's 1,000 tokens: back at midnight.
    _, refusal = charge(account, RULES, Cost(1, 700), NOON + 20)
    assert refusal is not None and refusal.kind == "tokens" and refusal.fits_at == MIDNIGHT
    assert refusal.standing == Standing(1, 600, MIDNIGHT)

    next_day = MIDNIGHT.timestamp()
    account, refusal = charge(account, RULES, Cost(1, 700), next_day)
    assert refusal is None
    assert standing(account, RULES, next_day) == Standing(9, 300, MIDNIGHT + timedelta(days=1))


def test_an_ask_larger_than_a_budget_never_fits() -> None:
    for cost in (Cost(11, 1), Cost(1, 1_001)):
        _, refusal = charge(fresh(RULES, NOON), RULES, cost, NOON)
        assert refusal is not None and refusal.kind == "too_large" and refusal.fits_at is None


def test_the_ledger_keeps_each_owner_apart_and_takes_all_or_nothing() -> None:
    now = [NOON]
    ledger = Ledger(RULES, clock=lambda: now[0])
    assert ledger.charge("user:a@example.com", Cost(10, 900)) is None
    refusal = ledger.charge("user:a@example.com", Cost(1, 1))
    assert refusal is not None and refusal.kind == "requests"
    assert ledger.standing("user:a@example.com") == Standing(0, 100, MIDNIGHT)
    assert ledger.standing("session:b") == Standing(10, 1_000, MIDNIGHT)  # another owner: untouched
    now[0] = NOON + 60  # six requests back
    assert ledger.charge("user:a@example.com", Cost(6, 100)) is None
    assert ledger.standing("user:a@example.com") == Standing(0, 0, MIDNIGHT)


asks = st.lists(
    st.tuples(
        st.floats(0, 4 * 3600, allow_nan=False),  # seconds since the previous ask
        st.integers(0, 15),
        st.integers(0, 700),
    ),
    max_size=40,
)
rules_drawn = st.builds(
    BudgetRules,
    requests_per_minute=st.floats(0.5, 120, allow_nan=False),
    burst=st.integers(1, 12),
    tokens_per_day=st.integers(1, 2_000),
)


@settings(max_examples=300, deadline=None)
@given(rules=rules_drawn, asks=asks)
def test_no_sequence_of_asks_gets_more_than_the_budget_and_every_refusal_says_truly_when_it_fits(
    rules: BudgetRules, asks: list[tuple[float, int, int]]
) -> None:
    now = NOON
    account = fresh(rules, now)
    granted: list[tuple[float, int, int]] = []  # (when, requests, tokens) of every ask sent
    for wait, requests, tokens in asks:
        now += wait
        cost = Cost(requests, tokens)
        after, refusal = charge(account, rules, cost, now)
        if refusal is None:
            granted.append((now, requests, tokens))
        elif refusal.fits_at is not None:  # the same ask, alone, fits at the time the refusal names
            _, again = charge(account, rules, cost, refusal.fits_at.timestamp())
            assert again is None
            assert refusal.fits_at.timestamp() >= now
        account = after
    for day in {datetime.fromtimestamp(at, UTC).date() for at, _, _ in granted}:
        spent = sum(t for at, _, t in granted if datetime.fromtimestamp(at, UTC).date() == day)
        assert spent <= rules.tokens_per_day
    for i, (start, _, _) in enumerate(granted):  # the bucket: burst plus what refilled in any window
        for j in range(i, len(granted)):
            sent = sum(r for _, r, _ in granted[i : j + 1])
            assert sent <= rules.burst + rules.requests_per_minute * (granted[j][0] - start) / 60 + 1e-6


def test_the_ledger_forgets_idle_owners_past_its_bound(monkeypatch) -> None:
    monkeypatch.setattr("components.inference.budget.MAX_ACCOUNTS", 3)
    now = [NOON]
    ledger = Ledger(RULES, clock=lambda: now[0])
    assert ledger.charge("busy", Cost(10, 10)) is None
    for n in range(3):
        assert ledger.charge(f"idle-{n}", Cost(0, 0)) is None  # an account equal to a new one
    assert set(ledger._accounts) == {"busy"}  # the idle ones went, the one with spending stayed
    assert ledger.standing("busy") == Standing(0, 990, MIDNIGHT)


def test_a_refusal_names_a_moment_when_the_ask_fits_even_where_the_clock_has_half_microseconds() -> None:
    """Found by hypothesis: a refill of exactly one request, named as a datetime rounded down by half a
    microsecond, was refused again at the moment the refusal named."""
    rules = BudgetRules(requests_per_minute=1.0, burst=1, tokens_per_day=1)
    now = NOON + 4.5390625  # 539,062.5 µs past the second
    account, refusal = charge(fresh(rules, now), rules, Cost(1, 0), now)
    assert refusal is None
    _, refusal = charge(account, rules, Cost(1, 0), now)
    assert refusal is not None and refusal.fits_at is not None
    _, again = charge(account, rules, Cost(1, 0), refusal.fits_at.timestamp())
    assert again is None
