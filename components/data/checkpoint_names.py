"""A Trainer's checkpoint folder names (``…/checkpoint-N``) to their steps.

Its own module, below both the trainer-state reader and the metric model (which reads a state's
``best_model_checkpoint``), so that neither has to import the other and the metric catalogue can use the
metric model at import time.
"""

from __future__ import annotations

import re

from components.data.bounds import MAX_STEP

_CHECKPOINT_DIR = re.compile(r"checkpoint-(\d{1,10})")


def checkpoint_step(name: str | None) -> int | None:
    """N of a ``…/checkpoint-N`` path or folder name, else None."""
    if not name:
        return None
    match = _CHECKPOINT_DIR.fullmatch(re.split(r"[\\/]", name.rstrip("/\\"))[-1])
    return int(match.group(1)) if match and int(match.group(1)) <= MAX_STEP else None
