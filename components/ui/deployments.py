"""Choosing the models to ask, shared by the panels that ask them (each with its own widget keys): the picker
of a run's models, and on Azure OpenAI (which answers deployments only) one deployment-name input per chosen
model."""

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


def deployments(menu: ModelMenu, chosen: Sequence[ModelChoice], key: str) -> list[ModelChoice] | None:
    """On Azure, each chosen model asked through the deployment named for it; None until all are named.
    Elsewhere the chosen models as they are. ``key`` prefixes the inputs' keys (one per model)."""
    if not menu.needs_deployment:
        return list(chosen)
    st.caption(markdown_literal(menu.reason or ""))
    asked = []
    for column, choice in zip(st.columns(len(chosen)), chosen, strict=True):
        name = column.text_input(
            f"Deployment of {choice.label}",
            key=f"{key}:{choice.model}",
            placeholder="my-deployment",
            help=f"The Azure deployment made from {code_span(choice.model, MODEL_CHARS)}.",
        )
        asked.append(choice.deployed_as(name) if name.strip() else None)
    return None if None in asked else [choice for choice in asked if choice is not None]
