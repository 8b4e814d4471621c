"""Uploads are bounded per session and for the whole server (twelve uploads of 32 MB held 386 MiB for the
session's life): the oldest file is let go to make room in a session, a file the server has no room for is
refused until other sessions let theirs go, and a session that ends gives its bytes back. The session's own
handle holds no bytes (Streamlit pickles session state after every run)."""

from __future__ import annotations

import gc
import pickle
import threading
import weakref

from hypothesis import given, settings
from hypothesis import strategies as st

from components.page.uploads import SessionUploads, UploadBounds, UploadLedger
from components.sources import Upload

BOUNDS = UploadBounds(file_bytes=100, session_files=3)  # a session: 3 files, 200 bytes; the server: 800


def _file(name: str, size: int) -> Upload:
    return Upload(name, name.encode()[:size].ljust(size, b"x"))


def test_twelve_files_at_the_limit_hold_two_in_the_session() -> None:
    ledger, held = UploadLedger(), SessionUploads()
    notes = [ledger.admit(held.token, _file(f"f{i}.csv", 100), BOUNDS) for i in range(12)]
    assert [upload.name for upload in ledger.files(held.token)] == ["f10.csv", "f11.csv"]
    assert ledger.total == 200 and len(pickle.dumps(held)) < 500
    assert notes[0] is None and notes[1] is None
    assert notes[2] == (
        "Let go of f0.csv to make room: a session holds at most 3 files and 0.0002 MB. Upload it again to "
        "open it."
    )


def test_more_files_than_a_session_holds_let_the_oldest_go() -> None:
    ledger, token = UploadLedger(), "session"
    for i in range(5):
        ledger.admit(token, _file(f"small{i}.csv", 10), BOUNDS)
    assert [upload.name for upload in ledger.files(token)] == ["small2.csv", "small3.csv", "small4.csv"]
    assert ledger.total == 30


def test_a_file_larger_than_the_limit_is_refused() -> None:
    ledger = UploadLedger()
    note = ledger.admit("session", _file("big.csv", 101), BOUNDS)
    assert note is not None and "larger than 0.0001 MB" in note
    assert ledger.files("session") == () and ledger.total == 0


def test_the_server_total_refuses_a_file_until_a_session_lets_go() -> None:
    ledger = UploadLedger()
    for index in range(4):
        for n in range(2):
            assert ledger.admit(f"s{index}", _file(f"s{index}-{n}.csv", 100), BOUNDS) is None
    assert ledger.total == 800
    refused = ledger.admit("late", _file("late.csv", 100), BOUNDS)
    assert refused is not None and "holds as many uploaded files as it takes" in refused
    assert ledger.files("late") == () and ledger.total == 800
    # A session replacing its own files needs no room beyond its own.
    assert ledger.admit("s0", _file("s0-new.csv", 100), BOUNDS) is not None  # it lets one go
    assert ledger.total == 800
    ledger.release("s1")
    assert ledger.admit("late", _file("late.csv", 100), BOUNDS) is None and ledger.total == 700


def test_an_ended_session_gives_its_bytes_back() -> None:
    ledger, held = UploadLedger(), SessionUploads()
    weakref.finalize(held, ledger.release, held.token)  # as the page registers it
    ledger.admit(held.token, _file("a.csv", 100), BOUNDS)
    assert ledger.total == 100
    del held
    gc.collect()
    assert ledger.total == 0


def test_the_same_file_again_is_held_once() -> None:
    ledger = UploadLedger()
    ledger.admit("session", _file("a.csv", 50), BOUNDS)
    ledger.admit("session", _file("a.csv", 50), BOUNDS)
    assert len(ledger.files("session")) == 1 and ledger.total == 50


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 120)), max_size=40))
def test_the_bounds_always_hold(steps: list[tuple[int, int]]) -> None:
    ledger = UploadLedger()
    for number, (index, size) in enumerate(steps):
        ledger.admit(f"s{index}", _file(f"f{number}", size), BOUNDS)
        held = [ledger.files(f"s{i}") for i in range(5)]
        assert all(len(files) <= 3 and sum(len(f.data) for f in files) <= 200 for files in held)
        assert ledger.total <= 800


def test_sessions_on_threads_never_pass_the_server_total() -> None:
    ledger, seen = UploadLedger(), []

    def one_session(index: int) -> None:
        for n in range(20):
            ledger.admit(f"t{index}", _file(f"t{index}-{n}", 100), BOUNDS)
            seen.append(ledger.total)

    threads = [threading.Thread(target=one_session, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 160 and max(seen) <= 800
