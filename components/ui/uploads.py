"""Runs opened from files in the browser, key or no key: a result CSV (plain or base64), a trainer's
``trainer_state.json``, a training log (a TensorBoard event file, LLaMA-Factory's ``trainer_log.jsonl``,
Lightning's ``metrics.csv``, tinker's ``metrics.jsonl``), a zip of a run folder, or this tool's own export.

The bytes stay in this browser session; the URL gets only the run's address ``?run=upload:<id>`` (an id made
from the file's name and a hash of its bytes, never its content), which opens in no other session. A run from
a file is stored in the archive only when the user asks.

Streamlit would keep every uploaded file in the server's memory for the session's life: each new file is
copied once into the server's :class:`~components.page.uploads.UploadLedger`, within its per-session and
server-wide bounds, and Streamlit's copy is dropped at once. The session keeps only a small handle; its files
go when the session ends (or forgets them).
"""

from __future__ import annotations

import weakref

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from components.api.limits import Limits
from components.archive import SaveReport, connect_archive, save_to_archive
from components.domain import RunRef
from components.page.route import OneRun
from components.page.uploads import SessionUploads, UploadBounds, UploadLedger
from components.sources import SourceKind, Upload
from components.sources.files import UPLOAD
from components.text import markdown_literal
from components.ui.connection import Connection
from components.ui.navigation import go
from components.ui.run_loading import Loaded
from components.ui.session_slot import SessionSlot

UPLOADER_KEY = "run_files"
FORGET_KEY = "forget_uploads"
HELD_KEY = "uploads_held"
NOTE_KEY = "uploads_note"
SAVE_KEY = "save_to_archive"
SAVED = SessionSlot[SaveReport]("saved_to_archive")
"""What the last "Save to archive" of this session said, for the run it saved."""
# Any name: a file is told by its content (TensorBoard's event files end in a number, not a type).
FILE_TYPES = None


@st.cache_resource
def _ledger() -> UploadLedger:
    """The bytes every session of this server holds (one ledger per server process)."""
    return UploadLedger()


def _held() -> SessionUploads:
    """This session's handle on its files; they are let go when the session ends."""
    held = st.session_state.get(HELD_KEY)
    if held is None:
        held = SessionUploads()
        st.session_state[HELD_KEY] = held
        weakref.finalize(held, _ledger().release, held.token)
    return held


def _drop_streamlit_copy(file_id: str) -> None:
    """Streamlit keeps an uploaded file for the session's life; the session holds its own copy now."""
    ctx = get_script_run_ctx()
    if ctx is not None:
        ctx.uploaded_file_mgr.remove_file(ctx.session_id, file_id)


def _take_new_files(bounds: UploadBounds) -> None:
    """After files are added: take each new one into the session (within the bounds), drop Streamlit's
    copy, and open the newest (its address only goes into the URL)."""
    held, opened, notes = _held(), None, []
    for file in st.session_state.get(UPLOADER_KEY) or []:
        if file.file_id in held.taken:
            continue
        held.taken.add(file.file_id)
        upload = Upload(file.name, file.getvalue())
        _drop_streamlit_copy(file.file_id)
        note = _ledger().admit(held.token, upload, bounds)
        notes += [note] if note else []
        opened = upload if upload in _ledger().files(held.token) else opened
    st.session_state[NOTE_KEY] = tuple(notes)
    if opened is not None:
        go(OneRun(RunRef(UPLOAD, opened.run_id)))


def upload_sidebar(limits: Limits) -> tuple[Upload, ...]:
    """The uploader, on every page, drawn where called (the sidebar); the files this session holds, oldest
    first."""
    bounds = UploadBounds(limits.max_file_bytes)
    held = _held()
    st.file_uploader(
        "Open a run from a file",
        type=FILE_TYPES,
        accept_multiple_files=True,
        key=UPLOADER_KEY,
        on_change=_take_new_files,
        args=(bounds,),
        help=(
            "A result CSV from OpenAI or Azure (plain or base64), a trainer_state.json from a Hugging "
            "Face Trainer or TRL run, a TensorBoard event file, a trainer_log.jsonl (LLaMA-Factory), a "
            "metrics.csv (Lightning), a metrics.jsonl (Tinker), a zip of a run folder, or this "
            "dashboard's own export. It stays in this browser session "
            f"(at most {bounds.session_files} files and {bounds.session_bytes / 1_000_000:g} MB)."
        ),
    )
    for note in st.session_state.get(NOTE_KEY, ()):
        st.warning(markdown_literal(note), icon=":material/upload_file:")
    if _ledger().files(held.token) and st.button("Forget uploaded files", key=FORGET_KEY, type="tertiary"):
        _ledger().release(held.token)
        st.session_state[NOTE_KEY] = ()
    return _ledger().files(held.token)


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
