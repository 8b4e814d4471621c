"""Property tests over payloads a hostile API or file could send: the parsers' bounds hold for all of them.

Each property says what must be true of any payload: the parsers raise nothing but the project's data
errors, no step leaves 0..MAX_STEP, no time leaves the plausible window, and nothing the server sends
sizes a list (epoch ends, markers, result rows stay under their caps).
"""

from __future__ import annotations

import time
import tracemalloc
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components.charts.options import ViewOptions, XMode, YRange
from components.charts.view import ChartRun, build_display, run_axes
from components.data import results_file
from components.data.bounds import EARLIEST_TIME, MAX_EPOCHS, MAX_STEP, YEARS_AHEAD
from components.data.checkpoints import checkpoints_frame
from components.data.downsample import evenly_spaced
from components.data.epochs import MAX_EPOCH_ENDS, epoch_ends, steps_per_epoch
from components.data.events import metrics_events_frame, total_steps
from components.data.history import build_history
from components.data.job import parse_job
from components.data.metrics import METRIC_NAMES
from components.data.results_file import ResultFileError, decode_result_file, results_frame
from components.domain import AUTO, HistorySource, Note

# Numbers near every edge: the bounds, int64 and float limits, seconds and milliseconds, NaN and infinity.
EDGES = [0, 1, -1, 2.5, MAX_STEP, MAX_STEP + 1, 1e20, 10**20, 2**63, 2**64, 10**400, 1_721_764_800]
EDGES += [1_721_764_800_000, 10**14, 4_000_000_000, float("nan"), float("inf"), -float("inf")]
numbers = st.one_of(
    st.sampled_from(EDGES),
    st.integers(min_value=-(10**25), max_value=10**25),
    st.floats(allow_nan=True, allow_infinity=True),
)
anything = st.one_of(
    numbers,
    st.none(),
    st.booleans(),
    st.text(max_size=8),
    st.sampled_from(["12", "1e20", "nan", "auto", "-3"]),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
metrics = st.dictionaries(st.sampled_from([*METRIC_NAMES, "step", "total_steps"]), anything, max_size=8)
checkpoint = st.fixed_dictionaries(
    {
        "id": st.one_of(st.text(min_size=1, max_size=12), anything),
        "step_number": anything,
        "created_at": anything,
        "fine_tuned_model_checkpoint": st.one_of(st.text(max_size=20), anything),
        "metrics": st.one_of(metrics, anything),
    }
)
event = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["metrics", "message", None]),
        "created_at": anything,
        "data": st.one_of(metrics.map(lambda data: {"step": 1, **data}), anything),
    }
)
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _window() -> tuple[pd.Timestamp, pd.Timestamp]:
    latest = time.time() + (YEARS_AHEAD + 0.01) * 365.25 * 86400
    return pd.Timestamp(EARLIEST_TIME, unit="s", tz="UTC"), pd.Timestamp(latest, unit="s", tz="UTC")


def _assert_steps_in_bounds(steps: pd.Series) -> None:
    assert steps.dtype == "int64"
    assert ((steps >= 0) & (steps <= MAX_STEP)).all()


def _assert_times_in_window(times: pd.Series) -> None:
    earliest, latest = _window()
    known = times.dropna()
    assert ((known >= earliest) & (known <= latest)).all()


@PROPERTY
@given(st.lists(st.one_of(checkpoint, anything), max_size=12))
def test_checkpoint_payloads_never_raise_and_stay_in_bounds(records: list[Any]) -> None:
    notes: list[Note] = []
    frame = checkpoints_frame(records, notes=notes)
    _assert_steps_in_bounds(frame["step"])
    _assert_times_in_window(frame["created_at"])
    assert frame["checkpoint_id"].is_unique
    assert all(isinstance(note, Note) and isinstance(note.text, str) for note in notes)


@PROPERTY
@given(st.lists(st.one_of(event, anything), max_size=12))
def test_event_payloads_never_raise_and_stay_in_bounds(events: list[Any]) -> None:
    notes: list[Note] = []
    frame = metrics_events_frame(events, notes=notes)
    _assert_steps_in_bounds(frame["step"])
    _assert_times_in_window(frame["created_at"])
    assert frame["step"].is_unique
    total = total_steps(frame)
    assert total is None or 1 <= total <= MAX_STEP


@PROPERTY
@given(
    st.fixed_dictionaries(
        {
            "id": st.text(min_size=1, max_size=10),
            "created_at": anything,
            "finished_at": anything,
            "estimated_finish": anything,
            "trained_tokens": anything,
            "hyperparameters": st.dictionaries(
                st.sampled_from(["n_epochs", "batch_size", "learning_rate_multiplier"]), anything
            ),
        }
    )
)
def test_job_payloads_never_raise_and_stay_in_bounds(obj: dict[str, Any]) -> None:
    job = parse_job(obj, run_id="ftjob-asked", notes=[])  # as a load reads it: by the id it asked for
    assert job.hyperparameters.n_epochs in (None, AUTO) or 1 <= job.hyperparameters.n_epochs <= MAX_EPOCHS
    assert job.trained_tokens is None or 0 <= job.trained_tokens <= 10**15
    _assert_times_in_window(pd.Series([job.created_at, job.finished_at, job.estimated_finish], dtype=object))


cells = st.one_of(
    numbers.map(str), st.sampled_from(["", "abc", "1e20", "-0", "2.0", "True", " 7 "]), st.text(max_size=4)
)


@PROPERTY
@given(st.lists(st.lists(cells, min_size=1, max_size=4), max_size=20), st.sampled_from(["\n", "\r\n", "\r"]))
def test_result_file_payloads_raise_only_result_file_errors(rows: list[list[str]], newline: str) -> None:
    text = newline.join(["step,train_loss,full_valid_loss,reward", *(",".join(row) for row in rows)])
    notes: list[Note] = []
    try:
        frame = results_frame(text, notes=notes)
    except ResultFileError:
        return
    _assert_steps_in_bounds(frame["step"])
    assert frame["step"].is_unique and frame["step"].is_monotonic_increasing


@PROPERTY
@given(st.binary(max_size=200))
def test_any_bytes_decode_or_raise_a_result_file_error(raw: bytes) -> None:
    try:
        csv = decode_result_file(raw)
    except ResultFileError:
        return
    assert csv[:5].lower() == b"step,"


@PROPERTY
@given(st.integers(min_value=1, max_value=60), st.integers(min_value=2, max_value=12), st.data())
def test_result_rows_never_exceed_the_cap(rows: int, cap: int, data: st.DataObject) -> None:
    steps = data.draw(st.lists(st.integers(min_value=-5, max_value=10**10), min_size=rows, max_size=rows))
    full = data.draw(st.lists(st.booleans(), min_size=rows, max_size=rows))
    text = "step,train_loss,full_valid_loss\n" + "".join(
        f"{step},0.5,{0.4 if epoch_end else ''}\n" for step, epoch_end in zip(steps, full, strict=True)
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(results_file, "MAX_RESULT_ROWS", cap)
        frame = results_frame(text)
    # One row in N, plus a tenth of the cap of epoch ends, plus the last row.
    assert len(frame) <= cap + cap // 10 + 1
    _assert_steps_in_bounds(frame["step"])


@PROPERTY
@given(
    st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-(10**12), 10**12)),
    st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-(10**12), 10**12)),
)
def test_epoch_ends_never_exceed_the_cap(spe: float, last_step: float) -> None:
    assert len(epoch_ends(spe, last_step)) <= MAX_EPOCH_ENDS


@PROPERTY
@given(st.one_of(anything, st.integers(1, 10**12)), st.one_of(anything, st.integers(1, 10**12)))
def test_steps_per_epoch_is_never_below_one_step(n_epochs: Any, total: Any) -> None:
    spe = steps_per_epoch(n_epochs=n_epochs, total_steps=total, checkpoint_steps=[])
    assert spe is None or 1 <= spe <= MAX_STEP


@PROPERTY
@given(st.integers(0, 3_000), st.integers(1, 500), st.data())
def test_evenly_spaced_keeps_at_most_the_limit_and_the_kept_rows(count: int, limit: int, data: Any) -> None:
    frame = pd.DataFrame({"step": np.arange(count)})
    keep = np.array(data.draw(st.lists(st.booleans(), min_size=count, max_size=count)), dtype=bool)
    thinned = evenly_spaced(frame, limit, keep=keep)
    assert len(thinned) <= max(limit, 2) + keep.sum()
    assert set(frame["step"][keep]) <= set(thinned["step"])
    assert thinned["step"].is_monotonic_increasing
    if count > limit:
        assert {0, count - 1} <= set(thinned["step"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 10**12), st.integers(1, 10**12), st.integers(4, MAX_STEP))
def test_hostile_epochs_and_steps_cost_nothing_to_display(n_epochs: int, total: int, last_step: int) -> None:
    """A run of four rows with any n_epochs, total_steps and last step: the display allocates < 2 MB."""
    checkpoints = checkpoints_frame(
        [{"id": f"c{step}", "step_number": step, "metrics": {"train_loss": 1.0 / step}} for step in (1, 2, 3)]
    )
    results = pd.DataFrame({"step": [1, 2, 3, last_step], "train_loss": [1.0, 0.9, 0.8, 0.7]})
    history = build_history(checkpoints, results, HistorySource.RESULT_FILE)
    tracemalloc.start()
    try:
        axes = run_axes(history, checkpoints, n_epochs=n_epochs, total_steps=total)
        options = ViewOptions(x_mode=XMode.EPOCH, smoothing=0.6, y_range=YRange.ROBUST)
        display = build_display(ChartRun(history, checkpoints, axes, total_steps=total), options=options)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(display.view.epoch_ends) <= MAX_EPOCH_ENDS
    assert peak < 2_000_000
