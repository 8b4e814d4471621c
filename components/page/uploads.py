"""How many uploaded bytes the server holds: a few files per browser session and a bound for the whole server.

Streamlit keeps every uploaded file in the server's memory for the life of the session (twelve uploads of
32 MB held 386 MiB, no key needed). The page copies each new file once into the :class:`UploadLedger`, the
one place the server holds uploaded bytes, and has Streamlit drop its copy: a session holds at most
``MAX_SESSION_FILES`` files and ``SESSION_FILES_AT_LIMIT`` files' worth of bytes (the oldest is let go to
make room, and the page says so), all sessions together at most ``SERVER_FILES_AT_LIMIT`` files' worth (a file
over that is refused until other sessions end or forget theirs). The session itself keeps only a small
:class:`SessionUploads` handle, so Streamlit's check that session state pickles never copies the bytes.
No Streamlit here.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field

from components.sources import Upload
from components.text import ECHO_CHARS, clean
from components.wording import count

MAX_SESSION_FILES = 8  # runs opened from files in one session; a comparison takes up to 10 runs in all
SESSION_FILES_AT_LIMIT = 2  # bytes a session holds: two files of the largest size read
SERVER_FILES_AT_LIMIT = 8  # bytes all sessions hold: eight such files (256 MB at DASHBOARD_MAX_FILE_MB=32)
MEGABYTE = 1_000_000


@dataclass(frozen=True)
class UploadBounds:
    """The bounds in bytes and files, from the largest file the dashboard reads."""

    file_bytes: int
    session_files: int = MAX_SESSION_FILES

    @property
    def session_bytes(self) -> int:
        return SESSION_FILES_AT_LIMIT * self.file_bytes

    @property
    def server_bytes(self) -> int:
        return SERVER_FILES_AT_LIMIT * self.file_bytes


@dataclass
class SessionUploads:
    """One browser session's handle on its files in the ledger, and the uploader's file ids already taken."""

    token: str = field(default_factory=lambda: secrets.token_hex(16))
    taken: set[str] = field(default_factory=set)


def _size(uploads: list[Upload]) -> int:
    return sum(len(upload.data) for upload in uploads)


def _mb(size: int) -> str:
    return f"{size / MEGABYTE:g} MB"


class UploadLedger:
    """Every session's uploaded files, for the whole server (thread-safe: each session has its own thread)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._files: dict[str, list[Upload]] = {}

    def files(self, token: str) -> tuple[Upload, ...]:
        """The files session ``token`` holds, oldest first."""
        with self._lock:
            return tuple(self._files.get(token, ()))

    def admit(self, token: str, upload: Upload, bounds: UploadBounds) -> str | None:
        """Take ``upload`` for session ``token`` within the bounds, letting its oldest files go to make room;
        what the page should say about it (None: nothing to say)."""
        name = clean(upload.name, ECHO_CHARS)
        if len(upload.data) > bounds.file_bytes:
            return (
                f"{name} is larger than {_mb(bounds.file_bytes)}, the most the dashboard reads from one file."
            )
        with self._lock:
            mine = self._files.get(token, [])
            kept = [old for old in mine if old.name != upload.name or old.data != upload.data] + [upload]
            gone: list[Upload] = []
            while len(kept) > bounds.session_files or _size(kept) > bounds.session_bytes:
                gone.append(kept.pop(0))
            others = sum(_size(files) for held, files in self._files.items() if held != token)
            if _size(kept) > _size(mine) and others + _size(kept) > bounds.server_bytes:
                return (
                    f"{name} was not opened: the server holds as many uploaded files as it takes "
                    f"({_mb(bounds.server_bytes)} for all sessions). Try again later, or forget this "
                    "session's files."
                )
            self._files[token] = kept
        if not gone:
            return None
        names = ", ".join(clean(old.name, ECHO_CHARS) for old in gone)
        return (
            f"Let go of {names} to make room: a session holds at most {count(bounds.session_files, 'file')} "
            f"and {_mb(bounds.session_bytes)}. Upload it again to open it."
        )

    def release(self, token: str) -> None:
        """Session ``token`` holds nothing any more (it ended, or forgot its files)."""
        with self._lock:
            self._files.pop(token, None)

    @property
    def total(self) -> int:
        with self._lock:
            return sum(_size(files) for files in self._files.values())
