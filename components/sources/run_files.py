"""One run file's bytes to :class:`RunData`, with no key and no network: the parsers behind both file sources.

Each file is read as what its first bytes say it is (``components.sources.file_kinds``), never its
(untrusted) name:

- this tool's own export: a JSON file (``components.export.json_file``) or a Parquet file
  (``components.export.parquet_file``);
- a Hugging Face Trainer / TRL ``trainer_state.json`` (``components.data.trainer_state``);
- an OpenAI or Azure result CSV, plain or base64 (``components.data.results_file``);
- a training log (TensorBoard events, LLaMA-Factory's ``trainer_log.jsonl``, Lightning's ``metrics.csv``,
  the tinker cookbook's ``metrics.jsonl`` or ``checkpoints.jsonl``: ``components.sources.log_files``), alone
  or, from a run folder, several together (``components.sources.folder_logs``) and beside a trainer state.

Every failure is a :class:`~components.errors.DashboardError` that names the file.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from components.data.checkpoint_names import checkpoint_step
from components.data.checkpoints import checkpoints_frame, with_step_metrics
from components.data.history import build_history
from components.data.log_read import LogRead, merged_frames
from components.data.metric_model import Declared, Split, classify_all, declared_decider
from components.data.metrics import metrics_of_kind
from components.data.results_file import decode_result_file, results_frame
from components.data.trainer_args import BestMetric
from components.data.trainer_state import (
    TRAINER_METRICS,
    TrainerState,
    is_trainer_state,
    load_json_object,
    parse_trainer_state,
)
from components.data.values import as_text
from components.domain import (
    Conventions,
    HistorySource,
    Hyperparameters,
    Note,
    NoteKind,
    Provenance,
    ProviderBest,
    RunData,
    RunRef,
    RunStatus,
    RunSummary,
)
from components.errors import DashboardError, MalformedDataError
from components.export.json_file import shown_run_from_export
from components.export.parquet_file import shown_run_from_parquet
from components.export.schema import ShownRun
from components.sources.base import parsed
from components.sources.file_kinds import (
    HEAD_BYTES,
    LOG_KINDS,
    FileKind,
    csv_names,
    formats_read,
    looks_like_json,
    sniff,
)
from components.sources.log_files import label_of, log_from_bytes
from components.sources.openai import epoch_end_conventions
from components.text import ECHO_CHARS, clean, code_span
from components.wording import count

EPOCH_ENDS_AS_CHECKPOINTS = (
    "A result file names no checkpoints: its epoch ends (the steps with a full validation, where OpenAI and "
    "Azure save one) are marked instead, named step-N; their model names (…:ckpt-step-N) are in the "
    "provider's console."
)
RESULT_FILE_CONVENTIONS = epoch_end_conventions("OpenAI or Azure OpenAI")


def trainer_conventions(save_steps: int | None) -> Conventions:
    """A Hugging Face Trainer's ways: it evaluates the whole eval set every ``eval_steps`` (or epoch), and
    saves a checkpoint every ``save_steps``, keeping at most ``save_total_limit`` of them."""
    every = f"every {save_steps:,} steps" if save_steps else "every save_steps steps"
    return Conventions(
        full_validation="Evaluation",
        full_validation_detail="full validation set",
        checkpoints_saved=f"the trainer saves one only {every} (save_steps), and save_total_limit may have "
        "removed older ones",
    )


OTHER_CSV = ": it is a CSV of another kind"
VALIDATED_STEPS = (
    "A result file names no checkpoints, and this one has no full-validation rows to mark its epoch ends: "
    "its validated steps are offered instead, as steps (step-N), not saved checkpoints; whether one was "
    "saved there is in the provider's console."
)
NO_EPOCH_ENDS = (
    "A result file names no checkpoints, and this one has no validation rows to mark a step by: the curves "
    "are shown without checkpoints, so none can be recommended."
)
NO_TRAINER_ACCURACY = (
    "This trainer state logs no token accuracy (TRL's SFTTrainer logs mean_token_accuracy; the plain "
    "Trainer does not)."
)


class RunFileError(DashboardError):
    """A run file that cannot be read from disk or is too large; the message names it."""


class NotARunFileError(RunFileError, MalformedDataError):
    """A file in no format the dashboard reads: the message says what it was recognised as (if anything)
    and which formats are read. The file is fine, only not ours to read: no API setting would change it."""


@dataclass(frozen=True)
class Origin:
    """Where a file's run is read from: its address, the source in words, and its name to show."""

    ref: RunRef
    label: str
    name: str  # the file's (or folder's) name, untrusted: shown through components.text only

    @property
    def shown(self) -> str:
        return clean(self.name, ECHO_CHARS * 2)

    def provenance(self) -> Provenance:
        return Provenance.now(self.ref.source, self.label, self.shown)


def run_from_bytes(
    data: bytes,
    origin: Origin,
    *,
    checkpoint_steps: Collection[int] | None = None,
    model_prefix: str = "",
    logs: LogRead | None = None,
) -> RunData:
    """The run in one file, read as what its first bytes say it is. ``checkpoint_steps`` are the
    ``checkpoint-N`` folders found beside a trainer state (None: the file alone); ``model_prefix`` is
    prepended to their names (the folder, relative); ``logs`` are the training logs beside it."""
    kind = sniff(data)
    if kind in LOG_KINDS:
        notes: list[Note] = []
        read = parsed(f"file {origin.shown}", log_from_bytes, kind, data, notes)
        return run_from_logs(replace(read, notes=tuple(notes)), origin, label_of([kind]))
    match kind:
        case FileKind.PARQUET_EXPORT:
            return _from_export(shown_run_from_parquet(data), origin)
        case FileKind.JSON_EXPORT:
            return _from_export(shown_run_from_export(data), origin)
        case FileKind.TRAINER_STATE:
            obj = _trainer_state_object(data, origin)
            return run_from_trainer_state(
                obj, origin, checkpoint_steps=checkpoint_steps, model_prefix=model_prefix, logs=logs
            )
        case FileKind.RESULT_CSV | FileKind.RESULT_CSV_BASE64:
            return run_from_result_csv(data, origin)
        case _:
            raise _unknown_file(data, origin)


def _trainer_state_object(data: bytes, origin: Origin) -> dict[str, Any]:
    """A trainer state's JSON object; MalformedDataError when it is not valid JSON or has no log_history."""
    obj = load_json_object(data, f"file {origin.shown}")
    if not is_trainer_state(obj):
        raise _other_json(origin)
    return obj


def _other_json(origin: Origin) -> NotARunFileError:
    return NotARunFileError(
        f"The file {origin.shown} is JSON, but neither a trainer_state.json (no log_history) nor a "
        f"dashboard export. It reads {formats_read()}."
    )


def _unknown_file(data: bytes, origin: Origin) -> NotARunFileError:
    """Why a file of no kind the dashboard reads is not read: its JSON is broken, or of another kind, or it
    is no run file at all."""
    if looks_like_json(data):
        load_json_object(data, f"file {origin.shown}")  # broken JSON says so
        return _other_json(origin)
    if len(csv_names(data[:HEAD_BYTES])) > 1:
        return _not_a_run_file(origin, OTHER_CSV)
    return _not_a_run_file(origin)


def _not_a_run_file(origin: Origin, why: str = "") -> NotARunFileError:
    """A file in no format the dashboard reads: it says which it reads."""
    return NotARunFileError(
        f"The file {origin.shown} is not a run file this dashboard reads{why}. It reads {formats_read()}."
    )


def _from_export(shown: ShownRun, origin: Origin) -> RunData:
    run = shown.run
    was = run.provenance
    notes = [
        f"Exported from {was.label} ({clean(was.endpoint, ECHO_CHARS * 2)}), read there on "
        f"{was.fetched_at:%Y-%m-%d %H:%M} UTC."
    ]
    if shown.runs > 1:
        held = count(shown.runs, "run")
        notes.append(f"This file holds a comparison of {held}; this is the first of them.")
    return replace(
        run,
        summary=replace(run.summary, ref=origin.ref),
        provenance=origin.provenance(),
        notes=(*run.notes, *(Note(NoteKind.INFO, note) for note in notes)),
    )


def _result_file_checkpoints(results: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """Checkpoint rows of a result file alone, and the note saying what they are: its epoch ends (rows with a
    full validation value, where OpenAI and Azure save one), else each validated step as a step candidate
    (``step_only`` 1, ``model`` empty: no checkpoint is known to be saved there, and no name is invented)."""
    epoch_ends = results["full_valid_loss"].notna() | results["full_valid_mean_token_accuracy"].notna()
    validated = results["valid_loss"].notna() | results["valid_mean_token_accuracy"].notna()
    marked, note = (
        (epoch_ends, EPOCH_ENDS_AS_CHECKPOINTS) if epoch_ends.any() else (validated, VALIDATED_STEPS)
    )
    steps = results.loc[marked, "step"].tolist()
    frame = checkpoints_frame([{"id": f"step-{step}", "step_number": step} for step in steps])
    if marked is validated:
        frame["step_only"] = 1
    return with_step_metrics(frame, results), note if steps else NO_EPOCH_ENDS


def run_from_result_csv(data: bytes, origin: Origin) -> RunData:
    """An OpenAI or Azure result file (plain or base64 CSV) on its own."""
    notes: list[Note] = []
    try:
        csv = decode_result_file(data)
    except MalformedDataError as exc:
        raise _not_a_run_file(origin, f": {exc}") from None
    results = parsed(f"file {origin.shown}", results_frame, csv, notes=notes)
    checkpoints, what = _result_file_checkpoints(results)
    notes.append(Note(NoteKind.INFO, what))
    last = int(results["step"].max()) if not results.empty else None
    summary = RunSummary(
        ref=origin.ref, status=RunStatus.SUCCEEDED, name=as_text(origin.name), total_steps=last or None
    )
    return RunData(
        summary=summary,
        checkpoints=checkpoints,
        history=build_history(checkpoints, results, HistorySource.RESULT_FILE),
        history_source=HistorySource.RESULT_FILE if not results.empty else HistorySource.NONE,
        provenance=origin.provenance(),
        total_steps=summary.total_steps,
        notes=tuple(notes),
        conventions=RESULT_FILE_CONVENTIONS,
    )


LOG_CONVENTIONS = Conventions(full_validation="Evaluation", full_validation_detail="full validation set")
NO_LOG_CHECKPOINTS = (
    "These logs name no saved checkpoints: their evaluated steps are offered instead, as steps (step-N), not "
    "saved checkpoints."
)
NO_LOG_EVALUATIONS = (
    "These logs name no saved checkpoints and hold no evaluation to mark a step by: the curves are shown "
    "without checkpoints, so none can be recommended."
)
NO_LOG_ACCURACY = "These logs hold no token accuracy."
_HELD_OUT = frozenset({Split.FULL_EVAL, Split.BATCH_VALID, Split.NAMED_EVAL})


def _evaluated_steps(history: pd.DataFrame) -> pd.DataFrame:
    """Step candidates of logs that save no checkpoints: each step with a held-out value (``step_only``)."""
    held_out = [info.name for info in classify_all(history.columns[1:]) if info.split in _HELD_OUT]
    steps = history.loc[history[held_out].notna().any(axis=1), "step"].tolist() if held_out else []
    frame = checkpoints_frame([{"id": f"step-{step}", "step_number": step} for step in steps])
    frame["step_only"] = 1
    return with_step_metrics(frame, history)


def _log_checkpoints(read: LogRead, notes: list[Note]) -> pd.DataFrame:
    """The checkpoints the logs name, else their evaluated steps (saying so)."""
    named = with_step_metrics(checkpoints_frame(read.checkpoints, notes=notes), read.history)
    if not named.empty:
        return named
    steps = _evaluated_steps(read.history)
    notes.append(Note(NoteKind.INFO, NO_LOG_CHECKPOINTS if not steps.empty else NO_LOG_EVALUATIONS))
    return steps


def _history(
    checkpoints: pd.DataFrame, logged: pd.DataFrame, source: HistorySource
) -> tuple[pd.DataFrame, HistorySource]:
    """The run's history from what the file logged (``source``), else from its checkpoints, and where it came
    from: a file that logged nothing is drawn from its checkpoints' metrics, if it has any."""
    if not logged.empty:
        return build_history(checkpoints, logged, source), source
    fallback = HistorySource.CHECKPOINTS if not checkpoints.empty else HistorySource.NONE
    return build_history(checkpoints, None, source), fallback


def _has_accuracy(history: pd.DataFrame) -> bool:
    accuracy = [metric.name for metric in metrics_of_kind("accuracy")]
    return not history.empty and bool(np.isfinite(history[accuracy].to_numpy()).any())


def run_from_logs(read: LogRead, origin: Origin, label: str) -> RunData:
    """A run from training logs alone (no trainer state): ``label`` says what they were recognised as."""
    notes = list(read.notes)
    checkpoints = _log_checkpoints(read, notes)
    settings = read.hyperparameters
    summary = RunSummary(
        ref=origin.ref,
        status=RunStatus.SUCCEEDED if read.ended else RunStatus.UNKNOWN,
        name=as_text(origin.name),
        method=label,
        total_steps=read.total_steps,
        hyperparameters=Hyperparameters(
            n_epochs=_whole(settings.get("n_epochs")),
            batch_size=_whole(settings.get("batch_size")),
            learning_rate=settings.get("learning_rate"),
        ),
    )
    history, history_source = _history(checkpoints, read.history, HistorySource.TRAINING_LOGS)
    return RunData(
        summary=summary,
        checkpoints=checkpoints,
        history=history,
        history_source=history_source,
        provenance=origin.provenance(),
        total_steps=read.total_steps,
        notes=tuple(notes),
        unavailable={} if _has_accuracy(read.history) else {"accuracy": NO_LOG_ACCURACY},
        provider_best=_declared_best(read.best_metric),
        conventions=LOG_CONVENTIONS,
    )


def _declared_best(declared: BestMetric | None) -> ProviderBest | None:
    """The metric the trainer's arguments choose by, as the run's declared decider (under the run's column
    name: ``eval_loss`` is ``full_valid_loss``); it marks no checkpoint of its own."""
    if declared is None:
        return None
    direction = "higher" if declared.greater_is_better else "lower"
    name = code_span(declared.metric, ECHO_CHARS)  # the reason is Markdown: a name from a file is code
    return ProviderBest(
        label="The trainer's TrainingArguments",
        metric=declared.metric,
        decider=TRAINER_METRICS.get(declared.metric, declared.metric),
        direction=direction,
        reason=(
            f"The trainer's TrainingArguments (in its event files) choose by {name} "
            f"(metric_for_best_model, greater_is_better {str(declared.greater_is_better).lower()}): "
            f"{direction} is better."
        ),
    )


def _whole(value: float | None) -> int | None:
    return int(value) if value is not None and value.is_integer() and 0 < value < 1e9 else None


def _with_logs(state: TrainerState, logs: LogRead | None, notes: list[Note]) -> TrainerState:
    """The trainer state's history, then what its training logs add: the steps logged since the last save
    (the logs are written at every logging step, a trainer state only at a save) and series it lacks."""
    if logs is None or logs.history.empty:
        return state
    notes.extend(logs.notes)
    last = int(state.history["step"].max()) if not state.history.empty else -1
    newer = int((logs.history["step"] > last).sum())
    if newer:
        notes.append(
            Note(
                NoteKind.INFO,
                f"{newer:,} steps after the last saved trainer state (step {last:,}) come from the training "
                "logs beside it, which are written at every logging step.",
            )
        )
    return replace(state, history=merged_frames([state.history, logs.history]))


def _trainer_checkpoints(state: TrainerState, steps: Collection[int], model_prefix: str) -> pd.DataFrame:
    records = [
        {
            "id": f"checkpoint-{step}",
            "step_number": step,
            "fine_tuned_model_checkpoint": f"{model_prefix}checkpoint-{step}",
        }
        for step in sorted(set(steps))
    ]
    return with_step_metrics(checkpoints_frame(records), state.history)


def trainer_status(state: TrainerState) -> tuple[RunStatus, str | None]:
    """What a trainer state says of its run, in words (the run page and the run list say the same)."""
    if state.stopped_early:
        return RunStatus.SUCCEEDED, f"stopped early at step {state.global_step:,} of {state.max_steps:,}"
    if state.finished:
        return RunStatus.SUCCEEDED, None
    if state.global_step is not None and state.max_steps:
        return RunStatus.UNKNOWN, f"at step {state.global_step:,} of {state.max_steps:,}"
    return RunStatus.UNKNOWN, None


def run_from_trainer_state(
    obj: Mapping[str, Any],
    origin: Origin,
    *,
    checkpoint_steps: Collection[int] | None = None,
    model_prefix: str = "",
    logs: LogRead | None = None,
) -> RunData:
    """A trainer state and, when known, the ``checkpoint-N`` folders saved beside it and its training logs
    (TensorBoard events, LLaMA-Factory's log), which add the steps logged since its last save."""
    notes: list[Note] = []
    state = parsed(f"file {origin.shown}", parse_trainer_state, obj, notes=notes)
    state = _with_logs(state, logs, notes)
    if checkpoint_steps is None:
        named = {step for step in (state.global_step, state.best_step) if step}
        notes.append(
            Note(
                NoteKind.INFO,
                "Only the checkpoints this file names are marked (its own step and best_model_checkpoint); a "
                "training output folder in DASHBOARD_RUNS_DIR shows every checkpoint-N.",
            )
        )
        checkpoint_steps = named
    checkpoints = _trainer_checkpoints(state, checkpoint_steps, model_prefix)
    status, said = trainer_status(state)
    if state.stopped_early:
        notes.append(
            Note(NoteKind.INFO, f"Training {said} planned (max_steps): the file says it ended there.")
        )
    summary = RunSummary(
        ref=origin.ref,
        status=status,
        provider_status=said,
        name=as_text(origin.name),
        trained_tokens=state.tokens_seen,
        total_steps=state.max_steps or None,
        hyperparameters=Hyperparameters(n_epochs=state.num_train_epochs, batch_size=state.train_batch_size),
    )
    logged = _has_accuracy(state.history)
    history, history_source = _history(checkpoints, state.history, HistorySource.TRAINER_STATE)
    return RunData(
        summary=summary,
        checkpoints=checkpoints,
        history=history,
        history_source=history_source,
        provenance=origin.provenance(),
        total_steps=summary.total_steps,
        notes=tuple(notes),
        unavailable={} if logged else {"accuracy": NO_TRAINER_ACCURACY},
        provider_best=_trainer_best(state, checkpoints, declared_decider(obj, _declared_name(logs)))
        or _declared_best(logs.best_metric if logs is not None else None),
        conventions=trainer_conventions(state.save_steps),
    )


def _declared_name(logs: LogRead | None) -> str | None:
    """The metric the trainer's arguments name, which settles a trainer state's tie between metrics."""
    return logs.best_metric.metric if logs is not None and logs.best_metric is not None else None


def _trainer_best(
    state: TrainerState, checkpoints: pd.DataFrame, declared: Declared | None
) -> ProviderBest | None:
    """The trainer's best checkpoint, with the metric it declares it chose by (under the run's column
    name: the Trainer's ``eval_loss`` is ``full_valid_loss``), which way is better and why."""
    if state.best_model_checkpoint is None and state.best_step is None:
        return None
    step = state.best_step if state.best_step is not None else checkpoint_step(state.best_model_checkpoint)
    saved = step is not None and bool((checkpoints["step"] == step).any())
    return ProviderBest(
        label="The trainer's best_model_checkpoint",
        checkpoint_id=f"checkpoint-{step}" if saved else None,
        step=step,
        value=state.best_metric,
        metric=None if declared is None else declared.metric,
        decider=None if declared is None else TRAINER_METRICS.get(declared.metric, declared.metric),
        direction=None if declared is None else declared.direction.value,
        reason=None if declared is None else declared.reason,
    )
