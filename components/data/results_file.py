"""The job's result file (per-step metrics CSV) to one tidy DataFrame row per step."""

from __future__ import annotations

import base64
import binascii
import io

import pandas as pd

from components.data.metrics import METRIC_NAMES
from components.errors import MalformedDataError

# Column names other writers use for the catalogue's metrics: OpenAI's guide says train_accuracy, Azure says
# validation_mean_token_accuracy; the rest are spellings seen in the wild or cheap to accept.
COLUMN_ALIASES: dict[str, str] = {
    "train_accuracy": "train_mean_token_accuracy",
    "validation_loss": "valid_loss",
    "validation_mean_token_accuracy": "valid_mean_token_accuracy",
    "valid_accuracy": "valid_mean_token_accuracy",
    "validation_accuracy": "valid_mean_token_accuracy",
    "full_validation_loss": "full_valid_loss",
    "full_validation_mean_token_accuracy": "full_valid_mean_token_accuracy",
    "full_valid_accuracy": "full_valid_mean_token_accuracy",
}


class ResultFileError(MalformedDataError):
    """The result file cannot be read as metrics; the dashboard falls back to events and checkpoints."""


def _csv_text(data: bytes) -> str | None:
    """The CSV text when ``data`` is UTF-8 whose header starts with the step column, else None."""
    try:
        text = data.decode("utf-8-sig").strip()
    except UnicodeDecodeError:
        return None
    return text if text[:5].lower() == "step," else None


def decode_result_file(raw: bytes) -> str:
    """The CSV text of a downloaded result file, which OpenAI in practice serves base64-encoded.

    The decode is strict (no stray characters, correct padding) so that a corrupt body is reported rather
    than turned into a CSV of garbage; whitespace is removed first because the base64 may be wrapped in lines.
    """
    text = _csv_text(raw)
    if text is not None:
        return text
    try:
        text = _csv_text(base64.b64decode(b"".join(raw.split()), validate=True))
    except binascii.Error:
        text = None
    if text is None:
        raise ResultFileError("the result file is neither CSV nor base64-encoded CSV")
    return text


def _canonical(column: object) -> str:
    name = str(column).strip().lower()
    return COLUMN_ALIASES.get(name, name)


def _plottable(column: pd.Series) -> bool:
    """Numbers with at least one value; this also drops the empty "Unnamed: n" column of a trailing comma."""
    numeric = pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)
    return numeric and column.notna().any()


def results_frame(text: str) -> pd.DataFrame:
    """One row per step: ``step``, the six catalogue metrics (NaN when the file lacks them), then extras.

    Extra numeric columns (e.g. DPO and RFT reward columns) are kept as float so they can still be plotted;
    non-numeric or empty ones cannot be and are dropped. When two columns mean the same metric the first
    one wins. A later row for a step overrides an earlier one, as a rerun of that step would.
    """
    try:
        frame = pd.read_csv(io.StringIO(text))
    except (pd.errors.EmptyDataError, pd.errors.ParserError) as error:
        raise ResultFileError(f"the result file is not a readable CSV: {error}") from error
    frame.columns = [_canonical(column) for column in frame.columns]
    frame = frame.loc[:, ~frame.columns.duplicated()]
    if "step" not in frame:
        raise ResultFileError("the result file has no step column")
    steps = pd.to_numeric(frame["step"], errors="coerce")
    frame = frame.assign(step=steps)[steps % 1 == 0]  # drops missing, non-numeric, infinite and 1.5 steps
    metrics = frame.reindex(columns=list(METRIC_NAMES)).apply(pd.to_numeric, errors="coerce")
    extras = [
        name for name in frame.columns if name not in ("step", *METRIC_NAMES) and _plottable(frame[name])
    ]
    return (
        pd.concat([frame["step"], metrics, frame[extras]], axis="columns")
        .astype({"step": "int64", **dict.fromkeys([*METRIC_NAMES, *extras], "float64")})
        .drop_duplicates("step", keep="last")
        .sort_values("step", kind="stable")
        .reset_index(drop=True)
    )
