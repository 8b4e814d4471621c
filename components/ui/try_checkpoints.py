"""Try checkpoints: two to four of the run's models answer one prompt side by side, streamed as they arrive.

The panel is a fragment: picking models and writing the prompt rerun only it, never the chart above. Nothing
is sent until **Send** is clicked; each model's answer streams into its own column with its latency and
tokens, and a model that fails shows its own error while the others go on. The last answers are kept in
this browser session (never in a cache) so they stay on the page until the next Send. Azure OpenAI answers
deployments only, so each chosen model gets a deployment input. The second tab runs the job's validation
examples (``components.ui.validation_examples``). On the server's key (not one the user typed) the operator's
rules hold (``components.ui.budgets``): every Send is charged to the user's budget before it goes, the base
model is offered only when allowed, and Azure deployments come from the operator's list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import streamlit as st

from components.domain import RunData
from components.inference import (
    MAX_MODELS,
    ChatAnswer,
    ChatClient,
    ChatRequest,
    ModelChoice,
    ModelMenu,
    iter_answers,
    model_menu,
    open_chat,
    prompt_messages,
    requests_for,
)
from components.inference.spending import SpendingRules, at_cap, requests_cost
from components.page.retirement import retired_model_words
from components.page.try_models import (
    NOT_READY,
    answer_facts,
    can_send,
    default_models,
    recommended_label,
    send_label,
)
from components.sources import SourceConfig, SourceKind
from components.text import MODEL_CHARS, code_span, markdown_literal
from components.ui.budgets import Guard, guard_for
from components.ui.cached_reads import http_client, source_for
from components.ui.connection import Connection
from components.ui.deployments import deployments, pick_models
from components.ui.recordings import recorded_answers
from components.ui.retirement import today
from components.ui.session_slot import SessionSlot
from components.ui.validation_examples import validation_panel

MODELS_KEY = "try_models"
PROMPT_KEY = "try_prompt"
SYSTEM_KEY = "try_system"
TEMPERATURE_KEY = "try_temperature"
MAX_TOKENS_KEY = "try_max_tokens"
SEND_KEY = "try_send"
TABS_KEY = "try_tabs"
ANSWERS_KEY = "try_answers"
DEPLOYMENT_KEY = "try_deployment"  # + the model's name
ANSWER_CHARS = 20_000
PROMPT_TAB, VALIDATION_TAB = "On a prompt", "On validation examples"
ARCHIVED_RUN = (
    "Opened from the archive, the models are not asked: these are the answers recorded while they answered. "
    "Showing, scoring and exporting them makes no request."
)
RECORD_WHY = (
    "What the models answer, kept in the archive: readable, scored and exportable after they stop answering, "
    "and the reference a replacement is measured against."
)


@dataclass(frozen=True)
class Asked:
    """The last Send of this session (kept for its run): which models, and what each answered."""

    choices: tuple[ModelChoice, ...]
    answers: tuple[ChatAnswer, ...]


ANSWERS = SessionSlot[Asked](ANSWERS_KEY)


def chat_client(config: SourceConfig) -> ChatClient:
    """The source's chat client, through the pooled HTTP client of its base URL (the demo's is built in)."""
    return open_chat(config) if config.api is None else open_chat(config, http_client(config.api))


def _answer_error(answer: ChatAnswer, provider: str) -> None:
    """Why a model gave no answer: the API's words (as text), after ours when its model has stopped
    answering for good (a 404 once the provider's date has passed)."""
    error = answer.error
    assert error is not None
    status = f" (HTTP {error.status})" if error.status else ""
    request = f" Request id {code_span(error.request_id)}." if error.request_id else ""
    gone = retired_model_words(answer.model, provider, error.status, today())
    said = f"**No answer{status}:** {markdown_literal(error.message)}{request}"
    st.error(f"{gone}\n\n{said}" if gone else said, icon=":material/error:")


def _column_head(choice: ModelChoice, asked_as: str) -> None:
    st.markdown(f"**{markdown_literal(choice.label)}**")
    st.caption(code_span(asked_as, MODEL_CHARS))


def _show_answers(asked: Asked, provider: str) -> None:
    """The last Send's answers, side by side, as they ended."""
    for column, choice, answer in zip(
        st.columns(len(asked.choices)), asked.choices, asked.answers, strict=True
    ):
        with column, st.container(border=True):
            _column_head(choice, answer.model)
            if answer.text:
                st.markdown(markdown_literal(answer.text, ANSWER_CHARS))
            if answer.error is not None:
                _answer_error(answer, provider)
            st.caption(answer_facts(answer))


def _stream(
    client: ChatClient, choices: Sequence[ModelChoice], requests: Sequence[ChatRequest], provider: str
) -> list[ChatAnswer]:
    """Send every request at once and write each piece into its model's column as it arrives."""
    slots = []
    for column, choice, request in zip(st.columns(len(choices)), choices, requests, strict=True):
        with column, st.container(border=True):
            _column_head(choice, request.model)
            slots.append((st.empty(), st.empty()))
    texts = [""] * len(requests)
    answers: list[ChatAnswer | None] = [None] * len(requests)
    for event in iter_answers(client, requests, max_workers=len(requests)):
        text_slot, facts_slot = slots[event.index]
        if event.delta:
            texts[event.index] += event.delta
            text_slot.markdown(markdown_literal(texts[event.index], ANSWER_CHARS))
        if event.answer is not None:
            answers[event.index] = event.answer
            with facts_slot.container():
                if event.answer.error is not None:
                    _answer_error(event.answer, provider)
                st.caption(answer_facts(event.answer))
    return [answer for answer in answers if answer is not None]


def _prompt_tab(
    config: SourceConfig, run_key: str, asked: Sequence[ModelChoice] | None, guard: Guard
) -> None:
    most = guard.rules.max_prompt_chars
    prompt = st.text_area(
        "Prompt", key=PROMPT_KEY, placeholder="Ask what your users will ask…", height=100, max_chars=most
    )
    with st.container(horizontal=True, vertical_alignment="bottom"):
        system = st.text_input("System message (optional)", key=SYSTEM_KEY, width="stretch", max_chars=most)
        temperature = st.number_input(
            "Temperature", 0.0, 2.0, 0.0, 0.1, key=TEMPERATURE_KEY, width=130,
            help="0 answers the most likely way every time: best for comparing checkpoints.",
        )  # fmt: skip
        max_tokens = st.number_input("Max tokens", 1, 4_096, 256, 32, key=MAX_TOKENS_KEY, width=130)
    for what, text in (("prompt", prompt), ("system message", system)):
        if (cut := at_cap(what, text, most)) is not None:
            st.caption(cut)
    requests = requests_for(
        [choice.model for choice in asked or []],
        prompt_messages(prompt, system),
        temperature=float(temperature),
        max_tokens=int(max_tokens),
    )
    ready = can_send(asked, prompt)
    budget = st.empty()  # filled below, once a click has been charged
    clicked = st.button(
        send_label(asked),
        key=SEND_KEY,
        type="primary",
        icon=":material/send:",
        disabled=not ready,
        help=None if ready else NOT_READY,
    )
    refused = guard.refuse(requests_cost(requests)) if clicked and asked else None
    with budget.container():
        guard.show(requests_cost(requests) if ready else None)
    if refused is not None:
        st.error(markdown_literal(refused), icon=":material/block:")
    elif clicked and asked:
        answers = _stream(chat_client(config), asked, requests, config.name)
        ANSWERS.put(run_key, Asked(tuple(asked), tuple(answers)))
        return
    last = ANSWERS.get(run_key)
    if last is not None:
        _show_answers(last, config.name)


@st.fragment
def _panel(
    config: SourceConfig, run: RunData, menu: ModelMenu, recommended_id: str | None, guard: Guard
) -> None:
    run_key = str(run.summary.ref)
    chosen = pick_models(
        menu,
        "Models to compare",
        default_models(menu, recommended_id),
        f"{MODELS_KEY}:{run_key}",
        MAX_MODELS,
        "Two to four among the run's checkpoints, its final model"
        + (" and its base model." if any(c.kind == "base" for c in menu.choices) else "."),
    )
    asked = deployments(menu, chosen, DEPLOYMENT_KEY, guard.deployments()) if chosen else []
    prompt_tab, validation_tab = st.tabs([PROMPT_TAB, VALIDATION_TAB], key=TABS_KEY, on_change="rerun")
    if prompt_tab.open:
        with prompt_tab:
            _prompt_tab(config, run_key, asked, guard)
    if validation_tab.open:
        with validation_tab:
            validation_panel(
                config,
                run,
                asked,
                client=lambda: chat_client(config),
                recommended=recommended_label(menu, recommended_id),
                guard=guard,
            )


def try_checkpoints(
    config: SourceConfig,
    run: RunData,
    recommended_id: str | None = None,
    connection: Connection | None = None,
) -> None:
    """The "Try checkpoints" section of a run's page, then its recorded answers (given the session's
    ``connection``). A run opened from the archive offers its recorded sets instead of live calls; another
    source without inference says why it cannot be asked."""
    st.markdown("#### Try checkpoints")
    rules = connection.spending if connection is not None else SpendingRules()
    guard = guard_for(config, rules)
    menu = model_menu(run, source_for(config).info, base_model=rules.base_model or not guard.budgeted)
    if not menu.available:
        if connection is not None and config.kind is SourceKind.ARCHIVE:
            st.caption(ARCHIVED_RUN)
            recorded_answers(connection, config, run, None, recommended_id)
            return
        st.info(markdown_literal(menu.reason or ""), icon=":material/block:")
        return
    _panel(config, run, menu, recommended_id, guard)
    if connection is not None and config.kind is SourceKind.API:  # the demo's answers are built in
        st.markdown("#### Recorded answers")
        st.caption(RECORD_WHY)
        recorded_answers(connection, config, run, menu, recommended_id, lambda: chat_client(config))
