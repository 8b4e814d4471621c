"""The metric a Hugging Face Trainer chooses its best checkpoint by, from the TrainingArguments in its event
files.

The Trainer's ``TensorBoardCallback`` writes ``args.to_json_string()`` as the text summary
``args/text_summary`` (the ``text`` plugin, one string) when training starts: ``metric_for_best_model`` and
``greater_is_better`` as ``TrainingArguments.__post_init__`` settled them (``greater_is_better`` left unset
is true unless the name ends in ``loss``; the same rule is applied here when it is missing). The Trainer
compares ``eval_``-prefixed values (it adds the prefix unless the name has it), so the name is returned as
it is logged. The text comes from a file: it is read only up to ``MAX_ARGS_BYTES``, a text that is not a
JSON object or states no usable name is left out with a note, and the name is never more than a string
compared with the run's columns (shown only through ``components.text``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from tensorboard.compat.proto import event_pb2, types_pb2

from components.domain.note import Note, left_out

ARGS_TAG = "args/text_summary"
MAX_ARGS_BYTES = 65_536  # the fixtures' TrainingArguments are 3.5-6 KB of JSON
MAX_NAME_CHARS = 200
_TEXT_PLUGIN = "text"
_UNREAD = "The TrainingArguments in the event files {why}: the metric they choose by was not read."


@dataclass(frozen=True)
class BestMetric:
    """The metric the Trainer was told to choose by, as it is logged (``eval_loss``), and which way is
    better."""

    metric: str
    greater_is_better: bool


def args_text(event: event_pb2.Event) -> bytes | None:
    """The TrainingArguments text the event carries (``args/text_summary``, one string), else None."""
    for value in event.summary.value:
        if (
            value.tag == ARGS_TAG
            and value.metadata.plugin_data.plugin_name == _TEXT_PLUGIN
            and value.tensor.dtype == types_pb2.DT_STRING
            and len(value.tensor.string_val) == 1
        ):
            return value.tensor.string_val[0]
    return None


def logged_name(metric_for_best_model: str) -> str:
    """The key the Trainer compares: ``eval_`` prefixed unless it is (``_determine_best_metric``)."""
    return (
        metric_for_best_model
        if metric_for_best_model.startswith("eval_")
        else f"eval_{metric_for_best_model}"
    )


def best_metric(text: bytes, notes: list[Note] | None = None) -> BestMetric | None:
    """The metric ``text`` (TrainingArguments as JSON) declares, or None: it names none (no note), or cannot
    be read (a note says why)."""
    if len(text) > MAX_ARGS_BYTES:
        return _unread(notes, f"are larger than {MAX_ARGS_BYTES:,} bytes")
    try:
        args = json.loads(text)
    except (ValueError, RecursionError):
        return _unread(notes, "are not valid JSON")
    if not isinstance(args, dict):
        return _unread(notes, "are not a JSON object")
    name = args.get("metric_for_best_model")
    if name is None:
        return None
    if not isinstance(name, str) or not 0 < len(name) <= MAX_NAME_CHARS:
        return _unread(notes, f"name no metric_for_best_model of 1 to {MAX_NAME_CHARS} characters")
    greater = args.get("greater_is_better")
    if not isinstance(greater, bool):
        greater = not name.endswith("loss")
    return BestMetric(logged_name(name), greater)


def _unread(notes: list[Note] | None, why: str) -> None:
    if notes is not None:
        left_out(notes, _UNREAD.format(why=why))
    return None
