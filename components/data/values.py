"""Reading single values from outside data: numbers that may be anything, text that may be anything.

The API, a proxy or a file can send any JSON where a number or a string is documented; these readers turn
what arrived into what the frames hold (NaN or empty text for the unusable) instead of raising.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np


def as_float(value: Any) -> float:
    """A metric value as float; absent, null, boolean or non-numeric values become NaN, never 0."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return float("nan")
    try:
        return float(value)
    except (ValueError, OverflowError):  # OverflowError: an int beyond float, e.g. 10**400
        return float("nan")


def as_number(value: Any) -> float:
    """Like :func:`as_float`, for fields the API types as numbers: a numeric string is not one."""
    return float("nan") if isinstance(value, str) else as_float(value)


def column(records: list[Mapping[str, Any]], read: Callable[[Mapping[str, Any]], float]) -> np.ndarray:
    """One float64 column read from each record, built without an intermediate list of Python floats."""
    return np.fromiter((read(record) for record in records), dtype="float64", count=len(records))


def as_text(value: Any) -> str:
    """A string as sent, or empty text for anything else; lone surrogates (valid in JSON's ``\\ud800``
    escapes, invalid in UTF-8) become ``?`` so Arrow can carry the frame to the page."""
    if not isinstance(value, str):
        return ""
    return value.encode("utf-8", "replace").decode("utf-8") if not value.isascii() else value
