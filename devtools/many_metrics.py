"""A run that logs many metrics beyond the six OpenAI columns, for the "More metrics" tests and benchmarks:
noisy training series, bookkeeping, reward functions under ``rewards/``, and evaluations every
``eval_every`` steps under ``eval_`` and ``eval_rewards/``, as a trainer logs them (NaN between logs);
as a run in memory, or as a stand-in job whose result file logs them."""

from __future__ import annotations

import base64
import io
from dataclasses import replace

import numpy as np
import pandas as pd

from components.domain import RunData
from devtools.standin import SyntheticRun

# (prefix, base names) cycled through until the run has the metrics asked for.
TRAINING = ("reward", "reward_std", "kl", "entropy", "grad_norm", "learning_rate", "num_tokens")
FOLDERS = ("rewards/reward_{i}/mean", "completions/mean_length_{i}", "train/aux_loss_{i}")
EVALUATIONS = ("eval_f1_{i}", "eval_rewards/margins_{i}", "eval_wer_{i}")


def metric_names(n_metrics: int) -> list[str]:
    """``n_metrics`` distinct names: the bare training series first, then folders and evaluations in turn."""
    names = list(TRAINING[:n_metrics])
    patterns = [*FOLDERS, *EVALUATIONS]
    i = 0
    while len(names) < n_metrics:
        names.append(patterns[i % len(patterns)].format(i=i // len(patterns)))
        i += 1
    return names


def _series(name: str, steps: np.ndarray, rng: np.random.Generator, eval_every: int) -> np.ndarray:
    progress = steps / max(steps.max(), 1)
    values = 1 + np.exp(-3 * progress) + rng.normal(0, 0.1, len(steps))
    if name.startswith("eval_"):
        values = np.where(steps % eval_every == 0, values, np.nan)
    return values


def with_many_metrics(run: RunData, n_metrics: int, *, eval_every: int = 100, seed: int = 3) -> RunData:
    """``run`` with ``n_metrics`` more columns in its history, and their values at its checkpoints."""
    history = run.history
    steps = history["step"].to_numpy(dtype="float64")
    extra = pd.DataFrame(_extra_columns(steps, n_metrics, eval_every, seed), index=history.index)
    at_checkpoints = pd.concat([history[["step"]], extra], axis=1).drop_duplicates("step").set_index("step")
    checkpoints = run.checkpoints.join(at_checkpoints, on="step")
    return replace(run, history=pd.concat([history, extra], axis=1), checkpoints=checkpoints)


def _extra_columns(steps: np.ndarray, n_metrics: int, eval_every: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {name: _series(name, steps, rng, eval_every) for name in metric_names(n_metrics)}


def served_with_many_metrics(
    run: SyntheticRun, n_metrics: int, *, eval_every: int = 100, seed: int = 3
) -> SyntheticRun:
    """The stand-in job ``run`` whose base64 result file logs ``n_metrics`` more columns (read as extras)."""
    [(file_id, body)] = run.files.items()
    frame = pd.read_csv(io.BytesIO(base64.b64decode(body)))
    extra = _extra_columns(frame["step"].to_numpy(dtype="float64"), n_metrics, eval_every, seed)
    csv = frame.assign(**extra).to_csv(index=False, lineterminator="\n").encode()
    return replace(run, files={file_id: base64.b64encode(csv)})
