"""The files the archive keeps with a run served from it ("Save all runs"): which ones, their sizes, what was
not kept and why, and each kept one as a download.

Names, ids and reasons came from the provider: they are shown as plain table cells, never as markup, and a
download is named by the run's checked id and the file's role with the provider's name made safe
(``components.store.kept_files.download_name``). The bytes are offered as they were read, as
``application/octet-stream``, and read from the archive only when the button is clicked.
"""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from components.archive import ArchiveAccess, ServedFrom, connect_archive
from components.archive.save_all import byte_size
from components.domain import RunRef
from components.sources.archive import ARCHIVE
from components.store import FileRole, FileState, KeptFile, StoreError
from components.store.kept_files import download_name
from components.text import ID_CHARS, MESSAGE_CHARS, clean
from components.ui.connection import Connection
from components.ui.run_loading import Loaded

TABLE_KEY = "kept_files"


def _size(file: KeptFile) -> str:
    return "unknown" if file.size is None else byte_size(file.size)


def _state(file: KeptFile) -> str:
    if file.state is FileState.KEPT:
        return "kept"
    return f"{file.state.value}: {clean(file.reason or '', MESSAGE_CHARS)}"


def _content(access: ArchiveAccess, address: RunRef | str, role: FileRole, file_id: str) -> bytes:
    """A kept file's bytes, read from the archive when its download is clicked (empty if it is gone)."""
    assert access.store is not None
    try:
        return access.store.kept_file(address, access.viewer, role, file_id) or b""
    except StoreError:
        return b""


def kept_files_panel(connection: Connection, loaded: Loaded) -> None:
    """The run's kept files, when the archive served the run and keeps files with it."""
    if loaded.served_from is not ServedFrom.ARCHIVE:
        return
    access = connect_archive(connection.registry)
    if access is None or access.store is None:
        return
    address: RunRef | str = loaded.ref.run_id if loaded.ref.source == ARCHIVE else loaded.ref
    try:
        files = access.store.kept_files(address, access.viewer)
    except StoreError as exc:
        st.caption(f"The files kept with this run could not be listed ({clean(str(exc))}).")
        return
    if not files:
        return
    st.markdown("#### Files kept in the archive")
    rows = {  # what matters first, so a narrow page shows it without scrolling the table
        "File": [file.role.words for file in files],
        "Size": [_size(file) for file in files],
        "Kept": [_state(file) for file in files],
        "Name": [clean(file.name, ID_CHARS) for file in files],
        "Id": [clean(file.file_id, ID_CHARS) for file in files],
    }
    with st.container(key=TABLE_KEY):
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    with st.container(horizontal=True, gap="small"):
        for file in files:
            if file.state is not FileState.KEPT:
                continue
            st.download_button(
                f"{file.role.words} ({_size(file)})",
                data=partial(_content, access, address, file.role, file.file_id),
                file_name=download_name(loaded.ref.run_id, file),
                mime="application/octet-stream",
                on_click="ignore",
                icon=":material/download:",
                key=f"kept_file_{file.role.value}_{file.file_id}",
            )
