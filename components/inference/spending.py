"""What the server's keys may be used for, as the operator set it: budgets per user, the longest prompt,
whether the base model is offered, and which Azure deployments may be called.

Read from the environment, then secrets (a wrong value is a ConfigError naming the setting). These rules hold
for the server's keys only: a key a user typed is their own to spend.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from components.api.chat import ChatRequest, Message, content_text, estimate_prompt_tokens
from components.api.settings import ConfigError, Settings
from components.inference.budget import BudgetRules, Cost
from components.inference.scoring import CostEstimate

REQUESTS_PER_MINUTE = "DASHBOARD_BUDGET_REQUESTS_PER_MINUTE"
BURST = "DASHBOARD_BUDGET_BURST"
TOKENS_PER_DAY = "DASHBOARD_BUDGET_TOKENS_PER_DAY"
MAX_PROMPT_CHARS = "DASHBOARD_MAX_PROMPT_CHARS"
OFFER_BASE_MODEL = "DASHBOARD_OFFER_BASE_MODEL"
AZURE_DEPLOYMENTS = "DASHBOARD_AZURE_DEPLOYMENTS"
DEFAULT_MAX_PROMPT_CHARS = 20_000
"""About 5,000 tokens: room for a long question and its context; a 9 MB prompt is not a question."""
_YES, _NO = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


@dataclass(frozen=True)
class SpendingRules:
    """The operator's rules for the server's keys."""

    budget: BudgetRules = field(default_factory=BudgetRules)
    max_prompt_chars: int = DEFAULT_MAX_PROMPT_CHARS  # each message (prompt, system message) at most
    base_model: bool = False  # the base model is a general chat model: offered only when the operator says so
    azure_deployments: tuple[str, ...] = ()  # the deployments the server's Azure credential may call

    def allows_deployment(self, name: str) -> bool:
        return name.strip() in self.azure_deployments


def _switch(settings: Settings, name: str) -> bool:
    raw = (settings.text(name) or "no").lower()
    if raw not in (*_YES, *_NO):
        raise ConfigError(f"{name} must be true or false.")
    return raw in _YES


def resolve_spending(env: Mapping[str, Any], secrets: Mapping[str, Any]) -> SpendingRules:
    """The rules from their settings (see README, "Budgets for the server's keys"); defaults when unset."""
    settings = Settings(env, secrets)
    budget = BudgetRules(
        requests_per_minute=settings.number(REQUESTS_PER_MINUTE, BudgetRules.requests_per_minute, 0.01, 1e6),
        burst=settings.whole(BURST, BudgetRules.burst, 1, 10**6),
        tokens_per_day=settings.whole(TOKENS_PER_DAY, BudgetRules.tokens_per_day, 1, 10**12),
    )
    deployments = (settings.text(AZURE_DEPLOYMENTS) or "").split(",")
    return SpendingRules(
        budget=budget,
        max_prompt_chars=settings.whole(MAX_PROMPT_CHARS, DEFAULT_MAX_PROMPT_CHARS, 1, 10**7),
        base_model=_switch(settings, OFFER_BASE_MODEL),
        azure_deployments=tuple(dict.fromkeys(name.strip() for name in deployments if name.strip())),
    )


def too_long(messages: Iterable[Message], most: int) -> str | None:
    """Why a conversation may not be sent (a message longer than ``most`` characters), or None."""
    for message in messages:
        length = len(content_text(message.get("content")))
        if length > most:
            role = "system message" if message.get("role") == "system" else "message"
            return (
                f"The {role} is {length:,} characters long; this server sends at most {most:,} "
                f"({MAX_PROMPT_CHARS}). Shorten it and send again."
            )
    return None


def at_cap(what: str, text: str, most: int) -> str | None:
    """Said under a field the page cuts at ``most`` characters once ``text`` has reached it, else None."""
    if len(text) < most:
        return None
    limit = f"this server's limit of {most:,} characters ({MAX_PROMPT_CHARS})"
    return f"The {what} is at {limit}: longer text is cut."


def cost_of(estimate: CostEstimate) -> Cost:
    """What an estimate charges: its requests, and its tokens at their most (every answer max tokens long,
    when max tokens is set)."""
    answers = estimate.max_output_tokens if estimate.max_output_tokens is not None else estimate.output_tokens
    return Cost(estimate.requests, estimate.prompt_tokens + answers)


def requests_cost(requests: Sequence[ChatRequest]) -> Cost:
    """What sending ``requests`` charges: one each, and each prompt's estimate plus its max tokens."""
    tokens = sum(estimate_prompt_tokens(request.messages) + (request.max_tokens or 0) for request in requests)
    return Cost(len(requests), tokens)
