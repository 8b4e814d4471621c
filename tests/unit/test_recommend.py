import numpy as np
import pandas as pd

from components.data.checkpoints import checkpoints_frame
from components.data.recommend import Recommendation, recommend

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
            "0.134 at step 2000, the final checkpoint."
        ),
        unsaved_minimum=None,
    )


def test_a_running_job_compares_with_its_latest_checkpoint_not_a_final_one():
    checkpoints = _checkpoints([1000, 2000], full_valid_loss=[0.134, 0.167])
    reason = recommend(checkpoints, finished=False).reason
    assert "latest checkpoint (0.167 at step 2000)" in reason
    assert "final" not in reason
    assert recommend(checkpoints, metric="train_loss") is None


def test_earlier_checkpoint_and_unsaved_minimum():
    checkpoints = _checkpoints([300, 400, 500], full_valid_loss=[0.40, 0.43, 0.47])
    history = _history(
        range(100, 501, 100),
        train_loss=[1.0, 0.8, 0.6, 0.4, 0.2],
        full_valid_loss=[0.6, 0.38, 0.40, 0.43, 0.47],
    )
    result = recommend(checkpoints, history)
    # (0.47 - 0.40) / 0.47 = 14.9 %
    assert result.reason == (
        "Lowest full validation loss of the 3 saved checkpoints: 0.400 at step 300, "
        "14.9 % lower than the final checkpoint (0.470 at step 500)."
    )
    assert result.unsaved_minimum == (
        "The lowest full validation loss of the run (0.380) was at step 200, which has no saved checkpoint: "
        "OpenAI saves one only at each epoch end, and keeps only those of the last 3 epochs."
    )


def test_no_warning_when_the_minimum_is_saved():
    checkpoints = _checkpoints([300, 400, 500], full_valid_loss=[0.40, 0.43, 0.47])
    history = _history(range(100, 501, 100), full_valid_loss=[0.6, 0.45, 0.40, 0.43, 0.47])
    assert recommend(checkpoints, history).unsaved_minimum is None


def test_batch_validation_is_called_noisy_and_compared_smoothed():
    # No full validation, so batch valid_loss decides. Its raw minimum is one low batch (0.36 at step 150);
    # smoothed with weight 0.6 the V-shaped curve bottoms out at 0.411 at step 210, also unsaved.
    checkpoints = _checkpoints([300, 400, 500], valid_loss=[0.52, 0.61, 0.70], train_loss=[0.5, 0.4, 0.3])
    steps = np.arange(10, 501, 10)
    valid = 0.4 + 0.1 * np.abs(steps - 200) / 100
    valid[steps == 150] = 0.36
    result = recommend(checkpoints, _history(steps, valid_loss=valid))
    assert result.metric == "valid_loss"
    assert result.reason == (
        "Lowest batch validation loss of the 3 saved checkpoints: 0.520 at step 300, "
        "25.7 % lower than the final checkpoint (0.700 at step 500). "
        "Batch validation is measured on a small sample at each step, so it is noisy."
    )
    assert result.unsaved_minimum == (
        "The lowest smoothed batch validation loss of the run (0.411) was at step 210, which has no saved "
        "checkpoint: OpenAI saves one only at each epoch end, and keeps only those of the last 3 epochs."
    )


def test_training_loss_decider_is_warned_by_validation():
    checkpoints = _checkpoints([300, 400, 500], train_loss=[0.5, 0.4, 0.3])
    history = _history(range(100, 501, 100), full_valid_loss=[0.6, 0.38, 0.40, 0.43, 0.47])
    result = recommend(checkpoints, history)
    assert (result.metric, result.step) == ("train_loss", 500)
    assert result.unsaved_minimum.startswith(
        "The lowest full validation loss of the run (0.380) was at step 200"
    )


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
