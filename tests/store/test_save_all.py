"""Save all runs of a source (``components.archive.save_all``) against the stand-in over loopback, into a real
SQLite store (and PostgreSQL for the whole path): every run with its events and files, each URL read once,
nothing read again once stored, the size limit, files added to runs archived before, failures and their
reasons, Together AI, and no key anywhere in the store."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from sqlalchemy import MetaData, select

from components.api import make_http_client
from components.archive.provider_files import provider_files, read_file
from components.archive.save_all import FAILED_IN_A_ROW, Outcome, Tally, save_all, summary_lines
from components.domain import RunRef
from components.sources import open_source, resolve_sources
from components.sources.registry import SourceConfig
from components.store import (
    ArchiveStore,
    FileRole,
    FileState,
    StoreConfig,
    open_store,
    resolve_store,
)
from devtools.many_jobs import add_jobs, job, training_file
from devtools.standin import DEFAULT_API_KEY, Fault, StandInServer, make_together_run, together_job_id
from devtools.standin.chat import validation_jsonl


class Steps:
    """The progress a save reports, kept to assert on."""

    def __init__(self) -> None:
        self.pages = 0
        self.steps: list[tuple[int, int, RunRef, Outcome]] = []

    def listed(self, label: str, tally: Tally) -> None:
        self.pages = tally.pages

    def step(self, tally: Tally, ref: RunRef, outcome: Outcome) -> None:
        self.steps.append((tally.done, tally.total, ref, outcome))


def openai(standin: StandInServer, **settings: str) -> SourceConfig:
    env = {"OPENAI_API_KEY": DEFAULT_API_KEY, "OPENAI_BASE_URL": standin.base_url, "OPENAI_MAX_RETRIES": "0"}
    config = resolve_sources(env | settings, {}).get("openai")
    assert config is not None
    return config


def saved(store: ArchiveStore, config: SourceConfig) -> tuple[Tally, Steps]:
    tally, steps = Tally(), Steps()
    save_all(store, [config], tally, steps)
    return tally, steps


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[ArchiveStore]:
    config = resolve_store({"DASHBOARD_STORE": str(tmp_path / "archive.sqlite3")}, {})
    assert config is not None
    store = open_store(config)
    yield store
    store.engine.dispose()


def files_by_role(store: ArchiveStore, job_id: str) -> dict[FileRole, object]:
    viewer = store.viewer([DEFAULT_API_KEY])
    return {file.role: file for file in store.kept_files(RunRef("openai", job_id), viewer)}


def content(store: ArchiveStore, job_id: str, role: FileRole, file_id: str = "") -> bytes | None:
    return store.kept_file(RunRef("openai", job_id), store.viewer([DEFAULT_API_KEY]), role, file_id)


def test_every_run_is_saved_with_its_files_and_each_url_is_read_once(
    standin: StandInServer, store_config: StoreConfig
) -> None:
    finished = add_jobs(standin, 5)
    store = open_store(store_config)
    try:
        tally, steps = saved(store, openai(standin))
        assert (tally.saved, tally.already, tally.unfinished, tally.failures) == (5, 0, 1, [])
        assert [(done, total, ref.run_id) for done, total, ref, _ in steps.steps] == [
            (n + 1, 5, job_id) for n, job_id in enumerate(finished)
        ]
        assert {outcome for *_, outcome in steps.steps} == {Outcome.SAVED}
        for n, job_id in enumerate(finished[::-1]):
            served = job(n)
            kept = files_by_role(store, job_id)
            assert {role: file.state for role, file in kept.items()} == dict.fromkeys(
                FileRole, FileState.KEPT
            )
            [result_id] = served.job["result_files"]
            assert content(store, job_id, FileRole.RESULT, result_id) == served.files[result_id]
            training_id = served.job["training_file"]
            assert content(store, job_id, FileRole.TRAINING, training_id) == training_file(job_id)
            assert kept[FileRole.TRAINING].size == len(training_file(job_id))
            validation = content(store, job_id, FileRole.VALIDATION, served.job["validation_file"])
            assert validation == validation_jsonl(job_id)
            events = content(store, job_id, FileRole.EVENTS)
            assert [json.loads(line) for line in events.decode().splitlines()] == served.events
        sent = Counter((request.path, tuple(sorted(request.query.items()))) for request in standin.requests)
        assert max(sent.values()) == 1  # the loader's reads and the files' reads share each request
        assert tally.wire.requests == len(standin.requests)
        assert standin.count("job", "ftjob-live") == 0  # a running job is not even opened

        standin.reset_log()
        again, steps = saved(store, openai(standin))
        assert (again.saved, again.already, again.done, again.total) == (0, 5, 5, 5)
        assert [request.path for request in standin.requests] == ["/v1/fine_tuning/jobs"]
        assert steps.steps == []
    finally:
        store.engine.dispose()


def test_a_file_over_the_limit_is_recorded_with_its_size_and_read_once_the_limit_allows_it(
    standin: StandInServer, tmp_path: Path
) -> None:
    large = b"x" * 30_000
    standin.add_run(job(0, training=large))
    config = resolve_store(
        {"DASHBOARD_STORE": str(tmp_path / "a.sqlite3"), "DASHBOARD_SAVE_FILE_LIMIT_MB": "0.02"}, {}
    )
    assert config is not None and config.file_limit == 20_000
    store = open_store(config)
    try:
        tally, _ = saved(store, openai(standin))
        assert (tally.saved, tally.files_skipped, tally.failures) == (1, 1, [])
        training = files_by_role(store, "ftjob-0000")[FileRole.TRAINING]
        assert (training.state, training.size, training.sha256) == (FileState.SKIPPED, 30_000, None)
        assert "DASHBOARD_SAVE_FILE_LIMIT_MB" in training.reason and "0.02 MB" in training.reason
        training_id = job(0).job["training_file"]
        assert not any(request.path.endswith(f"/files/{training_id}/content") for request in standin.requests)
        assert any("larger than the file limit" in line for line in summary_lines(tally, ["OpenAI"]))
        standin.reset_log()
        assert saved(store, openai(standin))[0].already == 1  # still over the limit: nothing to read
        assert [request.path for request in standin.requests] == ["/v1/fine_tuning/jobs"]
    finally:
        store.engine.dispose()
    raised = open_store(replace(config, file_limit=50_000))  # DASHBOARD_SAVE_FILE_LIMIT_MB raised
    try:
        standin.reset_log()
        tally, steps = saved(raised, openai(standin))
        assert [outcome for *_, outcome in steps.steps] == [Outcome.FILES_ADDED] and tally.failures == []
        assert standin.count("file", "ftjob-0000") == 1  # the skipped file, and only it
        assert content(raised, "ftjob-0000", FileRole.TRAINING, training_id) == large
    finally:
        raised.engine.dispose()


def test_a_run_archived_without_its_files_gets_only_its_files(
    standin: StandInServer, sqlite_store: ArchiveStore
) -> None:
    add_jobs(standin, 1)
    config = openai(standin)
    sqlite_store.save(open_source(config).load_run("ftjob-0000"), sqlite_store.fingerprint(DEFAULT_API_KEY))
    standin.reset_log()
    tally, steps = saved(sqlite_store, config)
    assert [outcome for *_, outcome in steps.steps] == [Outcome.FILES_ADDED]
    assert (tally.files_added, tally.saved, tally.failures) == (1, 0, [])
    assert standin.count("checkpoints") == 0  # the run itself is not read again
    assert set(files_by_role(sqlite_store, "ftjob-0000")) == set(FileRole)
    assert "the files of 1 run archived before" in summary_lines(tally, ["OpenAI"])[0]


def test_a_file_that_fails_is_tried_again_alone_by_the_next_save(
    standin: StandInServer, sqlite_store: ArchiveStore
) -> None:
    served = job(0)
    training_id = served.job["training_file"]
    standin.add_run(served, [Fault("file", "status", status=500, skip=1, times=1)])  # the result file passes
    tally, _ = saved(sqlite_store, openai(standin))
    [failure] = tally.failures
    assert failure.what == "openai:ftjob-0000"
    assert failure.reason.startswith(f"Saved without its training file {training_id}: It could not be read (")
    kept = files_by_role(sqlite_store, "ftjob-0000")
    assert (
        kept[FileRole.TRAINING].state is FileState.FAILED
        and kept[FileRole.VALIDATION].state is FileState.KEPT
    )

    standin.reset_log()
    again, steps = saved(sqlite_store, openai(standin))
    assert [outcome for *_, outcome in steps.steps] == [Outcome.FILES_ADDED] and again.failures == []
    paths = [request.path for request in standin.requests]
    assert paths == [
        "/v1/fine_tuning/jobs",
        "/v1/fine_tuning/jobs/ftjob-0000",  # for the ids of its files
        f"/v1/files/{training_id}",
        f"/v1/files/{training_id}/content",
    ]
    assert files_by_role(sqlite_store, "ftjob-0000")[FileRole.TRAINING].state is FileState.KEPT


def test_a_file_the_provider_no_longer_has_is_missing_not_a_failure(
    standin: StandInServer, sqlite_store: ArchiveStore
) -> None:
    served = job(0)
    standin.add_run(
        replace(served, files={k: v for k, v in served.files.items() if k in served.job["result_files"]})
    )
    tally, _ = saved(sqlite_store, openai(standin))
    assert (tally.saved, tally.failures) == (1, [])
    training = files_by_role(sqlite_store, "ftjob-0000")[FileRole.TRAINING]
    assert training.state is FileState.MISSING and "No such File object" in training.reason
    standin.reset_log()
    assert saved(sqlite_store, openai(standin))[0].already == 1  # not asked for again


def test_a_training_file_shared_by_runs_is_read_and_stored_once(
    standin: StandInServer, sqlite_store: ArchiveStore
) -> None:
    shared = "file-sharedtrainingdata0001"
    for n in range(3):
        served = job(n)
        served = replace(
            served, job={**served.job, "training_file": shared}, files={**served.files, shared: b"{}\n" * 50}
        )
        standin.add_run(served)
    tally, _ = saved(sqlite_store, openai(standin))
    assert (tally.saved, tally.failures) == (3, [])
    assert sum(request.path == f"/v1/files/{shared}/content" for request in standin.requests) == 1
    hashes = {files_by_role(sqlite_store, f"ftjob-{n:04d}")[FileRole.TRAINING].sha256 for n in range(3)}
    assert len(hashes) == 1 and None not in hashes
    tables = MetaData()
    tables.reflect(sqlite_store.engine, only=["archived_blobs"])
    with sqlite_store.engine.connect() as connection:
        rows = connection.execute(select(tables.tables["archived_blobs"].c.sha256)).scalars().all()
    assert rows.count(hashes.pop()) == 1


def test_runs_failing_one_after_another_stop_the_source(
    standin: StandInServer, sqlite_store: ArchiveStore
) -> None:
    count = FAILED_IN_A_ROW + 3
    add_jobs(
        standin, count, faults={n: [Fault("job", "status", status=500, times=None)] for n in range(count)}
    )
    tally, steps = saved(sqlite_store, openai(standin))
    assert len(steps.steps) == len(tally.failures) == FAILED_IN_A_ROW and tally.total == count
    assert (
        tally.stopped is not None and f"stopped after {FAILED_IN_A_ROW} runs in a row failed" in tally.stopped
    )
    assert summary_lines(tally, ["OpenAI"])[-1] == tally.stopped


def test_together_runs_keep_their_events_and_validation_file(
    standin: StandInServer, sqlite_store: ArchiveStore
) -> None:
    job_id = together_job_id("kept")
    run = make_together_run(job_id)
    standin.add_run(run)
    env = {"TOGETHER_API_KEY": DEFAULT_API_KEY, "TOGETHER_BASE_URL": standin.together_base_url}
    config = resolve_sources(env, {}).get("together")
    tally, _ = saved(sqlite_store, config)
    assert (tally.saved, tally.failures) == (1, [])
    viewer = sqlite_store.viewer([DEFAULT_API_KEY])
    kept = {file.role: file for file in sqlite_store.kept_files(RunRef("together", job_id), viewer)}
    assert kept[FileRole.TRAINING].state is FileState.MISSING  # the stand-in serves no Together training file
    validation = sqlite_store.kept_file(
        RunRef("together", job_id), viewer, FileRole.VALIDATION, run.job["validation_file"]
    )
    assert validation == validation_jsonl(job_id)
    events = sqlite_store.kept_file(RunRef("together", job_id), viewer, FileRole.EVENTS, "")
    assert [json.loads(line) for line in events.decode().splitlines()] == run.events


def test_no_part_of_the_key_is_stored_or_reported(standin: StandInServer, sqlite_store: ArchiveStore) -> None:
    echo = f"Incorrect API key provided: {DEFAULT_API_KEY}."
    standin.add_run(job(0), [Fault("events", "status", status=500, times=None, message=echo)])
    standin.add_run(job(1), [Fault("job", "status", status=500, times=None, message=echo)])
    tally, _ = saved(sqlite_store, openai(standin))
    assert len(tally.failures) == 2
    for failure in tally.failures:
        assert DEFAULT_API_KEY not in failure.reason and "Incorrect API key provided" in failure.reason
    tables = MetaData()
    tables.reflect(sqlite_store.engine)
    with sqlite_store.engine.connect() as connection:
        for table in tables.sorted_tables:
            for row in connection.execute(select(table)):
                assert DEFAULT_API_KEY.encode() not in repr(tuple(row)).encode()


def test_events_over_the_limit_stop_being_read_at_the_limit(standin: StandInServer, tmp_path: Path) -> None:
    standin.add_run(job(0, n_steps=480))  # 483 events: 5 pages, about 145 kB of JSON lines
    config = resolve_store(
        {"DASHBOARD_STORE": str(tmp_path / "a.sqlite3"), "DASHBOARD_SAVE_FILE_LIMIT_MB": "0.02"}, {}
    )
    store = open_store(config)
    try:
        tally, _ = saved(store, openai(standin))
        assert tally.failures == [] and tally.saved == 1
        events = files_by_role(store, "ftjob-0000")[FileRole.EVENTS]
        assert events.state is FileState.SKIPPED and 20_000 < events.size < 145_000
        assert standin.count("events", "ftjob-0000") == 1  # given up after the page that passed the limit
    finally:
        store.engine.dispose()


def test_a_hostile_file_object_is_recorded_within_bounds(standin: StandInServer) -> None:
    """A file object with an impossible size and a name with a NUL, a path and markup: the size is taken as
    unknown, the bytes are read within the limit, and the name is kept as visible text only."""

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/content"):
            return httpx.Response(200, content=b"x" * 100)
        return httpx.Response(200, json={"bytes": 10**30, "filename": "../\x00<b>evil</b>\u202e.jsonl" * 40})

    config = openai(standin)
    http = make_http_client(
        config.api.base_url, read_timeout=5, max_retries=0, transport=httpx.MockTransport(answer)
    )
    with http:
        files = provider_files(config, http)
        kept = read_file(files.client, FileRole.TRAINING, "file-abc", limit=1_000)
        too_large = read_file(files.client, FileRole.TRAINING, "file-abc", limit=50)
        not_an_id = read_file(files.client, FileRole.TRAINING, "../etc/passwd", limit=1_000)
    assert (kept.record.state, kept.record.size, kept.data) == (FileState.KEPT, 100, b"x" * 100)
    assert (
        "\x00" not in kept.record.name and "\u202e" not in kept.record.name and len(kept.record.name) <= 255
    )
    assert (too_large.record.state, too_large.record.size) == (FileState.SKIPPED, 51)
    assert (not_an_id.record.state, not_an_id.record.file_id) == (FileState.MISSING, "")
