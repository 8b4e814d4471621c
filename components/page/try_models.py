"""What the try panel decides before it draws: which models start picked, when Send may be clicked, and
how an answer's facts read. Pure; ``components.ui.try_checkpoints`` only draws it."""

from __future__ import annotations

from collections.abc import Sequence

from components.inference import MAX_MODELS, ChatAnswer, ModelChoice, ModelMenu

MIN_MODELS = 2
DEFAULT_PICKS = 3  # the recommended checkpoint, the final model and the base model
NOT_READY = "Pick two to four models and write a prompt; nothing is sent before you click."


def _recommended(menu: ModelMenu, recommended_id: str | None) -> list[ModelChoice]:
    """The menu's entries for the recommended checkpoint (none without a recommendation)."""
    return [c for c in menu.choices if recommended_id and c.checkpoint_id == recommended_id]


def recommended_label(menu: ModelMenu, recommended_id: str | None) -> str | None:
    """The recommended checkpoint's label in the menu, to say how it scores beside the best."""
    return next((choice.label for choice in _recommended(menu, recommended_id)), None)


def default_models(menu: ModelMenu, recommended_id: str | None) -> list[str]:
    """The recommended checkpoint, the final model and the base model (then the latest checkpoints), up to
    :data:`MAX_MODELS`: what a reader deciding what to deploy compares first."""
    recommended = [c.model for c in _recommended(menu, recommended_id)]
    final = [c.model for c in menu.choices if c.kind == "final"]
    base = [c.model for c in menu.choices if c.kind == "base"]
    latest = [c.model for c in reversed(menu.choices) if c.kind == "checkpoint"]
    picked: list[str] = []
    for model in [*recommended, *final, *base, *latest]:
        if model not in picked:
            picked.append(model)
    return picked[: min(DEFAULT_PICKS, MAX_MODELS)]


def can_send(asked: Sequence[ModelChoice] | None, prompt: str) -> bool:
    """Send needs two models or more (each with its deployment on Azure: ``asked`` None until then) and a
    prompt."""
    return asked is not None and len(asked) >= MIN_MODELS and bool(prompt.strip())


def send_label(asked: Sequence[ModelChoice] | None) -> str:
    """``Send to 3 models``, or ``Send`` while none is picked."""
    return f"Send to {len(asked)} models" if asked else "Send"


def answer_facts(answer: ChatAnswer) -> str:
    """``1.8 s · first token 0.30 s · 42 in / 17 out tokens`` (marked estimated when the provider sent
    no usage)."""
    total = answer.total_seconds
    parts = [f"{total:.2f} s" if total < 10 else f"{total:.0f} s"]
    if answer.streamed and answer.first_token_seconds is not None:
        parts.append(f"first token {answer.first_token_seconds:.2f} s")
    if answer.tokens_in is not None or answer.tokens_out is not None:
        tokens = f"{answer.tokens_in or 0:,} in / {answer.tokens_out or 0:,} out tokens"
        parts.append(tokens if answer.usage_reported else f"{tokens} (estimated)")
    if answer.finish_reason == "length":
        parts.append("cut at max tokens")
    return " · ".join(parts)
