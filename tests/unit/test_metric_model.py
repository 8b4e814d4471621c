"""The open metric model: the name table, the declared and default deciders, best values and logged steps.

The fixture tests read the trainer states and the TensorBoard tag inventory that real transformers/trl
runs wrote (tests/fixtures/trainers/README.md), so every key a real trainer logs is classified here.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.data.metric_model import (
    Direction,
    DirectionSource,
    FoundAt,
    Kind,
    MetricInfo,
    Rule,
    Split,
    best_index,
    classify,
    classify_all,
    declared_decider,
    default_decider,
    eval_sets,
    logging_interval,
    nearest_logged_step,
    together_declared,
    with_direction,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "trainers"
RUNS = (
    "classifier_f1",
    "seq2seq_rouge",
    "speech_like_wer",
    "sft_two_eval_sets",
    "dpo",
    "grpo",
    "kto",
    "orpo",
)
LOWER, HIGHER, NONE, UNKNOWN = Direction.LOWER, Direction.HIGHER, Direction.NONE, Direction.UNKNOWN


def _state(run: str, checkpoint: int | None = None) -> dict[str, Any]:
    folder = FIXTURES / run / (f"checkpoint-{checkpoint}" if checkpoint else "")
    return json.loads((folder / "trainer_state.json").read_text())


def _numeric_keys(state: dict[str, Any], *, summary: bool = True) -> list[str]:
    """Every numeric key of a log_history in first-seen order (the final summary entry's too, or not)."""
    keys: list[str] = []
    for entry in state["log_history"]:
        if not summary and "train_runtime" in entry:
            continue
        keys += [key for key, value in entry.items() if isinstance(value, int | float) and key not in keys]
    return keys


def _tensorboard_tags() -> list[str]:
    """The scalar tags of every event file, from the README's generated inventory."""
    readme = (FIXTURES / "README.md").read_text()
    lines = [line for line in readme.splitlines() if line.startswith("  - `runs/")]
    return sorted({tag for line in lines for tag in re.findall(r"`((?:eval|train)/[^`]+)` \(\d+\)", line)})


# ---------------------------------------------------------------------------------------------------------
# The name table


@pytest.mark.parametrize(
    ("name", "split", "kind", "direction"),
    [
        # the Trainer and TensorBoard's rewrite of it
        ("loss", Split.TRAIN, Kind.LOSS, LOWER),
        ("eval_loss", Split.FULL_EVAL, Kind.LOSS, LOWER),
        ("eval/loss", Split.FULL_EVAL, Kind.LOSS, LOWER),
        ("train/loss", Split.TRAIN, Kind.LOSS, LOWER),
        ("train/train_loss", Split.TRAIN, Kind.LOSS, LOWER),
        ("eval_f1", Split.FULL_EVAL, Kind.SCORE, HIGHER),
        ("eval/f1", Split.FULL_EVAL, Kind.SCORE, HIGHER),
        ("eval_accuracy", Split.FULL_EVAL, Kind.ACCURACY, HIGHER),
        ("eval_precision", Split.FULL_EVAL, Kind.SCORE, HIGHER),
        ("eval_recall", Split.FULL_EVAL, Kind.SCORE, HIGHER),
        ("eval_mcc", Split.FULL_EVAL, Kind.SCORE, HIGHER),
        ("eval_matthews_correlation", Split.FULL_EVAL, Kind.SCORE, HIGHER),
        ("eval_roc_auc", Split.FULL_EVAL, Kind.SCORE, HIGHER),
        ("eval_rouge1", Split.FULL_EVAL, Kind.SCORE, HIGHER),
        ("eval_rougeLsum", Split.FULL_EVAL, Kind.SCORE, HIGHER),
        ("eval_bleu", Split.FULL_EVAL, Kind.SCORE, HIGHER),
        ("eval_sacrebleu", Split.FULL_EVAL, Kind.SCORE, HIGHER),
        ("eval_chrf", Split.FULL_EVAL, Kind.SCORE, HIGHER),
        ("eval_meteor", Split.FULL_EVAL, Kind.SCORE, HIGHER),
        ("eval_exact_match", Split.FULL_EVAL, Kind.ACCURACY, HIGHER),
        ("eval_macro_f1", Split.FULL_EVAL, Kind.SCORE, HIGHER),
        ("eval_wer", Split.FULL_EVAL, Kind.ERROR_RATE, LOWER),
        ("eval_cer", Split.FULL_EVAL, Kind.ERROR_RATE, LOWER),
        ("eval_error_rate", Split.FULL_EVAL, Kind.ERROR_RATE, LOWER),
        ("eval_mae", Split.FULL_EVAL, Kind.ERROR_RATE, LOWER),
        ("eval_mse", Split.FULL_EVAL, Kind.ERROR_RATE, LOWER),
        ("eval_rmse", Split.FULL_EVAL, Kind.ERROR_RATE, LOWER),
        ("eval_perplexity", Split.FULL_EVAL, Kind.LOSS, LOWER),
        ("test_loss", Split.TEST, Kind.LOSS, LOWER),
        ("test/accuracy", Split.TEST, Kind.ACCURACY, HIGHER),
        ("eval_gen_len", Split.FULL_EVAL, Kind.OTHER, NONE),
        ("eval_runtime", Split.FULL_EVAL, Kind.OTHER, NONE),
        ("train_samples_per_second", Split.TRAIN, Kind.OTHER, NONE),
        ("learning_rate", Split.RUN, Kind.OTHER, NONE),
        ("train/learning_rate", Split.RUN, Kind.OTHER, NONE),
        ("grad_norm", Split.RUN, Kind.OTHER, NONE),
        ("epoch", Split.RUN, Kind.OTHER, NONE),
        ("train/epoch", Split.RUN, Kind.OTHER, NONE),
        ("total_flos", Split.RUN, Kind.OTHER, NONE),
        ("num_input_tokens_seen", Split.RUN, Kind.OTHER, NONE),
        ("eval_num_tokens", Split.RUN, Kind.OTHER, NONE),  # TRL: training tokens seen so far
        ("step_time", Split.RUN, Kind.OTHER, NONE),
        # TRL
        ("mean_token_accuracy", Split.TRAIN, Kind.ACCURACY, HIGHER),
        ("entropy", Split.TRAIN, Kind.OTHER, NONE),
        ("kl", Split.TRAIN, Kind.OTHER, NONE),
        ("reward", Split.TRAIN, Kind.REWARD, HIGHER),
        ("eval_reward", Split.FULL_EVAL, Kind.REWARD, HIGHER),
        ("reward_std", Split.TRAIN, Kind.OTHER, NONE),
        ("rewards/reward_keyword/mean", Split.TRAIN, Kind.REWARD, HIGHER),
        ("rewards/format_error/mean", Split.TRAIN, Kind.REWARD, HIGHER),  # the function's name says nothing
        ("rewards/reward_keyword/std", Split.TRAIN, Kind.OTHER, NONE),
        ("rewards/margins", Split.TRAIN, Kind.REWARD, HIGHER),
        ("eval_rewards/margins", Split.FULL_EVAL, Kind.REWARD, HIGHER),
        ("eval/rewards/margins", Split.FULL_EVAL, Kind.REWARD, HIGHER),
        ("rewards/accuracies", Split.TRAIN, Kind.ACCURACY, HIGHER),
        ("rewards/chosen", Split.TRAIN, Kind.REWARD, HIGHER),
        ("rewards/rejected", Split.TRAIN, Kind.REWARD, LOWER),
        ("logps/chosen", Split.TRAIN, Kind.OTHER, NONE),
        ("logits/rejected", Split.TRAIN, Kind.OTHER, NONE),
        ("frac_reward_zero_std", Split.TRAIN, Kind.OTHER, NONE),
        ("clip_ratio/region_mean", Split.TRAIN, Kind.OTHER, NONE),
        ("completions/mean_terminated_length", Split.TRAIN, Kind.OTHER, NONE),
        ("nll_loss", Split.TRAIN, Kind.LOSS, LOWER),
        ("log_odds_ratio", Split.TRAIN, Kind.SCORE, HIGHER),
        ("objective/rlhf_reward", Split.TRAIN, Kind.REWARD, HIGHER),
        ("objective/kl", Split.TRAIN, Kind.OTHER, NONE),
        ("loss/policy_avg", Split.TRAIN, Kind.LOSS, LOWER),
        ("val/ratio", Split.TRAIN, Kind.OTHER, UNKNOWN),  # PPO's value head, not validation
        # OpenAI and Azure result files, the legacy GPT-3 columns
        ("train_loss", Split.TRAIN, Kind.LOSS, LOWER),
        ("valid_loss", Split.BATCH_VALID, Kind.LOSS, LOWER),
        ("full_valid_loss", Split.FULL_EVAL, Kind.LOSS, LOWER),
        ("train_mean_token_accuracy", Split.TRAIN, Kind.ACCURACY, HIGHER),
        ("valid_mean_token_accuracy", Split.BATCH_VALID, Kind.ACCURACY, HIGHER),
        ("full_valid_mean_token_accuracy", Split.FULL_EVAL, Kind.ACCURACY, HIGHER),
        ("train_accuracy", Split.TRAIN, Kind.ACCURACY, HIGHER),
        ("validation_mean_token_accuracy", Split.BATCH_VALID, Kind.ACCURACY, HIGHER),
        ("training_loss", Split.TRAIN, Kind.LOSS, LOWER),
        ("training_sequence_accuracy", Split.TRAIN, Kind.ACCURACY, HIGHER),
        ("training_token_accuracy", Split.TRAIN, Kind.ACCURACY, HIGHER),
        ("validation_loss", Split.BATCH_VALID, Kind.LOSS, LOWER),
        ("validation_sequence_accuracy", Split.BATCH_VALID, Kind.ACCURACY, HIGHER),
        ("validation_token_accuracy", Split.BATCH_VALID, Kind.ACCURACY, HIGHER),
        ("elapsed_tokens", Split.RUN, Kind.OTHER, NONE),
        ("elapsed_examples", Split.RUN, Kind.OTHER, NONE),
        # Together AI, LLaMA-Factory, Lightning, the tinker cookbook
        ("train/global_step", Split.RUN, Kind.OTHER, NONE),
        ("train/grad_norm", Split.RUN, Kind.OTHER, NONE),
        ("predict_loss", Split.TEST, Kind.LOSS, LOWER),
        ("accuracy", Split.TRAIN, Kind.ACCURACY, HIGHER),
        ("lr", Split.RUN, Kind.OTHER, NONE),
        ("current_steps", Split.RUN, Kind.OTHER, NONE),
        ("total_steps", Split.RUN, Kind.OTHER, NONE),
        ("percentage", Split.RUN, Kind.OTHER, NONE),
        ("throughput", Split.RUN, Kind.OTHER, NONE),
        ("total_tokens", Split.RUN, Kind.OTHER, NONE),
        ("vram_allocated", Split.RUN, Kind.OTHER, NONE),
        ("val_loss", Split.FULL_EVAL, Kind.LOSS, LOWER),
        ("val_acc_epoch", Split.FULL_EVAL, Kind.ACCURACY, HIGHER),
        ("train_loss_step", Split.TRAIN, Kind.LOSS, LOWER),
        ("train_mean_nll", Split.TRAIN, Kind.LOSS, LOWER),
        ("num_loss_tokens", Split.RUN, Kind.OTHER, NONE),
        # words of both ways, and words of none
        ("eval_f1_loss", Split.FULL_EVAL, Kind.OTHER, UNKNOWN),
        ("eval_my_metric", Split.FULL_EVAL, Kind.OTHER, UNKNOWN),
        ("", Split.TRAIN, Kind.OTHER, UNKNOWN),
    ],
)
def test_the_name_table(name: str, split: Split, kind: Kind, direction: Direction) -> None:
    info = classify(name)
    assert (info.name, info.split, info.kind, info.direction) == (name, split, kind, direction)
    unknown = direction is UNKNOWN
    assert info.direction_source is (DirectionSource.UNKNOWN if unknown else DirectionSource.NAME_TABLE)


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("eval_f1", "Evaluation F1"),
        ("eval_chat_loss", "Evaluation loss (chat set)"),
        ("rewards/reward_keyword/mean", "Training reward: reward_keyword (mean)"),
        ("eval_rewards/reward_keyword/mean", "Evaluation reward: reward_keyword (mean)"),
        ("eval_rougeL", "Evaluation ROUGE-L"),
        ("eval_wer", "Evaluation WER"),
        ("full_valid_loss", "Validation loss (full)"),
        ("valid_mean_token_accuracy", "Validation accuracy (batch)"),
        ("validation_sequence_accuracy", "Validation sequence accuracy (batch)"),
        ("learning_rate", "Learning rate"),
        ("train/epoch", "Epoch"),
        ("val_loss", "Validation loss"),
        ("test_accuracy", "Test accuracy"),
    ],
)
def test_labels_people_understand(name: str, label: str) -> None:
    assert classify(name).label == label


def test_a_named_set_is_guessed_only_where_its_words_are_no_metrics() -> None:
    assert (classify("eval_chat_loss").split, classify("eval_chat_loss").set_name) == (
        Split.NAMED_EVAL,
        "chat",
    )
    assert classify("eval/code_runtime").set_name == "code"
    for name in ("eval_nll_loss", "eval_mean_loss", "eval_kl_loss", "eval_loss"):
        assert classify(name).split is Split.FULL_EVAL, name


def test_a_runs_own_names_say_its_evaluation_sets() -> None:
    names = _numeric_keys(_state("sft_two_eval_sets"))
    assert eval_sets(names).names == frozenset({"chat", "code"})
    assert not eval_sets(names).whole
    by_name = {info.name: info for info in classify_all(names)}
    assert (by_name["eval_chat_loss"].split, by_name["eval_chat_loss"].set_name) == (Split.NAMED_EVAL, "chat")
    assert by_name["eval_code_runtime"].set_name == "code"
    # TRL logs these unprefixed in both sets' entries: one series mixing the two, said so
    mixed = by_name["eval_mean_token_accuracy"]
    assert (mixed.split, mixed.direction) == (Split.MIXED_EVAL, HIGHER)
    assert mixed.label == "Evaluation token accuracy (all sets together)"
    assert by_name["eval_entropy"].split is Split.MIXED_EVAL
    assert by_name["eval_num_tokens"].split is Split.RUN
    # a run with no named sets: evidence says so, and no name is guessed into one
    plain = classify_all(["eval_loss", "eval_runtime", "eval_policy_loss"])
    assert [info.split for info in plain] == [Split.FULL_EVAL] * 3


# What each key of the fixtures measures, written by hand from the trainers' formulas (shared/formats.md).
TRUE_DIRECTION: dict[str, Direction] = {
    **dict.fromkeys(("loss", "nll_loss", "wer", "rewards/rejected"), LOWER),
    **dict.fromkeys(
        ("accuracy", "f1", "mcc", "precision", "recall", "rouge1", "rouge2", "rougel", "rougelsum"), HIGHER
    ),
    **dict.fromkeys(("mean_token_accuracy", "reward", "rewards/margins", "rewards/accuracies"), HIGHER),
    **dict.fromkeys(("rewards/chosen", "log_odds_ratio", "log_odds_chosen"), HIGHER),
    **dict.fromkeys(
        ("epoch", "step", "grad_norm", "learning_rate", "runtime", "samples_per_second", "steps_per_second"),
        NONE,
    ),
    **dict.fromkeys(
        ("total_flos", "gen_len", "entropy", "num_tokens", "kl", "step_time", "reward_std"), NONE
    ),
    **dict.fromkeys(("frac_reward_zero_std", "global_step"), NONE),
}
_NEUTRAL_FAMILIES = ("clip_ratio/", "completions/", "logps/", "logits/")


def _true_direction(name: str) -> Direction:
    base = re.sub(r"^(eval[_/]|train/)", "", name)
    base = re.sub(r"^(chat_|code_|train_)", "", base).lower()
    if base.startswith(_NEUTRAL_FAMILIES) or re.fullmatch(r"rewards/\w+/std", base):
        return NONE
    if re.fullmatch(r"rewards/\w+/mean", base):
        return HIGHER
    return TRUE_DIRECTION[base]


@pytest.mark.parametrize("run", RUNS)
def test_every_key_a_real_trainer_logged_has_its_true_direction(run: str) -> None:
    names = _numeric_keys(_state(run))
    assert len(names) > 10
    for info in classify_all(names):
        assert info.direction is _true_direction(info.name), info


def test_every_tensorboard_tag_of_the_fixtures_has_its_true_direction() -> None:
    tags = _tensorboard_tags()
    assert len(tags) > 100
    for tag in tags:
        assert classify(tag).direction is _true_direction(tag), tag


@given(st.text())
def test_classify_never_raises(name: str) -> None:
    info = classify(name)
    assert info.name == name
    assert isinstance(info.label, str)


_WORDS = (
    "loss", "f1", "chat", "train", "eval", "valid", "num", "tokens", "reward", "rewards", "mean", "std",
    "wer", "runtime", "per", "second", "epoch", "lr", "accuracy", "nll", "kl", "rouge", "my", "x", "/", "_",
    "val", "test", "full", "predict", "", "eval_", "train/", "samples_per_second",
)  # fmt: skip
_VOCABULARY = st.sampled_from(_WORDS)


@given(
    st.one_of(st.text(), st.lists(_VOCABULARY, max_size=6).map("_".join), st.lists(_VOCABULARY).map("".join))
)
def test_the_direction_of_a_name_is_stable_under_the_eval_prefix(name: str) -> None:
    assert classify(f"eval_{name}").direction is classify(name).direction


# ---------------------------------------------------------------------------------------------------------
# The declared decider


@pytest.mark.parametrize(
    ("run", "metric", "direction", "step", "checkpoint"),
    [
        ("classifier_f1", "eval_f1", HIGHER, 80, 80),
        ("speech_like_wer", "eval_wer", LOWER, 70, 70),
        ("seq2seq_rouge", "eval_rougeL", HIGHER, 70, 40),  # best at a step with no checkpoint
        ("sft_two_eval_sets", "eval_chat_loss", LOWER, 40, 40),
        ("dpo", "eval_rewards/margins", HIGHER, 30, 30),
        ("orpo", "eval_loss", LOWER, 30, 30),
    ],
)
def test_the_metric_a_trainer_state_declares(
    run: str, metric: str, direction: Direction, step: int, checkpoint: int
) -> None:
    declared = declared_decider(_state(run))
    assert declared is not None
    assert (declared.metric, declared.direction, declared.step) == (metric, direction, step)
    assert (declared.found_at, declared.checkpoint_step) == (FoundAt.BEST_GLOBAL_STEP, checkpoint)
    assert declared.direction_source is DirectionSource.DECLARED
    assert declared.value == _state(run)["best_metric"]
    assert metric in declared.reason


@pytest.mark.parametrize("run", ["grpo", "kto"])
def test_no_declaration_without_a_best_metric(run: str) -> None:
    assert declared_decider(_state(run)) is None


def test_the_rouge_run_says_which_metrics_it_cannot_tell_apart() -> None:
    declared = declared_decider(_state("seq2seq_rouge"))
    assert declared is not None
    assert declared.alike == ("eval_rouge1", "eval_rougeLsum")  # identical on this tiny run
    assert "checkpoint-40" in declared.reason
    assert declared_decider(_state("seq2seq_rouge"), "rouge1").metric == "eval_rouge1"  # the args say
    assert declared_decider(_state("seq2seq_rouge"), "eval_rougeLsum").metric == "eval_rougeLsum"


def test_a_checkpoints_own_state_declares_its_best_so_far() -> None:
    declared = declared_decider(_state("seq2seq_rouge", checkpoint=60))  # best 80.4688 at 50, kept at 40
    assert declared is not None
    assert (declared.metric, declared.step, declared.checkpoint_step) == ("eval_rougeL", 50, 40)


def test_an_older_state_without_best_global_step_uses_the_checkpoint_then_the_value() -> None:
    classifier = {**_state("classifier_f1"), "best_global_step": None}
    declared = declared_decider(classifier)
    assert declared is not None
    assert (declared.metric, declared.step, declared.found_at) == ("eval_f1", 80, FoundAt.BEST_CHECKPOINT)
    rouge = {**_state("seq2seq_rouge"), "best_global_step": None}  # checkpoint-40 carries 77.34, not 81.25
    declared = declared_decider(rouge)
    assert declared is not None
    assert (declared.metric, declared.step, declared.found_at) == (
        "eval_rougeL",
        70,
        FoundAt.FIRST_EQUAL_VALUE,
    )
    assert declared.direction is HIGHER


def _one_metric_state(values: list[float], best: float, best_step: int) -> dict[str, Any]:
    history = [
        {"eval_score_x": value, "eval_runtime": 1.0, "step": 10 * (i + 1)} for i, value in enumerate(values)
    ]
    return {"best_metric": best, "best_global_step": best_step, "log_history": history}


def test_when_the_values_do_not_show_the_direction_the_name_table_says_it() -> None:
    one = declared_decider(_one_metric_state([0.5], 0.5, 10))  # a single evaluation is both min and max
    assert one is not None
    assert (one.metric, one.direction, one.direction_source) == (
        "eval_score_x",
        HIGHER,
        DirectionSource.NAME_TABLE,
    )
    odd = {"best_metric": 3.0, "best_global_step": 10, "log_history": [{"eval_thing": 3.0, "step": 10}]}
    unknown = declared_decider(odd)
    assert unknown is not None
    assert (unknown.direction, unknown.direction_source) == (UNKNOWN, DirectionSource.UNKNOWN)
    shown = declared_decider(_one_metric_state([0.9, 0.4, 0.6], 0.4, 20))  # the run shows lower is better
    assert shown is not None
    assert (shown.direction, shown.direction_source) == (LOWER, DirectionSource.DECLARED)


@pytest.mark.parametrize(
    "state",
    [
        {},
        {"best_metric": None, "log_history": []},
        {
            "best_metric": float("nan"),
            "best_global_step": 10,
            "log_history": [{"eval_loss": 1.0, "step": 10}],
        },
        {"best_metric": 1.0, "best_global_step": 10, "log_history": "no"},
        {"best_metric": 1.0, "best_global_step": "x", "best_model_checkpoint": 7, "log_history": [None, 3]},
        {"best_metric": 2.0, "best_global_step": 10, "log_history": [{"eval_loss": 1.0, "step": 10}]},
        {"best_metric": 1.0, "best_global_step": 10, "log_history": [{"eval_runtime": 1.0, "step": 10}]},
    ],
)
def test_no_declaration_from_a_state_that_does_not_name_one(state: dict[str, Any]) -> None:
    assert declared_decider(state) is None


def test_together_early_stopping_is_declared_by_validation_loss() -> None:
    assert together_declared(None, 0.5) is None
    declared = together_declared(120, 0.8125)
    assert declared is not None
    assert (declared.metric, declared.direction, declared.step) == ("eval/loss", LOWER, 120)
    assert (declared.found_at, declared.direction_source) == (
        FoundAt.EARLY_STOPPING,
        DirectionSource.DECLARED,
    )
    decider = default_decider(classify_all(["train/loss", "eval/loss", "train/learning_rate"]), declared)
    assert decider is not None
    assert (decider.metric.name, decider.rule) == ("eval/loss", Rule.DECLARED)


# ---------------------------------------------------------------------------------------------------------
# The default decider


@pytest.mark.parametrize(
    ("run", "declared_metric", "undeclared_metric", "undeclared_rule"),
    [
        ("classifier_f1", "eval_f1", "eval_f1", Rule.TASK_METRIC),
        ("seq2seq_rouge", "eval_rougeL", "eval_rougeL", Rule.TASK_METRIC),
        ("speech_like_wer", "eval_wer", "eval_wer", Rule.TASK_METRIC),
        ("sft_two_eval_sets", "eval_chat_loss", "eval_chat_loss", Rule.EVAL_LOSS),
        ("dpo", "eval_rewards/margins", "eval_rewards/margins", Rule.HELD_OUT_REWARD),
        ("orpo", "eval_loss", "eval_rewards/margins", Rule.HELD_OUT_REWARD),
        ("grpo", "eval_reward", "eval_reward", Rule.HELD_OUT_REWARD),
        ("kto", "eval_rewards/margins", "eval_rewards/margins", Rule.HELD_OUT_REWARD),
    ],
)
def test_the_default_decider_of_each_fixture(
    run: str, declared_metric: str, undeclared_metric: str, undeclared_rule: Rule
) -> None:
    state = _state(run)
    available = classify_all(_numeric_keys(state, summary=False))
    declared = declared_decider(state)
    decider = default_decider(available, declared)
    assert decider is not None
    assert decider.metric.name == declared_metric
    assert decider.rule is (Rule.DECLARED if declared is not None else undeclared_rule)
    assert decider.metric.has_direction
    undeclared = default_decider(available, None)
    assert undeclared is not None
    assert (undeclared.metric.name, undeclared.rule) == (undeclared_metric, undeclared_rule)


def test_reasons_say_why_the_loss_does_not_decide() -> None:
    grpo = default_decider(classify_all(_numeric_keys(_state("grpo"))), None)
    assert grpo is not None
    assert "reinforcement-learning" in grpo.reason and "near zero" in grpo.reason
    kto = default_decider(classify_all(_numeric_keys(_state("kto"))), None)
    assert kto is not None
    assert "preference run" in kto.reason
    classifier = default_decider(classify_all(_numeric_keys(_state("classifier_f1"))), None)
    assert classifier is not None
    assert classifier.reason.startswith("Evaluation F1 decides") and "evaluation loss" in classifier.reason


@pytest.mark.parametrize(
    ("names", "metric", "rule"),
    [
        (
            ["train_loss", "valid_loss", "full_valid_loss", "train_mean_token_accuracy"],
            "full_valid_loss",
            Rule.EVAL_LOSS,
        ),
        (["train_loss", "valid_loss", "valid_mean_token_accuracy"], "valid_loss", Rule.EVAL_LOSS),
        (["train_loss", "train_mean_token_accuracy"], "train_loss", Rule.TRAIN_LOSS),
        (
            ["training_loss", "validation_loss", "validation_sequence_accuracy", "elapsed_tokens"],
            "validation_loss",
            Rule.EVAL_LOSS,
        ),
        (["loss", "reward", "reward_std", "rewards/fn/mean", "kl"], "reward", Rule.TRAIN_REWARD),
        (
            ["loss", "rewards/chosen", "rewards/rejected", "rewards/margins"],
            "rewards/margins",
            Rule.TRAIN_REWARD,
        ),
        (["loss", "eval_loss", "eval_nll_loss"], "eval_loss", Rule.EVAL_LOSS),
        (["eval_nll_loss", "eval_loss"], "eval_loss", Rule.EVAL_LOSS),
        (["eval_precision", "eval_accuracy", "eval_recall"], "eval_accuracy", Rule.TASK_METRIC),
        (["eval_mcc", "eval_accuracy"], "eval_mcc", Rule.TASK_METRIC),
        (
            ["loss", "eval_mean_token_accuracy", "eval_loss"],
            "eval_loss",
            Rule.EVAL_LOSS,
        ),  # token accuracy is no task
        (["loss", "test_accuracy"], "loss", Rule.TRAIN_LOSS),  # a test set never decides before anything else
        (["test_accuracy", "learning_rate"], "test_accuracy", Rule.ANY),
        (["train/loss", "eval/loss", "train/learning_rate"], "eval/loss", Rule.EVAL_LOSS),  # Together
    ],
)
def test_the_documented_order(names: list[str], metric: str, rule: Rule) -> None:
    decider = default_decider(classify_all(names), None)
    assert decider is not None
    assert (decider.metric.name, decider.rule) == (metric, rule)


def test_nothing_decides_without_a_direction() -> None:
    assert default_decider([], None) is None
    assert default_decider(classify_all(["epoch", "learning_rate", "eval_my_metric"]), None) is None


def test_a_user_direction_makes_an_unknown_metric_decide() -> None:
    (info,) = classify_all(["eval_my_metric"])
    chosen = with_direction(info, LOWER, DirectionSource.USER)
    decider = default_decider([chosen], None)
    assert decider is not None
    assert (decider.metric.direction, decider.metric.direction_source) == (LOWER, DirectionSource.USER)


def test_a_declaration_matches_the_tensorboard_spelling_and_is_skipped_when_absent() -> None:
    declared = declared_decider(_state("classifier_f1"))
    tags = classify_all(["train/loss", "eval/loss", "eval/f1", "eval/accuracy"])
    decider = default_decider(tags, declared)
    assert decider is not None
    assert (decider.metric.name, decider.rule) == ("eval/f1", Rule.DECLARED)
    without_f1 = default_decider(classify_all(["loss", "eval_loss", "eval_accuracy"]), declared)
    assert without_f1 is not None
    assert (without_f1.metric.name, without_f1.rule) == ("eval_accuracy", Rule.TASK_METRIC)


# ---------------------------------------------------------------------------------------------------------
# Best values and logged steps


@pytest.mark.parametrize(
    ("values", "direction", "index"),
    [
        ([3.0, 1.0, 2.0], LOWER, 1),
        ([3.0, 1.0, 2.0], HIGHER, 0),
        ([1.0, 0.5, 0.5], LOWER, 1),  # ties go to the earliest
        ([None, float("nan"), 2.0, float("inf")], LOWER, 2),
        ([None, "x", True], HIGHER, None),
        ([], LOWER, None),
        ([1.0, 2.0], NONE, None),
        ([1.0, 2.0], UNKNOWN, None),
    ],
)
def test_best_index(values: list[Any], direction: Direction, index: int | None) -> None:
    assert best_index(values, direction) == index


@given(
    st.lists(st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=False))),
    st.sampled_from([LOWER, HIGHER]),
)
def test_best_index_is_the_first_extreme(values: list[float | None], direction: Direction) -> None:
    finite = [(value, i) for i, value in enumerate(values) if value is not None and math.isfinite(value)]
    index = best_index(values, direction)
    if not finite:
        assert index is None
        return
    target = (min if direction is LOWER else max)(value for value, _ in finite)
    assert index == next(i for value, i in finite if value == target)


def test_a_last_checkpoint_between_logging_steps() -> None:
    match = nearest_logged_step([100, 200, 336], range(10, 331, 10), 10)
    assert match.source == {100: 100, 200: 200, 336: 330}
    assert (match.earlier, match.missing) == (frozenset({336}), frozenset())


def test_a_long_run_logged_every_thousand_steps() -> None:
    logged = range(1_000, 215_001, 1_000)
    match = nearest_logged_step([50_000, 100_000, 215_337], logged, None)  # the interval read from the log
    assert match.interval == 1_000
    assert match.source[215_337] == 215_000
    assert match.earlier == frozenset({215_337})
    assert nearest_logged_step([216_500], logged, 1_000).missing == frozenset(
        {216_500}
    )  # beyond one interval


def test_no_step_after_a_checkpoint_and_none_before_the_first_log() -> None:
    match = nearest_logged_step([5, 19, 20], [10, 20, 30], 10)
    assert match.source == {
        19: 10,
        20: 20,
    }  # never 20 or 30 for step 19: the checkpoint had not trained there
    assert match.missing == frozenset({5})
    assert nearest_logged_step([19], [10, 20], 0).missing == frozenset({19})  # no interval: exact steps only
    assert nearest_logged_step([19], [], None).missing == frozenset({19})


def test_the_logging_interval_ignores_an_odd_first_or_last_step() -> None:
    assert logging_interval([1, 10, 20, 30, 40, 45]) == 10
    assert logging_interval([7]) is None
    assert logging_interval([]) is None


@given(
    st.lists(st.integers(0, 10_000), max_size=30),
    st.lists(st.integers(0, 10_000), max_size=30),
    st.one_of(st.none(), st.integers(-5, 500)),
)
def test_a_checkpoint_takes_a_logged_step_at_or_before_it_within_the_interval(
    checkpoints: list[int], logged: list[int], interval: int | None
) -> None:
    match = nearest_logged_step(checkpoints, logged, interval)
    reach = max(match.interval or 0, 0)
    for checkpoint, taken in match.source.items():
        assert taken in logged and 0 <= checkpoint - taken <= reach
        assert (taken != checkpoint) == (checkpoint in match.earlier)
    assert set(match.source) | match.missing == set(checkpoints)
    assert not set(match.source) & match.missing


def test_metric_info_is_a_plain_frozen_value() -> None:
    info = classify("eval_f1")
    assert isinstance(info, MetricInfo)
    assert info == MetricInfo(
        "eval_f1", "Evaluation F1", Split.FULL_EVAL, None, Kind.SCORE, HIGHER, DirectionSource.NAME_TABLE
    )
    assert info.selectable and info.has_direction and info.held_out
    assert not classify("epoch").selectable
    assert classify("eval_my_metric").selectable and not classify("eval_my_metric").has_direction
    with pytest.raises(AttributeError):
        info.direction = LOWER  # type: ignore[misc]
