"""What the page should show, computed from the API's data rather than by the app's own code."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from devtools.standin import SyntheticRun


def _best(checkpoints: Sequence[Mapping[str, Any]]) -> Mapping[str, Any]:
    """The checkpoint with the lowest full validation loss, the earliest on ties."""
    scored = [c for c in checkpoints if "full_valid_loss" in c["metrics"]]
    return min(scored, key=lambda c: (c["metrics"]["full_valid_loss"], c["step_number"]))


def recommended_id(run: SyntheticRun) -> str:
    return _best(run.checkpoints)["id"]


def recommended_model(checkpoints: Sequence[Mapping[str, Any]]) -> str:
    """The model name of the checkpoint with the lowest full validation loss."""
    return _best(checkpoints)["fine_tuned_model_checkpoint"]
