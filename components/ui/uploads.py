"""Runs opened from files in the browser, key or no key: a result CSV (plain or base64), a trainer's
``trainer_state.json``, a training log (a TensorBoard event file, LLaMA-Factory's ``trainer_log.jsonl``,
Lightning's ``metrics.csv``, tinker's ``metrics.jsonl``), a zip of a run folder, or this tool's own export.

The bytes stay in this browser session (the uploader's own state); the URL gets only the run's address
``?run=upload:<id>`` (an id made from the file's name and a hash of its bytes, never its content), which
opens in no other session. A run from a file is stored in the archive only when the user asks.
"""

from __future__ import annotations

import streamlit as st

from components.archive import SaveReport, connect_archive, save_to_archive
from components.domain import RunRef
from components.page.route import OneRun
from components.sources import SourceKind, Upload
from components.sources.files import MAX_UPLOADS, UPLOAD
from components.text import markdown_literal
from components.ui.connection import Connection
from components.ui.navigation import go
from components.ui.run_loading import Loaded
from components.ui.session_slot import SessionSlot

UPLOADER_KEY = "run_files"
SAVE_KEY = "save_to_archive"
SAVED = SessionSlot[SaveReport]("saved_to_archive")
"""What the last "Save to archive" of this session said, for the run it saved."""
# Any name: a file is told by its content (TensorBoard's event files end in a number, not a type).
FILE_TYPES = None


def _as_uploads(files: object) -> tuple[Upload, ...]:
    listed = files if isinstance(files, list) else [files] if files is not None else []
    return tuple(Upload(file.name, file.getvalue()) for file in listed[:MAX_UPLOADS])


def _open_newest() -> None:
    """After a file is added, open it (its address only goes into the URL)."""
    uploads = _as_uploads(st.session_state.get(UPLOADER_KEY))
    if uploads:
        go(OneRun(RunRef(UPLOAD, uploads[-1].run_id)))


def upload_sidebar() -> tuple[Upload, ...]:
    """The uploader, on every page; the files given in this session, oldest first."""
    with st.sidebar:
        files = st.file_uploader(
            "Open a run from a file",
            type=FILE_TYPES,
            accept_multiple_files=True,
            key=UPLOADER_KEY,
            on_change=_open_newest,
            help=(
                "A result CSV from OpenAI or Azure (plain or base64), a trainer_state.json from a Hugging "
                "Face Trainer or TRL run, a TensorBoard event file, a trainer_log.jsonl (LLaMA-Factory), a "
                "metrics.csv (Lightning), a metrics.jsonl (Tinker), a zip of a run folder, or this "
                "dashboard's own export. It stays in this browser session."
            ),
        )
    return _as_uploads(files)


def save_file_run(connection: Connection, loaded: Loaded) -> None:
    """For runs from files: a "Save to archive" button (files are stored only when asked), and its result."""
    if loaded.config.kind is not SourceKind.FILES or connection.registry.archive is None:
        return
    if st.button("Save to archive", key=SAVE_KEY, icon=":material/inventory_2:"):
        access = connect_archive(connection.registry)
        SAVED.put(loaded.ref, save_to_archive(access, loaded.config, loaded.run))
    report = SAVED.get(loaded.ref)
    if report is not None:
        (st.success if report.saved else st.warning)(markdown_literal(report.message))
