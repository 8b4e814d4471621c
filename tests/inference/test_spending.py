"""The operator's rules for the server's keys: settings with their defaults and wrong values, the prompt cap,
what an ask is charged, and the budget in words."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from components.api import ConfigError
from components.inference import prompt_messages, requests_for
from components.inference.budget import BudgetRules, Cost, Refusal, Standing
from components.inference.scoring import CostEstimate
from components.inference.spending import SpendingRules, cost_of, requests_cost, resolve_spending, too_long
from components.page.budget import left_line, refusal_words


def test_the_defaults_hold_when_nothing_is_set() -> None:
    rules = resolve_spending({}, {})
    assert rules == SpendingRules()
    assert rules.budget == BudgetRules(requests_per_minute=60, burst=1_000, tokens_per_day=1_000_000)
    assert rules.max_prompt_chars == 20_000 and not rules.base_model and rules.azure_deployments == ()


def test_every_setting_is_read_from_the_environment_then_secrets() -> None:
    env = {
        "DASHBOARD_BUDGET_REQUESTS_PER_MINUTE": "2.5",
        "DASHBOARD_BUDGET_BURST": "20",
        "DASHBOARD_OFFER_BASE_MODEL": "Yes",
        "DASHBOARD_AZURE_DEPLOYMENTS": " gpt4o-ft , ckpt-200,,gpt4o-ft ",
    }
    secrets = {"DASHBOARD_BUDGET_TOKENS_PER_DAY": "50000", "DASHBOARD_MAX_PROMPT_CHARS": "4000"}
    rules = resolve_spending(env, secrets)
    assert rules.budget == BudgetRules(requests_per_minute=2.5, burst=20, tokens_per_day=50_000)
    assert rules.max_prompt_chars == 4_000 and rules.base_model
    assert rules.azure_deployments == ("gpt4o-ft", "ckpt-200")
    assert rules.allows_deployment(" ckpt-200") and not rules.allows_deployment("other")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DASHBOARD_BUDGET_BURST", "0"),
        ("DASHBOARD_BUDGET_BURST", "2.5"),
        ("DASHBOARD_BUDGET_REQUESTS_PER_MINUTE", "many"),
        ("DASHBOARD_BUDGET_TOKENS_PER_DAY", "-1"),
        ("DASHBOARD_MAX_PROMPT_CHARS", "0"),
        ("DASHBOARD_OFFER_BASE_MODEL", "perhaps"),
    ],
)
def test_a_wrong_value_is_an_error_naming_its_setting(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        resolve_spending({name: value}, {})


def test_a_prompt_or_system_message_longer_than_the_cap_is_refused_with_its_length() -> None:
    assert too_long(prompt_messages("x" * 100, "y" * 100), 100) is None
    assert too_long(prompt_messages("x" * 101), 100) == (
        "The message is 101 characters long; this server sends at most 100 (DASHBOARD_MAX_PROMPT_CHARS). "
        "Shorten it and send again."
    )
    assert "The system message is 9,000,000 characters" in (
        too_long(prompt_messages("x", "y" * 9_000_000), 100) or ""
    )


def test_what_an_ask_is_charged() -> None:
    # "What is 2 plus 3?" is 17 characters: 5 tokens, plus 4 for the message; 256 max tokens each.
    requests = requests_for(["a", "b", "c"], prompt_messages("What is 2 plus 3?"), max_tokens=256)
    assert requests_cost(requests) == Cost(3, 3 * (5 + 4 + 256))
    assert cost_of(CostEstimate(30, 1_200, 300, 7_680)) == Cost(30, 1_200 + 7_680)  # at most max tokens
    assert cost_of(CostEstimate(30, 1_200, 300, None)) == Cost(30, 1_500)


NOW = datetime(2026, 12, 7, 18, 5, 0, tzinfo=UTC)
MIDNIGHT = datetime(2026, 12, 8, tzinfo=UTC)


def test_the_budget_in_words() -> None:
    left = Standing(12, 3_400, MIDNIGHT)
    assert left_line(left, Cost(3, 795), NOW) == (
        "Your budget on the server's key: 12 requests now and about 3,400 tokens until the day ends at 00:00 "
        "UTC (in 5 h 55 min). This asks 3 requests, about 795 tokens at most."
    )
    wait = Refusal("requests", Cost(30, 900), left, datetime(2026, 12, 7, 18, 5, 40, tzinfo=UTC))
    assert refusal_words(wait, NOW) == (
        "Not sent: this asks 30 requests and about 900 tokens; you have 12 requests left now. "
        "Enough requests again at 18:05:40 UTC (in 40 s)."
    )
    tokens = Refusal("tokens", Cost(3, 9_000), left, MIDNIGHT)
    assert refusal_words(tokens, NOW) == (
        "Not sent: this asks 3 requests and about 9,000 tokens; about 3,400 tokens are left today. The day's "
        "tokens come back at 00:00 UTC (in 5 h 55 min)."
    )
    never = refusal_words(Refusal("too_large", Cost(5_000, 1), left, None), NOW)
    assert never.startswith("Not sent: this asks 5,000 requests") and "DASHBOARD_BUDGET_BURST" in never
