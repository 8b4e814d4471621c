"""The provider's or trainer's own best checkpoint beside ours, in one line: do we agree? Pure."""

from __future__ import annotations

from components.domain import ProviderBest
from components.page.recommendation import Strip


def _where(best: ProviderBest) -> str:
    if best.step is not None:
        return f"step {best.step:,}"
    return "a checkpoint this run does not list" if best.checkpoint_id is None else "its checkpoint"


def _value(best: ProviderBest) -> str:
    if best.value is None:
        return ""
    name = f"{best.metric} " if best.metric else ""
    return f" ({name}{best.value:.4g})"


def provider_best_line(best: ProviderBest | None, strip: Strip | None) -> str | None:
    """``The trainer's best_model_checkpoint: step 400 (eval_loss 0.412); we recommend the same.``

    Returns plain words (the metric name comes from a file or an API: the UI escapes the line); None when
    the source marked no best checkpoint.
    """
    if best is None or (best.step is None and best.checkpoint_id is None and best.value is None):
        return None  # none marked; a metric it only declares chooses ours, and the strip says so
    head = f"{best.label}: {_where(best)}{_value(best)}"
    if strip is None:
        return f"{head}; there is no recommendation of ours to compare it with."
    same = (best.checkpoint_id is not None and best.checkpoint_id == strip.checkpoint_id) or (
        best.step is not None and best.step == strip.step
    )
    if same:
        return f"{head}; we recommend the same checkpoint."
    return f"{head}; we recommend step {strip.step:,} instead, for the reason given above."
