"""What a number from outside may be before the dashboard uses it: steps, times, epochs, row counts.

An API, a proxy or a file controls every one of these numbers. Outside its bound a value is missing:
never converted (an int64 would wrap, a Timestamp would overflow) and never used to size anything. The
bounds sit far beyond any real run, so honest data is never cut; what is left out gets a note in words.
"""

from __future__ import annotations

import time

import numpy as np

# Steps are whole numbers from 0 to 10^9: ten thousand times a long fine-tuning run (100,000 steps), and
# exact in float64 and int64 alike.
MAX_STEP = 1_000_000_000
# Times are Unix seconds from 2015-01-01 (before any fine-tuning API) to a few years from now (an
# estimated finish may lie ahead). The same window in milliseconds (1.4e12…) cannot be confused with
# seconds (…2.0e9), so a millisecond time is read as one; anything else is missing.
EARLIEST_TIME = 1_420_070_400
YEARS_AHEAD = 5
_SECONDS_PER_YEAR = 365.25 * 24 * 3600
# OpenAI allows 1–50 epochs and batches of 1–256; other trainers go further, not this far.
MAX_EPOCHS = 10_000
MAX_BATCH_SIZE = 1_000_000
# A thousand times the tokens of the largest fine-tuning jobs; a bigger count is a broken field.
MAX_TRAINED_TOKENS = 10**15

STEP_RULE = f"a whole number from 0 to {MAX_STEP:,}"


def latest_time() -> float:
    """The latest plausible time, in Unix seconds: ``YEARS_AHEAD`` years from now."""
    return time.time() + YEARS_AHEAD * _SECONDS_PER_YEAR


def time_rule() -> str:
    """The plausible window in words, for notes: e.g. "a date from 2015 to 2031"."""
    return f"a date from 2015 to {time.gmtime(latest_time()).tm_year}"


def usable_steps(values: np.ndarray) -> np.ndarray:
    """True where a value is a step: a whole number from 0 to ``MAX_STEP`` (not NaN, inf, 2.5 or 1e20)."""
    values = np.asarray(values, dtype="float64")
    with np.errstate(invalid="ignore"):
        return (values >= 0) & (values <= MAX_STEP) & (values % 1 == 0)


def unix_seconds(values: np.ndarray) -> np.ndarray:
    """Times as Unix seconds: plausible seconds kept, plausible milliseconds converted, the rest NaN."""
    values = np.asarray(values, dtype="float64")
    earliest, latest = EARLIEST_TIME, latest_time()
    with np.errstate(invalid="ignore"):
        seconds = np.where((values >= earliest) & (values <= latest), values, np.nan)
        millis = values / 1000
        return np.where((millis >= earliest) & (millis <= latest), millis, seconds)
