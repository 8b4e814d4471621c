"""Synthetic Together AI fine-tuning jobs in the shapes of together-python and shared/providers.md.

A job has ISO times, a ``model_output_name``, checkpoints without ids (``{step, created_at, path,
checkpoint_type}``, intermediate ones at epoch ends and the final one), and per-step metric records:
training ones (``timestamp`` in ns, ``train/global_step``, ``train/epoch``, ``train/loss``,
``train/grad_norm``, ``train/learning_rate``; DPO adds reward and KL keys) and evaluation ones
(``eval/loss``) when a validation file was given. No accuracy anywhere.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

import numpy as np

from .synthetic import DEFAULT_START, _curves

TogetherStatus = Literal["completed", "running", "error", "cancelled"]
TOGETHER_BASE_MODEL = "meta-llama/Meta-Llama-3.1-8B-Instruct-Reference"
_SECONDS_PER_STEP = 3


@dataclass(frozen=True)
class TogetherRun:
    """Everything the stand-in serves for one Together job."""

    job: dict
    checkpoints: list[dict]  # newest first
    metrics: list[dict]  # in logging order
    events: list[dict]


def together_job_id(name: str) -> str:
    """A Together-style id, ``ft-`` and a UUID, derived from ``name``."""
    digest = hashlib.sha256(name.encode()).hexdigest()
    return f"ft-{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def make_together_run(
    job_id: str,
    *,
    n_steps: int = 120,
    n_epochs: int = 3,
    n_evals: int | None = None,
    with_validation: bool = True,
    status: TogetherStatus = "completed",
    progress: float = 1.0,
    dpo: bool = False,
    seed: int = 11,
    start: int = DEFAULT_START,
    suffix: str = "demo",
) -> TogetherRun:
    """A Together job of ``n_steps`` steps; a running one has done ``progress`` of them.

    ``n_evals`` evaluations (default: one per epoch, so they fall on the intermediate checkpoints).
    """
    n_evals = n_epochs if n_evals is None else n_evals
    if n_steps % n_epochs:
        raise ValueError("n_steps must be a multiple of n_epochs")
    rng = np.random.default_rng(seed)
    per_epoch = n_steps // n_epochs
    eval_every = n_steps // n_evals if with_validation and n_evals else 0
    # Full validation at every evaluation step: the curves' "epochs" are the evaluation intervals.
    curves = _curves(rng, n_steps, eval_every or per_epoch, with_validation)
    done = n_steps if status == "completed" else round(progress * n_steps)
    output = f"user/Meta-Llama-3.1-8B-Instruct-Reference-{suffix}-{job_id[3:8]}"
    at = [start + 60 + _SECONDS_PER_STEP * step for step in range(n_steps + 1)]
    metrics: list[dict] = []
    for step in range(1, done + 1):
        record = {
            "timestamp": at[step] * 1_000_000_000,
            "train/global_step": step,
            "train/epoch": round(step / per_epoch, 4),
            "train/loss": float(curves["train_loss"][step - 1]),
            "train/grad_norm": round(float(rng.uniform(0.5, 2.0)), 4),
            "train/learning_rate": 1e-5 * (1 - step / n_steps),
        }
        if dpo:
            record |= {
                "train/rewards/chosen": round(float(rng.normal(0.5, 0.1)), 4),
                "train/rewards/rejected": round(float(rng.normal(-0.5, 0.1)), 4),
                "train/kl": round(float(rng.uniform(0, 0.2)), 4),
            }
        metrics.append(record)
        if eval_every and step % eval_every == 0:
            metrics.append(
                {
                    "timestamp": at[step] * 1_000_000_000 + 500_000_000,
                    "train/global_step": step,
                    "train/epoch": round(step / per_epoch, 4),
                    "eval/loss": float(curves["full_valid_loss"][step - 1]),
                }
            )
    checkpoints = [
        {
            "step": step,
            "created_at": _iso(at[step]),
            "path": f"s3://together-ft/{job_id}/checkpoint-{step}",
            "checkpoint_type": "Intermediate",
        }
        for step in range(per_epoch, done + 1, per_epoch)
        if step < n_steps
    ]
    if status == "completed":
        checkpoints += [
            {
                "step": n_steps,
                "created_at": _iso(at[n_steps] + 30),
                "path": f"s3://together-ft/{job_id}/final",
                "checkpoint_type": kind,
            }
            for kind in ("Final Merged", "Final Adapter")
        ]
    finished = status in ("completed", "error", "cancelled")
    job = {
        "id": job_id,
        "status": status,
        "created_at": _iso(start),
        "updated_at": _iso(at[done] + (30 if finished else 0)),
        "model": TOGETHER_BASE_MODEL,
        "model_output_name": output,
        "suffix": suffix,
        "n_epochs": n_epochs,
        "n_checkpoints": n_epochs,
        "n_evals": n_evals if with_validation else 0,
        "batch_size": 8,
        "learning_rate": 1e-5,
        "training_file": "file-" + job_id[3:15],
        "validation_file": "file-v" + job_id[3:14] if with_validation else None,
        "training_type": {"type": "Lora", "lora_r": 8, "lora_alpha": 16},
        "training_method": {"method": "dpo" if dpo else "sft"},
        "total_steps": n_steps,
        "steps_completed": done,
        "epochs_completed": done // per_epoch,
        "evals_completed": done // eval_every if eval_every else 0,
        "token_count": n_steps * 8 * 400,
        "events": [
            {
                "object": "fine-tune-event",
                "created_at": _iso(start),
                "message": "Fine tune request created",
                "type": "JOB_PENDING",
            }
        ],
    }
    if status == "error":
        job["events"].append(
            {
                "object": "fine-tune-event",
                "created_at": _iso(at[done]),
                "level": "error",
                "message": "Training failed: out of memory",
                "type": "JOB_ERROR",
            }
        )
    return TogetherRun(job, checkpoints[::-1], metrics, job["events"])
