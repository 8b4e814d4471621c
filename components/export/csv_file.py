"""The CSV downloads as a spreadsheet will open them: full data, text cells that never run as formulas."""

from __future__ import annotations

import pandas as pd

from components.text import spreadsheet_cell


def _text_column(column: pd.Series) -> pd.Series:
    """Each text cell that starts like a formula gets a leading ``'``; missing cells stay missing."""
    return column.map(lambda value: spreadsheet_cell(value) if isinstance(value, str) else value)


def export_csv(frame: pd.DataFrame) -> str:
    """``frame`` as CSV. Numbers stay numbers (``-0.5`` is a value, not a formula); only text columns,
    which hold what the API sent (model names, ids), are made safe, never cut or cleaned.

    Lines end in CRLF as RFC 4180 says: the csv writer quotes a cell that holds any line-end character,
    and with pandas' default ``\n`` a bare ``\r`` in a cell went out unquoted, so a spreadsheet would start
    a new row there, whose first cell no prefix had checked.
    """
    safe = frame.copy()
    for name in safe.columns:
        column = safe[name]
        if column.dtype == object or isinstance(column.dtype, pd.StringDtype):
            safe[name] = _text_column(column)
    return safe.to_csv(index=False, lineterminator="\r\n")
