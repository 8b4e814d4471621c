"""Hugging Face Trainer / TRL training output, as the trainer writes it, for tests and demos.

``trainer_state.json`` follows transformers' ``TrainerState`` (shared/providers.md): ``log_history`` with a
training entry every ``logging_steps`` (``loss``, ``grad_norm``, ``learning_rate``, ``epoch``, ``step``; TRL's
SFTTrainer adds ``mean_token_accuracy``, ``entropy``, ``num_tokens``), an evaluation entry every
``eval_steps`` (``eval_loss``, timings; TRL adds ``eval_mean_token_accuracy``…) and, at the end of training,
the summary entry (``train_runtime``, ``train_loss`` = the run's mean). Each ``checkpoint-N/`` folder holds
the state up to step N; ``best_model_checkpoint`` names the checkpoint with the lowest eval loss.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any


def _train_loss(step: int, n_steps: int) -> float:
    return round(0.4 + 1.6 * math.exp(-5 * step / n_steps) + 0.02 * math.sin(step), 4)


def _eval_loss(step: int, n_steps: int) -> float:
    """Falls with training, then rises over the last third: overfitting, so the best is not the last."""
    late = max(0.0, step / n_steps - 2 / 3)
    return round(0.5 + 1.5 * math.exp(-5 * step / n_steps) + 1.2 * late**2 * 9, 4)


def _accuracy(loss: float) -> float:
    return round(min(0.99, 0.6 + 0.35 * (2.0 - loss) / 1.7), 4)


def trainer_state(
    *,
    n_steps: int = 200,
    logging_steps: int = 10,
    eval_steps: int = 50,
    save_steps: int = 50,
    num_train_epochs: int = 2,
    trl: bool = True,
    upto: int | None = None,
    output_dir: str = "outputs/sft-run",
) -> dict[str, Any]:
    """The trainer state after ``upto`` steps (default: the end of training, with the summary entry)."""
    done = n_steps if upto is None else upto
    per_epoch = n_steps / num_train_epochs
    history: list[dict[str, Any]] = []
    best: tuple[float, int] | None = None
    for step in range(1, done + 1):
        epoch = round(step / per_epoch, 4)
        if step % logging_steps == 0:
            loss = _train_loss(step, n_steps)
            entry = {
                "epoch": epoch,
                "grad_norm": round(1.0 + 0.1 * math.cos(step), 4),
                "learning_rate": 2e-5 * (1 - step / n_steps),
                "loss": loss,
                "step": step,
            }
            if trl:
                entry |= {
                    "entropy": round(1.1 - 0.002 * step, 4),
                    "mean_token_accuracy": _accuracy(loss),
                    "num_tokens": 4096.0 * step,
                }
            history.append(entry)
        if step % eval_steps == 0:
            loss = _eval_loss(step, n_steps)
            entry = {
                "epoch": epoch,
                "eval_loss": loss,
                "eval_runtime": 1.234,
                "eval_samples_per_second": 81.0,
                "eval_steps_per_second": 10.1,
                "step": step,
            }
            if trl:
                entry |= {
                    "eval_entropy": 1.0,
                    "eval_mean_token_accuracy": _accuracy(loss),
                    "eval_num_tokens": 4096.0 * step,
                }
            history.append(entry)
            if step % save_steps == 0 and (best is None or loss < best[0]):
                best = (loss, step)
    if upto is None:
        history.append(
            {
                "epoch": float(num_train_epochs),
                "step": n_steps,
                "total_flos": 1.2e15,
                "train_loss": 0.777,  # the run's mean: not a step's value
                "train_runtime": 321.0,
                "train_samples_per_second": 9.9,
                "train_steps_per_second": 0.62,
            }
        )
    return {
        "best_global_step": best[1] if best else None,
        "best_metric": best[0] if best else None,
        "best_model_checkpoint": f"{output_dir}/checkpoint-{best[1]}" if best else None,
        "epoch": round(done / per_epoch, 4),
        "eval_steps": eval_steps,
        "global_step": done,
        "is_hyper_param_search": False,
        "is_local_process_zero": True,
        "is_world_process_zero": True,
        "log_history": history,
        "logging_steps": logging_steps,
        "max_steps": n_steps,
        "num_input_tokens_seen": 0,
        "num_train_epochs": num_train_epochs,
        "save_steps": save_steps,
        "stateful_callbacks": {},
        "total_flos": 1.2e15,
        "train_batch_size": 8,
        "trial_name": None,
        "trial_params": None,
    }


def write_trainer_output(
    folder: Path, *, save_total_limit: int | None = None, root_state: bool = True, **options: Any
) -> list[int]:
    """Write a training output folder: ``checkpoint-N/trainer_state.json`` every ``save_steps`` (the newest
    ``save_total_limit`` kept) and, with ``root_state``, the final ``trainer_state.json`` (as
    ``trainer.save_state()`` does). Returns the checkpoint steps kept."""
    n_steps, save_steps = options.get("n_steps", 200), options.get("save_steps", 50)
    steps = list(range(save_steps, n_steps + 1, save_steps))
    kept = steps[-save_total_limit:] if save_total_limit else steps
    for step in kept:
        checkpoint = folder / f"checkpoint-{step}"
        checkpoint.mkdir(parents=True, exist_ok=True)
        (checkpoint / "trainer_state.json").write_text(
            json.dumps(trainer_state(upto=step, **options), indent=2)
        )
        (checkpoint / "model.safetensors").write_bytes(b"\0" * 16)
    if root_state:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "trainer_state.json").write_text(json.dumps(trainer_state(**options), indent=2))
    return kept
