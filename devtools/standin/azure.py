"""Synthetic Azure OpenAI runs: the OpenAI shapes with Azure's ids, model names and result-file columns.

Azure (shared/providers.md, shared/api.md §3): job ids ``ftjob-<32 hex>``, checkpoint ids
``ftchkpt-<32 hex>``, fine-tuned models ``<base>.ft-<32 hex>``, checkpoint models
``<base>.ft-<job hex>:ckpt-step-N``, a ``suffix`` field, and result CSVs with
``validation_mean_token_accuracy`` (or, in the older format, ``training_accuracy`` / ``valid_accuracy``).
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import replace
from typing import Any

from .synthetic import SyntheticRun, make_run

AZURE_BASE_MODEL = "gpt-4.1-mini-2025-04-14"


def _hex(seed: str) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:32]


def azure_job_id(name: str) -> str:
    """An Azure-style job id (``ftjob-`` and 32 hex digits) derived from ``name``."""
    return f"ftjob-{_hex(name)}"


def make_azure_run(
    job_id: str, *, legacy_csv: bool = False, suffix: str = "azure-demo", **options: Any
) -> SyntheticRun:
    """A succeeded (or running, via ``options``) Azure job; ``options`` go to :func:`make_run`."""
    run = make_run(
        job_id,
        base_model=AZURE_BASE_MODEL,
        csv_flavour="azure-legacy" if legacy_csv else "azure",
        **options,
    )
    job = copy.deepcopy(run.job)
    job_hex = job_id.removeprefix("ftjob-")
    job["suffix"] = suffix
    if job["fine_tuned_model"]:
        job["fine_tuned_model"] = f"{AZURE_BASE_MODEL}.ft-{_hex(job_id + 'model')}"
    checkpoints = [
        {
            **checkpoint,
            "id": f"ftchkpt-{_hex(checkpoint['id'])}",
            "fine_tuned_model_checkpoint": (
                f"{AZURE_BASE_MODEL}.ft-{job_hex}:ckpt-step-{checkpoint['step_number']}"
            ),
        }
        for checkpoint in run.checkpoints
    ]
    return replace(run, job=job, checkpoints=checkpoints)
