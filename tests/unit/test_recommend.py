import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from components.data.best import available_metrics
from components.data.checkpoints import checkpoints_frame
from components.data.history import build_history
from components.data.metrics import METRIC_NAMES
from components.data.overfitting import checkpoint_verdicts
from components.data.recommend import Basis, Recommendation, UnsavedBest, recommend
from components.sources.openai import OPENAI_CONVENTIONS

MODEL = "ft:gpt-4o-mini-2024-07-18:my-org:custom-suffix:96olL566"


def _checkpoints(steps, **metrics) -> pd.DataFrame:
    """A checkpoint frame from API-shaped records, newest first as the API sends them."""
    records = [
        {
            "id": f"ftckpt_{step}",
            "step_number": step,
            "fine_tuned_model_checkpoint": f"{MODEL}:ckpt-step-{step}",
            "created_at": 1_721_764_800 + step,
            "metrics": {"step": step, **{name: values[i] for name, values in metrics.items()}},
        }
        for i, step in enumerate(steps)
    ]
    return checkpoints_frame(reversed(records))


def _history(steps, **metrics) -> pd.DataFrame:
    """A per-step history frame; metrics not given are all NaN."""
    frame = pd.DataFrame({"step": pd.array(steps, dtype="int64")})
    for name in ("train_loss", "valid_loss", "full_valid_loss"):
        frame[name] = np.asarray(metrics.get(name, np.nan), dtype="float64") * np.ones(len(steps))
    return frame


def test_api_reference_example_recommends_the_final_checkpoint():
    checkpoints = _checkpoints(
        [1000, 2000], full_valid_loss=[0.167, 0.134], full_valid_mean_token_accuracy=[0.781, 0.874]
    )
    assert recommend(checkpoints) == Recommendation(
        checkpoint_id="ftckpt_2000",
        model=f"{MODEL}:ckpt-step-2000",
        step=2000,
        metric="full_valid_loss",
        value=0.134,
        reason=(
            "Lowest full validation loss of the 2 saved checkpoints: "
            "0.134 at step 2,000, the final checkpoint."
        ),
        unsaved_minimum=None,
        basis=Basis.FULL_VALIDATION,
        final=True,
        in_overfit_span=False,
        unsaved_best=None,
        deploy_advice="Validated by full validation and the job is finished: use it right away.",
        details="",
    )


def test_counts_and_steps_are_written_with_thousands_separators():
    steps = list(range(10, 25_001, 10))  # 2,500 checkpoints; the lowest loss at step 22,300
    checkpoints = _checkpoints(steps, full_valid_loss=[0.1 + abs(step - 22_300) / 100_000 for step in steps])
    assert recommend(checkpoints).reason == (
        "Lowest full validation loss of the 2,500 saved checkpoints: 0.100 at step 22,300, "
        "21.3 % lower than the final checkpoint (0.127 at step 25,000)."
    )


def test_a_running_job_compares_with_its_latest_checkpoint_not_a_final_one():
    checkpoints = _checkpoints([1000, 2000], full_valid_loss=[0.134, 0.167])
    result = recommend(checkpoints, finished=False)
    assert "latest checkpoint (0.167 at step 2,000)" in result.reason
    assert "final" not in result.reason
    assert result.final is False
    assert result.deploy_advice == "Best so far, the job is still running."
    assert result.details == (
        "The job is still running: a later checkpoint may do better, and the last one is only the latest "
        "so far."
    )
    assert recommend(checkpoints, metric="train_loss") is None


def test_earlier_checkpoint_and_unsaved_minimum():
    checkpoints = _checkpoints([300, 400, 500], full_valid_loss=[0.40, 0.43, 0.47])
    history = _history(
        range(100, 501, 100),
        train_loss=[1.0, 0.8, 0.6, 0.4, 0.2],
        full_valid_loss=[0.6, 0.38, 0.40, 0.43, 0.47],
    )
    result = recommend(checkpoints, history, checkpoints_saved=OPENAI_CONVENTIONS.checkpoints_saved)
    # (0.47 - 0.40) / 0.47 = 14.9 %
    assert result.reason == (
        "Lowest full validation loss of the 3 saved checkpoints: 0.400 at step 300, "
        "14.9 % lower than the final checkpoint (0.470 at step 500)."
    )
    assert result.unsaved_minimum == (
        "The lowest full validation loss of the run (0.380) was at step 200, which has no saved checkpoint: "
        "OpenAI saves one only at each epoch end, and keeps only those of the last 3 epochs."
    )
    assert result.unsaved_best == UnsavedBest(
        step=200, metric="full_valid_loss", value=0.38, raw_value=0.38, smoothed=False
    )


def test_no_warning_when_the_minimum_is_saved():
    checkpoints = _checkpoints([300, 400, 500], full_valid_loss=[0.40, 0.43, 0.47])
    history = _history(range(100, 501, 100), full_valid_loss=[0.6, 0.45, 0.40, 0.43, 0.47])
    result = recommend(checkpoints, history)
    assert result.unsaved_minimum is None and result.unsaved_best is None


def test_batch_validation_is_called_noisy_in_the_details_and_compared_smoothed():
    # No full validation, so batch valid_loss decides. Its raw minimum is one low batch (0.36 at step 150);
    # smoothed with weight 0.6 the V-shaped curve bottoms out at 0.411 at step 210, also unsaved.
    checkpoints = _checkpoints([300, 400, 500], valid_loss=[0.52, 0.61, 0.70], train_loss=[0.5, 0.4, 0.3])
    steps = np.arange(10, 501, 10)
    valid = 0.4 + 0.1 * np.abs(steps - 200) / 100
    valid[steps == 150] = 0.36
    result = recommend(
        checkpoints,
        _history(steps, valid_loss=valid),
        checkpoints_saved=OPENAI_CONVENTIONS.checkpoints_saved,
    )
    assert result.metric == "valid_loss"
    assert result.reason == (
        "Lowest batch validation loss of the 3 saved checkpoints: 0.520 at step 300, "
        "25.7 % lower than the final checkpoint (0.700 at step 500)."
    )
    assert result.basis == Basis.BATCH_VALIDATION
    assert result.details == "Batch validation is measured on a small sample at each step, so it is noisy."
    assert result.unsaved_minimum == (
        "The lowest smoothed batch validation loss of the run (0.411) was at step 210, which has no saved "
        "checkpoint: OpenAI saves one only at each epoch end, and keeps only those of the last 3 epochs."
    )
    # The hollow marker: step 210, the smoothed value compared, and the raw point 0.4 + 0.1 · 10/100.
    best = result.unsaved_best
    assert (best.step, best.metric, best.smoothed) == (210, "valid_loss", True)
    assert best.value == pytest.approx(0.411, abs=5e-4)
    assert best.raw_value == pytest.approx(0.41)


def test_training_loss_decider_is_warned_by_validation():
    checkpoints = _checkpoints([300, 400, 500], train_loss=[0.5, 0.4, 0.3])
    history = _history(range(100, 501, 100), full_valid_loss=[0.6, 0.38, 0.40, 0.43, 0.47])
    result = recommend(checkpoints, history)
    assert (result.metric, result.step) == ("train_loss", 500)
    assert result.unsaved_minimum.startswith(
        "The lowest full validation loss of the run (0.380) was at step 200"
    )
    assert result.basis == Basis.TRAINING_ONLY
    assert result.deploy_advice == (
        "Chosen by training loss: it cannot show overfitting; pick a validation metric."
    )
    assert "use it right away" not in result.deploy_advice + result.details


def test_accuracy_says_higher_and_single_checkpoint_says_so():
    checkpoints = _checkpoints([100, 200, 300], full_valid_mean_token_accuracy=[0.80, 0.90, 0.85])
    result = recommend(checkpoints, metric="full_valid_mean_token_accuracy")
    assert result.step == 200
    assert result.reason == (
        "Highest full validation accuracy of the 3 saved checkpoints: 0.900 at step 200, "
        "5.9 % higher than the final checkpoint (0.850 at step 300)."
    )
    single = _checkpoints([100, 200], train_loss=[np.nan, 0.9])
    assert recommend(single).reason == "Only one saved checkpoint has a training loss: 0.900 at step 200."


def test_final_checkpoint_without_the_metric():
    checkpoints = _checkpoints([100, 200, 300], full_valid_loss=[0.5, 0.4, np.nan])
    assert recommend(checkpoints).reason == (
        "Lowest full validation loss of the 2 saved checkpoints that report it: 0.400 at step 200, "
        "the final checkpoint (step 300) has no full validation loss to compare."
    )


def test_nothing_to_decide_by():
    assert recommend(_checkpoints([100, 200])) is None
    assert recommend(_checkpoints([])) is None


def test_a_run_without_validation_says_overfitting_cannot_be_judged():
    checkpoints = _checkpoints([300, 400, 500], train_loss=[0.5, 0.4, 0.3])
    result = recommend(checkpoints, _history(range(100, 501, 100), train_loss=[1.0, 0.8, 0.5, 0.4, 0.3]))
    assert result.basis == Basis.NO_VALIDATION
    assert result.deploy_advice == (
        "Chosen by training loss: it cannot show overfitting; add a validation file next time."
    )
    assert result.details.endswith(
        "This run has no validation data, so nothing measured the model on examples it did not train on: "
        "overfitting cannot be judged, and no band is drawn."
    )
    # Without a history the checkpoints alone tell.
    assert recommend(checkpoints).basis == Basis.NO_VALIDATION


def _overfitting_run(steps=(200, 400, 600, 800, 1000)):
    """Full validation best at step 600, then rising while training falls: the band is steps 600–1000."""
    checkpoints = _checkpoints(
        steps,
        train_loss=[0.9, 0.6, 0.5, 0.4, 0.3],
        full_valid_loss=[1.0, 0.8, 0.7, 0.8, 0.9],
        full_valid_mean_token_accuracy=[0.70, 0.75, 0.80, 0.82, 0.81],
    )
    history = _history(range(1, 1001))
    history["train_loss"] = 1.0 - history["step"] / 1500
    for name in ("full_valid_loss", "full_valid_mean_token_accuracy"):
        history.loc[history["step"].isin(steps), name] = checkpoints[name].to_numpy()
    return checkpoints, history


def test_the_issues_case_training_loss_picks_the_overfit_final_checkpoint_and_says_so():
    checkpoints, history = _overfitting_run()
    result = recommend(checkpoints, history, "train_loss")
    assert (result.step, result.in_overfit_span) == (1000, True)
    assert result.deploy_advice == (
        "Chosen by training loss: it cannot show overfitting; pick a validation metric."
    )
    assert "Step 1,000 lies in the shaded band (steps 600–1,000)" in result.details
    # By full validation loss the best is step 600, where the band starts: not inside it.
    assert recommend(checkpoints, history).in_overfit_span is False


def test_a_validated_checkpoint_inside_the_band_is_not_endorsed():
    checkpoints, history = _overfitting_run()
    result = recommend(checkpoints, history, "full_valid_mean_token_accuracy")
    assert (result.step, result.basis, result.in_overfit_span) == (800, Basis.FULL_VALIDATION, True)
    assert result.deploy_advice == (
        "Inside the overfitting band: validation loss was rising here; compare an earlier checkpoint."
    )
    running = recommend(checkpoints, history, "full_valid_mean_token_accuracy", finished=False)
    assert running.deploy_advice == (
        "Best so far, the job is still running; inside the overfitting band: validation loss was rising "
        "here; compare an earlier checkpoint."
    )
    # Spans given by the caller are the ones used (the page computes them once for band, table and text).
    assert (
        recommend(checkpoints, history, "full_valid_mean_token_accuracy", spans=[]).in_overfit_span is False
    )


metric_values = st.lists(st.one_of(st.floats(0.01, 3.0), st.just(np.nan)), min_size=8, max_size=8)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.integers(1, 1000), min_size=1, max_size=8, unique=True),
    st.fixed_dictionaries({name: st.one_of(st.none(), metric_values) for name in METRIC_NAMES}),
    st.lists(st.tuples(st.integers(0, 1000), st.integers(0, 1000)), max_size=2),
    st.booleans(),
    st.data(),
)
def test_use_it_right_away_only_when_validated_finished_and_outside_the_band(
    steps, columns, spans, finished, data
):
    steps = sorted(steps)
    metrics = {name: values[: len(steps)] for name, values in columns.items() if values is not None}
    checkpoints = _checkpoints(steps, **metrics)
    history = build_history(checkpoints)
    spans = [(min(pair), max(pair)) for pair in spans]
    choices = available_metrics(checkpoints)
    metric = data.draw(st.sampled_from(choices)) if choices else None
    result = recommend(checkpoints, history, metric, finished=finished, spans=spans)
    if result is None:
        return
    validated = result.basis in (Basis.FULL_VALIDATION, Basis.BATCH_VALIDATION)
    endorsed = "use it right away" in result.deploy_advice
    assert endorsed == (validated and finished and not result.in_overfit_span)
    assert result.final == finished and (finished or result.deploy_advice.startswith("Best so far"))
    # The strip and the table say the same: inside the band is the table's "overfitting".
    row = checkpoints[checkpoints["step"] == result.step]
    [verdict] = checkpoint_verdicts(row, spans, history)["verdict"]
    if not verdict.startswith("not judged"):  # real spans are empty then; these are drawn at random
        assert result.in_overfit_span == (verdict == "overfitting")
