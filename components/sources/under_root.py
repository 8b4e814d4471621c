"""Files inside the runs folder, opened one path component at a time without following a symbolic link,
so no name from outside can make the dashboard read anything but a regular file inside the folder."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from components.api.limits import MEGABYTE
from components.sources.run_files import RunFileError
from components.text import ECHO_CHARS, clean

NOFOLLOW = os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
FILE_BOUND = (
    "DASHBOARD_MAX_FILE_MB"  # the setting that bounds a file read whole (a trainer state, a result file)
)
LOG_BOUND = "DASHBOARD_MAX_LOG_MB"  # the setting that bounds an appended training log, read a chunk at a time


def open_dir(parent: int, name: str) -> int:
    """The folder ``name`` in the folder ``parent``, never through a link."""
    return os.open(name, os.O_RDONLY | os.O_DIRECTORY | NOFOLLOW, dir_fd=parent)


def open_root(root: Path) -> int:
    return os.open(root, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0))


def open_at(fd: int, name: str) -> BinaryIO:
    """The regular file ``name`` in directory ``fd``, opened for reading, never through a link."""
    file_fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK | NOFOLLOW, dir_fd=fd)
    handle = os.fdopen(file_fd, "rb")
    if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
        handle.close()
        raise RunFileError(f"{clean(name, ECHO_CHARS)} is not a regular file.")
    return handle


def too_large(name: str, max_bytes: int, bound: str = FILE_BOUND) -> RunFileError:
    """The refusal of a file over ``max_bytes``, naming ``bound``: the setting that raises it."""
    what = "training log" if bound == LOG_BOUND else "file"
    return RunFileError(
        f"{clean(name, ECHO_CHARS)} is larger than {max_bytes / MEGABYTE:g} MB, the most the dashboard reads "
        f"from one {what} ({bound})."
    )


def read_at(fd: int, name: str, max_bytes: int, *, whole: bool = True) -> bytes:
    """Up to ``max_bytes`` of the regular file ``name`` in directory ``fd``, never through a link.

    ``whole``: the file must fit, else RunFileError (a sniff reads only the start).
    """
    with open_at(fd, name) as handle:
        data = handle.read(max_bytes + 1 if whole else max_bytes)
    if whole and len(data) > max_bytes:
        raise too_large(name, max_bytes)
    return data


@contextmanager
def opened_under(
    root: Path, relative: PurePosixPath, max_bytes: int, bound: str = FILE_BOUND
) -> Iterator[BinaryIO]:
    """The regular file at ``relative`` inside ``root``, open; RunFileError when it is larger than
    ``max_bytes`` (naming the setting ``bound``) or cannot be opened."""
    parts = relative.parts
    if not parts or any(part in ("", ".", "..") or "/" in part for part in parts):
        raise RunFileError("A run file's path is not inside the runs folder.")
    try:
        fd = open_root(root)
        try:
            for part in parts[:-1]:
                child = open_dir(fd, part)
                os.close(fd)
                fd = child
            handle = open_at(fd, parts[-1])
        finally:
            os.close(fd)
    except OSError as exc:
        raise RunFileError(
            f"The run file {clean(str(relative), ECHO_CHARS * 2)} could not be read "
            f"({type(exc).__name__}); it may have been moved. Refresh the list."
        ) from None
    with handle:
        if os.fstat(handle.fileno()).st_size > max_bytes:
            raise too_large(parts[-1], max_bytes, bound)
        yield handle


def read_under(root: Path, relative: PurePosixPath, max_bytes: int) -> bytes:
    """A regular file at ``relative`` inside ``root``, whole (at most ``max_bytes``)."""
    with opened_under(root, relative, max_bytes) as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise too_large(relative.name, max_bytes)
    return data


def _parts_inside(relative: PurePosixPath) -> tuple[str, ...]:
    parts = relative.parts
    if any(part in ("", ".", "..") or "/" in part for part in parts):
        raise RunFileError("A run file's path is not inside the runs folder.")
    return parts


def stat_all(root: Path, paths: Iterable[PurePosixPath]) -> dict[PurePosixPath, os.stat_result | None]:
    """Each path's ``lstat`` inside ``root`` (None: gone, or reached through a link), its folders opened one
    component at a time and each opened once: what a quiet live refresh costs, no file's content read."""
    found: dict[PurePosixPath, os.stat_result | None] = {}
    folders: dict[tuple[str, ...], int | None] = {}
    try:
        folders[()] = open_root(root)
        for path in paths:
            parts = _parts_inside(path)
            fd = _folder(folders, parts[:-1])
            try:
                found[path] = (
                    None
                    if fd is None
                    else os.stat(parts[-1] if parts else ".", dir_fd=fd, follow_symlinks=False)
                )
            except OSError:
                found[path] = None
    except OSError as exc:
        raise RunFileError(f"DASHBOARD_RUNS_DIR cannot be opened ({type(exc).__name__}).") from None
    finally:
        for fd in folders.values():
            if fd is not None:
                os.close(fd)
    return found


def _folder(folders: dict[tuple[str, ...], int | None], parts: tuple[str, ...]) -> int | None:
    """The open folder ``parts`` (each component opened once per call of :func:`stat_all`), None if gone."""
    if parts not in folders:
        parent = _folder(folders, parts[:-1])
        try:
            folders[parts] = None if parent is None else open_dir(parent, parts[-1])
        except OSError:
            folders[parts] = None
    return folders[parts]


def read_tail(
    root: Path,
    relative: PurePosixPath,
    offset: int,
    max_bytes: int,
    *,
    length: int | None = None,
    bound: str = FILE_BOUND,
) -> bytes:
    """The bytes of the file at ``relative`` inside ``root`` from ``offset`` on (what was appended since a
    read that stopped there), at most ``length``; RunFileError when the whole file is larger than
    ``max_bytes`` (naming the setting ``bound``: ``LOG_BOUND`` for an appended log)."""
    with opened_under(root, relative, max_bytes, bound) as handle:
        handle.seek(offset)
        return handle.read(max(0, max_bytes - offset) if length is None else length)
