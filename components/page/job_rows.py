"""A job list as the page's table shows it: one row per run, newest first, every value safe to show.

Pure: the UI hands the frame to ``st.dataframe`` (which draws cells as text, never Markdown or HTML); the
values are still cleaned (one line, no bidi or zero-width characters, bounded) because they come from an
API, a folder or a file.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pandas as pd

from components.domain import RunStatus, RunSummary
from components.domain.listing import SOON_DAYS
from components.page.retirement import answers_cell
from components.text import ID_CHARS, MODEL_CHARS, WORD_CHARS, clean
from components.wording import count

ANSWERS_UNTIL = "Answers until"
COLUMNS = (
    "Run",
    "Status",
    ANSWERS_UNTIL,
    "Base model",
    "Model or suffix",
    "Created",
    "Finished",
    "Method",
    "Trained tokens",
)


def _model_or_suffix(run: RunSummary) -> str:
    """The fine-tuned model when there is one, else the suffix it will carry, else the run's name."""
    value = run.fine_tuned_model or run.suffix or run.name
    return clean(value, MODEL_CHARS) if value else ""


def job_rows(runs: Sequence[RunSummary], today: date) -> pd.DataFrame:
    """The table of ``runs`` in their order; unknown values are empty cells, never made up (an unknown text is
    ``""``: ``st.dataframe`` writes a grey "None" in a missing text cell). "Answers until" is the day each
    run's models stop answering and the days left from ``today`` (see ``components.page.retirement``)."""
    rows = [
        {
            "Run": clean(run.run_id, ID_CHARS),
            "Status": clean(run.status_text, WORD_CHARS),
            ANSWERS_UNTIL: answers_cell(run, today) or "",
            "Base model": clean(run.base_model, MODEL_CHARS) if run.base_model else "",
            "Model or suffix": _model_or_suffix(run),
            "Created": run.created_at,
            "Finished": run.finished_at,
            "Method": clean(run.method, WORD_CHARS) if run.method else "",
            "Trained tokens": run.trained_tokens,
        }
        for run in runs
    ]
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    for column in ("Created", "Finished"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    frame["Trained tokens"] = frame["Trained tokens"].astype("Int64")
    return frame


def status_label(status: RunStatus, counts: dict[RunStatus, int]) -> str:
    """``succeeded (12)``: a filter option with how many listed runs have that status."""
    return f"{status.value} ({counts.get(status, 0):,})"


def listed_caption(listed: int, pages: int, more: bool, shown: int) -> str:
    """What the list holds, so a cut is never silent: how many are listed, in how many reads, and whether
    more exist; and how many the search and filter leave."""
    reads = f" ({count(pages, 'page')} read)" if pages else ""
    text = f"{count(listed, 'run')} listed{reads}; " + (
        "more exist: Load more reads the next page." if more else "that is all of them."
    )
    return text if shown == listed else f"Showing {shown:,} of {text}"


def stopping_label(stopping: int) -> str:
    """``Stops within 60 days (12)``: the filter with how many listed runs it keeps."""
    return f"Stops within {SOON_DAYS} days ({stopping:,})"
