"""The job's result file (per-step metrics CSV) to one tidy DataFrame row per step.

The file can be as large as the API's byte limit allows, so it is read lean: the CSV bytes go straight to
pandas' C parser (no text copy), only the columns the dashboard uses are converted, chunk by chunk, into
float arrays, and a file with more rows than ``MAX_RESULT_ROWS`` keeps an evenly spaced subset of steps.
"""

from __future__ import annotations

import base64
import binascii
import csv as csv_text
import io
import math
import re

import numpy as np
import pandas as pd

from components.data.bounds import STEP_RULE, usable_steps
from components.data.metric_columns import MAX_METRIC_COLUMNS, kept_columns
from components.data.metrics import METRIC_NAMES
from components.data.values import as_float
from components.domain.note import Note, NoteKind, left_out
from components.errors import MalformedDataError
from components.text import ECHO_CHARS, clean
from components.wording import count

# Column names other writers use for the catalogue's metrics: OpenAI's guide says train_accuracy, Azure says
# validation_mean_token_accuracy; the rest are spellings seen in the wild or cheap to accept.
COLUMN_ALIASES: dict[str, str] = {
    "train_accuracy": "train_mean_token_accuracy",
    "training_accuracy": "train_mean_token_accuracy",
    "training_loss": "train_loss",
    "validation_loss": "valid_loss",
    "validation_mean_token_accuracy": "valid_mean_token_accuracy",
    "valid_accuracy": "valid_mean_token_accuracy",
    "validation_accuracy": "valid_mean_token_accuracy",
    "full_validation_loss": "full_valid_loss",
    "full_validation_mean_token_accuracy": "full_valid_mean_token_accuracy",
    "full_valid_accuracy": "full_valid_mean_token_accuracy",
    # OpenAI's legacy (GPT-3) result files: their sequence accuracies and elapsed counts stay extras.
    "training_token_accuracy": "train_mean_token_accuracy",
    "validation_token_accuracy": "valid_mean_token_accuracy",
}
# Azure's older result files (and its older docs) measure exact-match accuracy, not token accuracy: the
# curves are drawn in the accuracy charts, with a note saying what they measure.
EXACT_MATCH_COLUMNS = frozenset({"training_accuracy", "valid_accuracy"})
# Five times the longest honest run seen (a 17 MB file holds about 456,000 steps); beyond it the file is
# thinned to an evenly spaced subset of steps, which is all a chart can show anyway.
MAX_RESULT_ROWS = 500_000
# Extra columns read from a file's header: enough to keep the ``MAX_METRIC_COLUMNS`` with the most values.
MAX_READ_EXTRAS = 5 * MAX_METRIC_COLUMNS
# The header is split by us before pandas sees it: pandas renames duplicate names in quadratic time (80,000
# of them, 160 KB, took 73 s) and a million columns cost it 111 s and 3.2 GB. An honest header has a few
# dozen columns; these bounds leave room for every extra read (MAX_READ_EXTRAS) several times over.
MAX_HEADER_BYTES = 512 * 1024
MAX_HEADER_FIELDS = 10_000
# Rows converted at a time: bounds what a chunk of text cells costs before it becomes floats.
CHUNK_ROWS = 10_000
# Full validation is computed at epoch ends only: those rows survive thinning (up to a tenth of the cap).
_SPARSE_COLUMNS = ("full_valid_loss", "full_valid_mean_token_accuracy")
_LEADING_BLANKS = re.compile(rb"(?:\xef\xbb\xbf)?\s*")
_WHITESPACE = b" \t\n\r\x0b\x0c"
_LINE_END = re.compile(rb"[\r\n]")


class ResultFileError(MalformedDataError):
    """The result file cannot be read as metrics; the dashboard falls back to events and checkpoints."""


def csv_start(data: bytes) -> int | None:
    """Where the header starts when ``data`` is a CSV (after a BOM and blank lines) led by the step column."""
    start = _LEADING_BLANKS.match(data).end()
    return start if data[start : start + 5].lower() == b"step," else None


def decode_result_file(raw: bytes) -> bytes:
    """The CSV bytes of a downloaded result file, which OpenAI in practice serves base64-encoded.

    The decode is strict (no stray characters, correct padding) so that a corrupt body is reported rather
    than turned into a CSV of garbage; whitespace is removed first because the base64 may be wrapped in lines.
    Bytes rather than text: pandas parses them as they are, where a str would cost a copy or four.
    """
    start = csv_start(raw)
    if start is None:
        wrapped = any(byte in raw for byte in _WHITESPACE)  # a byte search each: a regex scan took 30x longer
        compact = raw.translate(None, _WHITESPACE) if wrapped else raw
        try:
            raw = base64.b64decode(compact, validate=True)
        except binascii.Error:
            raw = b""
        start = csv_start(raw)
    if start is None:
        raise ResultFileError("the result file is neither CSV nor base64-encoded CSV")
    return raw[start:]  # the same object when nothing leads the header


def _canonical(column: object) -> str:
    name = str(column).strip().lower()
    return COLUMN_ALIASES.get(name, name)


def _plottable(column: pd.Series) -> bool:
    """Numbers, not text or booleans: a column with one word in it is a label, not a curve."""
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def _floats(column: pd.Series) -> np.ndarray:
    """A column as float64, anything not a number NaN."""
    try:
        return pd.to_numeric(column, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    except OverflowError:  # pandas lets a whole number beyond float through (a 1 and 400 zeros)
        return np.fromiter(map(as_float, column), dtype="float64", count=len(column))


def _line_count(data: bytes) -> int:
    """An upper bound on the rows: pandas ends a line at \\n, \\r\\n or \\r."""
    return data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n") + 1


def header_names(data: bytes) -> list[str]:
    """The column names of a CSV's first line, split here within bounded bytes and fields; a name given
    twice is refused (two columns of one name cannot be told apart)."""
    head = data[: MAX_HEADER_BYTES + 1]
    end = _LINE_END.search(head)
    if end is None and len(data) > MAX_HEADER_BYTES:
        raise ResultFileError(f"the result file's header is longer than {MAX_HEADER_BYTES // 1024} KB")
    line = head[: end.start()] if end else head
    if line.count(b",") >= MAX_HEADER_FIELDS:
        raise ResultFileError(f"the result file's header names more than {MAX_HEADER_FIELDS:,} columns")
    if line.count(b'"') % 2:
        raise ResultFileError("the result file's header is not one line (a quoted name holds a line break)")
    names = next(csv_text.reader([line.decode("utf-8", errors="replace")]), [])
    seen: set[str] = set()
    for name in names:
        if name and name in seen:  # pandas names empty ones itself (``Unnamed: 3``), each apart
            raise ResultFileError(f"the result file names the column {clean(name, ECHO_CHARS)!r} twice")
        seen.add(name)
    return names


def _columns(data: bytes) -> tuple[dict[int, str], list[str], list[str]]:
    """File position -> canonical name of the columns to read (step, the metrics, the first
    ``MAX_READ_EXTRAS`` extras), the extras it does not read, and which exact-match accuracy columns it
    reads. When two columns mean the same metric the first one wins.
    """
    header = header_names(data)
    first: dict[str, int] = {}
    exact: list[str] = []
    for position, name in enumerate(header):
        canonical = _canonical(name)
        if canonical not in first and str(name).strip().lower() in EXACT_MATCH_COLUMNS:
            exact.append(str(name).strip().lower())
        first.setdefault(canonical, position)
    if "step" not in first:
        raise ResultFileError("the result file has no step column")
    extras = [name for name in first if name not in ("step", *METRIC_NAMES)]
    wanted = ["step", *(name for name in METRIC_NAMES if name in first), *extras[:MAX_READ_EXTRAS]]
    return (
        {first[name]: name for name in sorted(wanted, key=first.__getitem__)},
        extras[MAX_READ_EXTRAS:],
        exact,
    )


def _bounded(frame: pd.DataFrame, unread: list[str], notes: list[Note] | None) -> pd.DataFrame:
    """``frame`` with at most ``MAX_METRIC_COLUMNS`` extras: those with the most values (unread ones have
    none)."""
    extras = [name for name in frame.columns if name not in ("step", *METRIC_NAMES)]
    values = {name: int(frame[name].notna().sum()) for name in extras} | dict.fromkeys(unread, 0)
    kept = set(kept_columns(values, notes, "result file"))
    dropped = [name for name in extras if name not in kept]
    return frame.drop(columns=dropped) if dropped else frame


def results_frame(csv: bytes | str, *, notes: list[Note] | None = None) -> pd.DataFrame:
    """One row per step: ``step``, the six catalogue metrics (NaN when the file lacks them), then extras.

    Every extra numeric column (DPO and RFT rewards, the legacy sequence accuracies and elapsed counts) is
    kept as float under its name, up to ``MAX_METRIC_COLUMNS``; non-numeric or empty ones cannot be plotted
    and are dropped. A later row for a step overrides an earlier one,
    as a rerun of that step would. Rows whose step is not usable (see ``bounds.MAX_STEP``) are left out,
    and a file longer than ``MAX_RESULT_ROWS`` keeps one step in N, its epoch ends and its last step;
    ``notes`` says so in words.
    """
    data = csv.encode() if isinstance(csv, str) else csv
    columns, unread, exact = _columns(data)
    names = list(columns.values())
    kept = _KeptRows(names, lines=_line_count(data))
    try:
        with pd.read_csv(
            io.BytesIO(data), usecols=list(columns), chunksize=CHUNK_ROWS, encoding_errors="replace"
        ) as reader:
            for chunk in reader:
                kept.add(chunk.set_axis(names, axis="columns"))
    except (pd.errors.EmptyDataError, pd.errors.ParserError, ValueError) as error:
        raise ResultFileError(f"the result file is not a readable CSV: {error}") from error
    frame = _bounded(kept.frame(), unread, notes)
    if notes is not None:
        if exact:
            measure = "columns measure" if len(exact) > 1 else "column measures"
            notes.append(
                Note(
                    NoteKind.INFO,
                    f"The result file's {' and '.join(exact)} {measure} exact-match accuracy (Azure's older "
                    "format), not token accuracy; the accuracy charts show it.",
                )
            )
        if kept.bad_steps:
            left_out(
                notes,
                f"Left out {count(kept.bad_steps, 'result-file row')} without a usable step ({STEP_RULE}).",
            )
        if kept.stride > 1 and kept.rows:
            # The stride is chosen from the file's lines; blank lines count there, not as rows.
            size = f"{kept.rows:,} rows" if kept.rows > MAX_RESULT_ROWS else f"{kept.lines:,} lines"
            left_out(
                notes,
                f"The result file has {size}, more than the {MAX_RESULT_ROWS:,} "
                f"the dashboard keeps: read 1 step in {kept.stride}, its epoch ends and its last step "
                f"({count(len(frame), 'row')}).",
            )
    return frame


class _KeptRows:
    """The rows kept from a file read chunk by chunk, written straight into preallocated float columns.

    The columns are sized for the most rows that can be kept (one in ``stride`` of the file's lines, the
    epoch ends, the last row); pages never written are never touched, so a generous size costs nothing.
    """

    def __init__(self, names: list[str], *, lines: int) -> None:
        self.lines = lines
        self.stride = math.ceil(lines / MAX_RESULT_ROWS)
        self.sparse_left = MAX_RESULT_ROWS // 10 if self.stride > 1 else 0
        capacity = math.ceil(lines / self.stride) + self.sparse_left + 1
        self.columns = {name: np.empty(capacity, dtype="float64") for name in names}
        self.plottable = {name: True for name in names if name not in ("step", *METRIC_NAMES)}
        self.size = 0
        self.rows = 0
        self.bad_steps = 0
        self.tail: dict[str, np.ndarray] | None = None  # the last usable row, when thinning skipped it

    def add(self, chunk: pd.DataFrame) -> None:
        for name in self.plottable:
            self.plottable[name] &= _plottable(chunk[name])
        values = {name: _floats(chunk[name]) for name in self.columns}
        usable = usable_steps(values["step"])
        self.bad_steps += int((chunk["step"].notna().to_numpy() & ~usable).sum())
        keep = usable & (np.arange(self.rows, self.rows + len(chunk)) % self.stride == 0)
        self.rows += len(chunk)
        if self.sparse_left:
            sparse = np.zeros(len(chunk), dtype=bool)
            for name in _SPARSE_COLUMNS:
                if name in values:
                    sparse |= usable & ~np.isnan(values[name])
            sparse &= np.cumsum(sparse) <= self.sparse_left
            self.sparse_left -= int(sparse.sum())
            keep |= sparse
        self._write({name: column[keep] for name, column in values.items()})
        last = np.flatnonzero(usable)[-1:]
        if len(last):
            self.tail = None if keep[last[0]] else {name: column[last] for name, column in values.items()}

    def _write(self, rows: dict[str, np.ndarray]) -> None:
        count = len(rows["step"])
        for name, column in rows.items():
            self.columns[name][self.size : self.size + count] = column
        self.size += count

    def frame(self) -> pd.DataFrame:
        """The kept rows, one per step (the file's last row for a step wins), in step order."""
        if self.tail:
            self._write(self.tail)
        steps = self.columns.pop("step")[: self.size]
        order = np.argsort(steps, kind="stable")
        last = np.diff(steps[order], append=np.inf) != 0
        rows = None if last.all() and (order == np.arange(len(order))).all() else order[last]
        frame = {"step": (steps if rows is None else steps[rows]).astype("int64")}
        for name in list(self.columns):
            values = self.columns.pop(name)[: self.size]  # a copy below lets the full buffer go
            if name in METRIC_NAMES or (self.plottable[name] and not np.isnan(values).all()):
                frame[name] = values if rows is None else values[rows]
        count = len(frame["step"])
        extras = [name for name in frame if name not in ("step", *METRIC_NAMES)]
        return pd.DataFrame(
            {
                "step": frame["step"],
                **{name: frame.get(name, np.full(count, np.nan)) for name in METRIC_NAMES},
                **{name: frame[name] for name in extras},
            },
            copy=False,
        )
