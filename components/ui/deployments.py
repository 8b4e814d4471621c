"""Choosing the models to ask, shared by the panels that ask them (each with its own widget keys): the picker
of a run's models, and on Azure OpenAI (which answers deployments only) one deployment per chosen model:
typed freely with the user's own key, chosen from the operator's list (``DASHBOARD_AZURE_DEPLOYMENTS``) with
the server's, so a visitor cannot call any other deployment of the server's resource."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from components.inference import ModelChoice, ModelMenu
from components.text import MODEL_CHARS, clean, code_span, markdown_literal


def pick_models(
    menu: ModelMenu, label: str, default: Sequence[str], key: str, most: int, help: str
) -> list[ModelChoice]:
    """The models picked among the run's, each shown as ``<label> · <model>``: names come from the API, so
    they are cleaned (no control or bidi characters) like every shown value."""
    choices = {choice.model: choice for choice in menu.choices}
    shown = {model: f"{choice.label} · {clean(model, MODEL_CHARS)}" for model, choice in choices.items()}
    picked = st.multiselect(
        label,
        list(choices),
        default=default,
        key=key,
        max_selections=most,
        format_func=shown.__getitem__,
        help=help,
    )
    return [choices[model] for model in picked]


NO_DEPLOYMENTS = (
    "The server's Azure OpenAI credential calls only the deployments its operator lists "
    "(DASHBOARD_AZURE_DEPLOYMENTS), and none is listed: add your own Azure key in the sidebar to name yours."
)


def _shown(name: str) -> str:
    return clean(name, MODEL_CHARS)


def _deployment(choice: ModelChoice, key: str, allowed: Sequence[str] | None) -> str | None:
    """The deployment named (typed, or picked from ``allowed``) for one model; None until there is one."""
    label = f"Deployment of {choice.label}"
    made_from = f"The Azure deployment made from {code_span(choice.model, MODEL_CHARS)}."
    if allowed is None:
        name = st.text_input(label, key=key, placeholder="my-deployment", help=made_from)
        return name.strip() or None
    picked = st.selectbox(
        label,
        list(allowed),
        index=None,
        key=key,
        format_func=_shown,  # picklable, as the session's state must be
        placeholder="Choose a deployment",
        help=f"{made_from} The server's credential calls only the deployments listed by its operator.",
    )
    return picked if picked in allowed else None


def deployments(
    menu: ModelMenu, chosen: Sequence[ModelChoice], key: str, allowed: Sequence[str] | None = None
) -> list[ModelChoice] | None:
    """On Azure, each chosen model asked through the deployment named for it; None until all are named.
    Elsewhere the chosen models as they are. ``key`` prefixes the inputs' keys (one per model); ``allowed``
    (the server's credential) limits the names to the operator's list, None (the user's own key) does not."""
    if not menu.needs_deployment:
        return list(chosen)
    if allowed is not None and not allowed:
        st.info(NO_DEPLOYMENTS, icon=":material/block:")
        return None
    st.caption(markdown_literal(menu.reason or ""))
    asked = []
    for column, choice in zip(st.columns(len(chosen)), chosen, strict=True):
        with column:
            name = _deployment(choice, f"{key}:{choice.model}", allowed)
        asked.append(choice.deployed_as(name) if name else None)
    return None if None in asked else [choice for choice in asked if choice is not None]
