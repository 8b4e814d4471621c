"""A run's notes as values: a kind beside the text, replaced by kind, and kept as text in files."""

from __future__ import annotations

import pickle
from dataclasses import replace

from components.domain import Note, NoteKind, replacing
from components.domain.note import left_out
from components.export.json_file import to_export
from devtools.compare_runs import synthetic_run
from tests.domain.export_support import from_export

FAILED = Note(NoteKind.REFRESH_FAILED, "Refresh could not read the job again (HTTP 500).")
PARTIAL = Note(NoteKind.PARTIAL, "Only the newest 100 checkpoints could be read.")
INFO = Note(NoteKind.INFO, "Refresh could not read… is only how this one starts.")


def test_replacing_puts_the_note_last_in_place_of_every_note_of_its_kind() -> None:
    newer = Note(NoteKind.REFRESH_FAILED, "Refresh could not read the new events (HTTP 503).")
    assert replacing((FAILED, PARTIAL, FAILED, INFO), newer) == (PARTIAL, INFO, newer)
    assert replacing((), newer) == (newer,)


def test_left_out_adds_a_left_out_note() -> None:
    notes: list[Note] = []
    left_out(notes, "Left out 1 checkpoint without an id.")
    assert notes == [Note(NoteKind.LEFT_OUT, "Left out 1 checkpoint without an id.")]


def test_notes_pickle_and_deduplicate_as_values() -> None:
    assert pickle.loads(pickle.dumps((FAILED, PARTIAL))) == (FAILED, PARTIAL)  # Streamlit caches runs
    copy = Note(NoteKind.PARTIAL, PARTIAL.text)
    assert list(dict.fromkeys([PARTIAL, INFO, copy])) == [PARTIAL, INFO]


def test_an_export_keeps_the_text_and_reads_back_information() -> None:
    run = replace(synthetic_run("ftjob-noted", n_steps=30, n_epochs=3), notes=(FAILED, PARTIAL, INFO))
    back = from_export(to_export(run))
    assert back.notes == tuple(Note(NoteKind.INFO, note.text) for note in run.notes)
