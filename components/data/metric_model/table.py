"""The name table: how a logged name says its split, its kind and which way is better.

Data only; :mod:`components.data.metric_model.names` reads it. Sources: transformers' ``Trainer`` (``eval_``
prefix, ``eval_<set>_`` for a dict of evaluation sets, the final summary's ``train_*``), its TensorBoard
callback (``eval/x``, ``train/x``), TRL's trainers (SFT, DPO, KTO, ORPO, GRPO, RLOO, PPO, Reward), OpenAI's
and Azure's result columns (with the legacy GPT-3 ones), Together's metrics, LLaMA-Factory's
``trainer_log.jsonl``, Lightning's and Keras's ``val_``, the tinker cookbook's ``metrics.jsonl``.

Directions TRL does not state are read from its formulas (shared/formats.md), with the reasoning here:

- ``rewards/margins`` (chosen − rejected implicit reward) and ``rewards/accuracies`` (share of pairs whose
  chosen answer out-scores the rejected one) are what preference training raises: higher.
- ``rewards/chosen`` higher and ``rewards/rejected`` lower is the way the objective pushes each; but in
  DPO both often fall together while the margin grows, so either alone is one-sided: offered, drawn,
  never the default decider.
- ``logps/*``, ``logits/*``, ``kl``, ``entropy``, ``clip_ratio/*``, ``completions/*`` lengths,
  ``frac_reward_zero_std`` and every ``*_std`` are diagnostics of how training goes, better neither way:
  NONE. (A lower KL is not a better model, only a closer one.)
- GRPO's ``loss`` stays a loss (lower), but it is near zero by construction and says nothing about
  quality: the decider chooses an RL run by its reward, not by this.
- ``eval_num_tokens`` is the count of *training* tokens seen so far (TRL), so it is run bookkeeping
  whatever its prefix.
"""

from __future__ import annotations

import re

from components.data.metric_model.info import Direction, Kind, Split

LOWER, HIGHER, NONE = Direction.LOWER, Direction.HIGHER, Direction.NONE

# Whole names whose columns are a schema of their own: OpenAI and Azure result files and checkpoint
# metrics (the six keep the labels the page shows today), the legacy GPT-3 result columns (whose
# ``validation_*`` is a validation *batch*, as OpenAI's legacy guide says), LLaMA-Factory's log lines.
# name -> (split, kind, direction, label)
EXACT: dict[str, tuple[Split, Kind, Direction, str]] = {
    "train_loss": (Split.TRAIN, Kind.LOSS, LOWER, "Training loss"),
    "valid_loss": (Split.BATCH_VALID, Kind.LOSS, LOWER, "Validation loss (batch)"),
    "full_valid_loss": (Split.FULL_EVAL, Kind.LOSS, LOWER, "Validation loss (full)"),
    "train_mean_token_accuracy": (Split.TRAIN, Kind.ACCURACY, HIGHER, "Training accuracy"),
    "valid_mean_token_accuracy": (Split.BATCH_VALID, Kind.ACCURACY, HIGHER, "Validation accuracy (batch)"),
    "full_valid_mean_token_accuracy": (Split.FULL_EVAL, Kind.ACCURACY, HIGHER, "Validation accuracy (full)"),
    "train_accuracy": (Split.TRAIN, Kind.ACCURACY, HIGHER, "Training accuracy"),
    "training_accuracy": (Split.TRAIN, Kind.ACCURACY, HIGHER, "Training accuracy"),
    "valid_accuracy": (Split.BATCH_VALID, Kind.ACCURACY, HIGHER, "Validation accuracy (batch)"),
    "validation_mean_token_accuracy": (
        Split.BATCH_VALID,
        Kind.ACCURACY,
        HIGHER,
        "Validation accuracy (batch)",
    ),
    "training_loss": (Split.TRAIN, Kind.LOSS, LOWER, "Training loss"),
    "training_sequence_accuracy": (Split.TRAIN, Kind.ACCURACY, HIGHER, "Training sequence accuracy"),
    "training_token_accuracy": (Split.TRAIN, Kind.ACCURACY, HIGHER, "Training token accuracy"),
    "validation_loss": (Split.BATCH_VALID, Kind.LOSS, LOWER, "Validation loss (batch)"),
    "validation_sequence_accuracy": (
        Split.BATCH_VALID,
        Kind.ACCURACY,
        HIGHER,
        "Validation sequence accuracy (batch)",
    ),
    "validation_token_accuracy": (
        Split.BATCH_VALID,
        Kind.ACCURACY,
        HIGHER,
        "Validation token accuracy (batch)",
    ),
    "predict_loss": (Split.TEST, Kind.LOSS, LOWER, "Test loss (prediction)"),
}

# Split prefixes, tried in this order; the word names the split in a label. ``val/`` is not one: TRL's
# PPO logs its value head there (``val/ratio``, ``val/clipfrac_avg``).
PREFIXES: tuple[tuple[str, Split, str], ...] = (
    ("full_valid_", Split.FULL_EVAL, "Validation"),
    ("eval/", Split.FULL_EVAL, "Evaluation"),
    ("eval_", Split.FULL_EVAL, "Evaluation"),
    ("val_", Split.FULL_EVAL, "Validation"),
    ("validation_", Split.BATCH_VALID, "Validation"),
    ("valid_", Split.BATCH_VALID, "Validation"),
    ("train/", Split.TRAIN, "Training"),
    ("training_", Split.TRAIN, "Training"),
    ("train_", Split.TRAIN, "Training"),
    ("test/", Split.TEST, "Test"),
    ("test_", Split.TEST, "Test"),
    ("predict/", Split.TEST, "Test"),
    ("predict_", Split.TEST, "Test"),
)
SPLIT_WORDS: dict[Split, str] = {
    Split.TRAIN: "Training",
    Split.FULL_EVAL: "Evaluation",
    Split.BATCH_VALID: "Validation",
    Split.NAMED_EVAL: "Evaluation",
    Split.MIXED_EVAL: "Evaluation",
    Split.TEST: "Test",
}

# Bookkeeping of the run as a whole, whatever prefix a writer gave it (TensorBoard writes
# ``train/epoch``, TRL ``eval_num_tokens``): split RUN, kind OTHER, direction NONE. base -> label
RUN_BASES: dict[str, str] = {
    "epoch": "Epoch",
    "step": "Step",
    "global_step": "Step",
    "current_steps": "Step",
    "total_steps": "Planned steps",
    "learning_rate": "Learning rate",
    "lr": "Learning rate",
    "grad_norm": "Gradient norm",
    "total_flos": "Floating-point operations",
    "num_tokens": "Tokens seen",
    "num_input_tokens_seen": "Input tokens seen",
    "elapsed_tokens": "Tokens seen",
    "elapsed_examples": "Examples seen",
    "total_tokens": "Tokens seen",
    "num_sequences": "Sequences seen",
    "num_loss_tokens": "Loss tokens seen",
    "step_time": "Step time in seconds",
    "percentage": "Progress (%)",
    "progress": "Progress",
    "elapsed_time": "Elapsed time",
    "remaining_time": "Remaining time",
    "throughput": "Throughput",
    "episode": "Episodes",
    "eps": "Episodes per second",
}
RUN_PREFIXES: tuple[str, ...] = ("vram_",)  # LLaMA-Factory's vram_allocated, vram_reserved

# Whole bases (after the split prefix, lower case): base -> (kind, direction, phrase in a label).
BASES: dict[str, tuple[Kind, Direction, str]] = {
    "loss": (Kind.LOSS, LOWER, "loss"),
    "nll_loss": (Kind.LOSS, LOWER, "NLL loss"),
    "perplexity": (Kind.LOSS, LOWER, "perplexity"),
    "mean_token_accuracy": (Kind.ACCURACY, HIGHER, "token accuracy"),
    "accuracy": (Kind.ACCURACY, HIGHER, "accuracy"),
    "exact_match": (Kind.ACCURACY, HIGHER, "exact match"),
    "f1": (Kind.SCORE, HIGHER, "F1"),
    "precision": (Kind.SCORE, HIGHER, "precision"),
    "recall": (Kind.SCORE, HIGHER, "recall"),
    "mcc": (Kind.SCORE, HIGHER, "MCC"),
    "matthews_correlation": (Kind.SCORE, HIGHER, "Matthews correlation"),
    "combined_score": (Kind.SCORE, HIGHER, "combined score"),
    "rouge1": (Kind.SCORE, HIGHER, "ROUGE-1"),
    "rouge2": (Kind.SCORE, HIGHER, "ROUGE-2"),
    "rougel": (Kind.SCORE, HIGHER, "ROUGE-L"),
    "rougelsum": (Kind.SCORE, HIGHER, "ROUGE-Lsum"),
    "bleu": (Kind.SCORE, HIGHER, "BLEU"),
    "sacrebleu": (Kind.SCORE, HIGHER, "SacreBLEU"),
    "chrf": (Kind.SCORE, HIGHER, "chrF"),
    "meteor": (Kind.SCORE, HIGHER, "METEOR"),
    "wer": (Kind.ERROR_RATE, LOWER, "WER"),
    "cer": (Kind.ERROR_RATE, LOWER, "CER"),
    "gen_len": (Kind.OTHER, NONE, "generation length"),
    "runtime": (Kind.OTHER, NONE, "runtime in seconds"),
    "samples_per_second": (Kind.OTHER, NONE, "samples per second"),
    "steps_per_second": (Kind.OTHER, NONE, "steps per second"),
    "reward": (Kind.REWARD, HIGHER, "reward"),
    "reward_std": (Kind.OTHER, NONE, "reward spread (std)"),
    "frac_reward_zero_std": (Kind.OTHER, NONE, "share of prompts with equal rewards"),
    "margin": (Kind.REWARD, HIGHER, "reward margin"),
    "mean_reward": (Kind.OTHER, NONE, "mean reward (centring)"),
    "rewards/margins": (Kind.REWARD, HIGHER, "reward margin (chosen − rejected)"),
    "rewards/accuracies": (Kind.ACCURACY, HIGHER, "preference accuracy"),
    "rewards/chosen": (Kind.REWARD, HIGHER, "reward of chosen answers"),
    "rewards/rejected": (Kind.REWARD, LOWER, "reward of rejected answers"),
    "log_odds_ratio": (Kind.SCORE, HIGHER, "log odds ratio"),
    "log_odds_chosen": (Kind.SCORE, HIGHER, "log odds of chosen"),
    "logps/chosen": (Kind.OTHER, NONE, "log-probability of chosen"),
    "logps/rejected": (Kind.OTHER, NONE, "log-probability of rejected"),
    "logits/chosen": (Kind.OTHER, NONE, "mean logit of chosen"),
    "logits/rejected": (Kind.OTHER, NONE, "mean logit of rejected"),
    "entropy": (Kind.OTHER, NONE, "entropy"),
    "kl": (Kind.OTHER, NONE, "KL divergence"),
    "objective/rlhf_reward": (Kind.REWARD, HIGHER, "RLHF reward"),
    "objective/scores": (Kind.REWARD, HIGHER, "reward-model score"),
    "objective/non_score_reward": (Kind.OTHER, NONE, "KL penalty (non-score reward)"),
}

# GRPO/RLOO reward functions: ``rewards/<function>/mean`` is higher-is-better whatever the function is
# called (``rewards/format_error/mean`` too), ``rewards/<function>/std`` a spread.
REWARD_FUNCTION = re.compile(r"rewards/(?P<function>.+)/(?P<stat>mean|std)")

# Words inside other names (``val_acc_epoch``, ``train_mean_nll``, ``eval_macro_f1``): word -> kind.
LOWER_WORDS: dict[str, Kind] = {
    **dict.fromkeys(("loss", "losses", "nll", "perplexity", "ppl", "bpb", "bpc"), Kind.LOSS),
    **dict.fromkeys(
        ("wer", "cer", "ter", "error", "errors", "err", "mae", "mse", "rmse", "mape"), Kind.ERROR_RATE
    ),
}
HIGHER_WORDS: dict[str, Kind] = {
    **dict.fromkeys(("accuracy", "accuracies", "acc", "exact", "em"), Kind.ACCURACY),
    **dict.fromkeys(
        ("f1", "precision", "recall", "mcc", "matthews", "auc", "auroc", "meteor", "pearson", "pearsonr"),
        Kind.SCORE,
    ),
    **dict.fromkeys(
        ("spearman", "spearmanr", "r2", "bertscore", "score", "scores", "win", "success"), Kind.SCORE
    ),
    **dict.fromkeys(("reward", "rewards", "margin", "margins"), Kind.REWARD),
}
HIGHER_WORD_STARTS: tuple[str, ...] = (
    "rouge",
    "bleu",
    "sacrebleu",
    "chrf",
    "pass@",
)  # rougeLsum, bleu4, pass@1
SPREAD_WORDS = frozenset({"std", "stddev", "var", "variance"})
# Bookkeeping and diagnostics: better neither way.
NEUTRAL_WORDS = frozenset(
    {
        "epoch", "epochs", "lr", "runtime", "time", "seconds", "second", "len", "length", "lengths",
        "tokens", "flos", "norm", "vram", "memory", "mem", "throughput", "percentage", "progress",
        "elapsed", "remaining", "samples", "examples", "clip", "clipped", "clipfrac", "entropy", "kl",
        "approxkl", "logps", "logp", "logits", "temperature", "step", "steps", "global", "episode",
        "episodes", "eps", "count",
    }
)  # fmt: skip

# The Trainer prefixes these for each named evaluation set, so ``eval_<set>_<one of these>`` names a set
# (the only clue when one name is classified alone; a run's names say it for sure: ``eval_<set>_runtime``).
SET_SUFFIXES: tuple[str, ...] = ("loss", "runtime", "samples_per_second", "steps_per_second")
# Words that qualify a loss rather than name a set: ``eval_mean_loss`` is no set called "mean".
SET_QUALIFIERS = frozenset(
    {
        "mean", "avg", "average", "total", "sum", "policy", "value", "aux", "ce", "lm", "mlm", "clm",
        "token", "sequence", "seq", "contrastive", "distill", "distillation", "reconstruction", "weighted",
        "batch", "full", "train", "test", "val", "valid", "validation", "eval",
    }
)  # fmt: skip

# Written as acronyms when a label is made from the name's own words.
ACRONYMS = frozenset(
    {"f1", "wer", "cer", "ter", "mcc", "auc", "kl", "nll", "mae", "mse", "rmse", "bleu", "rlhf"}
)
