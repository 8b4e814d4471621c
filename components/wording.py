"""Small helpers for sentences shown to a person (page text and error messages); no Streamlit."""

from __future__ import annotations


def plural(noun: str) -> str:
    """``pages``, ``entries``, ``days``: the plural of a regular English noun."""
    if noun.endswith("y") and noun[-2:-1] not in ("a", "e", "i", "o", "u", ""):
        return noun[:-1] + "ies"
    return noun + "s"


def count(number: int, noun: str) -> str:
    """``1 page``, ``25 pages``, ``2,500 entries``: a number with its noun in the right form."""
    return f"{number:,} {noun if number == 1 else plural(noun)}"
