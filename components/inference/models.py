"""Which models a run offers to answer prompts: its checkpoints, its final model and its base model.

Read from the run alone (no request); the final model once the job has succeeded (Together names it from
the start). A source without an inference endpoint (runs opened from files) offers none and says why.
Azure OpenAI answers only deployed models, so each choice needs the name of the deployment made from it
(:meth:`ModelChoice.deployed_as`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Literal

from components.domain import RunData, RunStatus
from components.sources.base import SourceInfo, SourceKind

MAX_MODELS = 4
"""Models asked side by side at most (the panel offers two to four)."""
NO_ENDPOINT = (
    "Runs opened from files have no endpoint that answers prompts: open the run from its provider (OpenAI, "
    "Azure OpenAI or Together AI) to try its checkpoints."
)
NO_ENDPOINT_ARCHIVE = (
    "A run opened from the archive has no endpoint that answers prompts: open it from its provider (OpenAI, "
    "Azure OpenAI or Together AI), while the provider still serves its models, to try its checkpoints."
)
AZURE_DEPLOYMENTS = (
    "Azure OpenAI answers deployed models only: deploy the checkpoint (or the fine-tuned model) in Azure AI "
    "Foundry, then give the name of its deployment here."
)
NO_MODELS = "This run names no model to ask yet: no checkpoint, no fine-tuned model and no base model."

ModelKind = Literal["checkpoint", "final", "base"]


@dataclass(frozen=True)
class ModelChoice:
    """One model of the run that can be asked. ``model`` is what is sent (on Azure: the deployment name)."""

    model: str
    kind: ModelKind
    label: str  # in words: "Checkpoint at step 360", "Final model (step 480)", "Base model"
    step: int | None = None
    checkpoint_id: str | None = None

    def deployed_as(self, deployment: str) -> ModelChoice:
        """The same choice asked through an Azure deployment of it."""
        return replace(self, model=deployment.strip())


@dataclass(frozen=True)
class ModelMenu:
    """The models a run offers, in order: checkpoints by step, then the final model, then the base model."""

    choices: tuple[ModelChoice, ...]
    available: bool
    reason: str | None = None  # why none can be asked, or (Azure) what is needed first
    needs_deployment: bool = False

    def by_model(self, model: str) -> ModelChoice | None:
        return next((choice for choice in self.choices if choice.model == model), None)


def _name(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def model_menu(run: RunData, info: SourceInfo, *, base_model: bool = True) -> ModelMenu:
    """The models ``run`` offers, as read by the source ``info`` describes; its base model only when
    ``base_model`` (a general chat model: on the server's key only when the operator allows it)."""
    if not info.inference:
        return ModelMenu((), False, NO_ENDPOINT_ARCHIVE if info.kind is SourceKind.ARCHIVE else NO_ENDPOINT)
    # Together names the output model from the start; it answers once the job has succeeded.
    final = _name(run.summary.fine_tuned_model) if run.summary.status is RunStatus.SUCCEEDED else None
    choices: dict[str, ModelChoice] = {}
    ordered = run.checkpoints.sort_values("step", kind="stable")
    for step, checkpoint_id, model in zip(
        ordered["step"], ordered["checkpoint_id"], ordered["model"], strict=True
    ):
        name = _name(model if isinstance(model, str) else None)
        if name is None or name in choices:
            continue
        step = int(step) if isinstance(step, int | float) and math.isfinite(step) else None
        shown_id = checkpoint_id if isinstance(checkpoint_id, str) else None
        if name == final:
            label = "Final model" + (f" (step {step:,})" if step is not None else "")
            choices[name] = ModelChoice(name, "final", label, step, shown_id)
        else:
            label = f"Checkpoint at step {step:,}" if step is not None else "Checkpoint"
            choices[name] = ModelChoice(name, "checkpoint", label, step, shown_id)
    if final is not None and final not in choices:
        choices[final] = ModelChoice(final, "final", "Final model")
    base = _name(run.summary.base_model)
    if base_model and base is not None and base not in choices:
        choices[base] = ModelChoice(base, "base", "Base model (before fine-tuning)")
    if not choices:
        return ModelMenu((), False, NO_MODELS)
    azure = info.name == "azure"
    return ModelMenu(
        tuple(choices.values()), True, AZURE_DEPLOYMENTS if azure else None, needs_deployment=azure
    )
