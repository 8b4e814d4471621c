"""Epochs as the file logs them win over the epoch length we derive (issue 15, item 7)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from components.charts.options import ViewOptions, XMode
from components.charts.view import ChartRun, build_display, run_axes
from components.data.checkpoints import checkpoints_frame
from components.data.epochs import LoggedEpochs, logged_epochs
from components.data.metrics import METRICS
from components.domain import RunRef
from components.sources.run_files import Origin, run_from_bytes

TRAINERS = Path(__file__).parents[1] / "fixtures" / "trainers"
ORIGIN = Origin(RunRef("upload", "trainer_state-0123456789"), "Uploaded files", "trainer_state.json")
EPOCHS = ViewOptions(x_mode=XMode.EPOCH, smoothing=0.0)
NO_CHECKPOINTS = checkpoints_frame([])


def _history(steps: list[float], epochs: list[float]) -> pd.DataFrame:
    """A history with the six OpenAI columns (training loss only) and the file's ``epoch``."""
    frame = pd.DataFrame({"step": steps, "epoch": epochs, "created_at": pd.NaT})
    return frame.assign(**{metric.name: np.nan for metric in METRICS}).assign(train_loss=1.0)


@pytest.mark.parametrize("name", ["classifier_f1", "sft_two_eval_sets", "seq2seq_rouge", "grpo"])
def test_a_trainers_epoch_axis_is_the_epoch_its_log_states(name: str) -> None:
    state = json.loads((TRAINERS / name / "trainer_state.json").read_bytes())
    logged = {entry["step"]: entry["epoch"] for entry in state["log_history"] if "epoch" in entry}
    run = run_from_bytes((TRAINERS / name / "trainer_state.json").read_bytes(), ORIGIN)
    axes = run_axes(
        run.history,
        run.checkpoints,
        n_epochs=run.summary.hyperparameters.n_epochs,
        total_steps=run.total_steps,
    )

    assert XMode.EPOCH in axes.modes
    steps = pd.Series(sorted(logged), dtype="float64")
    assert axes.to_x(XMode.EPOCH, steps).tolist() == pytest.approx([logged[step] for step in sorted(logged)])
    display = build_display(ChartRun(run.history, run.checkpoints, axes), options=EPOCHS)
    whole = range(1, int(max(logged.values())) + 1)
    assert list(display.view.epoch_ends) == pytest.approx(list(whole))


def test_the_files_epochs_win_over_max_steps() -> None:
    # max_steps 2,400 over 1 epoch would make step 2,400 epoch 1.0; the file says it is epoch 0.32.
    steps = [800.0, 1600.0, 2400.0]
    history = _history(steps, [s / 7500 for s in steps])
    axes = run_axes(history, NO_CHECKPOINTS, n_epochs=1, total_steps=2400)
    assert axes.steps_per_epoch == 2400  # the derivation, kept for runs that log no epochs

    assert axes.to_x(XMode.EPOCH, pd.Series([1200.0, 2400.0])).tolist() == pytest.approx([0.16, 0.32])
    display = build_display(ChartRun(history, NO_CHECKPOINTS, axes), options=EPOCHS)
    assert list(display.view.epoch_ends) == []  # not one whole epoch was trained
    assert display.history["x"].tolist() == pytest.approx([0.32 / 3, 0.64 / 3, 0.32])


def test_epoch_ends_sit_where_the_logged_epoch_turns_whole() -> None:
    # 4 epochs over 500 steps by the job; the file logs 2 epochs at step 500, unevenly.
    history = _history([100, 200, 300, 400, 500], [0.5, 0.9, 1.2, 1.6, 2.0])
    axes = run_axes(history, NO_CHECKPOINTS, n_epochs=4, total_steps=500)
    display = build_display(ChartRun(history, NO_CHECKPOINTS, axes), options=EPOCHS)
    assert list(display.view.epoch_ends) == pytest.approx([1.0, 2.0])  # in epochs on the epoch axis
    steps_display = build_display(ChartRun(history, NO_CHECKPOINTS, axes), options=ViewOptions(smoothing=0.0))
    assert list(steps_display.view.epoch_ends) == pytest.approx([700 / 3, 500.0])  # 0.9 → 1.2 over 100 steps


def test_a_running_jobs_epoch_lines_go_on_at_the_runs_rate() -> None:
    history = _history([100, 200], [0.25, 0.5])
    run = ChartRun(
        history, NO_CHECKPOINTS, run_axes(history, NO_CHECKPOINTS, n_epochs=None, total_steps=None)
    )
    display = build_display(
        ChartRun(run.history, run.checkpoints, run.axes, total_steps=1000), options=ViewOptions(smoothing=0.0)
    )
    assert list(display.view.epoch_ends) == pytest.approx([400.0, 800.0])


def test_logged_epochs_never_run_backwards_and_skip_nonsense() -> None:
    history = _history([10, 20, 20, 30, 40, 50], [0.1, 0.2, 0.25, 0.2, np.nan, -1.0])
    logged = logged_epochs(history)
    assert logged == LoggedEpochs(steps=(0.0, 10.0, 20.0, 30.0), epochs=(0.0, 0.1, 0.25, 0.25))
    assert logged.at(pd.Series([5.0, 40.0])).tolist() == pytest.approx([0.05, 0.25 + 10 * 0.25 / 30])


@pytest.mark.parametrize(
    "history",
    [
        pd.DataFrame({"step": [1, 2], "train_loss": [1.0, 0.9]}),  # no epoch column (OpenAI, Together)
        _history([1, 2], [np.nan, np.nan]),
        _history([0, 1], [0.0, 0.0]),
    ],
)
def test_no_logged_epochs_fall_back_to_the_derivation(history: pd.DataFrame) -> None:
    assert logged_epochs(history) is None


def test_a_file_claiming_millions_of_epochs_builds_no_epoch_ends() -> None:
    logged = logged_epochs(_history([10, 20], [1e6, 2e6]))
    assert logged is not None
    assert logged.ends(20) == []
    assert logged.ends(float("inf")) == []
    assert logged_epochs(_history([10, 20], [1.0, 2.0])).ends(30) == pytest.approx([10.0, 20.0, 30.0])
