"""Issue 17: the runs folder's scan is kept a few seconds, failures too, so an unknown ``?run=files:`` id (or
a page's reruns) does not walk a folder of up to 20,000 entries each time."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from components.api import Limits
from components.sources import FilesSource
from components.sources import files as files_module
from components.sources.run_files import RunFileError


def test_an_unknown_run_id_does_not_walk_the_folder_again_within_seconds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(30):
        (tmp_path / f"exp{n}").mkdir()
    walks: list[object] = []
    scandir = os.scandir
    monkeypatch.setattr(os, "scandir", lambda fd: walks.append(fd) or scandir(fd))
    source = FilesSource(tmp_path, Limits())
    for _ in range(3):
        with pytest.raises(RunFileError, match="No run nope-0123456789 in the runs folder"):
            source.load_run("nope-0123456789")
    assert len(walks) == 31  # the folder and its 30 subfolders, once
    monkeypatch.setattr(files_module.SCANS, "clock", lambda: 1e12)  # seconds later: a new walk
    with pytest.raises(RunFileError, match="No run"):
        source.load_run("nope-0123456789")
    assert len(walks) == 62


def test_a_runs_folder_that_cannot_be_opened_is_not_retried_each_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[object] = []
    real_open = os.open
    monkeypatch.setattr(
        os, "open", lambda path, *args, **kw: opened.append(path) or real_open(path, *args, **kw)
    )
    source = FilesSource(tmp_path / "missing", Limits())
    for _ in range(3):
        with pytest.raises(RunFileError, match="cannot be opened"):
            source.list_runs()
    assert opened.count(tmp_path / "missing") == 1
