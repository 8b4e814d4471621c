"""TensorBoard events (as ``tensorboard``'s own ``EventFileLoader`` yields them) to a :class:`LogRead`.

Every scalar tag is read, whoever wrote it: ``torch.utils.tensorboard`` and tensorboardX write
``simple_value``, which the loader turns into a scalar tensor of the ``scalars`` plugin, as
``tensorboard.summary.Writer`` writes it. Tags become the names the rest of the dashboard reads:

- the Hugging Face Trainer's ``TensorBoardCallback`` (``rewrite_logs``) wrote ``eval_x`` as ``eval/x``,
  ``test_x`` as ``test/x`` and every other key as ``train/x``: they are read back as the trainer state's
  keys (``eval/loss`` is ``eval_loss``, full validation; ``train/loss`` is ``loss``), so a run reads the
  same from its events as from its ``trainer_state.json``; the final summary (``train/train_loss``,
  ``train/train_runtime``…) is no step's value and is left out, but says the run ended;
- Lightning's and NeMo's ``train_loss``, ``reduced_train_loss`` and ``val_loss`` are the training and
  validation loss (``components.data.lightning_logs``);
- any other tag keeps its name, for the metric model to classify (``val_acc``, ``Loss/train``).

The Trainer's TrainingArguments (the text summary ``args/text_summary``) say which metric it chooses its best
checkpoint by (``components.data.trainer_args``).

Values logged at one step of one file are merged (the last written wins). A run's files are read in name
order (the writers put the time first): a file that starts before the steps already read is a restart, and
the steps it logs again replace the earlier ones from there on, as TensorBoard purges orphaned data; a file
that starts at or after them (the Trainer's final evaluation of the best model, at the last step) only adds
what was not logged yet, so a checkpoint's values stay those logged while it trained.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any

from tensorboard.compat.proto import event_pb2
from tensorboard.util import tensor_util

from components.data.lightning_logs import LIGHTNING_METRICS
from components.data.log_read import LogRead, merged
from components.data.step_records import MAX_RECORDS, RecordLayout, step_records_frame
from components.data.trainer_args import BestMetric, args_text, best_metric
from components.data.trainer_state import TRAINER_IGNORED, TRAINER_METRICS
from components.domain.note import Note, left_out

WALL_TIME = "wall_time"
EVENT_RECORDS = RecordLayout(
    "step",
    {**TRAINER_METRICS, **LIGHTNING_METRICS},
    time_key=WALL_TIME,
    ignored=TRAINER_IGNORED - {"train_loss"},
)
_HF_PREFIXES = (("eval/", "eval_"), ("test/", "test_"))
_SCALARS = "scalars"


def metric_name(tag: str) -> str | None:
    """The name a tag is read under (see the module's words), or None for the Trainer's final summary."""
    for prefix, key in _HF_PREFIXES:
        if tag.startswith(prefix):
            return key + tag[len(prefix) :]
    if tag.startswith("train/"):
        name = tag[len("train/") :]
        return None if name in TRAINER_IGNORED else name
    return tag


def scalars(event: event_pb2.Event) -> Iterator[tuple[str, float]]:
    """Each scalar of one event: its tag and value."""
    for value in event.summary.value:
        if value.HasField("simple_value"):
            yield value.tag, float(value.simple_value)
        elif value.metadata.plugin_data.plugin_name == _SCALARS and value.HasField("tensor"):
            array = tensor_util.make_ndarray(value.tensor)
            if array.size == 1 and array.dtype.kind in "fiub":
                yield value.tag, float(array.reshape(()))


class _ByStep:
    """The events' scalars gathered by step (the last written wins), at most ``MAX_RECORDS`` steps, and
    whether the Trainer's final summary (``train/train_runtime``…) was among them: it says training ended."""

    def __init__(self) -> None:
        self.records: dict[int, dict[str, Any]] = {}
        self.dropped = 0
        self.ended = False

    def add(self, event: event_pb2.Event) -> None:
        for tag, value in scalars(event):
            name = metric_name(tag)
            if name is None:
                self.ended = True
                continue
            record = self.records.get(event.step)
            if record is None:
                if len(self.records) >= MAX_RECORDS:
                    self.dropped += 1
                    continue
                record = self.records[event.step] = {"step": event.step}
            record[name] = value
            record[WALL_TIME] = event.wall_time


def read_events(events: Iterable[event_pb2.Event], notes: list[Note] | None = None) -> LogRead:
    """The run in the events of one event file (read in order): every scalar tag by step, whether the
    Trainer's final summary says training ended, and the metric its TrainingArguments choose by."""
    steps = _ByStep()
    declared: BestMetric | None = None
    for event in events:
        steps.add(event)
        if (text := args_text(event)) is not None:
            declared = best_metric(text, notes) or declared
    if steps.dropped and notes is not None:
        left_out(
            notes,
            f"The event files hold more than {MAX_RECORDS:,} steps; {steps.dropped:,} later values were not "
            "read.",
        )
    records = list(steps.records.values())
    history = step_records_frame(records, EVENT_RECORDS, notes=notes, what="event files")
    return LogRead(history=history, ended=steps.ended, best_metric=declared)


def files_merged(reads: Iterable[LogRead]) -> LogRead:
    """The reads of one run's event files, in file order, as one (see the module's words on restarts)."""
    kept: list[LogRead] = []
    for read in reads:
        steps = read.history["step"]
        if not steps.empty and kept:
            start = int(steps.min())
            if start < max(
                (int(done.history["step"].max()) for done in kept if not done.history.empty), default=-1
            ):
                kept = [replace(done, history=done.history[done.history["step"] < start]) for done in kept]
        kept.append(read)
    return merged(kept)
