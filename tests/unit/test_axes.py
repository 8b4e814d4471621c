import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from components.data.axes import _spikes, choice_range, robust_range
from components.data.best import best_checkpoint
from components.data.checkpoints import checkpoints_frame
from components.data.history import build_history
from components.data.metrics import metrics_of_kind
from components.domain import HistorySource

LOSSES = [metric.name for metric in metrics_of_kind("loss")]
ACCURACIES = [metric.name for metric in metrics_of_kind("accuracy")]


def test_ignores_a_spike():
    bottom, top = robust_range([pd.Series(np.linspace(1, 2, 100)), pd.Series([1e6, np.nan, np.inf])])
    assert bottom < 1.1
    assert 1.9 < top < 3


def test_log_bounds_are_log10_of_positive_values():
    bottom, top = robust_range([pd.Series([-1.0, 0.0, 1.0, 10.0, 100.0])], low=0, high=100, log=True)
    # log10 span 0..2 padded by 5 % of 2 on each side.
    assert (bottom, top) == pytest.approx((-0.1, 2.1))


def test_single_value_is_padded():
    assert robust_range([pd.Series([0.5, 0.5])]) == pytest.approx((0.475, 0.525))
    assert robust_range([pd.Series([0.0])]) == pytest.approx((-0.05, 0.05))


def test_nothing_finite():
    assert robust_range([]) is None
    assert robust_range([pd.Series([np.nan])]) is None
    assert robust_range([pd.Series([-1.0, 0.0])], log=True) is None


STEPS = np.arange(0, 101)
# A steep drop from 2.0 to 0.5 over the first 10 steps, then a slow fall to 0.32 at step 100.
TRAIN = np.where(STEPS <= 10, 2 - 0.15 * STEPS, 0.5 - 0.002 * (STEPS - 10))


def _run(checkpoint_metrics: dict[int, dict[str, float]] | None = None, **columns) -> tuple:
    """A history of ``TRAIN`` (and ``columns``) plus checkpoints at the given steps with their metrics."""
    checkpoints = checkpoints_frame(
        {"id": f"c{step}", "step_number": step, "metrics": metrics}
        for step, metrics in (checkpoint_metrics or {}).items()
    )
    results = pd.DataFrame({"step": STEPS, "train_loss": TRAIN, **columns})
    return build_history(checkpoints, results, HistorySource.RESULT_FILE), checkpoints


def test_without_checkpoints_the_last_70_percent_are_framed():
    history, checkpoints = _run()
    # From step 30 less a margin of 5: train 0.47 at step 25 to 0.32 at 100, padded by 5 % of 0.15.
    assert choice_range(history, checkpoints, LOSSES) == pytest.approx((0.3125, 0.4775))
    # The same on a log axis, in log10 units.
    low, high = np.log10(0.32), np.log10(0.47)
    pad = 0.05 * (high - low)
    assert choice_range(history, checkpoints, LOSSES, log=True) == pytest.approx((low - pad, high + pad))


def test_a_single_batch_spike_does_not_set_the_frame():
    valid = np.where(STEPS % 10 == 0, 0.57, np.nan)
    valid[STEPS == 60] = 10.1
    history, checkpoints = _run(valid_loss=valid)
    # 0.32 (train at 100) to 0.57 (batch validation without its spike), padded by 5 % of 0.25.
    assert choice_range(history, checkpoints, LOSSES) == pytest.approx((0.3075, 0.5825))


def test_late_checkpoints_frame_from_the_first_of_them():
    # OpenAI keeps the last epochs' checkpoints: at steps 80, 90 and 100.
    full = {80: 0.45, 90: 0.40, 100: 0.42}
    history, checkpoints = _run(
        {step: {"train_loss": float(TRAIN[step]), "full_valid_loss": value} for step, value in full.items()}
    )
    # From step 80 less 5: train 0.37 at step 75 down to 0.32; full validation up to 0.45.
    assert choice_range(history, checkpoints, LOSSES) == pytest.approx((0.32 - 0.0065, 0.45 + 0.0065))


def test_an_early_best_checkpoint_stays_in_view():
    full = {10: 0.3, 50: 0.5, 100: 0.6}
    history, checkpoints = _run(
        {step: {"train_loss": float(TRAIN[step]), "full_valid_loss": value} for step, value in full.items()}
    )
    # The best full validation is at step 10, inside the early drop: the frame starts at step 5 (train
    # 1.25) and reaches down to 0.3; the full range 0.3–2.0 is still 1.8 times taller.
    assert choice_range(history, checkpoints, LOSSES) == pytest.approx((0.3 - 0.0475, 1.25 + 0.0475))


def test_no_frame_when_it_would_not_zoom_in_much():
    history, checkpoints = _run()
    linear = history.assign(train_loss=1 - history["step"] / 200)
    # Steps 25–100 span 0.875–0.5, three quarters of the full 1.0–0.5: not worth leaving the full range.
    assert choice_range(linear, checkpoints, LOSSES) is None
    assert choice_range(history, checkpoints, ACCURACIES) is None
    assert choice_range(history.iloc[0:0], checkpoints, LOSSES) is None
    assert choice_range(history.assign(train_loss=0.5), checkpoints, LOSSES) is None


def test_spikes_are_single_points_away_from_both_neighbours():
    assert _spikes(np.array([0.57, 0.57, 10.1, 0.57, 0.57])).tolist() == [False, False, True, False, False]
    # A minimum, a one-sided drop and the ends are not spikes.
    assert not _spikes(np.array([1.0, 0.8, 0.7, 0.8, 0.9])).any()
    assert not _spikes(np.array([1.0, 1.0, 1.0, 0.2, 0.2, 0.2])).any()
    assert not _spikes(np.array([9.0, 1.0, 1.0, 1.0, 9.0])).any()


finite_losses = st.one_of(st.floats(0.001, 20), st.just(np.nan))


@settings(max_examples=150, deadline=None)
@given(
    st.lists(finite_losses, min_size=3, max_size=60),
    st.lists(finite_losses, min_size=3, max_size=60),
    st.lists(st.tuples(st.integers(0, 59), finite_losses, finite_losses), max_size=6),
    st.booleans(),
)
def test_the_checkpoints_a_metric_ranks_best_are_always_in_the_frame(train, valid, marks, log):
    size = min(len(train), len(valid))
    results = pd.DataFrame({"step": np.arange(size), "train_loss": train[:size], "valid_loss": valid[:size]})
    checkpoints = checkpoints_frame(
        {"id": f"c{step}", "step_number": step, "metrics": {"train_loss": a, "full_valid_loss": b}}
        for step, a, b in marks
    )
    history = build_history(checkpoints, results, HistorySource.RESULT_FILE)
    framed = choice_range(history, checkpoints, LOSSES, log=log)
    if framed is None:
        return
    low, high = framed
    assert low < high
    for name in ("train_loss", "valid_loss", "full_valid_loss"):
        best = best_checkpoint(checkpoints, name)
        if best is None:
            continue
        value = history.loc[history["step"] == best["step"], name].iloc[0]
        if np.isfinite(value):
            assert low <= (np.log10(value) if log else value) <= high
    everything = history[["train_loss", "valid_loss", "full_valid_loss"]].to_numpy().ravel()
    everything = everything[np.isfinite(everything)]
    everything = np.log10(everything) if log else everything
    # Inside the full range, and at least 1.5 times shorter (padding aside; a flat frame is padded by 5 %
    # of its value).
    tolerance = 1e-9 * max(1.0, float(np.abs(everything).max()))  # the midpoint of a padded flat frame
    assert everything.min() - tolerance <= (low + high) / 2 <= everything.max() + tolerance
    full = everything.max() - everything.min()
    assert high - low <= 1.1 * full / 1.5 + 0.1 * np.abs(everything).max()
