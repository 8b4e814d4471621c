"""Jobs that train while a test watches: the API shows the first ``done`` steps of a finished run.

A :class:`GrowingRun` (OpenAI or Azure shapes) or :class:`GrowingTogetherRun` is built from the finished
run of the same arguments, so every id, value and time a running view shows is the one the finished run
has: advancing adds the next steps' metrics events (and, at each epoch end, the checkpoint and a
"Checkpoint created" message event); finishing adds the closing events and the final job object (its
fine-tuned model, result file, trained tokens), or a failed or cancelled job. The stand-in serves
:meth:`view` and advances it on command (``StandInServer.advance`` / ``finish``).
"""

from __future__ import annotations

import bisect
import hashlib
from dataclasses import dataclass, field, replace
from typing import Literal

from .azure import make_azure_run
from .synthetic import DEFAULT_START, SyntheticRun, _at, make_run
from .together import _SECONDS_PER_STEP, TogetherRun, _iso, make_together_run

Ending = Literal["succeeded", "failed", "cancelled"]
TogetherEnding = Literal["completed", "error", "cancelled"]
FAILURE = "Fine-tuning job failed: the training process stopped unexpectedly."


def _event_id(job_id: str, what: str) -> str:
    return "ftevent-" + hashlib.sha256(f"{job_id}:{what}".encode()).hexdigest()[:24]


def _message(job_id: str, what: str, created_at: int, message: str, level: str = "info") -> dict:
    return {
        "object": "fine_tuning.job.event",
        "id": _event_id(job_id, what),
        "created_at": created_at,
        "level": level,
        "message": message,
        "type": "message",
        "data": None,
    }


@dataclass
class GrowingRun:
    """An OpenAI-shaped job (``provider`` "openai" or "azure") at step ``done`` of ``n_steps``."""

    final: SyntheticRun  # the succeeded run, every epoch's checkpoint kept (newest first)
    timeline: list[dict]  # every event up to the last step, oldest first, checkpoint messages included
    positions: list[int]  # positions[s]: how many timeline events exist once step s is done
    endings: list[dict]  # the succeeded run's closing events, oldest first
    steps_per_epoch: int
    kept: int
    provider: Literal["openai", "azure"] = "openai"
    done: int = 0
    status: str = "running"
    _ending: list[dict] = field(default_factory=list)

    @property
    def job_id(self) -> str:
        return self.final.job["id"]

    @property
    def n_steps(self) -> int:
        return len(self.positions) - 1

    def advance(self, steps: int = 1) -> None:
        """``steps`` more steps done (never past the last; nothing once the job has ended)."""
        if self.status == "running":
            self.done = min(self.n_steps, self.done + max(0, steps))

    def finish(self, status: Ending = "succeeded") -> None:
        """End the job: succeeded (every step done), failed or cancelled (where it is)."""
        if self.status != "running":
            return
        self.status = status
        end = _at(self.final.job["created_at"], self.done) + 30
        if status == "succeeded":
            self.done = self.n_steps
            self._ending = list(self.endings)
        elif status == "failed":
            self._ending = [_message(self.job_id, "failed", end, FAILURE, "error")]
        else:
            self._ending = [_message(self.job_id, "cancelled", end, "Fine-tuning job cancelled.")]

    def view(self) -> SyntheticRun:
        """What the API shows now."""
        final = self.final
        events = self.timeline[: self.positions[self.done]] + self._ending
        checkpoints = [item for item in final.checkpoints if item["step_number"] <= self.done][: self.kept]
        if self.status == "succeeded":
            return replace(final, checkpoints=checkpoints, events=events[::-1])
        job = final.job | {
            "status": self.status,
            "fine_tuned_model": None,
            "trained_tokens": None,
            "result_files": [],
            "finished_at": None,
            "estimated_finish": final.job["finished_at"],
        }
        if self.status != "running":
            ended = self._ending[-1]["created_at"]
            job |= {"finished_at": ended, "estimated_finish": None}
        if self.status == "failed":
            job["error"] = {"code": "server_error", "message": FAILURE, "param": None}
        return SyntheticRun(job, checkpoints, events[::-1], {})


def make_growing_run(
    job_id: str,
    *,
    n_steps: int = 300,
    n_epochs: int = 3,
    done: int = 0,
    provider: Literal["openai", "azure"] = "openai",
    kept_checkpoints: int = 3,
    seed: int = 7,
    with_validation: bool = True,
    start: int = DEFAULT_START,
) -> GrowingRun:
    """A running job at step ``done`` whose finished run is ``make_run`` (or ``make_azure_run``) of the same
    arguments."""
    options = {
        "n_steps": n_steps,
        "n_epochs": n_epochs,
        "seed": seed,
        "with_validation": with_validation,
        "start": start,
        "kept_checkpoints": n_epochs,
    }
    final = make_azure_run(job_id, **options) if provider == "azure" else make_run(job_id, **options)
    chronological = final.events[::-1]  # started, step 1 … step n, model created, completed
    spe = n_steps // n_epochs
    timeline, positions = [chronological[0]], [1]
    for step in range(1, n_steps + 1):
        timeline.append(chronological[step])
        if step % spe == 0:
            created_at = _at(start, step)
            timeline.append(
                _message(job_id, f"checkpoint-{step}", created_at, f"Checkpoint created at step {step}")
            )
        positions.append(len(timeline))
    run = GrowingRun(
        final,
        timeline,
        positions,
        chronological[n_steps + 1 :],
        spe,
        kept_checkpoints,
        provider,
    )
    run.advance(done)
    return run


@dataclass
class GrowingTogetherRun:
    """A Together job at step ``done`` of ``n_steps``."""

    final: TogetherRun  # the completed run
    metric_steps: list[int]  # each metric record's step, in the final run's order (ascending)
    per_epoch: int
    eval_every: int
    start: int
    done: int = 0
    status: str = "running"

    @property
    def job_id(self) -> str:
        return self.final.job["id"]

    @property
    def n_steps(self) -> int:
        return self.final.job["total_steps"]

    def _at(self, step: int) -> int:
        """When ``step`` was done, as the finished run's metric records say (``make_together_run``)."""
        return self.start + 60 + _SECONDS_PER_STEP * step

    def advance(self, steps: int = 1) -> None:
        if self.status == "running":
            self.done = min(self.n_steps, self.done + max(0, steps))

    def finish(self, status: TogetherEnding = "completed") -> None:
        if self.status != "running":
            return
        self.status = status
        if status == "completed":
            self.done = self.n_steps

    def _events(self) -> list[dict]:
        events = [dict(self.final.job["events"][0])]
        events.append(_together_event(self._at(0), "Training started", "TRAINING_START"))
        for step in range(self.per_epoch, self.done + 1, self.per_epoch):
            if step < self.n_steps or self.status == "completed":
                events.append(
                    _together_event(self._at(step), f"Epoch completed at step {step}", "EPOCH_COMPLETE")
                )
            if step < self.n_steps:
                events.append(
                    _together_event(self._at(step), f"Checkpoint saved at step {step}", "CHECKPOINT_SAVE")
                )
        end = self._at(self.done) + 30
        if self.status == "completed":
            events.append(_together_event(end, "Job finished", "JOB_COMPLETE"))
        elif self.status == "error":
            events.append(_together_event(end, "Training failed: out of memory", "JOB_ERROR", "error"))
        elif self.status == "cancelled":
            events.append(_together_event(end, "Job cancelled", "JOB_STOPPED"))
        return events

    def view(self) -> TogetherRun:
        final = self.final
        metrics = final.metrics[: bisect.bisect_right(self.metric_steps, self.done)]
        checkpoints = [
            item
            for item in final.checkpoints
            if (item["checkpoint_type"] == "Intermediate" and item["step"] <= self.done)
            or self.status == "completed"
        ]
        finished = self.status != "running"
        job = final.job | {
            "status": self.status,
            "steps_completed": self.done,
            "epochs_completed": self.done // self.per_epoch,
            "evals_completed": self.done // self.eval_every if self.eval_every else 0,
            "updated_at": _iso(self._at(self.done) + (30 if finished else 0)),
            "events": self._events(),
        }
        return TogetherRun(job, checkpoints, metrics, job["events"])


def _together_event(at: int, message: str, kind: str, level: str = "Info") -> dict:
    return {
        "object": "fine-tune-event",
        "created_at": _iso(at),
        "level": level,
        "message": message,
        "type": kind,
    }


def make_growing_together_run(
    job_id: str,
    *,
    n_steps: int = 120,
    n_epochs: int = 3,
    done: int = 0,
    n_evals: int | None = None,
    with_validation: bool = True,
    seed: int = 11,
    start: int = DEFAULT_START,
) -> GrowingTogetherRun:
    """A running Together job at step ``done`` whose completed run is ``make_together_run`` of the same
    arguments."""
    final = make_together_run(
        job_id,
        n_steps=n_steps,
        n_epochs=n_epochs,
        n_evals=n_evals,
        with_validation=with_validation,
        seed=seed,
        start=start,
    )
    evals = n_epochs if n_evals is None else n_evals
    eval_every = n_steps // evals if with_validation and evals else 0
    steps = [record["train/global_step"] for record in final.metrics]
    run = GrowingTogetherRun(final, steps, n_steps // n_epochs, eval_every, start)
    run.advance(done)
    return run
