"""How many uploaded bytes the server holds: a few files per browser session and a bound for the whole server.

Streamlit keeps every uploaded file in the server's memory for the life of the session (twelve uploads of
32 MB held 386 MiB, no key needed). The page copies each new file once into the session's own
:class:`SessionUploads` and has Streamlit drop its copy, so what a session holds is what is counted here:
at most ``MAX_SESSION_FILES`` files and ``SESSION_FILES_AT_LIMIT`` files' worth of bytes (the oldest is let
go to make room, and the page says so), and all sessions together at most ``SERVER_FILES_AT_LIMIT`` files'
worth (a file over that is refused until other sessions end or forget theirs). No Streamlit here.
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


class UploadLedger:
    """The bytes each session holds, for the whole server (thread-safe: sessions run on their own threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: dict[str, int] = {}

    def hold(self, token: str, size: int, limit: int) -> bool:
        """Let session ``token`` hold ``size`` bytes in all, when the server's total stays within ``limit``
        (holding less always succeeds)."""
        with self._lock:
            others = sum(self._held.values()) - self._held.get(token, 0)
            if size > self._held.get(token, 0) and others + size > limit:
                return False
            self._held[token] = size
            return True

    def release(self, token: str) -> None:
        """Session ``token`` holds nothing any more (it ended, or forgot its files)."""
        with self._lock:
            self._held.pop(token, None)

    @property
    def total(self) -> int:
        with self._lock:
            return sum(self._held.values())


@dataclass
class SessionUploads:
    """The files one browser session holds, oldest first, and the uploader's file ids already taken."""

    uploads: list[Upload] = field(default_factory=list)
    taken: set[str] = field(default_factory=set)
    token: str = field(default_factory=lambda: secrets.token_hex(16))

    @property
    def held_bytes(self) -> int:
        return sum(len(upload.data) for upload in self.uploads)


def _mb(size: int) -> str:
    return f"{size / MEGABYTE:g} MB"


def admit(held: SessionUploads, upload: Upload, ledger: UploadLedger, bounds: UploadBounds) -> str | None:
    """Take ``upload`` into ``held`` within the bounds, letting the oldest files go to make room; what the
    page should say about it (None: nothing to say)."""
    name = clean(upload.name, ECHO_CHARS)
    if len(upload.data) > bounds.file_bytes:
        return f"{name} is larger than {_mb(bounds.file_bytes)}, the most the dashboard reads from one file."
    kept = [old for old in held.uploads if old.name != upload.name or old.data != upload.data] + [upload]
    gone: list[Upload] = []
    while len(kept) > bounds.session_files or sum(len(u.data) for u in kept) > bounds.session_bytes:
        gone.append(kept.pop(0))
    if not ledger.hold(held.token, sum(len(u.data) for u in kept), bounds.server_bytes):
        return (
            f"{name} was not opened: the server holds as many uploaded files as it takes "
            f"({_mb(bounds.server_bytes)} for all sessions). Try again later, or forget this session's files."
        )
    held.uploads = kept
    if not gone:
        return None
    names = ", ".join(clean(old.name, ECHO_CHARS) for old in gone)
    return (
        f"Let go of {names} to make room: a session holds at most {count(bounds.session_files, 'file')} and "
        f"{_mb(bounds.session_bytes)}. Upload it again to open it."
    )


def forget(held: SessionUploads, ledger: UploadLedger) -> None:
    """The session lets go of every file it holds."""
    held.uploads = []
    ledger.release(held.token)
