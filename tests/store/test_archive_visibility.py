"""Who sees what in the archive, how its list reads (newest first, paged, searched, filtered), and a store
password that never reaches an error, a log line or a repr."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest

from components.domain import Note, NoteKind, RunRef, RunStatus, search_runs
from components.store import (
    NO_CREDENTIAL,
    ArchiveStore,
    StoreConfig,
    StoreError,
    Viewer,
    archive_id,
    open_store,
    resolve_store,
)
from devtools.archive_runs import START, finished_run
from devtools.postgres import PostgresServer

KEY_A, KEY_B = "sk-key-of-alice-0123456789", "sk-key-of-bob-9876543210"


def test_a_session_sees_the_runs_of_its_own_credential_only(store: ArchiveStore) -> None:
    alice, bob = finished_run("ftjob-alice", n_steps=400), finished_run("ftjob-bob", n_steps=400)
    from_files = finished_run("sft-run-0123456789", n_steps=400, source="files")
    store.save(alice, store.fingerprint(KEY_A))
    store.save(bob, store.fingerprint(KEY_B))
    store.save(from_files, store.fingerprint(None))
    as_alice = store.viewer([KEY_A])
    assert store.load(alice.summary.ref, as_alice) is not None
    assert store.load(bob.summary.ref, as_alice) is None
    assert store.load_archived(archive_id(bob.summary.ref), as_alice) is None
    assert store.load(from_files.summary.ref, as_alice) is not None  # stored with no credential: everyone's
    assert {run.ref for run in store.list_runs(as_alice).runs} == {alice.summary.ref, from_files.summary.ref}
    assert store.stored_refs([alice.summary.ref, bob.summary.ref], as_alice) == {alice.summary.ref}
    assert store.count(as_alice) == 2 and store.count(store.viewer([])) == 1
    assert store.count(store.viewer([KEY_A, KEY_B])) == 3  # a session with both keys sees both


def test_a_shared_store_shows_every_run_once(store_config: StoreConfig) -> None:
    store = open_store(replace(store_config, shared=True))
    try:
        run = finished_run("ftjob-team", n_steps=400)
        store.save(run, store.fingerprint(KEY_A))
        newer = replace(run, notes=(Note(NoteKind.INFO, "read by bob"),))
        store.save(newer, store.fingerprint(KEY_B))  # the same run, read with another key
        stranger = store.viewer(["sk-someone-else"])
        assert stranger == Viewer(stranger.fingerprints, shared=True)
        [listed] = store.list_runs(stranger).runs
        assert listed.ref == run.summary.ref
        assert store.load(run.summary.ref, stranger).run.notes == (
            Note(NoteKind.INFO, "read by bob"),
        )  # the newest copy
        assert store.count(stranger) == 1
    finally:
        store.engine.dispose()


def test_fingerprints_are_keyed_hashes_that_differ_between_stores(store: ArchiveStore, tmp_path) -> None:
    other = open_store(resolve_store({"DASHBOARD_STORE": str(tmp_path / "other.sqlite3")}, {}))
    try:
        mine = store.fingerprint(KEY_A)
        assert len(mine) == 64 and KEY_A not in mine and mine == store.fingerprint(KEY_A)
        assert mine != store.fingerprint(KEY_B) and mine != other.fingerprint(KEY_A)
        assert store.fingerprint(None) == store.fingerprint("") == NO_CREDENTIAL
    finally:
        other.engine.dispose()


def test_the_list_is_newest_first_paged_searched_and_filtered(store: ArchiveStore) -> None:
    owner = store.fingerprint(KEY_A)
    runs = [finished_run(f"ftjob-list{n:02d}", n_steps=40, created=START + n * 60) for n in range(7)]
    runs[3] = replace(runs[3], summary=replace(runs[3].summary, status=RunStatus.FAILED, suffix="100%_sure"))
    for run in runs:
        store.save(run, owner)
    viewer = store.viewer([KEY_A])
    first = store.list_runs(viewer, limit=3)
    second = store.list_runs(viewer, offset=3, limit=3)
    last = store.list_runs(viewer, offset=6, limit=3)
    newest_first = [run.summary.ref for run in reversed(runs)]
    assert [run.ref for run in (*first.runs, *second.runs, *last.runs)] == newest_first
    assert (first.has_more, second.has_more, last.has_more) == (True, True, False)
    summaries = [stored.summary for stored in store.list_runs(viewer).runs]
    for query in ("list03", "LIST0 gpt-4o", "100%", "_sure", "nothing-like-this", ""):
        found = [stored.ref for stored in store.list_runs(viewer, query=query).runs]
        assert found == [run.ref for run in search_runs(summaries, query)], query  # as the page searches
    failed = store.list_runs(viewer, statuses=[RunStatus.FAILED]).runs
    assert [stored.ref for stored in failed] == [runs[3].summary.ref]
    stored = first.runs[0]
    assert (
        stored.archive_id == "openai-ftjob-list06" and stored.history_rows == 40 and stored.stored_bytes > 0
    )


def test_removing_a_run(store: ArchiveStore) -> None:
    run = finished_run("ftjob-gone", n_steps=40)
    store.save(run, store.fingerprint(KEY_A))
    assert store.delete(run.summary.ref, store.viewer([KEY_B])) == 0  # not bob's to remove
    assert store.delete(run.summary.ref, store.viewer([KEY_A])) == 1
    assert store.load(run.summary.ref, Viewer(shared=True)) is None


def test_a_long_run_id_gets_a_short_archive_id() -> None:
    long_ref = RunRef("files", "x" * 128)
    assert len(archive_id(long_ref)) <= 128 and archive_id(long_ref).startswith("files-h")
    assert archive_id(RunRef("together", "ft-abc")) == "together-ft-abc"


PASSWORD = "Sup3r-secret-pw-42"


def _assert_hidden(error: StoreError, caplog: pytest.LogCaptureFixture, *secrets: str) -> None:
    for text in (str(error), error.detail, repr(error), caplog.text):
        for secret in secrets:
            assert secret not in text


def test_a_wrong_database_password_is_never_repeated(
    postgres: PostgresServer, caplog: pytest.LogCaptureFixture
) -> None:
    postgres.create_database("archive_wrong_password")
    config = resolve_store({"DASHBOARD_STORE": postgres.url("archive_wrong_password", password=PASSWORD)}, {})
    assert config is not None
    with caplog.at_level(logging.DEBUG), pytest.raises(StoreError, match="could not be opened") as raised:
        open_store(config)
    assert "password authentication failed" in raised.value.detail  # the operator learns why …
    _assert_hidden(raised.value, caplog, PASSWORD)  # … and no one learns the password
    assert PASSWORD not in repr(config)


def test_an_unreachable_server_is_a_message_without_the_password(caplog: pytest.LogCaptureFixture) -> None:
    url = f"postgresql+psycopg://dashboard:{PASSWORD}@127.0.0.1:1/archive"
    config = resolve_store({"DASHBOARD_STORE": url}, {})
    assert config is not None
    with caplog.at_level(logging.DEBUG), pytest.raises(StoreError, match="could not be opened") as raised:
        open_store(config)
    assert raised.value.detail  # the driver's reason, for the operator
    _assert_hidden(raised.value, caplog, PASSWORD)


def test_a_sqlite_file_that_cannot_be_made_is_a_store_error(tmp_path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    config = resolve_store({"DASHBOARD_STORE": str(blocker / "archive.sqlite3")}, {})
    assert config is not None
    with pytest.raises(StoreError, match="could not be opened"):
        open_store(config)
