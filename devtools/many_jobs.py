"""Many finished OpenAI-shaped jobs on the stand-in, each with a training file of its own, for "Save all
runs": shared by its tests, its benchmark and the screenshots."""

from __future__ import annotations

import json
from dataclasses import replace

from devtools.standin import Fault, StandInServer, SyntheticRun, make_run

START = 1_732_000_000


def training_file(job_id: str, examples: int = 20) -> bytes:
    """A small chat JSONL training file that names its job (so two jobs' files differ)."""
    line = {
        "messages": [
            {"role": "user", "content": f"Hello from {job_id}"},
            {"role": "assistant", "content": "Hi"},
        ]
    }
    return (json.dumps(line) + "\n").encode() * examples


def job(n: int, *, n_steps: int = 40, training: bytes | None = None) -> SyntheticRun:
    """The ``n``-th job (``ftjob-0007``), created ``n`` seconds after the first, with its training file."""
    job_id = f"ftjob-{n:04d}"
    run = make_run(job_id, n_steps=n_steps, n_epochs=2, seed=n, start=START + n)
    content = training_file(job_id) if training is None else training
    return replace(run, files={**run.files, run.job["training_file"]: content})


def add_jobs(
    standin: StandInServer, count: int, *, n_steps: int = 40, faults: dict[int, list[Fault]] | None = None
) -> list[str]:
    """``count`` finished jobs and one running one; the finished ids, newest first (the list's order)."""
    for n in range(count):
        standin.add_run(job(n, n_steps=n_steps), (faults or {}).get(n, []))
    running = make_run("ftjob-live", n_steps=n_steps, n_epochs=2, status="running", progress=0.5, start=START)
    standin.add_run(running)
    return [f"ftjob-{n:04d}" for n in range(count)][::-1]
