"""The files kept with stored runs (revision 0003), on SQLite and PostgreSQL: written with their run in one
transaction, read back exactly, shared bytes stored once and removed with their last run, seen only by
whoever sees the run, a store of revision 0002 migrated with its runs, and safe download names."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import event, func, select

from components.store import (
    ArchiveStore,
    FileRole,
    FileState,
    Kept,
    StoreConfig,
    kept_bytes,
    not_kept,
    open_store,
)
from components.store.engine import current_revision, head_revision, make_engine, upgrade
from components.store.kept_files import EVENTS_FILE, KeptFile, download_name
from components.store.schema import archived_blobs, archived_files, archived_runs
from devtools.archive_runs import finished_run
from tests.store.old_rows import write_old_run

KEY_A, KEY_B = "sk-key-a-0123456789", "sk-key-b-0123456789"


def files_for(job: str, training: bytes = b'{"messages": []}\n' * 40) -> list:
    return [
        kept_bytes(FileRole.TRAINING, f"file-train-{job}", "train.jsonl", training),
        not_kept(
            FileRole.VALIDATION,
            f"file-valid-{job}",
            FileState.SKIPPED,
            "It is larger than 50 MB.",
            60_000_000,
        ),
        kept_bytes(FileRole.EVENTS, EVENTS_FILE, "events.jsonl", b'{"id": "ftevent-1"}\n'),
    ]


def count(store: ArchiveStore, table) -> int:
    with store.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


def test_files_are_saved_with_their_run_and_read_back_exactly(store: ArchiveStore) -> None:
    run = finished_run("ftjob-files", n_steps=200)
    owner, viewer = store.fingerprint(KEY_A), store.viewer([KEY_A])
    store.save(run, owner, files=files_for("a"))
    ref = run.summary.ref
    kept = store.kept_files(ref, viewer)
    assert [(f.role, f.state, f.size) for f in kept] == [
        (FileRole.TRAINING, FileState.KEPT, 680),
        (FileRole.VALIDATION, FileState.SKIPPED, 60_000_000),
        (FileRole.EVENTS, FileState.KEPT, 20),
    ]
    assert kept[1].reason == "It is larger than 50 MB." and kept[1].sha256 is None
    assert store.kept_file(ref, viewer, FileRole.TRAINING, "file-train-a") == b'{"messages": []}\n' * 40
    assert store.kept_file(ref, viewer, FileRole.VALIDATION, "file-valid-a") is None
    archive_id = store.list_runs(viewer).runs[0].archive_id
    assert store.kept_files(archive_id, viewer) == kept  # the same run under archive:<id>
    assert store.kept_files(ref, store.viewer([KEY_B])) == []  # another key sees neither run nor files
    assert store.kept_file(ref, store.viewer([KEY_B]), FileRole.TRAINING, "file-train-a") is None
    assert store.save_states([ref], viewer, owner) == {ref: Kept.WHOLE}


def test_a_failed_file_keeps_the_run_incomplete_until_its_bytes_are_added(store: ArchiveStore) -> None:
    run = finished_run("ftjob-later", n_steps=100)
    owner, viewer, ref = store.fingerprint(KEY_A), store.viewer([KEY_A]), run.summary.ref
    failed = not_kept(FileRole.TRAINING, "file-t", FileState.FAILED, "HTTP 500")
    store.save(run, owner, files=[failed])
    assert store.save_states([ref], viewer, owner) == {ref: Kept.RUN_ONLY}
    assert store.save_states([ref], store.viewer([KEY_B]), store.fingerprint(KEY_B)) == {}
    store.add_files(ref, owner, [kept_bytes(FileRole.TRAINING, "file-t", "t.jsonl", b"{}\n")])
    [training] = store.own_files(ref, owner)
    assert (training.state, training.reason, training.size) == (FileState.KEPT, None, 3)
    assert store.save_states([ref], viewer, owner) == {ref: Kept.WHOLE}


def test_a_run_saved_without_files_is_run_only_and_files_survive_a_refresh(store: ArchiveStore) -> None:
    run = finished_run("ftjob-page", n_steps=100)
    owner, viewer, ref = store.fingerprint(KEY_A), store.viewer([KEY_A]), run.summary.ref
    store.save(run, owner)  # as the page archives a run it opened
    assert store.save_states([ref], viewer, owner) == {ref: Kept.RUN_ONLY}
    store.add_files(ref, owner, files_for("p"))
    store.save(run, owner)  # Refresh replaces the run's tables; its files stay with it
    assert len(store.kept_files(ref, viewer)) == 3 and store.save_states([ref], viewer, owner) == {
        ref: Kept.WHOLE
    }


def test_shared_bytes_are_stored_once_and_removed_with_their_last_run(store: ArchiveStore) -> None:
    owner, viewer = store.fingerprint(KEY_A), store.viewer([KEY_A])
    first, second = finished_run("ftjob-one", n_steps=60), finished_run("ftjob-two", n_steps=60)
    store.save(first, owner, files=files_for("one", training=b"same bytes\n"))
    store.save(second, owner, files=files_for("two", training=b"same bytes\n"))
    assert count(store, archived_blobs) == 2  # the shared training bytes, and the events (also the same)
    assert set(store.known_files(owner, "openai", ["file-train-one", "file-valid-one", "x"])) == {
        "file-train-one"
    }
    assert store.known_files(store.fingerprint(KEY_B), "openai", ["file-train-one"]) == {}
    assert store.delete(first.summary.ref, viewer) == 1
    assert count(store, archived_blobs) == 2 and count(store, archived_files) == 3
    assert store.kept_file(second.summary.ref, viewer, FileRole.TRAINING, "file-train-two") == b"same bytes\n"
    store.delete(second.summary.ref, viewer)
    assert count(store, archived_blobs) == count(store, archived_files) == 0


def test_a_failure_writing_the_files_leaves_no_run(store: ArchiveStore) -> None:
    run = finished_run("ftjob-half", n_steps=100)

    def fail_on_files(connection, statement, *args) -> None:
        if "archived_files" in str(statement) and str(statement).lstrip().upper().startswith("INSERT"):
            raise RuntimeError("the disk is full")

    event.listen(store.engine, "after_execute", fail_on_files)
    try:
        with pytest.raises(RuntimeError, match="disk is full"):
            store.save(run, store.fingerprint(KEY_A), files=files_for("h"))
    finally:
        event.remove(store.engine, "after_execute", fail_on_files)
    assert count(store, archived_runs) == count(store, archived_blobs) == 0


def test_a_store_of_revision_0002_is_migrated_with_its_runs(store_config: StoreConfig) -> None:
    engine = make_engine(store_config)
    upgrade(engine, "0002")
    run = finished_run("ftjob-before", n_steps=100)
    owner = ArchiveStore(engine, store_config).fingerprint(KEY_A)
    write_old_run(engine, run, owner)  # the code of revision 0002 wrote runs only
    engine.dispose()
    store = open_store(store_config)  # opening migrates to the newest revision
    try:
        with store.engine.connect() as connection:
            assert current_revision(connection) == head_revision() == "0005"
        viewer, ref = store.viewer([KEY_A]), run.summary.ref
        assert store.load(ref, viewer) is not None and store.kept_files(ref, viewer) == []
        assert store.save_states([ref], viewer, owner) == {ref: Kept.RUN_ONLY}
    finally:
        store.engine.dispose()


SAFE = re.compile(r"[A-Za-z0-9._-]+")


@given(st.text(max_size=300), st.sampled_from(list(FileRole)))
def test_a_download_name_is_always_safe(name: str, role: FileRole) -> None:
    file = KeptFile(role, "file-abc", name, 1, FileState.KEPT)
    shown = download_name("ftjob-abc", file)
    assert SAFE.fullmatch(shown) and shown.startswith(f"ftjob-abc-{role.value}-")
    assert ".." not in shown.split("-", 2)[2][:2] and len(shown) <= len("ftjob-abc-validation-") + 80


def test_download_names_keep_the_extension_and_lose_any_path() -> None:
    def named(name: str) -> str:
        return download_name("ftjob-1", KeptFile(FileRole.TRAINING, "file-x", name, 1, FileState.KEPT))

    assert named("my data v2.jsonl") == "ftjob-1-training-my_data_v2.jsonl"
    assert named("../../.bashrc") == "ftjob-1-training-bashrc"
    assert named("<script>x</script>.csv") == "ftjob-1-training-script_x_script_.csv"
    assert named("") == "ftjob-1-training-file-x"
