"""A note on a run: the sentence the page shows, and what kind of note it is.

Code that needs a note again (a refresh replacing the notes a refresh wrote, the archive's own note) finds
it by its kind, never by its wording, so a sentence can be reworded without changing what code does. Files
keep only the text (exports and the archive store write sentences); a note read back from one has the
kind :attr:`NoteKind.INFO`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class NoteKind(StrEnum):
    """What a note is about, for the code that keeps, replaces or places it."""

    INFO = "info"  # about the run as read (a file's format, a comparison's first run); every note read back
    LEFT_OUT = "left out"  # values reading left out or ignored (out of bounds, no usable step, thinned)
    PARTIAL = "partial"  # a list stopped before its end; written again whenever the lists are read
    REFRESH_FAILED = "refresh failed"  # a read of a refresh failed; the next refresh replaces it
    ARCHIVE = "archive"  # the archive was not used: why (unreadable, not saved), or the source failed
    STORED_COPY = "stored copy"  # the archive's copy is shown: when it was saved, where it was read


@dataclass(frozen=True)
class Note:
    """One note on a run: picklable, hashable (notes are de-duplicated), never markup."""

    kind: NoteKind
    text: str


def replacing(notes: tuple[Note, ...], note: Note) -> tuple[Note, ...]:
    """``notes`` with ``note`` last, in place of every earlier note of its kind (a refresh's failure note
    replaces the one of the refresh before)."""
    return (*(old for old in notes if old.kind is not note.kind), note)


def last_of(notes: tuple[Note, ...], kind: NoteKind) -> str | None:
    """The text of the last note of ``kind`` (the archive's sentence on the run it served), else None."""
    return next((note.text for note in reversed(notes) if note.kind is kind), None)


def left_out(notes: list[Note], text: str) -> None:
    """Add a :attr:`NoteKind.LEFT_OUT` note to ``notes``: what every parser says about values it left out."""
    notes.append(Note(NoteKind.LEFT_OUT, text))
