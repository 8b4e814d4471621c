"""Per-step metric records (one JSON object per logged event) to one tidy DataFrame row per step.

Trainers and some providers log training and evaluation separately: a Hugging Face ``log_history`` has
``{loss, step}`` and ``{eval_loss, step}`` entries, Together's metrics endpoint ``{train/loss,
train/global_step}`` and ``{eval/loss, train/global_step}``. Both are merged by step here: for each column
the last value logged at that step wins. Keys the caller maps become the catalogue's metrics; other numeric
keys are kept as extras under their logged names (learning rate, gradient norm, ``eval_f1``, DPO rewards),
every one of them up to a bound on the total (``components.data.metric_columns``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from components.data.bounds import STEP_RULE, time_rule, unix_seconds, usable_steps
from components.data.checkpoints import implausible_times, utc_times
from components.data.metric_columns import METRIC_COLUMN_NAME, kept_columns
from components.data.metrics import METRIC_NAMES
from components.data.results_file import MAX_RESULT_ROWS
from components.data.values import as_float, as_number, column
from components.domain.note import Note, left_out
from components.wording import count

# A million logged entries is ten times a 100,000-step run logging train and eval every step.
MAX_RECORDS = 1_000_000


def _numeric(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _numeric_count(values: pd.Series) -> int:
    """How many of a column's values are numbers (not booleans; a record without the key is no value)."""
    if values.dtype.kind in "fiu":
        return int(values.notna().sum())
    if values.dtype.kind != "O" or isinstance(values.dtype, pd.StringDtype):  # text: no value is a number
        return 0
    return sum(1 for value in values if _numeric(value) and value == value)


def _extra_names(
    frame: pd.DataFrame, taken: Collection[str], notes: list[Note] | None, what: str
) -> list[str]:
    """Every key with a number beyond the mapped ones, in the order first seen, up to
    ``MAX_METRIC_COLUMNS``."""
    values: dict[str, int] = {}
    for key in frame.columns:
        if (
            key not in taken
            and METRIC_COLUMN_NAME.fullmatch(str(key))
            and (found := _numeric_count(frame[key]))
        ):
            values[key] = found
    return kept_columns(values, notes, what)


def _floats(frame: pd.DataFrame, key: str, read: Callable[[Any], float] = as_float) -> np.ndarray:
    """The key's values as floats (``read`` of each; NaN where a record lacks it): a column of numbers is
    taken whole, only a column of mixed values is read value by value."""
    if key not in frame:
        return np.full(len(frame), np.nan)
    values = frame[key]
    if values.dtype.kind in "fiu":
        return values.to_numpy(dtype="float64")
    if values.dtype.kind != "O":  # booleans are no metric values
        return np.full(len(frame), np.nan)
    return np.fromiter((read(value) for value in values), dtype="float64", count=len(values))


@dataclass(frozen=True)
class RecordLayout:
    """Where a format's records keep their step, metrics and time: one constant per format.

    ``metric_keys`` maps a record's key to a catalogue metric name; ``time_key`` names a time in units of
    ``seconds_per_time_unit`` seconds (None: no time); ``ignored`` keys are neither metrics nor extras
    (run summaries, throughput).
    """

    step_key: str
    metric_keys: Mapping[str, str]
    time_key: str | None = None
    seconds_per_time_unit: float = 1.0
    ignored: Collection[str] = ()

    @property
    def taken(self) -> set[str]:
        """The keys that are never extras."""
        return {self.step_key, *self.metric_keys, *self.ignored, *([self.time_key] if self.time_key else [])}


def step_records_frame(
    records: Iterable[Any], layout: RecordLayout, *, notes: list[Note] | None = None, what: str = "metrics"
) -> pd.DataFrame:
    """One row per step: ``step``, the six catalogue metrics (NaN where never logged), ``created_at`` when
    ``layout.time_key`` names a time, then the extras.

    Records without a usable step are left out with a note; more than ``MAX_RESULT_ROWS`` steps keep an
    evenly spaced subset plus every step with an evaluation.
    """
    kept, steps = _with_steps(records, layout.step_key, notes, what)
    # One frame of every record (pandas reads the dicts in C), read column by column.
    records_frame = pd.DataFrame.from_records(kept) if kept else pd.DataFrame(index=range(0))
    return records_by_step(records_frame, steps, layout, notes=notes, what=what)


def records_by_step(
    records: pd.DataFrame,
    steps: np.ndarray,
    layout: RecordLayout,
    *,
    notes: list[Note] | None = None,
    what: str = "metrics",
) -> pd.DataFrame:
    """:func:`step_records_frame` of records already in a frame (a row per record, a column per key in the
    order first seen), every one with its usable step in ``steps``."""
    extras = _extra_names(records, layout.taken, notes, what)
    table: dict[str, Any] = {"step": steps}
    for key, name in layout.metric_keys.items():
        values = _floats(records, key)
        table[name] = values if name not in table else np.where(np.isnan(values), table[name], values)
    raw_times = None
    if (time_key := layout.time_key) is not None:
        raw_times = _floats(records, time_key, as_number) * layout.seconds_per_time_unit
        table["created_at"] = unix_seconds(raw_times)
    for name in extras:
        table[name] = _floats(records, name)
    frame = last_by_step(pd.DataFrame(table))
    if (
        notes is not None
        and raw_times is not None
        and (bad_times := implausible_times(raw_times, unix_seconds(raw_times)))
    ):
        left_out(notes, f"Ignored the times of {count(bad_times, 'entry')} of the {what}: not {time_rule()}.")
    return _columns(_thinned(frame, notes, what), extras, timed=raw_times is not None)


def last_by_step(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per step, in step order: at a step several rows hold, each column's last value (as
    ``groupby("step").last()``, which is run only on the rows of those steps: a long log's steps are nearly
    all distinct, and grouping a million rows costs more than reading them)."""
    again = frame["step"].duplicated(keep=False).to_numpy()
    if again.any():
        joined = frame[again].groupby("step", sort=False).last().reset_index()
        frame = pd.concat([frame[~again], joined], ignore_index=True)
    if not frame["step"].is_monotonic_increasing:
        frame = frame.sort_values("step", kind="stable")
    return frame.reset_index(drop=True)


def frame_steps(records: pd.DataFrame, step_key: str) -> np.ndarray | None:
    """The steps of records in a frame when every one has a usable step and there are at most
    ``MAX_RECORDS`` of them (:func:`records_by_step` reads them as they are); else None (read them as
    records, whose reading says what it left out)."""
    steps = _floats(records, step_key)
    if len(records) > MAX_RECORDS or not usable_steps(steps).all():
        return None
    return steps.astype("int64")


def _with_steps(
    records: Iterable[Any], step_key: str, notes: list[Note] | None, what: str
) -> tuple[list[Mapping[str, Any]], np.ndarray]:
    """The last ``MAX_RECORDS`` mapping records with a usable step, and those steps (noting what was left)."""
    kept = [record for record in records if isinstance(record, Mapping)]
    if len(kept) > MAX_RECORDS:
        if notes is not None:
            left_out(notes, f"The {what} has {len(kept):,} entries; only the last {MAX_RECORDS:,} were read.")
        kept = kept[-MAX_RECORDS:]
    steps = column(kept, lambda record: as_float(record.get(step_key)))
    usable = usable_steps(steps)
    if notes is not None and (bad := int((~usable).sum())):
        left_out(notes, f"Left out {count(bad, 'entry')} of the {what} without a usable step ({STEP_RULE}).")
    kept = [record for record, keep in zip(kept, usable, strict=True) if keep]
    return kept, steps[usable].astype("int64")


def _columns(frame: pd.DataFrame, extras: list[Note], *, timed: bool) -> pd.DataFrame:
    """The merged steps in the columns every source uses: step, the catalogue, created_at, the extras."""
    columns: dict[str, Any] = {"step": frame["step"].to_numpy(dtype="int64")}
    for name in METRIC_NAMES:
        columns[name] = (
            frame[name].to_numpy(dtype="float64") if name in frame else np.full(len(frame), np.nan)
        )
    if timed:
        columns["created_at"] = utc_times(frame["created_at"].to_numpy(dtype="float64"))
    for name in extras:
        columns[name] = frame[name].to_numpy(dtype="float64")
    return pd.DataFrame(columns)


def continued_from(earlier: pd.DataFrame, later: pd.DataFrame, start: int) -> pd.DataFrame:
    """``earlier``'s steps before ``start``, then ``later`` (a frame of every record from ``start`` on).

    Equal to :func:`step_records_frame` of all the records when the run has at most ``MAX_RESULT_ROWS``
    steps: a row depends only on the records of its step, and extras keep the order they were first seen.
    """
    if later.empty:  # nothing from `start` on: the server had nothing new to say, keep what it said
        return earlier
    kept = earlier[earlier["step"] < start]
    if kept.empty:
        return later.reset_index(drop=True)
    return pd.concat([kept, later], ignore_index=True)


def _thinned(frame: pd.DataFrame, notes: list[Note] | None, what: str) -> pd.DataFrame:
    """About ``MAX_RESULT_ROWS`` steps: one in N, the first evaluations (up to a tenth of that), the last."""
    if len(frame) <= MAX_RESULT_ROWS:
        return frame
    stride = -(-len(frame) // MAX_RESULT_ROWS)
    keep = np.arange(len(frame)) % stride == 0
    evaluated = np.zeros(len(frame), dtype=bool)
    for name in ("full_valid_loss", "full_valid_mean_token_accuracy", "valid_loss"):
        if name in frame:
            evaluated |= frame[name].notna().to_numpy()
    keep |= evaluated & (np.cumsum(evaluated) <= MAX_RESULT_ROWS // 10)
    keep[-1] = True
    if notes is not None:
        left_out(
            notes,
            f"The {what} has {len(frame):,} steps, more than the {MAX_RESULT_ROWS:,} the dashboard keeps: "
            f"read 1 step in {stride}, every evaluation and the last step ({int(keep.sum()):,} rows).",
        )
    return frame[keep]
