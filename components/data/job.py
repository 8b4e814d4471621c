"""A fine-tuning job object from the API, reduced to the fields the dashboard shows."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from components.data.bounds import MAX_BATCH_SIZE, MAX_EPOCHS, MAX_TRAINED_TOKENS, time_rule, unix_seconds
from components.data.values import as_float, as_text
from components.errors import MalformedDataError

# A job in one of these states will not change again, so there is nothing left to poll.
TERMINAL_STATUSES: frozenset[str] = frozenset({"succeeded", "failed", "cancelled"})
AUTO = "auto"

_Parsed = TypeVar("_Parsed", int, float)


@dataclass(frozen=True)
class JobSummary:
    """What a job says about itself; None means the API did not send the field or sent something unusable."""

    id: str
    status: str  # kept as sent, also values the spec's enum lacks ("paused"); "unknown" when absent
    base_model: str | None
    fine_tuned_model: str | None
    method: str | None  # "supervised", "dpo", "reinforcement" or whatever a newer API sends
    n_epochs: int | str | None  # AUTO when the API chose it
    batch_size: int | str | None
    learning_rate_multiplier: float | str | None
    trained_tokens: int | None
    created_at: pd.Timestamp | None
    finished_at: pd.Timestamp | None
    estimated_finish: pd.Timestamp | None
    error_message: str | None
    error_code: str | None
    result_files: tuple[str, ...]
    training_file: str | None
    validation_file: str | None

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES


def _text(value: Any) -> str | None:
    return as_text(value) or None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _number(value: Any) -> float | None:
    """A finite number, also from a numeric string such as "3"; NaN or infinity says nothing useful."""
    number = as_float(value)
    return number if math.isfinite(number) else None


def _whole(value: Any) -> int | None:
    """An integer; 4.0 or "4" count, 4.5 does not. Ints pass untouched so large counts keep every digit."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    number = _number(value)
    return int(number) if number is not None and number.is_integer() else None


def _or_auto(value: Any, parse: Callable[[Any], _Parsed | None]) -> _Parsed | str | None:
    return AUTO if value == AUTO else parse(value)


class _Checked:
    """Reads fields against their bounds; a field sent with a value outside them becomes None and a note."""

    def __init__(self, notes: list[str] | None) -> None:
        self.notes = notes

    def _ignore(self, field: str, why: str) -> None:
        if self.notes is not None:
            self.notes.append(f"Ignored the job's {field}: {why}.")

    def whole(self, field: str, value: Any, low: int, high: int) -> int | None:
        """A whole number from ``low`` to ``high``."""
        parsed = _whole(value)
        if parsed is None or low <= parsed <= high:
            return parsed
        shown = f"{parsed:,} is not" if abs(parsed) < 10**18 else "not"
        self._ignore(field, f"{shown} a whole number from {low:,} to {high:,}")
        return None

    def positive(self, field: str, value: Any) -> float | None:
        """A finite number above zero."""
        parsed = _number(value)
        if parsed is None or parsed > 0:
            return parsed
        self._ignore(field, f"{parsed:g} is not above zero")
        return None

    def timestamp(self, field: str, value: Any) -> pd.Timestamp | None:
        """Unix seconds (or milliseconds) as a UTC timestamp, inside the plausible window of ``bounds``.

        The spec's own succeeded example sends ``estimated_finish: 0`` for "no estimate", so zero and
        negative times are unknown rather than 1970, without a note.
        """
        number = _number(value)
        if number is None or number <= 0:
            return None
        seconds = float(unix_seconds(np.array([number]))[0])
        if np.isnan(seconds):
            self._ignore(field, f"not {time_rule()}")
            return None
        return pd.Timestamp(seconds, unit="s", tz="UTC")


def _hyperparameters(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    """The method's hyperparameters, falling back key by key to the top-level copy.

    The spec returns top-level ``hyperparameters`` only for supervised jobs, so DPO and reinforcement settings
    live only under ``method[method.type]``; merging per key also survives either copy being partial.
    """
    method = _mapping(obj.get("method"))
    kind = method.get("type")
    section = _mapping(method.get(kind)) if isinstance(kind, str) else {}
    nested = _mapping(section.get("hyperparameters"))
    present = {key: value for key, value in nested.items() if value is not None}
    return {**_mapping(obj.get("hyperparameters")), **present}


def parse_job(obj: Mapping[str, Any], *, notes: list[str] | None = None) -> JobSummary:
    """The summary of one job object; fields of the wrong type become None instead of failing the page.

    Numbers outside their bounds (``components.data.bounds``: epochs, batch size, tokens, times) become
    None too, each with a note in ``notes``. Only a job without an id is rejected, because nothing else
    (checkpoints, events) can be fetched for it.
    """
    if not isinstance(obj, Mapping):
        raise MalformedDataError("The API sent a fine-tuning job that is not a JSON object.")
    job_id = obj.get("id")
    if not isinstance(job_id, str) or not job_id:
        raise MalformedDataError("The API sent a fine-tuning job object without an id.")
    hyperparameters = _hyperparameters(obj)
    checked = _Checked(notes)
    error = _mapping(obj.get("error"))
    files = obj.get("result_files")
    return JobSummary(
        id=job_id,
        status=_text(obj.get("status")) or "unknown",
        base_model=_text(obj.get("model")),
        fine_tuned_model=_text(obj.get("fine_tuned_model")),
        method=_text(_mapping(obj.get("method")).get("type")),
        n_epochs=_or_auto(
            hyperparameters.get("n_epochs"), lambda value: checked.whole("n_epochs", value, 1, MAX_EPOCHS)
        ),
        batch_size=_or_auto(
            hyperparameters.get("batch_size"),
            lambda value: checked.whole("batch_size", value, 1, MAX_BATCH_SIZE),
        ),
        learning_rate_multiplier=_or_auto(
            hyperparameters.get("learning_rate_multiplier"),
            lambda value: checked.positive("learning_rate_multiplier", value),
        ),
        trained_tokens=checked.whole("trained_tokens", obj.get("trained_tokens"), 0, MAX_TRAINED_TOKENS),
        created_at=checked.timestamp("created_at", obj.get("created_at")),
        finished_at=checked.timestamp("finished_at", obj.get("finished_at")),
        estimated_finish=checked.timestamp("estimated_finish", obj.get("estimated_finish")),
        error_message=_text(error.get("message")),
        error_code=_text(error.get("code")),
        result_files=tuple(name for name in files if isinstance(name, str))
        if isinstance(files, list | tuple)
        else (),
        training_file=_text(obj.get("training_file")),
        validation_file=_text(obj.get("validation_file")),
    )
