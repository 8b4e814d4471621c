import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.data.epochs import elapsed_seconds, epoch_ends, epoch_lines, steps_per_epoch, to_epoch


def test_steps_per_epoch_from_hyperparameters():
    assert steps_per_epoch(n_epochs=3, total_steps=1000, checkpoint_steps=[500, 1000]) == pytest.approx(
        1000 / 3
    )


@pytest.mark.parametrize("n_epochs", ["auto", None])
def test_steps_per_epoch_from_checkpoint_spacing(n_epochs):
    # Only the last 3 epochs' checkpoints survive; their spacing is still one epoch.
    assert steps_per_epoch(n_epochs=n_epochs, total_steps=1200, checkpoint_steps=[1200, 600, 900, 900]) == 300


def test_steps_per_epoch_unknown():
    assert steps_per_epoch(n_epochs="auto", total_steps=1200, checkpoint_steps=[1200]) is None
    assert steps_per_epoch(n_epochs=4, total_steps=None, checkpoint_steps=[]) is None


def test_epoch_ends_include_the_last_step_despite_float_rounding():
    ends = epoch_ends(1000 / 3, 1000)
    assert len(ends) == 3
    assert ends[-1] == pytest.approx(1000)
    assert epoch_ends(300, 899) == [300, 600]


def test_to_epoch():
    epochs = to_epoch(pd.Series([0, 150, 300, 450], index=[5, 6, 7, 8]), 300)
    assert epochs.tolist() == [0.0, 0.5, 1.0, 1.5]
    assert epochs.index.tolist() == [5, 6, 7, 8]


def _anchors(steps, seconds):
    return pd.DataFrame({"step": steps, "created_at": pd.to_datetime(seconds, unit="s", utc=True)})


def test_elapsed_seconds_interpolates_and_extrapolates_from_step_zero():
    # 2 s per step up to step 200, then 3 s per step; NaT anchors are ignored.
    anchors = _anchors([100, 200, 300, 250], [1_700_000_200, 1_700_000_400, 1_700_000_700, None])
    elapsed = elapsed_seconds(pd.Series([0, 50, 100, 150, 300, 400]), anchors)
    assert elapsed.tolist() == pytest.approx([0, 100, 200, 300, 700, 1000])


def test_elapsed_seconds_clips_before_step_zero_and_needs_two_anchors():
    anchors = _anchors([100, 200], [1_700_000_000, 1_700_000_100])
    assert elapsed_seconds(pd.Series([-50]), anchors).tolist() == [0]
    assert elapsed_seconds(pd.Series([0, 1]), _anchors([100, 100], [1_700_000_000, 1_700_000_050])) is None


def test_epoch_ends_are_counted_before_a_list_is_built():
    # 100 ends fit: 10, 20, …, 1000. One more than MAX_EPOCH_ENDS and there are none to draw.
    assert epoch_ends(10, 1000) == [10 * k for k in range(1, 101)]
    assert epoch_ends(10, 1010) == []
    # A thousand epochs per step (n_epochs 10^7 over 10,000 steps): 10^6 ends, none built.
    assert epoch_ends(0.001, 1_000) == []
    assert epoch_ends(3, 10, limit=2) == []
    assert epoch_ends(3, 10, limit=3) == [3, 6, 9]


@pytest.mark.parametrize(
    ("spe", "last_step"),
    [(float("nan"), 100), (10, float("nan")), (10, float("inf"))],
)
def test_epoch_ends_of_nonsense_are_empty(spe, last_step):
    assert epoch_ends(spe, last_step) == []


def test_an_epoch_shorter_than_a_step_is_not_believed():
    # n_epochs 10^7 over 10,000 steps would be 0.001 steps per epoch: the checkpoints' spacing wins.
    assert steps_per_epoch(n_epochs=10_000_000, total_steps=10_000, checkpoint_steps=[2500, 5000]) == 2500
    # 4 epochs in 3 steps, and no checkpoints to fall back on.
    assert steps_per_epoch(n_epochs=4, total_steps=3, checkpoint_steps=[]) is None


@pytest.mark.parametrize(("n_epochs", "total_steps"), [(20_000, 10**8), (4, 10**10), (4, 2**63), (4, True)])
def test_hyperparameters_out_of_bounds_fall_back_to_checkpoint_spacing(n_epochs, total_steps):
    # MAX_EPOCHS is 10,000 and MAX_STEP 10^9; booleans are not counts.
    assert (
        steps_per_epoch(n_epochs=n_epochs, total_steps=total_steps, checkpoint_steps=[100, 300, 200]) == 100
    )


def test_few_epoch_ends_are_all_drawn():
    assert epoch_lines([100.0, 200.0, 300.0]) == [100.0, 200.0, 300.0]
    assert epoch_lines(list(range(1, 13))) == list(range(1, 13))
    assert epoch_lines([]) == []


def test_many_epoch_ends_thin_to_a_round_stride_with_the_last():
    # 40 epochs of 500 steps (the 20,000-step run): every 5th epoch, 8 lines, the last included.
    ends = [500.0 * epoch for epoch in range(1, 41)]
    assert epoch_lines(ends) == [2_500.0 * k for k in range(1, 9)]
    # 13 epochs: every 2nd, and epoch 13 after epoch 12.
    assert epoch_lines(list(range(1, 14))) == [2, 4, 6, 8, 10, 12, 13]
    # 41 epochs: epoch 40 would sit one epoch from the last, less than half a stride of 5: dropped.
    assert epoch_lines(list(range(1, 42))) == [5, 10, 15, 20, 25, 30, 35, 41]
    # 100 epochs (the allocation cap): every 10th.
    assert epoch_lines(list(range(1, 101))) == list(range(10, 101, 10))
    assert epoch_lines(list(range(1, 26)), limit=3) == [10, 20, 25]


@given(st.integers(0, 3_000), st.integers(1, 40))
def test_epoch_lines_are_few_evenly_spaced_and_end_at_the_last(count, limit):
    ends = [7.0 * epoch for epoch in range(1, count + 1)]
    lines = epoch_lines(ends, limit)
    assert len(lines) <= max(limit, 1) and set(lines) <= set(ends)
    assert lines == sorted(lines)
    if ends:
        assert lines[-1] == ends[-1]
        gaps = np.diff(lines[:-1])
        assert len(set(gaps)) <= 1  # one stride, except before the last line
