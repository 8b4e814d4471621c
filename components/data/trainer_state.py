"""A Hugging Face Trainer / TRL ``trainer_state.json`` to the run's per-step frame and facts.

``log_history`` holds separate entries per event, merged here by ``step``: training ones (``loss``,
``grad_norm``, ``learning_rate``, ``epoch``; TRL's SFTTrainer adds ``mean_token_accuracy``, ``entropy``,
``num_tokens``) and evaluation ones (``eval_loss``, ``eval_<metric>``, timings). The final summary entry
(``train_runtime``…, whose ``train_loss`` is the run's mean, not a step's value) is not a step: it says the
run ended, as ``should_training_stop`` does (before ``max_steps`` when it stopped early). Each entry's
``epoch`` is kept as logged, a column of the history.

Which of our splits an evaluation is: the Trainer evaluates on the *whole* ``eval_dataset`` every
``eval_steps`` (or each epoch), so ``eval_loss`` and ``eval_mean_token_accuracy`` are full validation
(``full_valid_*``: the whole split, drawn as bold points and preferred by the recommendation), not
OpenAI's batch validation (``valid_*``: a small sample at every step).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from components.data.bounds import MAX_BATCH_SIZE, MAX_EPOCHS, MAX_STEP, MAX_TRAINED_TOKENS
from components.data.checkpoint_names import checkpoint_step
from components.data.job import CheckedFields, finite, text_or_none
from components.data.step_records import RecordLayout, step_records_frame
from components.domain.note import Note
from components.errors import MalformedDataError

TRAINER_METRICS: dict[str, str] = {
    "loss": "train_loss",
    "mean_token_accuracy": "train_mean_token_accuracy",
    "eval_loss": "full_valid_loss",
    "eval_mean_token_accuracy": "full_valid_mean_token_accuracy",
}
# Throughput and bookkeeping, not measures of the model.
TRAINER_IGNORED = frozenset(
    {
        "eval_runtime",
        "eval_samples_per_second",
        "eval_steps_per_second",
        "total_flos",
        "train_runtime",
        "train_samples_per_second",
        "train_steps_per_second",
        "train_loss",
    }
)
TRAINER_RECORDS = RecordLayout("step", TRAINER_METRICS, ignored=TRAINER_IGNORED)
_SUMMARY_KEY = "train_runtime"
# JSON is bounded before it is parsed: a value can be 3 bytes ("{},") and cost Python 60 to 200 (32 MB of
# empty entries became 10 million dicts, 1.1 GB, before the record limit could apply). The Trainer writes
# its state indented, about 12 bytes a value, so a 32 MB state (200,000 steps logged) holds about 2.7 million.
MAX_JSON_VALUES = 3_000_000
_BEFORE_A_VALUE = (b"[", b"{", b",", b":")


class TrainerStateError(MalformedDataError):
    """The file is not a readable ``trainer_state.json``."""


@dataclass(frozen=True)
class TrainerState:
    """What a ``trainer_state.json`` says about its run; None where the file does not say."""

    history: pd.DataFrame  # per step: step, the catalogue's metrics (NaN where not logged), extras
    global_step: int | None
    max_steps: int | None
    num_train_epochs: int | None
    train_batch_size: int | None
    save_steps: int | None
    tokens_seen: int | None
    best_model_checkpoint: str | None  # a path as the trainer wrote it
    best_step: int | None
    best_metric: float | None
    ended: bool = False  # the file says training ended: its final summary entry, or should_training_stop

    @property
    def finished(self) -> bool:
        """Whether training ended: the file says so, or it reached its last step."""
        return self.ended or (
            self.global_step is not None
            and self.max_steps is not None
            and 0 < self.max_steps <= self.global_step
        )

    @property
    def stopped_early(self) -> bool:
        """Whether training ended before ``max_steps`` (early stopping, a callback's should_training_stop)."""
        return self.finished and self.global_step is not None and (self.max_steps or 0) > self.global_step


def json_values_bound(data: bytes) -> int:
    """At most how many values (keys included) the JSON text ``data`` holds, from four byte counts: every
    value but the first follows a ``[``, ``{``, ``,`` or ``:`` (inside strings they count too, so this
    can only overstate)."""
    return 1 + sum(data.count(mark) for mark in _BEFORE_A_VALUE)


def load_json_object(data: bytes, what: str) -> Mapping[str, Any]:
    """``data`` as a JSON object, or MalformedDataError naming ``what``; a text of more than
    ``MAX_JSON_VALUES`` values is refused before any of it is parsed."""
    if json_values_bound(data) > MAX_JSON_VALUES:
        raise TrainerStateError(
            f"The {what} holds more than {MAX_JSON_VALUES:,} JSON values, more than the dashboard reads "
            "(a trainer_state.json of 200,000 logged steps holds fewer)."
        )
    try:
        obj = json.loads(data)
    except (ValueError, RecursionError):
        raise TrainerStateError(f"The {what} is not valid JSON.") from None
    if not isinstance(obj, dict):
        raise TrainerStateError(f"The {what} is not a JSON object.")
    return obj


def is_trainer_state(obj: Mapping[str, Any]) -> bool:
    """Whether a JSON object looks like a ``trainer_state.json`` (it has a ``log_history`` list)."""
    return isinstance(obj.get("log_history"), list)


def _should_stop(obj: Mapping[str, Any]) -> bool:
    """Whether the file says the trainer was told to stop: ``should_training_stop`` in the saved
    ``TrainerControl`` (``stateful_callbacks``), where the Trainer writes it."""
    control = obj.get("stateful_callbacks")
    control = control.get("TrainerControl") if isinstance(control, Mapping) else None
    args = control.get("args") if isinstance(control, Mapping) else None
    return isinstance(args, Mapping) and args.get("should_training_stop") is True


def parse_trainer_state(obj: Mapping[str, Any], *, notes: list[Note] | None = None) -> TrainerState:
    """The run in a ``trainer_state.json`` object: its per-step history and its facts.

    Values outside their bounds become None with a note, as a job's do.
    """
    if not is_trainer_state(obj):
        raise TrainerStateError("The file has no log_history: it is not a Hugging Face trainer_state.json.")
    entries = [entry for entry in obj["log_history"] if isinstance(entry, Mapping)]
    summary = any(_SUMMARY_KEY in entry for entry in entries)
    entries = [entry for entry in entries if _SUMMARY_KEY not in entry]
    history = step_records_frame(entries, TRAINER_RECORDS, notes=notes, what="trainer state's log_history")
    checked = CheckedFields(notes, "trainer state")
    best_path = text_or_none(obj.get("best_model_checkpoint"))
    best_step = checked.whole("best_global_step", obj.get("best_global_step"), 0, MAX_STEP)
    return TrainerState(
        history=history,
        global_step=checked.whole("global_step", obj.get("global_step"), 0, MAX_STEP),
        max_steps=checked.whole("max_steps", obj.get("max_steps"), 0, MAX_STEP),
        num_train_epochs=checked.whole("num_train_epochs", obj.get("num_train_epochs"), 1, MAX_EPOCHS),
        train_batch_size=checked.whole("train_batch_size", obj.get("train_batch_size"), 1, MAX_BATCH_SIZE),
        save_steps=checked.whole("save_steps", obj.get("save_steps"), 1, MAX_STEP),
        tokens_seen=checked.whole(
            "num_input_tokens_seen", obj.get("num_input_tokens_seen"), 0, MAX_TRAINED_TOKENS
        )
        or None,
        best_model_checkpoint=best_path,
        best_step=best_step if best_step is not None else checkpoint_step(best_path),
        best_metric=finite(obj.get("best_metric")),
        ended=summary or _should_stop(obj),
    )
