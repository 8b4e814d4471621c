"""Property tests (hypothesis) of the file parsers and of Together's record parsers: whatever bytes or JSON
arrive, the result is a run whose steps are in bounds, or one of our errors; never another exception."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components.data.bounds import MAX_STEP
from components.data.metric_columns import MAX_METRIC_COLUMNS
from components.data.together import together_checkpoints_frame, together_metrics_frame
from components.domain import RunRef
from components.errors import DashboardError
from components.sources.run_files import Origin, run_from_bytes

PROPERTY = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ORIGIN = Origin(RunRef("upload", "prop-0123456789"), "Uploaded files", "x")

edge_numbers = st.sampled_from(
    [0, -1, 1.5, 1e20, -1e20, 10**20, 2**63, 10**400, 1e308, float("nan"), float("inf")]
)
scalars = st.none() | st.booleans() | st.integers() | st.floats() | edge_numbers | st.text(max_size=8)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=8,
)
TRAINER_KEYS = [
    "step",
    "loss",
    "eval_loss",
    "mean_token_accuracy",
    "eval_mean_token_accuracy",
    "epoch",
    "learning_rate",
    "grad_norm",
    "train_runtime",
    "train_loss",
    "x/y",
    "<b>",
    "",
]
entries = st.dictionaries(st.sampled_from(TRAINER_KEYS) | st.text(max_size=70), json_values, max_size=6)
trainer_states = st.fixed_dictionaries(
    {"log_history": st.lists(entries | json_values, max_size=12)},
    optional={
        key: json_values | st.integers()
        for key in (
            "global_step",
            "max_steps",
            "best_model_checkpoint",
            "best_metric",
            "best_global_step",
            "num_train_epochs",
            "train_batch_size",
            "save_steps",
            "num_input_tokens_seen",
        )
    },
)


def _in_bounds(run: Any) -> None:
    for frame in (run.history, run.checkpoints):
        steps = frame["step"].to_numpy()
        assert ((steps >= 0) & (steps <= MAX_STEP)).all()
        assert frame["step"].is_unique or frame is run.checkpoints
    assert run.history["step"].is_monotonic_increasing
    # step, the catalogue, every other metric up to the bound, the joined columns
    assert len(run.history.columns) <= 1 + 6 + MAX_METRIC_COLUMNS + 4


@PROPERTY
@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_any_bytes_are_a_run_or_our_error(data: bytes) -> None:
    try:
        run = run_from_bytes(data, ORIGIN)
    except DashboardError:
        return
    _in_bounds(run)


@PROPERTY
@given(trainer_states, st.none() | st.lists(st.integers(0, 10**6), max_size=4))
def test_any_trainer_state_is_a_run_or_our_error(state: dict[str, Any], folders: list[int] | None) -> None:
    try:
        data = json.dumps(state).encode()
    except (ValueError, OverflowError):
        return
    try:
        run = run_from_bytes(data, ORIGIN, checkpoint_steps=folders)
    except DashboardError:
        return
    _in_bounds(run)
    assert (
        run.provider_best is None or run.provider_best.step is None or 0 <= run.provider_best.step <= MAX_STEP
    )


TOGETHER_KEYS = ["timestamp", "train/global_step", "train/loss", "eval/loss", "train/epoch", "train/kl"]


@PROPERTY
@given(
    st.lists(
        st.dictionaries(st.sampled_from(TOGETHER_KEYS) | st.text(max_size=5), json_values, max_size=5)
        | json_values,
        max_size=10,
    )
)
def test_any_together_metric_records_give_a_frame_in_bounds(records: list[Any]) -> None:
    frame = together_metrics_frame(records, notes=[])
    steps = frame["step"].to_numpy()
    assert ((steps >= 0) & (steps <= MAX_STEP)).all() and frame["step"].is_unique
    times = frame["created_at"].dropna()
    assert times.empty or (times.dt.year >= 2015).all()


@PROPERTY
@given(
    st.lists(
        st.dictionaries(st.sampled_from(["step", "created_at", "checkpoint_type", "path"]), json_values)
        | json_values,
        max_size=8,
    )
)
def test_any_together_checkpoints_give_a_frame_in_bounds(items: list[Any]) -> None:
    frame = together_checkpoints_frame(items, job_id="ft-x", output_model=None, notes=[])
    assert ((frame["step"] >= 0) & (frame["step"] <= MAX_STEP)).all()
    assert frame["checkpoint_id"].is_unique
