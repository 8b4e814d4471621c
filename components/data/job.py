"""An OpenAI-shaped fine-tuning job object (OpenAI, Azure OpenAI) reduced to a :class:`RunSummary`."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from components.data.bounds import MAX_BATCH_SIZE, MAX_EPOCHS, MAX_TRAINED_TOKENS, time_rule, unix_seconds
from components.data.values import as_float, as_text
from components.domain.note import Note, left_out
from components.domain.ref import RUN_ID_PATTERN, RunRef
from components.domain.summary import AUTO, Hyperparameters, RunStatus, RunSummary
from components.errors import MalformedDataError

_Parsed = TypeVar("_Parsed", int, float)
# OpenAI's model names: ``ft:{base}:{org}:{suffix}:{id}``, the suffix empty when none was given.
_OPENAI_MODEL = re.compile(r"ft:[^:]+:[^:]*:([^:]+):[^:]+")


def text_or_none(value: Any) -> str | None:
    """A non-empty string as sent, else None."""
    return as_text(value) or None


def mapping(value: Any) -> Mapping[str, Any]:
    """``value`` if it is a JSON object, else an empty one."""
    return value if isinstance(value, Mapping) else {}


def finite(value: Any) -> float | None:
    """A finite number, also from a numeric string such as "3"; NaN or infinity says nothing useful."""
    number = as_float(value)
    return number if math.isfinite(number) else None


def whole(value: Any) -> int | None:
    """An integer; 4.0 or "4" count, 4.5 does not. Ints pass untouched so large counts keep every digit."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    number = finite(value)
    return int(number) if number is not None and number.is_integer() else None


def _or_auto(value: Any, parse: Callable[[Any], _Parsed | None]) -> _Parsed | str | None:
    return AUTO if value == AUTO else parse(value)


class CheckedFields:
    """Reads a run's fields against their bounds; a value outside them becomes None and a note.

    Shared by every source's run parser, so the same field says the same thing whoever sent it.
    """

    def __init__(self, notes: list[Note] | None, what: str = "job") -> None:
        self.notes = notes
        self.what = what

    def _ignore(self, field: str, why: str) -> None:
        if self.notes is not None:
            left_out(self.notes, f"Ignored the {self.what}'s {field}: {why}.")

    def whole(self, field: str, value: Any, low: int, high: int) -> int | None:
        """A whole number from ``low`` to ``high``."""
        parsed = whole(value)
        if parsed is None or low <= parsed <= high:
            return parsed
        shown = f"{parsed:,} is not" if abs(parsed) < 10**18 else "not"
        self._ignore(field, f"{shown} a whole number from {low:,} to {high:,}")
        return None

    def positive(self, field: str, value: Any) -> float | None:
        """A finite number above zero."""
        parsed = finite(value)
        if parsed is None or parsed > 0:
            return parsed
        self._ignore(field, f"{parsed:g} is not above zero")
        return None

    def timestamp(self, field: str, value: Any) -> pd.Timestamp | None:
        """Unix seconds (or milliseconds) as a UTC timestamp, inside the plausible window of ``bounds``.

        The spec's own succeeded example sends ``estimated_finish: 0`` for "no estimate", so zero and
        negative times are unknown rather than 1970, without a note.
        """
        number = finite(value)
        if number is None or number <= 0:
            return None
        return self._plausible(field, number)

    def iso_time(self, field: str, value: Any) -> pd.Timestamp | None:
        """An ISO 8601 date and time (Together sends ``2024-05-22T19:30:11.123Z``), or a Unix time, in UTC."""
        if not isinstance(value, str):
            return self.timestamp(field, value)
        try:
            when = pd.Timestamp(value[:64])
        except (ValueError, TypeError, OverflowError):
            self._ignore(field, "not a date and time")
            return None
        if when is pd.NaT:
            return None
        when = when.tz_localize("UTC") if when.tzinfo is None else when.tz_convert("UTC")
        return when if self._plausible(field, when.timestamp()) is not None else None

    def _plausible(self, field: str, seconds: float) -> pd.Timestamp | None:
        checked = float(unix_seconds(np.array([seconds]))[0])
        if np.isnan(checked):
            self._ignore(field, f"not {time_rule()}")
            return None
        return pd.Timestamp(checked, unit="s", tz="UTC")


def _hyperparameters(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    """The method's hyperparameters, falling back key by key to the top-level copy.

    The spec returns top-level ``hyperparameters`` only for supervised jobs, so DPO and reinforcement settings
    live only under ``method[method.type]``; merging per key also survives either copy being partial.
    """
    method = mapping(obj.get("method"))
    kind = method.get("type")
    section = mapping(method.get(kind)) if isinstance(kind, str) else {}
    nested = mapping(section.get("hyperparameters"))
    present = {key: value for key, value in nested.items() if value is not None}
    return {**mapping(obj.get("hyperparameters")), **present}


def _suffix(obj: Mapping[str, Any], fine_tuned_model: str | None) -> str | None:
    """OpenAI's ``user_provided_suffix``, Azure's ``suffix``, or the suffix inside the model name."""
    for name in ("user_provided_suffix", "suffix"):
        if sent := text_or_none(obj.get(name)):
            return sent
    match = _OPENAI_MODEL.fullmatch(fine_tuned_model or "")
    return match.group(1) if match else None


def job_id_of(obj: Any) -> str:
    """The id of a job object, or MalformedDataError: without it nothing else (checkpoints…) can be read."""
    if not isinstance(obj, Mapping):
        raise MalformedDataError("The API sent a fine-tuning job that is not a JSON object.")
    job_id = obj.get("id")
    if not isinstance(job_id, str) or not job_id:
        raise MalformedDataError("The API sent a fine-tuning job object without an id.")
    return job_id


def parse_job(
    obj: Any, *, source: str = "openai", run_id: str | None = None, notes: list[Note] | None = None
) -> RunSummary:
    """The summary of one job object; fields of the wrong type become None instead of failing the page.

    ``run_id`` is the id the job was asked for (the page addresses it by that, never by what the server sent
    back); without it, the object's own id must be a safe run id. Numbers outside their bounds
    (``components.data.bounds``: epochs, batch size, tokens, times) become None too, each with a note in
    ``notes``. Only a job without an id is rejected.
    """
    sent_id = job_id_of(obj)
    if run_id is None and not RUN_ID_PATTERN.fullmatch(sent_id):
        raise MalformedDataError("The API sent a fine-tuning job whose id is not a plain id.")
    hyperparameters = _hyperparameters(obj)
    checked = CheckedFields(notes)
    error = mapping(obj.get("error"))
    status = text_or_none(obj.get("status"))
    fine_tuned_model = text_or_none(obj.get("fine_tuned_model"))
    # Read in the order the notes should list them: hyperparameters, counts, then times.
    hyper = Hyperparameters(
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
    )
    trained_tokens = checked.whole("trained_tokens", obj.get("trained_tokens"), 0, MAX_TRAINED_TOKENS)
    return RunSummary(
        ref=RunRef(source, run_id or sent_id),
        status=RunStatus.from_provider(status),
        provider_status=status,
        base_model=text_or_none(obj.get("model")),
        fine_tuned_model=fine_tuned_model,
        suffix=_suffix(obj, fine_tuned_model),
        method=text_or_none(mapping(obj.get("method")).get("type")),
        created_at=checked.timestamp("created_at", obj.get("created_at")),
        finished_at=checked.timestamp("finished_at", obj.get("finished_at")),
        estimated_finish=checked.timestamp("estimated_finish", obj.get("estimated_finish")),
        trained_tokens=trained_tokens,
        hyperparameters=hyper,
        error_message=text_or_none(error.get("message")),
        error_code=text_or_none(error.get("code")),
        training_file=text_or_none(obj.get("training_file")),
        validation_file=text_or_none(obj.get("validation_file")),
    )


def result_file_ids(obj: Mapping[str, Any]) -> tuple[str, ...]:
    """The ids of the job's result files (strings only; anything else in the list is skipped)."""
    files = obj.get("result_files")
    return tuple(name for name in files if isinstance(name, str)) if isinstance(files, list | tuple) else ()
