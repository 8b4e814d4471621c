"""Finished runs for the archive's tests and benchmarks: long, with every kind of value a run can hold
(extras, NaN, infinities, -0.0, missing text, notes, the provider's own best), built from the stand-in's
synthetic result file through the real parser, with no network."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd

from components.domain import (
    Hyperparameters,
    Note,
    NoteKind,
    Provenance,
    ProviderBest,
    RunData,
    RunRef,
    RunStatus,
)
from components.sources.run_files import Origin, run_from_result_csv
from devtools.standin import make_run

START = 1_732_000_000


def finished_run(
    run_id: str = "ftjob-archive",
    *,
    n_steps: int = 1_000,
    source: str = "openai",
    seed: int = 7,
    status: RunStatus = RunStatus.SUCCEEDED,
    created: int = START,
) -> RunData:
    """A finished ``source:run_id`` run of ``n_steps`` steps (a multiple of 4), odd values included."""
    synthetic = make_run(run_id, n_steps=n_steps, seed=seed, result_file="plain", start=created)
    [csv] = synthetic.files.values()
    run = run_from_result_csv(csv, Origin(RunRef(source, run_id), "OpenAI", f"{run_id}.csv"))
    history = run.history.copy()
    history["learning_rate"] = np.linspace(2e-5, 0.0, len(history))
    history.loc[0, "train_loss"] = math.inf
    history.loc[1, "train_loss"] = -math.inf
    history.loc[2, "train_loss"] = -0.0
    history.loc[3, "train_loss"] = 0.1 + 0.2
    history.loc[4, "model"] = pd.NA
    summary = replace(
        run.summary,
        status=status,
        provider_status=status.value,
        name=f"run {run_id}",
        base_model="gpt-4o-mini-2024-07-18",
        fine_tuned_model=f"ft:gpt-4o-mini-2024-07-18:my-org:{run_id}",
        suffix="archive",
        created_at=pd.Timestamp(created, unit="s", tz="UTC"),
        hyperparameters=Hyperparameters(n_epochs=4, batch_size="auto", learning_rate_multiplier=1.8),
        trained_tokens=123_456,
    )
    return replace(
        run,
        summary=summary,
        history=history,
        provenance=Provenance(
            "openai", "OpenAI", "http://127.0.0.1/v1", pd.Timestamp(created + 9_000, unit="s", tz="UTC")
        ),
        notes=(*run.notes, Note(NoteKind.INFO, "A note with ünïcode and <b>markup</b> kept as text.")),
        unavailable={"accuracy": "not logged"},
        provider_best=ProviderBest("The provider's pick", checkpoint_id=None, step=n_steps // 2, value=0.5),
    )
