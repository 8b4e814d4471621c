"""The archive store against SQLite and a real PostgreSQL server: exact round trips, atomic writes (a raise or
a kill mid-transaction leaves no half run), concurrent writers and starts, migrations, who sees what."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import event, func, select, text

from components.domain import Note, NoteKind, RunRef, RunStatus
from components.store import (
    NO_CREDENTIAL,
    ArchiveStore,
    NotArchivableError,
    Saved,
    StoreConfig,
    Viewer,
    open_store,
)
from components.store.engine import current_revision, head_revision, make_engine, upgrade
from components.store.schema import archive_meta, archived_frames, archived_runs
from devtools.archive_runs import finished_run
from tests.domain.test_run_export import assert_same_run
from tests.store.old_rows import write_old_run

ROOT = Path(__file__).resolve().parents[2]
KEY_A, KEY_B = "sk-key-of-alice-0123456789", "sk-key-of-bob-9876543210"


def rows(store: ArchiveStore, table=archived_runs) -> int:
    with store.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


def test_a_100000_step_run_reads_back_exactly_even_after_a_restart(store_config: StoreConfig) -> None:
    run = finished_run("ftjob-long", n_steps=100_000)
    store = open_store(store_config)
    owner = store.fingerprint(KEY_A)
    result = store.save(run, owner)
    assert result.outcome is Saved.STORED and 0 < result.stored_bytes < 8_000_000
    store.engine.dispose()

    reopened = open_store(store_config)  # a new process would do the same: a new engine, the same database
    archived = reopened.load(run.summary.ref, reopened.viewer([KEY_A]))
    assert archived is not None and archived.archive_id == "openai-ftjob-long"
    assert_same_run(archived.run, run)
    assert archived.run.history["train_loss"].iloc[:4].tolist()[:2] == [float("inf"), float("-inf")]
    assert str(archived.run.history["train_loss"].iloc[2]) == "-0.0"
    assert archived.saved_at.tzname() == "UTC"
    reopened.engine.dispose()


def test_saving_again_replaces_the_copy_and_never_duplicates_it(store: ArchiveStore) -> None:
    owner = store.fingerprint(KEY_A)
    first = finished_run("ftjob-again", n_steps=400)
    second = replace(first, notes=(Note(NoteKind.INFO, "read again"),))
    assert store.save(first, owner).outcome is Saved.STORED
    assert store.save(second, owner, replace=False).outcome is Saved.ALREADY
    assert store.load(first.summary.ref, store.viewer([KEY_A])).run.notes == first.notes
    assert store.save(second, owner).outcome is Saved.REPLACED
    assert store.load(first.summary.ref, store.viewer([KEY_A])).run.notes == (
        Note(NoteKind.INFO, "read again"),
    )
    assert rows(store) == 1 and rows(store, archived_frames) == 2


@pytest.mark.parametrize("status", [RunStatus.RUNNING, RunStatus.QUEUED, RunStatus.PAUSED])
def test_running_runs_are_never_stored(store: ArchiveStore, status: RunStatus) -> None:
    run = finished_run("ftjob-live", n_steps=400, status=status)
    with pytest.raises(NotArchivableError, match="archived once it has finished"):
        store.save(run, store.fingerprint(KEY_A))
    assert rows(store) == 0


def test_a_partly_read_run_is_never_stored(store: ArchiveStore) -> None:
    run = replace(finished_run("ftjob-partial", n_steps=400), is_partial=True)
    with pytest.raises(NotArchivableError, match="stores a run whole"):
        store.save(run, store.fingerprint(KEY_A))
    assert rows(store) == 0


def test_a_failure_inside_the_transaction_leaves_no_half_run_and_keeps_the_old_copy(
    store: ArchiveStore,
) -> None:
    owner = store.fingerprint(KEY_A)
    old = finished_run("ftjob-raise", n_steps=400)
    store.save(old, owner)
    new = replace(
        finished_run("ftjob-fresh", n_steps=400), summary=old.summary, notes=(Note(NoteKind.INFO, "new"),)
    )
    other = finished_run("ftjob-other", n_steps=400)

    def fail_on_tables(connection, statement, *args) -> None:
        if "archived_frames" in str(statement) and str(statement).lstrip().upper().startswith("INSERT"):
            raise RuntimeError("the disk is full")

    event.listen(store.engine, "after_execute", fail_on_tables)
    try:
        for run in (new, other):  # a replacement, and a run not stored before
            with pytest.raises(RuntimeError, match="disk is full"):
                store.save(run, owner)
    finally:
        event.remove(store.engine, "after_execute", fail_on_tables)
    assert store.load(other.summary.ref, store.viewer([KEY_A])) is None
    kept = store.load(old.summary.ref, store.viewer([KEY_A]))
    assert kept is not None
    assert_same_run(kept.run, old)
    assert rows(store) == 1 and rows(store, archived_frames) == 2


KILLED_WRITER = """
import sys
from sqlalchemy import event
from components.store import open_store, resolve_store
from devtools.archive_runs import finished_run

store = open_store(resolve_store({"DASHBOARD_STORE": sys.argv[1]}, {}))
run = finished_run("ftjob-killed", n_steps=4_000)

@event.listens_for(store.engine, "after_execute")
def stop_half_way(connection, statement, *args):
    if "archived_frames" in str(statement) and str(statement).lstrip().upper().startswith("INSERT"):
        print("half-way", flush=True)
        sys.stdin.readline()  # wait here, inside the transaction, until killed

store.save(run, "someone")
print("committed", flush=True)
"""


def test_a_writer_killed_mid_transaction_leaves_no_half_run(store_config: StoreConfig) -> None:
    url = store_config.url.render_as_string(hide_password=False)
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, url],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "half-way"  # the run's row is written, its tables half
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    store = open_store(store_config)
    try:
        assert rows(store) == 0 and rows(store, archived_frames) == 0
        assert store.load(RunRef("openai", "ftjob-killed"), Viewer(shared=True)) is None
        run = finished_run("ftjob-after", n_steps=400)  # and the store takes the next write at once
        assert store.save(run, "someone").outcome is Saved.STORED
    finally:
        store.engine.dispose()


def test_concurrent_writers_of_the_same_and_of_different_runs(store: ArchiveStore) -> None:
    owner = store.fingerprint(KEY_A)
    same = finished_run("ftjob-same", n_steps=400)
    different = [finished_run(f"ftjob-diff{n}", n_steps=400, seed=n) for n in range(4)]
    work = [same] * 4 + different
    start = threading.Barrier(len(work))
    errors: list[BaseException] = []

    def write(run) -> None:
        start.wait()
        try:
            store.save(run, owner)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(run,)) for run in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    viewer = store.viewer([KEY_A])
    assert rows(store) == 5 and rows(store, archived_frames) == 10
    for run in (same, *different):
        archived = store.load(run.summary.ref, viewer)
        assert archived is not None
        assert_same_run(archived.run, run)


PROCESS_WRITER = """
import sys
from components.store import open_store, resolve_store
from devtools.archive_runs import finished_run

store = open_store(resolve_store({"DASHBOARD_STORE": sys.argv[1]}, {}))
mine = finished_run(f"ftjob-proc{sys.argv[2]}", n_steps=2_000, seed=int(sys.argv[2]))
same = finished_run("ftjob-shared", n_steps=2_000)
for run in (same, mine, same):
    store.save(run, "team")
print("ok", flush=True)
"""


def test_concurrent_writer_processes(store_config: StoreConfig) -> None:
    url = store_config.url.render_as_string(hide_password=False)
    children = [
        subprocess.Popen(
            [sys.executable, "-c", PROCESS_WRITER, url, str(n)],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(3)
    ]
    outputs = [child.communicate(timeout=120) for child in children]
    assert [child.returncode for child in children] == [0, 0, 0], [err[-2000:] for _, err in outputs]
    store = open_store(store_config)
    try:
        assert rows(store) == 4 and rows(store, archived_frames) == 8
        for job, seed in (("ftjob-shared", 7), *((f"ftjob-proc{n}", n) for n in range(3))):
            archived = store.load(RunRef("openai", job), Viewer(shared=True))
            assert archived is not None
            expected = finished_run(job, n_steps=2_000, seed=seed)
            assert_same_run(archived.run, replace(expected, provenance=archived.run.provenance))
    finally:
        store.engine.dispose()


def test_servers_starting_at_once_create_the_schema_once(store_config: StoreConfig) -> None:
    start = threading.Barrier(4)
    opened: list[ArchiveStore] = []
    errors: list[BaseException] = []

    def open_one() -> None:
        start.wait()
        try:
            opened.append(open_store(store_config))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == [] and len(opened) == 4
        assert len({store.fingerprint(KEY_A) for store in opened}) == 1  # one key, made once
        with opened[0].engine.connect() as connection:
            assert current_revision(connection) == head_revision()
            assert connection.execute(text("SELECT count(*) FROM archive_schema_version")).scalar_one() == 1
            assert connection.execute(select(func.count()).select_from(archive_meta)).scalar_one() == 1
    finally:
        for store in opened:
            store.engine.dispose()


def test_an_empty_database_gets_the_whole_schema(store_config: StoreConfig) -> None:
    engine = make_engine(store_config)
    try:
        with engine.connect() as connection:
            assert current_revision(connection) is None
        store = open_store(store_config)
        with store.engine.connect() as connection:
            assert current_revision(connection) == head_revision() == "0005"
            names = set(store.engine.dialect.get_table_names(connection))
        assert {
            "archived_runs",
            "archived_frames",
            "archived_files",
            "archived_blobs",
            "archive_meta",
            "archive_schema_version",
        } <= names
        assert {"answer_sets", "answer_prompts", "answer_models", "recorded_answers"} <= names
        store.engine.dispose()
    finally:
        engine.dispose()


def test_a_store_of_the_first_schema_is_migrated_with_its_runs(store_config: StoreConfig) -> None:
    engine = make_engine(store_config)
    run = finished_run("ftjob-old", n_steps=400)
    upgrade(engine, "0001")
    write_old_run(engine, run, NO_CREDENTIAL, search_text=False)  # as revision 0001 wrote it
    engine.dispose()

    store = open_store(store_config)
    try:
        with store.engine.connect() as connection:
            assert current_revision(connection) == head_revision()
        viewer = store.viewer([])
        [listed] = store.list_runs(viewer, query="FTJOB-OLD archive").runs  # search_text was filled in
        assert listed.ref == run.summary.ref
        archived = store.load(run.summary.ref, viewer)
        assert archived is not None
        assert_same_run(archived.run, run)
    finally:
        store.engine.dispose()


def test_every_logged_metric_of_a_run_round_trips_through_the_archive(store: ArchiveStore) -> None:
    from tests.domain.test_run_export import grpo_run

    run = grpo_run()
    owner = store.fingerprint(KEY_A)
    assert store.save(run, owner).outcome is Saved.STORED
    archived = store.load(run.summary.ref, store.viewer([KEY_A]))
    assert archived is not None
    assert_same_run(archived.run, run)
    assert "eval_rewards/reward_keyword/mean" in archived.run.checkpoints


def test_the_declared_deciding_metric_round_trips_through_the_archive(store: ArchiveStore) -> None:
    """A trainer's declared metric (eval_f1, higher is better) is stored with the run, so a run reopened from
    the archive is chosen by what it was trained for, not by the documented fallback order."""

    from components.sources.run_files import Origin, run_from_trainer_state
    from tests.sources.test_trainer_fixtures import TRAINERS

    state = json.loads((TRAINERS / "classifier_f1" / "trainer_state.json").read_bytes())
    origin = Origin(RunRef("files", "classifier-0123456789"), "Runs folder", "classifier_f1")
    run = run_from_trainer_state(state, origin, checkpoint_steps=[20, 40, 60, 80, 100])
    assert run.provider_best is not None and run.provider_best.decider == "eval_f1"
    assert store.save(run, store.fingerprint(KEY_A)).outcome is Saved.STORED
    archived = store.load(run.summary.ref, store.viewer([KEY_A]))
    assert archived is not None
    assert archived.run.provider_best == run.provider_best
    assert (archived.run.provider_best.decider, archived.run.provider_best.direction) == ("eval_f1", "higher")
