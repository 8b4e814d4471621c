"""Synthetic jobs that show the reading problems of issue 7, for browser tests, screenshots and demos.

Each is an ordinary ``make_run`` job with one trait: many steps and checkpoints, no validation data, a
job still running, or the run's best point at an epoch whose checkpoint was not kept. Each has a seed of
its own: a run's file ids come from its seed, and one stand-in serves every file by id, so two runs of
one seed would serve each other's result files.
"""

from __future__ import annotations

from devtools.standin.synthetic import SyntheticRun, make_run

LONG = "ftjob-long"
"""20,000 steps over 40 epochs with a checkpoint kept at every epoch end: 40 checkpoints."""
NO_VALIDATION = "ftjob-novalidation"
"""No validation file: training metrics only, so overfitting cannot be judged."""
RUNNING = "ftjob-running"
"""60 % through 480 steps, read from its metrics events."""
UNSAVED_BEST = "ftjob-unsaved"
"""Only the last two of four epochs kept: the run was at its best at the first epoch end, unsaved."""


def showcase_runs() -> dict[str, SyntheticRun]:
    """Every showcase job by id, built fresh (a 20,000-step run takes a fraction of a second)."""
    return {
        LONG: make_run(LONG, n_steps=20_000, n_epochs=40, kept_checkpoints=40, seed=43),
        NO_VALIDATION: make_run(NO_VALIDATION, with_validation=False, seed=22),
        RUNNING: make_run(RUNNING, status="running", progress=0.6, result_file=None, seed=24),
        UNSAVED_BEST: make_run(UNSAVED_BEST, kept_checkpoints=2, seed=23),
    }
