"""Small helpers for sentences shown to a person (page text and error messages); no Streamlit."""

from __future__ import annotations


def count(number: int, noun: str) -> str:
    """``1 page``, ``25 pages``, ``2,500 checkpoints``: a number with its noun in the right form."""
    return f"{number:,} {noun}" + ("" if number == 1 else "s")
