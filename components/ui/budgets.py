"""The budget on the server's keys in the page: whose budget it is, the ledger every session shares, the line
said before a Send, and the refusal.

The owner is the signed-in user's e-mail (``st.user``) when there is sign-in, else this browser session. The
ledger (``components.inference.budget.Ledger``) lives once per process for the operator's rules, shared by
every session under its own lock. A source whose key the user typed is theirs to spend: no budget, no line.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import streamlit as st

from components.api import KeySource
from components.inference.budget import BudgetRules, Cost, Ledger
from components.inference.spending import SpendingRules
from components.page.budget import left_line, refusal_words
from components.sources import SourceConfig, SourceKind
from components.text import NOTE_CHARS, markdown_literal

OWNER_KEY = "budget_owner"


@st.cache_resource(show_spinner=False)
def _ledger(rules: BudgetRules) -> Ledger:
    """Every owner's budget in this process, for the operator's rules (new rules: a new ledger)."""
    return Ledger(rules)


def owner() -> str:
    """Whose budget: the signed-in user's e-mail, else this browser session (an opaque id kept in it)."""
    email = st.user.get("email") if st.user.get("is_logged_in") else None
    if isinstance(email, str) and email:
        return f"user:{email.strip().casefold()}"  # as signin.signed_in_user names the user
    if OWNER_KEY not in st.session_state:
        st.session_state[OWNER_KEY] = f"session:{uuid.uuid4().hex}"
    return str(st.session_state[OWNER_KEY])


def pays(config: SourceConfig) -> bool:
    """Whether asking ``config``'s models spends the server's credential (not a key typed by the user, not
    the demo's built-in answers)."""
    return config.kind is SourceKind.API and config.key_source is not KeySource.TYPED


@dataclass(frozen=True)
class Guard:
    """The operator's rules for one source's asks; ``budgeted`` when they spend the server's credential."""

    rules: SpendingRules
    budgeted: bool

    def show(self, cost: Cost | None) -> None:
        """What is left of the user's budget (and what ``cost`` takes), before the button that sends."""
        if self.budgeted:
            left = _ledger(self.rules.budget).standing(owner())
            st.caption(markdown_literal(left_line(left, cost, datetime.now(UTC)), NOTE_CHARS))

    def refuse(self, cost: Cost) -> str | None:
        """Take ``cost`` from the user's budget, all or nothing; else why not, and when it fits."""
        if not self.budgeted or not cost.requests:
            return None
        refusal = _ledger(self.rules.budget).charge(owner(), cost)
        return None if refusal is None else refusal_words(refusal, datetime.now(UTC))

    def deployments(self) -> tuple[str, ...] | None:
        """The Azure deployments the server's credential may call; None when the key is the user's own."""
        return self.rules.azure_deployments if self.budgeted else None


def guard_for(config: SourceConfig, rules: SpendingRules) -> Guard:
    """The rules for asking ``config``'s models."""
    return Guard(rules, pays(config))
